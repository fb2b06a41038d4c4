import request from 'supertest';
import { eventually } from './support/federation';
import { dropDatabase, ownRedis } from './support/services';
import { startTestNode } from './support/test-node';

describe('GET /health', () => {
  it('is ok when Postgres and the queue answer, and degraded (503) once the database is gone', async () => {
    const node = await startTestNode();
    try {
      const healthy = await request(node.url).get('/health').expect(200);
      expect(healthy.body).toEqual({
        status: 'ok',
        timestamp: expect.any(String),
        services: { db: 'ok', queue: 'ok' },
      });

      await dropDatabase(node.databaseName);
      const degraded = await request(node.url).get('/health').expect(503);
      expect(degraded.body.status).toBe('degraded');
      expect(degraded.body.services.db).toBe('error');
    } finally {
      await node.destroy();
    }
  });

  it('is degraded (503) with the queue marked while Redis is unreachable, and ok once it is back', async () => {
    const redis = await ownRedis();
    if (!redis) return; // no redis-server to take away (the node does not even start without Redis: node-process)
    const node = await startTestNode({ REDIS_URL: redis.url });
    try {
      redis.stop();
      const response = await request(node.url).get('/health').expect(503);
      expect(response.body).toMatchObject({ status: 'degraded', services: { db: 'ok', queue: 'error' } });
      await redis.start();
      await eventually(async () => (await request(node.url).get('/health')).status === 200);
    } finally {
      await redis.start().catch(() => undefined);
      await node.destroy();
      redis.stop();
    }
  });
});
