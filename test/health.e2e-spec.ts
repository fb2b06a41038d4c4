import request from 'supertest';
import { dropDatabase } from './support/services';
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

  it('is degraded (503) with the queue marked when Redis is unreachable', async () => {
    const node = await startTestNode({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const response = await request(node.url).get('/health').expect(503);
      expect(response.body).toMatchObject({ status: 'degraded', services: { db: 'ok', queue: 'error' } });
    } finally {
      await node.destroy();
    }
  });
});
