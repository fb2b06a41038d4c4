import request from 'supertest';
import { bearer } from './support/factories';
import { befriendAcross, eventually, resident, startFederatedNode } from './support/federation';
import { TestNode } from './support/test-node';

describe('federation with the Postgres queue backend (no Redis)', () => {
  let nodeA: TestNode, nodeB: TestNode;

  beforeAll(async () => {
    [nodeA, nodeB] = await Promise.all([
      startFederatedNode({ REDIS_URL: undefined }),
      startFederatedNode({ REDIS_URL: undefined }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
  });

  it('befriends, delivers both ways and acks, on BullMQ over Postgres', async () => {
    expect([nodeA.queueBackend, nodeB.queueBackend]).toEqual(['postgres', 'postgres']);
    const [alice, bob] = await Promise.all([resident(nodeA, 'alice'), resident(nodeB, 'bob')]);
    await befriendAcross(alice, bob);

    const sent = await request(nodeA.url)
      .post('/api/messages')
      .set(bearer(alice))
      .send({ toUserId: bob.address, content: 'over postgres' })
      .expect(201);
    await eventually(
      async () => {
        const thread = await request(nodeB.url)
          .get(`/api/messages?friendUserId=${alice.address}`)
          .set(bearer(bob))
          .expect(200);
        return thread.body.items.some((message: { id: string }) => message.id === sent.body.id);
      },
      10_000,
      'delivered to B',
    );
    await request(nodeB.url).get('/api/sync').set(bearer(bob)).expect(200);
    await eventually(
      async () => {
        const thread = await request(nodeA.url)
          .get(`/api/messages?friendUserId=${bob.address}`)
          .set(bearer(alice))
          .expect(200);
        return (
          thread.body.items.find((message: { id: string }) => message.id === sent.body.id)?.deliveryStatus === 'acked'
        );
      },
      10_000,
      'acked on A',
    );

    const reply = await request(nodeB.url)
      .post('/api/messages')
      .set(bearer(bob))
      .send({ toUserId: alice.address, content: 'and back' })
      .expect(201);
    await eventually(
      async () => {
        const thread = await request(nodeA.url)
          .get(`/api/messages?friendUserId=${bob.address}`)
          .set(bearer(alice))
          .expect(200);
        return thread.body.items.some((message: { id: string }) => message.id === reply.body.id);
      },
      10_000,
      'reply delivered to A',
    );
  });
});
