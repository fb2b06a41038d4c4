import Redis from 'ioredis';
import { Client } from 'pg';
import { withoutCredentials } from './app-config';

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connects once to the database and Redis the operator configured, so that a wrong URL stops the boot with one line
 * naming its variable rather than a bare socket error (Postgres) or a stream of reconnect dumps (Redis).
 */
export async function ensureServicesReachable(databaseUrl: string | null, redisUrl: string | null): Promise<void> {
  if (databaseUrl) await reachable('DATABASE_URL', databaseUrl, () => connectPostgres(databaseUrl));
  if (redisUrl) await reachable('REDIS_URL', redisUrl, () => pingRedis(redisUrl));
}

async function reachable(variable: string, url: string, attempt: () => Promise<void>): Promise<void> {
  try {
    await attempt();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${variable} (${withoutCredentials(url)}) cannot be reached: ${reason}`, { cause: error });
  }
}

async function connectPostgres(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function pingRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let lastError: Error | null = null;
  redis.on('error', (error: Error) => (lastError = error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    // ioredis may reject with "Connection is closed." after the error that says why.
    throw lastError ?? error;
  } finally {
    redis.disconnect();
  }
}
