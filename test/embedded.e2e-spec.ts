import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { loadConfig } from '../src/config/app-config';
import { startNode } from '../src/node';
import { freePort } from './support/services';

describe('a node with no DATABASE_URL and no REDIS_URL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mylife-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts an embedded Postgres, queues on it, answers /health, and stops it on shutdown', async () => {
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      MYLIFE_DATA_DIR: dataDir,
      MYLIFE_EMBEDDED_POSTGRES_PORT: String(await freePort()),
      LOG_LEVEL: 'error',
    });
    expect(config.databaseUrl).toBeNull();
    expect(config.redisUrl).toBeNull();

    const node = await startNode(config);
    let postmasterPid: number | undefined;
    try {
      expect(node.embeddedPostgres).toBe(true);
      expect(node.queueBackend).toBe('postgres');
      const health = await request(node.url).get('/health').expect(200);
      expect(health.body.services).toEqual({ db: 'ok', queue: 'ok' });
      const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
      postmasterPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      expect(existsSync(`/proc/${postmasterPid}`)).toBe(true);
    } finally {
      await node.stop();
    }
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(existsSync(`/proc/${postmasterPid}`)).toBe(false);
  });
});
