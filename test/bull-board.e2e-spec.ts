import request from 'supertest';
import { startTestNode, TEST_ADMIN_TOKEN, TestNode } from './support/test-node';

describe('Bull Board at /admin/queues', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(() => node.destroy());

  it('answers 401 with a basic-auth challenge without the admin token', async () => {
    const response = await request(node.url).get('/admin/queues').expect(401);
    expect(response.headers['www-authenticate']).toMatch(/^Basic/);
    await request(node.url).get('/admin/queues').auth('admin', 'wrong-token').expect(401);
    await request(node.url).get('/admin/queues/api/queues').expect(401);
  });

  it('serves the dashboard and its API with the token as bearer or as basic-auth password', async () => {
    const page = await request(node.url)
      .get('/admin/queues')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
    expect(page.text).toMatch(/<html/i);
    const api = await request(node.url).get('/admin/queues/api/queues').auth('anyone', TEST_ADMIN_TOKEN).expect(200);
    expect(api.body.queues.map((queue: { name: string }) => queue.name)).toContain('federation-delivery');
  });
});
