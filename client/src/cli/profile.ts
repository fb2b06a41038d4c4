import { mkdirSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export interface StoreLocation {
  path: string;
  /** Names this copy for the server's per-device tokens. */
  defaultDeviceName: string;
}

const PROFILE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * `--db PATH` wins; otherwise `--profile NAME` (default `default`) under `$MYLIFE_HOME` or `~/.mylife`. A relative
 * `--db` is read from where the person typed the command: npm scripts run in the package folder but set INIT_CWD.
 */
export function locateStore(
  options: { db?: string; profile?: string },
  env: NodeJS.ProcessEnv,
  cwd: string,
): StoreLocation {
  const profile = options.profile ?? 'default';
  if (!PROFILE_NAME.test(profile))
    throw new UsageError(`--profile must be 1-64 of A-Z a-z 0-9 . _ - (got "${profile}")`);
  const path = options.db
    ? resolve(env.INIT_CWD ?? cwd, options.db)
    : join(env.MYLIFE_HOME ?? join(homedir(), '.mylife'), `${profile}.sqlite`);
  mkdirSync(dirname(path), { recursive: true });
  const label = options.db ? basename(path) : profile;
  return { path, defaultDeviceName: `mylife-cli ${label} on ${hostname()}` };
}

/** Wrong use of the command line: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
