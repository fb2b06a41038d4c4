import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  createDatabase,
  deleteKeysWithPrefix,
  dropDatabase,
  freePort,
  withDatabase,
} from '../../test/support/services';

export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** A node run as its own process (`npm start`'s command), as an operator runs it, so its RSS is its own. */
export class NodeProcess {
  private child: ChildProcess | null = null;
  /** Where to append everything the process prints, besides the tail kept for errors. */
  logFile: string | null = null;
  private log = '';

  private constructor(
    readonly root: string,
    readonly name: string,
    readonly port: number,
    readonly databaseName: string,
    readonly env: Record<string, string>,
  ) {}

  /**
   * A node with a database of its own on `serverDatabaseUrl`, or, when that is null, with the embedded PostgreSQL that
   * `npm start` runs inside the node's process (data in a fresh directory), so that the node's environment (a shifted
   * clock, say) is its database's too.
   */
  static async create(
    root: string,
    name: string,
    serverDatabaseUrl: string | null,
    redisUrl: string | null,
    extraEnv: Record<string, string> = {},
  ) {
    const port = await freePort();
    const databaseName = `mylife_bench_${name}_${randomBytes(3).toString('hex')}`;
    const database: Record<string, string> = serverDatabaseUrl
      ? { DATABASE_URL: withDatabase(serverDatabaseUrl, databaseName) }
      : {
          MYLIFE_DATA_DIR: mkdtempSync(join(tmpdir(), `mylife-${name}-`)),
          MYLIFE_EMBEDDED_POSTGRES_PORT: String(await freePort()),
        };
    const env = {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      MYLIFE_FEDERATION_SERVER: `localhost:${port}`,
      ...database,
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      MYLIFE_QUEUE_PREFIX: `mylife-bench-${databaseName}`,
      MYLIFE_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      MYLIFE_SCRYPT_LOG_N: '14',
      MYLIFE_LOGIN_MAX_FAILURES: '10000',
      MYLIFE_FEDERATION_ALLOW_INSECURE_HTTP: 'true',
      MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS: 'true',
      MYLIFE_FEDERATION_BACKOFF_BASE_MS: '200',
      MYLIFE_FEDERATION_BACKOFF_MAX_MS: '1000',
      MYLIFE_BODY_LIMIT: '8mb',
      LOG_LEVEL: 'warn',
      ...extraEnv,
    };
    if (serverDatabaseUrl) await createDatabase(databaseName, serverDatabaseUrl);
    return new NodeProcess(root, name, port, databaseName, env);
  }

  /** Another process of the same node (same database, queue prefix and server name) on a port of its own. */
  async sibling(name: string): Promise<NodeProcess> {
    const port = await freePort();
    return new NodeProcess(this.root, name, port, this.databaseName, { ...this.env, PORT: String(port) });
  }

  /** The node's database: its own on the server it was given, or the embedded one's. */
  get databaseUrl(): string {
    if (this.env.DATABASE_URL) return this.env.DATABASE_URL;
    return `postgres://postgres:postgres@127.0.0.1:${this.env.MYLIFE_EMBEDDED_POSTGRES_PORT}/mylife`;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get server(): string {
    return `localhost:${this.port}`;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** Starts the process and resolves once /health answers 200; returns the milliseconds that took. */
  async start(): Promise<number> {
    const started = Date.now();
    // Exactly what `npm start` runs (its script ends in `exec node …`, so the child is the node itself), with node
    // found where this process's is. BENCH_NODE_ARGS adds flags to that node command (not to the build step before
    // it), e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the nodes.
    const { scripts } = JSON.parse(readFileSync(join(this.root, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    const command = scripts.start.replace(/\bexec node /, `exec node ${process.env.BENCH_NODE_ARGS ?? ''} `);
    this.child = spawn('sh', ['-c', command], {
      cwd: this.root,
      env: { ...this.env, PATH: `${dirname(process.execPath)}:${this.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      if (process.env.BENCH_NODE_LOG) process.stderr.write(`[${this.name}] ${chunk.toString()}`);
      this.log = (this.log + chunk.toString()).slice(-4000);
      if (this.logFile) appendFileSync(this.logFile, chunk);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`node ${this.name} exited: ${this.log}`);
      try {
        const response = await fetch(`${this.url}/health`);
        if (response.status === 200) return Date.now() - started;
      } catch {
        // not listening yet
      }
      if (Date.now() - started > 60_000) throw new Error(`node ${this.name} did not become healthy: ${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * SIGTERM and wait for the process to end; SIGKILL after `graceMs`, as `docker stop` does after 10 s. Answers
   * whether it ended by itself.
   */
  async stop(graceMs = 10_000): Promise<boolean> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const byItself = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!byItself) {
      child.kill('SIGKILL');
      await exited;
    }
    this.child = null;
    return byItself;
  }

  /** SIGKILL, as a crash or the OOM killer would end it: no shutdown hook runs. Resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    this.child = null;
  }

  /**
   * Resident set size now and its high-water mark, in MB, from /proc; `privateMb` is the part only this process
   * holds (RssAnon), without the pages of the node binary and libraries that every node process shares.
   */
  memory(): { rssMb: number; peakRssMb: number; privateMb: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    const mb = (field: string) => Math.round(kb(field) / 1024);
    return { rssMb: mb('VmRSS'), peakRssMb: mb('VmHWM'), privateMb: mb('RssAnon') };
  }

  /** Resets the high-water mark so that the next peak is measured from now (Linux: write 5 to clear_refs). */
  resetPeak(): void {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
    } catch {
      // not permitted: the peak then covers the whole life of the process
    }
  }

  /** Stops the node and drops what it left: its database and its queue keys in Redis. */
  async destroy(serverDatabaseUrl: string | null): Promise<void> {
    await this.stop();
    if (serverDatabaseUrl) await dropDatabase(this.databaseName, serverDatabaseUrl);
    if (this.env.MYLIFE_DATA_DIR) rmSync(this.env.MYLIFE_DATA_DIR, { recursive: true, force: true });
    if (this.env.REDIS_URL) await deleteKeysWithPrefix(this.env.REDIS_URL, this.env.MYLIFE_QUEUE_PREFIX);
  }
}
