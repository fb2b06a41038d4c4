'use strict';
// `npm ci` builds the server, the client and the web app once (the `prepare` script). The launchers (`npm start`,
// `npm run cli`, `npm run mylife`, the `mylife-node` and `mylife` bins) call this first: it builds again only when a
// source file is newer than the build, as after a `git pull` or an edit, so that no command pays for a build it does
// not need. What is missing is said in one sentence, never as a stack trace or a compiler error.
//
// Usage from a script: `node bin/fresh-build.cjs server|client|web …` (`npm start`: server and web).
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const ROOT = dirname(__dirname);

/**
 * What each package builds from, how (`tsc -p <tsconfig>`, or its npm script run with the package `tool` installed),
 * the file its launcher runs (or, for the web app, the node serves), and the targets to make fresh before it.
 */
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
  // vite bundles the client library from its build (client/dist): the client is made fresh first, and a change of
  // its sources calls for a new bundle too. `public/` is vite's folder of files copied as they are (optional);
  // `service-worker/` and `build/` (the plugin that writes sw.js) make dist/sw.js.
  web: {
    dir: join(ROOT, 'web'),
    label: 'web app',
    npmScript: 'build',
    tool: 'vite',
    sources: [
      'src',
      'service-worker',
      'build',
      'index.html',
      'vite.config.ts',
      'public',
      'package.json',
      '../client/src',
    ],
    output: 'dist/index.html',
    needs: ['client'],
  },
};

class LaunchError extends Error {}

/**
 * Makes sure the build of `target` (one of TARGETS, or its like) exists and is not older than its sources; throws
 * LaunchError with the sentence to print.
 */
function ensureFreshBuild(target, name) {
  for (const need of target.needs ?? []) ensureFreshBuild(TARGETS[need], TARGETS[need].label ?? need);
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

  const [command, args] = buildCommand(target, name, output);
  process.stderr.write(
    builtAt === undefined
      ? `building the ${name} (no build yet)…\n`
      : `building the ${name} (its sources changed since the last build)…\n`,
  );
  // A bundle is built for production whoever asks: Jest sets NODE_ENV=test, under which Vite builds React's development
  // build without the service worker (import.meta.env.PROD is false), and the browser tests then test another app.
  const env = target.npmScript ? { ...process.env, NODE_ENV: 'production' } : process.env;
  const build = spawnSync(command, args, { cwd: target.dir, stdio: 'inherit', env });
  if (build.error) throw new LaunchError(`could not run ${command} to build the ${name}: ${build.error.message}`);
  if (build.status !== 0) {
    throw new LaunchError(`the ${name} did not build (see above); \`npm run build\` in ${ROOT} builds every package`);
  }
}

/** The program and arguments that build `target`, once its build tool is known to be installed. */
function buildCommand(target, name, output) {
  const tool = target.tsconfig ? 'typescript' : target.tool;
  let entry;
  try {
    entry = require.resolve(target.tsconfig ? 'typescript/bin/tsc' : `${tool}/package.json`, { paths: [target.dir] });
  } catch {
    throw new LaunchError(
      `the ${name} is not built (${relative(ROOT, output)}) and ${tool === 'typescript' ? 'TypeScript' : tool} ` +
        `is not installed to build it: run \`npm ci\` in ${ROOT}`,
    );
  }
  if (target.tsconfig) return [process.execPath, [entry, '-p', target.tsconfig]];
  // Under npm (`npm start`) the same npm runs the script; from elsewhere, the npm on the PATH.
  const npm = process.env.npm_execpath;
  return npm && /\.c?js$/.test(npm)
    ? [process.execPath, [npm, 'run', target.npmScript]]
    : ['npm', ['run', target.npmScript]];
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
    ensureFreshBuild(TARGETS[name], TARGETS[name].label ?? name);
  } catch (error) {
    if (!(error instanceof LaunchError)) throw error;
    process.stderr.write(`${program}: ${error.message}\n`);
    process.exit(1);
  }
}

module.exports = { TARGETS, ensureFreshBuild, ensureFreshBuildOrExit, LaunchError };

if (require.main === module) {
  const names = process.argv.slice(2);
  if (names.length === 0 || names.some((name) => !(name in TARGETS))) {
    process.stderr.write(`usage: node bin/fresh-build.cjs ${Object.keys(TARGETS).join('|')} …\n`);
    process.exit(2);
  }
  for (const name of names) ensureFreshBuildOrExit(name, name === 'client' ? 'mylife' : 'mylife-node');
}
