import { Client } from 'pg';
import Redis from 'ioredis';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** Where the test suite finds its services; global-setup.ts decides and passes them to the workers by environment. */
export const testServices = {
  get databaseUrl(): string {
    const url = process.env.MYLIFE_TEST_DATABASE_URL;
    if (!url) throw new Error('MYLIFE_TEST_DATABASE_URL is not set: run the tests through jest (global-setup.ts)');
    return url;
  },
  /** Null when no Redis answers: the nodes then use BullMQ's Postgres backend. */
  get redisUrl(): string | null {
    return process.env.MYLIFE_TEST_REDIS_URL || null;
  },
};

export async function canConnectToPostgres(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function canConnectToRedis(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** The same server as `url`, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates a database on the suite's server (or `serverUrl`, as the bench does); answers its URL. */
export async function createDatabase(name: string, serverUrl = testServices.databaseUrl): Promise<string> {
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  return withDatabase(serverUrl, name);
}

export async function dropDatabase(name: string, serverUrl = testServices.databaseUrl): Promise<void> {
  await onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  await queryDatabase(serverUrl, sql);
}

/** One statement on its own connection to `databaseUrl` (a node's database, say); answers its rows. */
export async function queryDatabase<Row = any>(
  databaseUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function deleteRedisKeys(prefix: string): Promise<void> {
  if (testServices.redisUrl) await deleteKeysWithPrefix(testServices.redisUrl, prefix);
}

/** Drops a node's queue keys (`<prefix>:*`); shared with the bench, whose nodes clean up the same way. */
export async function deleteKeysWithPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A Redis server of a test's own, which the test may stop and start again on the same port. */
export interface OwnRedis {
  url: string;
  stop(): void;
  start(): Promise<void>;
}

/** Null when `redis-server` is not installed. Every start waits until it answers. */
export async function ownRedis(): Promise<OwnRedis | null> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return null;
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ChildProcess | null = null;
  const redis: OwnRedis = {
    url,
    stop: () => {
      server?.kill('SIGKILL');
      server = null;
    },
    start: async () => {
      if (server) return;
      const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'];
      server = spawn('redis-server', args, { stdio: 'ignore' });
      for (let tries = 0; !(await canConnectToRedis(url)); tries++) {
        if (tries > 100) throw new Error(`redis-server on port ${port} did not answer`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
  await redis.start();
  return redis;
}
