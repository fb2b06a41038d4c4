import request from 'supertest';
import { Clock } from '../src/common/clock';
import { PeerClocks } from '../src/federation/peer-clock';
import { bearer } from './support/factories';
import {
  eventually,
  friendsAcross,
  resident,
  Resident,
  sendAcross,
  startFederatedNode,
  untilInThread,
} from './support/federation';
import { PlainPeer } from './support/plain-peer';
import { TEST_ADMIN_TOKEN, TestNode } from './support/test-node';

const SKEW_MS = 40_000;

/** Moves `node`'s clock (the one its signatures and its window read) by `offsetMs`, as a drifted machine's would be. */
function shiftClock(node: TestNode, offsetMs: number): void {
  const clock = node.app.get(Clock);
  clock.now = () => new Date(Date.now() + offsetMs);
}

/** The admin API's outbox row of the message `messageId`. */
async function outboxRowOf(node: TestNode, messageId: string) {
  const outbox = await request(node.url)
    .get('/api/admin/federation/outbox')
    .set({ Authorization: `Bearer ${TEST_ADMIN_TOKEN}` })
    .expect(200);
  return outbox.body.items.find((row: { messageId: string }) => row.messageId === messageId);
}

describe('federation between two nodes whose clocks are 40 s apart (outside the signature window)', () => {
  let pair: Awaited<ReturnType<typeof friendsAcross>>;

  beforeAll(async () => {
    pair = await friendsAcross();
    shiftClock(pair.nodeB, SKEW_MS);
  });
  afterAll(() => Promise.all([pair?.nodeA.destroy(), pair?.nodeB.destroy()]));

  it('refuses a stale timestamp with the clock-skew code and its own time, and leaves it refused', async () => {
    const { nodeA, nodeB } = pair;
    const response = await request(nodeB.url)
      .post('/api/federation/inbox/messages')
      .set({
        'content-type': 'application/json',
        'x-mylife-federation-server': nodeA.server,
        'x-mylife-federation-timestamp': new Date().toISOString(),
        'x-mylife-federation-signature': '00',
      })
      .send('{}')
      .expect(401);
    expect(response.body).toMatchObject({ code: 'clock-skew' });
    expect(Math.abs(Date.parse(response.body.serverTime) - (Date.now() + SKEW_MS))).toBeLessThan(5000);
  });

  it('delivers both ways at the first try: each side learns the other’s clock from its refusal', async () => {
    const { nodeA, nodeB, alice, bob } = pair;
    const toBob = await sendAcross(alice, bob.address, 'from the past');
    const toAlice = await sendAcross(bob, alice.address, 'from the future');
    await untilInThread(bob, alice.address, (message) => message.content === 'from the past', 'A→B delivered');
    await untilInThread(alice, bob.address, (message) => message.content === 'from the future', 'B→A delivered');
    // The refused request was signed again at once: the delivery took one attempt, not a backoff and another.
    expect(await outboxRowOf(nodeA, toBob.id)).toMatchObject({ attempts: 1, lastError: null });
    expect(await outboxRowOf(nodeB, toAlice.id)).toMatchObject({ attempts: 1, lastError: null });
    expect(Math.abs(nodeA.app.get(PeerClocks).offsetOf(nodeB.server) - SKEW_MS)).toBeLessThan(2000);
    expect(Math.abs(nodeB.app.get(PeerClocks).offsetOf(nodeA.server) + SKEW_MS)).toBeLessThan(2000);
  });

  it('forgets the offset once the peer’s clock is right again', async () => {
    const { nodeA, nodeB, alice, bob } = pair;
    shiftClock(nodeB, 0);
    await sendAcross(alice, bob.address, 'clocks agree');
    await untilInThread(bob, alice.address, (message) => message.content === 'clocks agree', 'delivered');
    expect(nodeA.app.get(PeerClocks).offsetOf(nodeB.server)).toBe(0);
  });
});

describe('delivery to a plain MyLife node whose clock is 40 s behind (a bare 401 with its Date header)', () => {
  const SHARED_KEY = 'skew-shared-key-0123456789';
  const peer = new PlainPeer(SHARED_KEY);
  let node: TestNode;
  let bob: Resident;

  beforeAll(async () => {
    await peer.start();
    peer.clockOffsetMs = -SKEW_MS;
    node = await startFederatedNode({ MYLIFE_FEDERATION_SHARED_KEYS: `${peer.name}=${SHARED_KEY}` });
    bob = await resident(node, 'bob');
    peer.befriend('xena', bob.address);
    await request(node.url)
      .post('/api/friends/invites')
      .set(bearer(bob))
      .send({ toUserId: `xena@${peer.name}` })
      .expect(201);
  });
  afterAll(async () => {
    await node?.destroy();
    await peer.stop();
  });

  it('signs with the peer’s time after its refusal, and the message arrives once', async () => {
    const sent = await eventually(
      async () => {
        const response = await request(node.url)
          .post('/api/messages')
          .set(bearer(bob))
          .send({ toUserId: `xena@${peer.name}`, content: 'hi from the future' });
        return response.status === 201 ? (response.body as { id: string; clientMessageId: string }) : undefined;
      },
      10_000,
      'friendship with the plain node user',
    );
    await eventually(
      async () => peer.received.some((item) => item.clientMessageId === sent.clientMessageId),
      10_000,
      'delivered to the plain node',
    );
    expect(peer.received.filter((item) => item.clientMessageId === sent.clientMessageId)).toHaveLength(1);
    expect(await outboxRowOf(node, sent.id)).toMatchObject({ attempts: 1 });
    expect(Math.abs(node.app.get(PeerClocks).offsetOf(peer.name) + SKEW_MS)).toBeLessThan(2000);
  });
});
