import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureFreshBuild, TARGETS } from '../../bin/fresh-build.cjs';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { canConnectToPostgres, canConnectToRedis, withDatabase } from './services';

declare global {
  var __MYLIFE_TEST_POSTGRES__: EmbeddedPostgres | undefined;
}

/**
 * Finds the services for the whole run: DATABASE_URL / REDIS_URL when set, else the local services at their default
 * addresses, else an embedded Postgres (and BullMQ's Postgres backend when no Redis answers).
 */
export default async function globalSetup(): Promise<void> {
  // The nodes under test serve web/dist: the browser tests must load the app as its sources are now, not a stale build.
  ensureFreshBuild(TARGETS.web, 'web app');
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await canConnectToPostgres(databaseUrl)) {
    process.env.MYLIFE_TEST_DATABASE_URL = databaseUrl;
  } else {
    const embedded = new EmbeddedPostgres(mkdtempSync(join(tmpdir(), 'mylife-test-pg-')), 55499);
    process.env.MYLIFE_TEST_DATABASE_URL = withDatabase(await embedded.start(), 'postgres');
    globalThis.__MYLIFE_TEST_POSTGRES__ = embedded;
    console.log(`\nNo Postgres at ${databaseUrl}: the tests use an embedded one on port 55499.`);
  }
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisUp = await canConnectToRedis(redisUrl);
  process.env.MYLIFE_TEST_REDIS_URL = redisUp ? redisUrl : '';
  if (!redisUp) console.log(`\nNo Redis at ${redisUrl}: the tests use BullMQ's Postgres backend.`);
}
