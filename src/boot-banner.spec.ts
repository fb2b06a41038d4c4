import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cliCommand, webAppLine } from './boot-banner';
import { loadConfig } from './config/app-config';

const nodeWith = (env: Record<string, string>) => {
  const config = loadConfig(env);
  return { config, embeddedPostgres: config.databaseUrl === null };
};

describe('the CLI command of the boot banner', () => {
  it('is the plain command for a node on the defaults', () => {
    expect(cliCommand(nodeWith({}), 'user list')).toBe('npm run cli -- user list');
  });

  it("carries a second node's variables, so that the CLI reaches that node and not the first", () => {
    const second = nodeWith({ PORT: '8791', MYLIFE_DATA_DIR: './data b', MYLIFE_EMBEDDED_POSTGRES_PORT: '55433' });
    expect(cliCommand(second, 'user list')).toBe(
      `PORT=8791 MYLIFE_DATA_DIR='${resolve('./data b')}' MYLIFE_EMBEDDED_POSTGRES_PORT=55433 npm run cli -- user list`,
    );
  });

  it('names the server when it is set, and leaves the embedded database out when there is a DATABASE_URL', () => {
    const node = nodeWith({
      MYLIFE_FEDERATION_SERVER: 'chat.example.com',
      DATABASE_URL: 'postgres://db/mylife',
      MYLIFE_DATA_DIR: '/var/lib/mylife',
    });
    expect(cliCommand(node, 'user list')).toBe('MYLIFE_FEDERATION_SERVER=chat.example.com npm run cli -- user list');
  });
});

describe('the web app line of the boot banner', () => {
  const url = 'http://localhost:8787';

  it('gives the address of the app once it is built, and says how to build it until then', () => {
    const parent = mkdtempSync(join(tmpdir(), 'web-app-banner-'));
    const dir = join(parent, 'dist');
    try {
      const node = { config: { ...loadConfig({}), webAppDir: dir }, url };
      expect(webAppLine(node)).toBe(
        `not built (${dir} has no index.html): run \`npm run build\` in ${resolve(__dirname, '..')} (no restart needed)`,
      );
      mkdirSync(dir);
      writeFileSync(join(dir, 'index.html'), '<!doctype html>');
      expect(webAppLine(node)).toBe('http://localhost:8787/');
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('says the app is off when MYLIFE_WEB_APP=off', () => {
    expect(webAppLine({ config: loadConfig({ MYLIFE_WEB_APP: 'off' }), url })).toBe('off (MYLIFE_WEB_APP=off)');
  });
});
