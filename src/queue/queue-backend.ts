import { createPostgresBackend, setDefaultBackendFactory } from 'bullmq';
import { AppConfig } from '../config/app-config';

export type QueueBackendKind = 'redis' | 'postgres';

/** BullMQ's own tables live in this schema of the node's database when there is no Redis. */
export const POSTGRES_QUEUE_SCHEMA = 'bullmq';

export function queueBackendKind(config: AppConfig): QueueBackendKind {
  return config.redisUrl ? 'redis' : 'postgres';
}

/**
 * The one place that decides the queue backend: Redis when REDIS_URL is set, otherwise BullMQ's Postgres backend on
 * the node's own database. BullMQ reads the backend factory process-wide when a queue or worker is constructed, so
 * this runs before the Nest application is created.
 */
export function selectQueueBackend(config: AppConfig): QueueBackendKind {
  const kind = queueBackendKind(config);
  setDefaultBackendFactory(kind === 'postgres' ? (createPostgresBackend as never) : undefined);
  return kind;
}

/** The `connection` option BullMQ takes for the chosen backend. */
export function queueConnection(config: AppConfig): object {
  if (config.redisUrl) {
    // BullMQ's workers block on Redis; ioredis must not give up on those commands (maxRetriesPerRequest: null).
    return { url: config.redisUrl, maxRetriesPerRequest: null };
  }
  // BullMQ migrates its own schema under an advisory lock of its own, so several processes may boot together.
  return { connectionString: config.databaseUrl, schema: POSTGRES_QUEUE_SCHEMA, max: 5, migrate: true };
}
