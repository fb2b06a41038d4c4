import request from 'supertest';
import { bearer } from './support/factories';
import {
  befriendAcross,
  resident,
  sendAcross,
  startFederatedNode,
  untilAcked,
  untilInThread,
} from './support/federation';
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

    const sent = await sendAcross(alice, bob.address, 'over postgres');
    await untilInThread(bob, alice.address, (message) => message.id === sent.id, 'delivered to B');
    await request(nodeB.url).get('/api/sync').set(bearer(bob)).expect(200);
    await untilAcked(alice, bob.address, sent.id, 'acked on A');

    const reply = await sendAcross(bob, alice.address, 'and back');
    await untilInThread(alice, bob.address, (message) => message.id === reply.id, 'reply delivered to A');
  });
});
