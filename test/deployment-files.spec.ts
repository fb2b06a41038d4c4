import { getMetadataStorage } from 'class-validator';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { EnvironmentVariables } from '../src/config/app-config';

/**
 * The files a self-hoster reads and runs besides the code: they must follow the configuration as it grows. (`.ci/run`
 * also validates docker-compose.yml with `docker-compose config`.)
 */
const ROOT = resolve(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Every variable the node validates at boot. */
const NODE_VARIABLES = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
      .map((metadata) => metadata.propertyName),
  ),
].sort();

/** Left out of docker-compose.yml on purpose, with the reason. */
const NOT_FOR_COMPOSE: Record<string, string> = {
  MYLIFE_EMBEDDED_POSTGRES_PORT: 'the compose file always gives DATABASE_URL: no embedded PostgreSQL',
};

/** The `environment:` keys of the compose file's api service. */
function composeApiEnvironment(): Map<string, string> {
  const compose = read('docker-compose.yml');
  const block = /^ {2}api:\n(?:.*\n)*? {4}environment:\n((?: {6}.*\n)+)/m.exec(compose)?.[1] ?? '';
  const entries = [...block.matchAll(/^ {6}([A-Z0-9_]+): *(.*)$/gm)].map(([, name, value]) => [name!, value!] as const);
  return new Map(entries);
}

describe('deployment files', () => {
  it('found the variables to check', () => {
    expect(NODE_VARIABLES).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'MYLIFE_FEDERATION_TIMEOUT_MS']));
  });

  it('docker-compose.yml passes every variable of the node to the api service', () => {
    const passed = composeApiEnvironment();
    const missing = NODE_VARIABLES.filter((name) => !passed.has(name) && !(name in NOT_FOR_COMPOSE));
    expect(missing).toEqual([]);
  });

  it('the database password reaches the node apart from the URL, so that no character of it needs escaping', () => {
    const passed = composeApiEnvironment();
    expect(passed.get('DATABASE_URL')).toBe('postgres://mylife@postgres:5432/mylife');
    expect(passed.get('PGPASSWORD')).toBe('${POSTGRES_PASSWORD:-mylife}');
    expect(read('docker-compose.yml')).toContain('POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-mylife}');
  });

  it('publishes the API on 127.0.0.1 unless MYLIFE_PUBLISH_ADDRESS says otherwise', () => {
    expect(read('docker-compose.yml')).toMatch(
      /^ {6}- '\$\{MYLIFE_PUBLISH_ADDRESS:-127\.0\.0\.1\}:\$\{PORT:-8787\}:8787'$/m,
    );
  });

  it('.env.example documents every variable and those of the compose file', () => {
    const example = read('.env.example');
    const documented = (name: string) => new RegExp(`^(# )?${name}=`, 'm').test(example);
    const composeOnly = ['POSTGRES_PASSWORD', 'MYLIFE_PUBLISH_ADDRESS'];
    expect([...NODE_VARIABLES, ...composeOnly].filter((name) => !documented(name))).toEqual([]);
  });

  it("README's configuration table lists every variable", () => {
    const readme = read('README.md');
    expect(NODE_VARIABLES.filter((name) => !readme.includes(`| \`${name}\``))).toEqual([]);
  });

  it('builds the image on a maintained Node LTS line and leaves installed and built files out of its context', () => {
    const majors = [...read('Dockerfile').matchAll(/^FROM node:(\d+)/gm)].map(([, major]) => Number(major));
    expect(majors.length).toBeGreaterThan(0);
    for (const major of majors) {
      expect(major).toBeGreaterThanOrEqual(22);
      expect(major % 2).toBe(0);
    }
    const ignored = read('.dockerignore').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist']));
  });

  it('links of the documentation stay inside the repository and lead to files that exist', () => {
    const documents = ['README.md', 'BENCHMARKS.md', 'client/README.md', ...markdownIn('docs')];
    const broken: string[] = [];
    for (const document of documents) {
      for (const [, target] of read(document).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^([a-z]+:|#)/i.test(target!)) continue;
        const path = resolve(ROOT, dirname(document), target!.split('#')[0]!);
        if (relative(ROOT, path).startsWith('..') || !existsSync(path)) broken.push(`${document}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

function markdownIn(folder: string): string[] {
  return readdirSync(join(ROOT, folder))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(folder, name));
}
