import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer } from './support/factories';
import {
  eventually,
  friendsAcross,
  resident,
  Resident,
  sendAcross,
  startFederatedNode,
  threadOf,
  untilAcked,
  untilInThread,
} from './support/federation';
import { PLAIN_PEER_MAX_CONTENT_CHARS, PlainPeer } from './support/plain-peer';
import { queryDatabase } from './support/services';
import { TestNode } from './support/test-node';

const SHARED_KEY = 'remote-targets-shared-key-0123456789';

describe('what a plain MyLife node is sent: its ids as it writes them, content it takes, and its reasons', () => {
  const peer = new PlainPeer(SHARED_KEY);
  let node: TestNode;
  let bob: Resident;
  let xena: string;

  /**
   * Bob invites a user of the plain node, which records the friendship on his side, and the plain node's operator
   * records it on theirs; answers the invite's address.
   */
  async function befriendOnPeer(address: string): Promise<string> {
    const invite = await request(node.url)
      .post('/api/friends/invites')
      .set(bearer(bob))
      .send({ toUserId: address })
      .expect(201);
    const invited: string = invite.body.invite.toUserId;
    peer.befriend(invited, bob.address);
    await eventually(
      async () => {
        const friends = await request(node.url).get('/api/friends').set(bearer(bob)).expect(200);
        return friends.body.friends.some((friend: { friendUserId: string }) => friend.friendUserId === invited);
      },
      10_000,
      `friendship with ${invited}`,
    );
    return invited;
  }

  beforeAll(async () => {
    await peer.start();
    node = await startFederatedNode({ MYLIFE_FEDERATION_SHARED_KEYS: `${peer.name}=${SHARED_KEY}` });
    bob = await resident(node, 'bob');
    xena = await befriendOnPeer(`xena@${peer.name}`);
  });
  afterAll(async () => {
    await node?.destroy();
    await peer.stop();
  });

  const messageFrom = (fromUserId: string, content: string) => ({
    id: randomUUID(),
    clientMessageId: randomUUID(),
    fromUserId,
    toUserId: bob.address,
    contentType: 'text/plain',
    content,
    createdAt: new Date().toISOString(),
  });

  it('keeps the case of a remote user’s id both ways, so that the plain node finds its user in our reply', async () => {
    // The host part is case-insensitive; the local part is the plain node's own id, kept as it is.
    const yara = `Yara@${peer.name}`;
    expect(await befriendOnPeer(`Yara@${peer.name.toUpperCase()}`)).toBe(yara);
    const incoming = messageFrom(yara, 'hello from Yara');
    const delivered = await peer.deliver(node.url, incoming);
    expect(delivered.status).toBe(201);
    expect(delivered.body.message.fromUserId).toBe(yara);
    expect((await threadOf(bob, yara)).map((message) => message.id)).toContain(incoming.id);

    const reply = await sendAcross(bob, yara, 'hello Yara');
    const received = await eventually(
      async () => peer.received.find((message) => message.clientMessageId === reply.clientMessageId),
      10_000,
      'reply delivered to the plain node',
    );
    expect(received).toMatchObject({ fromUserId: bob.address, toUserId: yara });

    // `yara` is somebody else on that node: no friend of bob's.
    await request(node.url).get(`/api/messages?friendUserId=yara@${peer.name}`).set(bearer(bob)).expect(403);
  });

  it('dates a message from a peer whose clock runs ahead at its arrival, so that it does not stay last for good', async () => {
    const before = Date.now();
    const fromTheFuture = { ...messageFrom(xena, 'dated in the year 10000'), createdAt: '9999-12-31T23:59:59-23:59' };
    const delivered = await peer.deliver(node.url, fromTheFuture);
    expect(delivered.status).toBe(201);
    const createdAt = Date.parse(delivered.body.message.createdAt);
    expect(createdAt).toBeGreaterThanOrEqual(before - 1000);
    expect(createdAt).toBeLessThanOrEqual(Date.now());

    const fromThePast = { ...messageFrom(xena, 'written offline yesterday'), createdAt: '2026-01-01T00:00:00.000Z' };
    expect((await peer.deliver(node.url, fromThePast)).body.message.createdAt).toBe(fromThePast.createdAt);
  });

  it('refuses content longer than a plain node takes with 413 at send time, and sends content it takes', async () => {
    const tooLong = await request(node.url)
      .post('/api/messages')
      .set(bearer(bob))
      .send({ toUserId: xena, content: 'x'.repeat(PLAIN_PEER_MAX_CONTENT_CHARS + 1) })
      .expect(413);
    expect(tooLong.body.message).toBe(
      `content is ${PLAIN_PEER_MAX_CONTENT_CHARS + 1} characters and ${peer.name} takes at most ${PLAIN_PEER_MAX_CONTENT_CHARS} per message`,
    );
    const stored = await queryDatabase(
      node.config.databaseUrl!,
      `SELECT count(*)::int AS count FROM friend_messages WHERE length(content) > $1`,
      [PLAIN_PEER_MAX_CONTENT_CHARS],
    );
    expect(stored[0].count).toBe(0);

    const batch = await request(node.url)
      .post('/api/messages/batch')
      .set(bearer(bob))
      .send({
        messages: [
          { toUserId: xena, content: 'y'.repeat(PLAIN_PEER_MAX_CONTENT_CHARS + 1), clientMessageId: randomUUID() },
          { toUserId: xena, content: 'z'.repeat(PLAIN_PEER_MAX_CONTENT_CHARS), clientMessageId: randomUUID() },
        ],
      })
      .expect(200);
    expect(batch.body.results.map((result: { status: number }) => result.status)).toEqual([413, 201]);
    const longest = batch.body.results[1].message;
    await untilInThread(
      bob,
      xena,
      (message) => message.id === longest.id && message.deliveryStatus === 'sent',
      '8,000 characters delivered',
    );
  });

  it('shows the plain node’s reason for a refusal, read from its `error` field', async () => {
    peer.failWith = 400;
    try {
      const sent = await sendAcross(bob, xena, 'refused by the peer');
      const failed = await untilInThread(
        bob,
        xena,
        (message) => message.id === sent.id && message.deliveryStatus === 'failed',
        'refused by the plain node',
      );
      expect(failed).toMatchObject({ lastDeliveryError: '400 this peer is broken' });
    } finally {
      peer.failWith = null;
    }
  });

  it('refuses a port above 65535 wherever an address is read, with 400', async () => {
    for (const address of ['u@127.0.0.1:99999', `u@localhost:65536`]) {
      const invite = await request(node.url)
        .post('/api/friends/invites')
        .set(bearer(bob))
        .send({ toUserId: address })
        .expect(400);
      expect(invite.body.message).toMatch(/toUserId/);
      await request(node.url)
        .post('/api/messages')
        .set(bearer(bob))
        .send({ toUserId: address, content: 'hi' })
        .expect(400);
      await request(node.url).get(`/api/messages?friendUserId=${address}`).set(bearer(bob)).expect(400);
    }
    const inbound = await peer.deliver(node.url, {
      ...messageFrom(xena, 'to a bad address'),
      toUserId: 'bob@localhost:99999',
    });
    expect(inbound.status).toBe(400);
    const outgoing = await request(node.url)
      .get('/api/friends/invites?direction=outgoing')
      .set(bearer(bob))
      .expect(200);
    const stored = outgoing.body.outgoing.map((invite: { toUserId: string }) => invite.toUserId);
    expect(stored.filter((address: string) => /:(99999|65536)$/.test(address))).toEqual([]);
  });
});

describe('reading a thread counts as fetching its messages', () => {
  let nodeA: TestNode;
  let nodeB: TestNode;
  let alice: Resident;
  let bob: Resident;

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await friendsAcross());
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
  });

  it('acks a message to its sender once its recipient read the thread, with no sync page', async () => {
    const sent = await sendAcross(alice, bob.address, 'read me in the thread');
    await untilInThread(bob, alice.address, (message) => message.id === sent.id, 'message reached bob');
    await untilAcked(alice, bob.address, sent.id, 'acked after a thread read');
  });
});
