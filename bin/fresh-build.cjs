'use strict';
// `npm ci` builds the server and the client once (the `prepare` script). The launchers (`npm start`, `npm run cli`,
// `npm run mylife`, the `mylife-node` and `mylife` bins) call this first: it compiles again only when a source file is
// newer than the build, as after a `git pull` or an edit, so that no command pays for a TypeScript compile it does not
// need. What is missing is said in one sentence, never as a stack trace or a TypeScript error.
//
// Usage from a script: `node bin/fresh-build.cjs server|client`.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const ROOT = dirname(__dirname);

/** What each package builds from, with which configuration, and the file its launcher runs. */
const TARGETS = {
  server: {
    dir: ROOT,
    tsconfig: 'tsconfig.build.json',
    sources: ['src', 'migrations', 'tsconfig.build.json', 'tsconfig.json'],
    output: 'dist/src/main.js',
  },
  client: {
    dir: join(ROOT, 'client'),
    tsconfig: 'tsconfig.build.json',
    sources: ['src', 'tsconfig.build.json', 'tsconfig.json'],
    output: 'dist/index.js',
  },
};

class LaunchError extends Error {}

/**
 * Makes sure the build of `target` (one of TARGETS, or its like) exists and is not older than its sources; throws
 * LaunchError with the sentence to print.
 */
function ensureFreshBuild(target, name) {
  const missing = missingDependency(target.dir);
  if (missing) {
    throw new LaunchError(
      `${missing} is not installed: run \`npm ci\` in ${ROOT} (one install for the server, the client and the CLIs)`,
    );
  }
  const output = join(target.dir, target.output);
  const builtAt = modifiedAt(output);
  const newestSource = Math.max(...target.sources.map((source) => newestIn(join(target.dir, source))));
  if (builtAt !== undefined && newestSource <= builtAt) return;

  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [target.dir] });
  } catch {
    throw new LaunchError(
      `the ${name} is not built (${relative(ROOT, output)}) and TypeScript is not installed to build it: ` +
        `run \`npm ci\` in ${ROOT}`,
    );
  }
  process.stderr.write(
    builtAt === undefined
      ? `building the ${name} (no build yet)…\n`
      : `building the ${name} (its sources changed since the last build)…\n`,
  );
  const build = spawnSync(process.execPath, [tsc, '-p', target.tsconfig], { cwd: target.dir, stdio: 'inherit' });
  if (build.status !== 0) {
    throw new LaunchError(`the ${name} did not build (see above); \`npm run build\` in ${ROOT} builds both packages`);
  }
}

/** The first runtime dependency of the package at `dir` that Node would not find, by its resolution rule. */
function missingDependency(dir) {
  const { dependencies = {} } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return Object.keys(dependencies).find((dependency) => !installedAbove(dir, dependency));
}

function installedAbove(dir, dependency) {
  for (let folder = dir; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'node_modules', dependency, 'package.json'))) return true;
    if (dirname(folder) === folder) return false;
  }
}

function modifiedAt(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The latest modification time of a file, or of any file under a folder but the unit tests (0 when there is none). */
function newestIn(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path)
    .filter((entry) => !entry.endsWith('.spec.ts'))
    .reduce((newest, entry) => Math.max(newest, newestIn(join(path, entry))), stats.mtimeMs);
}

/** For launchers: builds when needed, or prints the one sentence and exits with 1. */
function ensureFreshBuildOrExit(name, program) {
  try {
    ensureFreshBuild(TARGETS[name], name);
  } catch (error) {
    if (!(error instanceof LaunchError)) throw error;
    process.stderr.write(`${program}: ${error.message}\n`);
    process.exit(1);
  }
}

module.exports = { TARGETS, ensureFreshBuild, ensureFreshBuildOrExit, LaunchError };

if (require.main === module) {
  const name = process.argv[2];
  if (!(name in TARGETS)) {
    process.stderr.write(`usage: node bin/fresh-build.cjs ${Object.keys(TARGETS).join('|')}\n`);
    process.exit(2);
  }
  ensureFreshBuildOrExit(name, name === 'client' ? 'mylife' : 'mylife-node');
}
