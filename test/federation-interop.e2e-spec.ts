import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { signBody } from '../src/signing/hmac';
import { bearer } from './support/factories';
import { eventually, resident, Resident, startFederatedNode, threadOf } from './support/federation';
import { PlainPeer } from './support/plain-peer';
import { queryDatabase } from './support/services';
import { TEST_ADMIN_TOKEN, TestNode } from './support/test-node';

const SHARED_KEY = 'interop-shared-key-0123456789';
const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

async function countMessages(node: TestNode, where: string, params: unknown[]): Promise<number> {
  const [row] = await queryDatabase(
    node.config.databaseUrl!,
    `SELECT count(*) FROM friend_messages WHERE ${where}`,
    params,
  );
  return Number(row.count);
}

/**
 * A node (with `env`) of which bob invited `friend` of the plain peer: a plain node takes no invites, so bob's side
 * records the friendship as accepted. With `peerBefriends`, the peer's operator has recorded it too.
 */
async function bobBefriending(
  peer: PlainPeer,
  friend: string,
  { env = {}, peerBefriends = true }: { env?: Record<string, string>; peerBefriends?: boolean } = {},
): Promise<{ node: TestNode; bob: Resident; friendAddress: string }> {
  await peer.start();
  const node = await startFederatedNode({ MYLIFE_FEDERATION_SHARED_KEYS: `${peer.name}=${SHARED_KEY}`, ...env });
  const bob = await resident(node, 'bob');
  const friendAddress = `${friend}@${peer.name}`;
  if (peerBefriends) peer.befriend(friend, bob.address);
  await invitePlainUser(node, bob, friendAddress);
  return { node, bob, friendAddress };
}

/** bob invites a user of a plain node (which takes no invites): his side records the friendship as accepted. */
async function invitePlainUser(node: TestNode, bob: Resident, friendAddress: string): Promise<void> {
  await request(node.url).post('/api/friends/invites').set(bearer(bob)).send({ toUserId: friendAddress }).expect(201);
  await eventually(
    async () => {
      const friends = await request(node.url).get('/api/friends').set(bearer(bob)).expect(200);
      return friends.body.friends.some((item: { friendUserId: string }) => item.friendUserId === friendAddress);
    },
    10_000,
    'friendship with the plain node user',
  );
}

/** The destination's state as the node keeps it. */
async function destinationRow(node: TestNode, server: string) {
  const [row] = await queryDatabase<{
    consecutive_failures: number;
    retry_at: Date | null;
    last_failure_at: Date | null;
  }>(
    node.config.databaseUrl!,
    `SELECT consecutive_failures, retry_at, last_failure_at FROM federation_destinations WHERE server = $1`,
    [server],
  );
  return row;
}

/** A message from the plain node's user `from` to bob, as the plain node delivers it. */
function plainMessageFrom(from: string, bob: Resident, content: string) {
  return {
    id: randomUUID(),
    clientMessageId: randomUUID(),
    fromUserId: from,
    toUserId: bob.address,
    contentType: 'text/plain',
    content,
    createdAt: new Date().toISOString(),
  };
}

/** Long enough for a job that would loop, or knock again, to be seen doing it. */
const QUIET_MS = 2000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function stopBoth(node: TestNode | undefined, peer: PlainPeer): Promise<void> {
  await node?.destroy();
  await peer.stop();
}

/** The admin API's outbox row of the message `messageId`, among those with `status` when given. */
async function outboxRowOf(node: TestNode, messageId: string, status?: string) {
  const outbox = await request(node.url)
    .get(`/api/admin/federation/outbox${status ? `?status=${status}` : ''}`)
    .set(admin)
    .expect(200);
  return outbox.body.items.find((row: { messageId: string }) => row.messageId === messageId);
}

/** bob's message to `to`, as his node answers it. */
async function bobSends(
  node: TestNode,
  bob: Resident,
  to: string,
  content: string,
): Promise<{ id: string; clientMessageId: string }> {
  const sent = await request(node.url)
    .post('/api/messages')
    .set(bearer(bob))
    .send({ toUserId: to, content })
    .expect(201);
  return sent.body;
}

describe('interoperability with a plain MyLife node (shared key, single messages only)', () => {
  const peer = new PlainPeer(SHARED_KEY);
  let node: TestNode;
  let bob: Resident;
  let xena: string;

  beforeAll(async () => {
    ({ node, bob, friendAddress: xena } = await bobBefriending(peer, 'xena'));
  });
  afterAll(() => stopBoth(node, peer));

  const message = (overrides: Record<string, string> = {}) => ({
    id: randomUUID(),
    clientMessageId: randomUUID(),
    fromUserId: xena,
    toUserId: bob.address,
    contentType: 'text/plain',
    content: 'hello from a plain node',
    createdAt: new Date().toISOString(),
    ...overrides,
  });

  it('records no success with the plain node for an invite it settled without a request', async () => {
    const destinations = await request(node.url).get('/api/admin/federation/destinations').set(admin).expect(200);
    const destination = destinations.body.items.find((item: { server: string }) => item.server === peer.name);
    expect(destination?.lastSuccessAt ?? null).toBeNull();
  });

  it('accepts a signed message (201), and answers its replay with 200 and the stored message, with no second row', async () => {
    const sent = message();
    const first = await peer.deliver(node.url, sent);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      ok: true,
      message: { id: sent.id, clientMessageId: sent.clientMessageId, fromUserId: xena, toUserId: bob.address },
    });
    const replay = await peer.deliver(node.url, sent);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ ok: true, duplicate: true, message: { id: sent.id } });
    expect(await countMessages(node, 'client_message_id = $1', [sent.clientMessageId])).toBe(1);
    const thread = await request(node.url).get(`/api/messages?friendUserId=${xena}`).set(bearer(bob)).expect(200);
    expect(thread.body.items.map((item: { id: string }) => item.id)).toContain(sent.id);
  });

  it('answers each message of a batch: a message id used twice stores the first, and a replay is a duplicate', async () => {
    const postBatch = async (messages: Record<string, string>[]) => {
      const body = JSON.stringify({ transactionId: randomUUID(), messages });
      const timestamp = new Date().toISOString();
      const response = await fetch(`${node.url}/api/federation/inbox/batch`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-mylife-federation-server': peer.name,
          'x-mylife-federation-timestamp': timestamp,
          'x-mylife-federation-signature': signBody(SHARED_KEY, timestamp, body),
        },
        body,
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { results: { status: string; statusCode: number }[] }).results;
    };
    const first = message({ content: 'first with this id' });
    const sameId = message({ id: first.id, content: 'second with this id' });
    const other = message({ content: 'another' });
    const results = await postBatch([first, sameId, other]);
    expect(results.map((result) => result.statusCode)).toEqual([201, 409, 201]);
    const replay = await postBatch([first]);
    expect(replay.map((result) => result.status)).toEqual(['duplicate']);
    // An id first used by a message that is refused (its sender is no friend) belongs to the next one.
    const refused = message({ fromUserId: `yuri@${peer.name}`, content: 'from a stranger' });
    const accepted = message({ id: refused.id, content: 'from a friend, same id' });
    const mixed = await postBatch([refused, accepted]);
    expect(mixed.map((result) => result.statusCode)).toEqual([403, 201]);
    const thread = await request(node.url).get(`/api/messages?friendUserId=${xena}`).set(bearer(bob)).expect(200);
    const stored = thread.body.items.filter((item: { id: string }) =>
      [first.id, other.id, accepted.id].some((id) => id === item.id),
    );
    expect(stored.map((item: { content: string }) => item.content).sort()).toEqual([
      'another',
      'first with this id',
      'from a friend, same id',
    ]);
    expect(await countMessages(node, 'client_message_id = $1', [sameId.clientMessageId])).toBe(0);
  });

  it('answers a replay with 200 after the friendship ended, and a new message from that user with 403', async () => {
    const wanda = `wanda@${peer.name}`;
    peer.befriend('wanda', bob.address);
    await invitePlainUser(node, bob, wanda);
    const sent = message({ fromUserId: wanda, content: 'before the end' });
    expect((await peer.deliver(node.url, sent)).status).toBe(201);
    await request(node.url).delete('/api/friends').set(bearer(bob)).send({ friendUserId: wanda }).expect(200);
    const replay = await peer.deliver(node.url, sent);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ duplicate: true, message: { id: sent.id } });
    expect((await peer.deliver(node.url, message({ fromUserId: wanda, content: 'after the end' }))).status).toBe(403);
  });

  it('marks messages fetched by bob’s device, and stages no delivery receipts for a node that takes none', async () => {
    const sent = message({ content: 'fetched from a plain node' });
    expect((await peer.deliver(node.url, sent)).status).toBe(201);
    const page = await request(node.url).get('/api/sync?limit=1000').set(bearer(bob)).expect(200);
    expect(page.body.events.some((event: { data: { id?: string } }) => event.data.id === sent.id)).toBe(true);
    const databaseUrl = node.config.databaseUrl!;
    const fetched = await queryDatabase(
      databaseUrl,
      `SELECT fetched_at FROM federation_inbox_receipts WHERE message_id = $1`,
      [sent.id],
    );
    expect(fetched).toEqual([{ fetched_at: expect.any(Date) }]);
    const receipts = await queryDatabase(
      databaseUrl,
      `SELECT count(*)::int AS count FROM federation_message_outbox WHERE kind = 'receipts' AND recipient_server = $1`,
      [peer.name],
    );
    expect(receipts[0].count).toBe(0);
  });

  it('(the test double) answers a body that is not JSON with 400 and a reason', async () => {
    const body = 'not json';
    const timestamp = new Date().toISOString();
    const response = await fetch(`http://${peer.name}/api/federation/inbox/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-mylife-federation-timestamp': timestamp,
        'x-mylife-federation-signature': signBody(SHARED_KEY, timestamp, body),
      },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.any(String) });
  });

  it('refuses a tampered body, a wrong key, a timestamp 31 s off and an unknown server with 401', async () => {
    const refused = async (options: Parameters<PlainPeer['deliver']>[2]) => {
      const sent = message();
      const response = await peer.deliver(node.url, sent, options);
      expect({ status: response.status, options }).toEqual({ status: 401, options });
      expect(await countMessages(node, 'client_message_id = $1', [sent.clientMessageId])).toBe(0);
    };
    await refused({ tamper: true });
    await refused({ key: 'not-the-shared-key-at-all' });
    await refused({ timestamp: new Date(Date.now() - 31_000).toISOString() });
    await refused({ timestamp: new Date(Date.now() + 31_000).toISOString() });
    await refused({ timestamp: 'yesterday' });

    const body = JSON.stringify(message({ fromUserId: 'mallory@unknown.example' }));
    const timestamp = new Date().toISOString();
    const unknown = await fetch(`${node.url}/api/federation/inbox/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-mylife-federation-server': 'unknown.example',
        'x-mylife-federation-timestamp': timestamp,
        'x-mylife-federation-signature': signBody(SHARED_KEY, timestamp, body),
      },
      body,
    });
    expect(unknown.status).toBe(401);
    const missing = await fetch(`${node.url}/api/federation/inbox/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(missing.status).toBe(401);
  });

  it('refuses a message from a user who is not a friend, to an unknown user, or speaking for another server, with 403', async () => {
    expect((await peer.deliver(node.url, message({ fromUserId: `yuri@${peer.name}` }))).status).toBe(403);
    expect((await peer.deliver(node.url, message({ toUserId: 'nobody' }))).status).toBe(403);
    expect((await peer.deliver(node.url, message({ fromUserId: 'xena@elsewhere.example' }))).status).toBe(403);
  });

  it('delivers our messages to the plain node with the shared key, exactly once', async () => {
    const sent = await request(node.url)
      .post('/api/messages')
      .set(bearer(bob))
      .send({ toUserId: xena, content: 'hi xena' })
      .expect(201);
    const delivered = await eventually(
      async () => peer.received.find((item) => item.clientMessageId === sent.body.clientMessageId),
      10_000,
      'delivered to the plain node',
    );
    expect(delivered).toMatchObject({
      id: sent.body.id,
      fromUserId: bob.address,
      toUserId: xena,
      content: 'hi xena',
      senderServer: node.server,
    });
    await eventually(
      async () => {
        const thread = await request(node.url).get(`/api/messages?friendUserId=${xena}`).set(bearer(bob)).expect(200);
        return (
          thread.body.items.find((item: { id: string; deliveryStatus: string }) => item.id === sent.body.id)
            ?.deliveryStatus === 'sent'
        );
      },
      10_000,
      'marked sent',
    );
    expect(peer.received.filter((item) => item.clientMessageId === sent.body.clientMessageId)).toHaveLength(1);
  });

  it('writes the destination’s lastSuccessAt on every delivery, not only when it recovers', async () => {
    const lastSuccessAt = async () => {
      const destinations = await request(node.url).get('/api/admin/federation/destinations').set(admin).expect(200);
      const destination = destinations.body.items.find((item: { server: string }) => item.server === peer.name);
      return destination?.lastSuccessAt ? Date.parse(destination.lastSuccessAt) : null;
    };
    const deliver = async (content: string) => {
      const sent = await request(node.url).post('/api/messages').set(bearer(bob)).send({ toUserId: xena, content });
      await eventually(
        async () => peer.received.some((item) => item.clientMessageId === sent.body.clientMessageId),
        10_000,
        `${content} delivered`,
      );
    };
    await deliver('first of two');
    const first = await eventually(lastSuccessAt, 10_000, 'lastSuccessAt written');
    await deliver('second of two');
    await eventually(async () => ((await lastSuccessAt()) ?? 0) > first!, 10_000, 'lastSuccessAt written again');
  });
});

describe('a plain node that limits its inbox to a few requests per window', () => {
  const peer = new PlainPeer(SHARED_KEY);
  let node: TestNode;
  let bob: Resident;
  let xena: string;

  beforeAll(async () => {
    peer.rateLimit = { limit: 5, windowMs: 2000 };
    ({ node, bob, friendAddress: xena } = await bobBefriending(peer, 'xena'));
  });
  afterAll(() => stopBoth(node, peer));

  it('paces a burst of 25 messages within the limit: only a first wave may get 429, none spends an attempt or fails', async () => {
    const sent = await Promise.all(Array.from({ length: 25 }, (_, i) => bobSends(node, bob, xena, `burst ${i}`)));
    const ids = sent.map((message) => message.id);
    // Until every row has settled: sent, or (what must not happen) failed.
    const rows = await eventually(
      async () => {
        const found = await queryDatabase<{ status: string; attempts: number }>(
          node.config.databaseUrl!,
          `SELECT status, attempts FROM federation_message_outbox WHERE message_id = ANY ($1::uuid[])`,
          [ids],
        );
        return found.every((row) => row.status !== 'pending') && found;
      },
      60_000,
      'all 25 settled',
    );
    expect(rows.filter((row) => row.status !== 'sent')).toEqual([]);
    expect(rows).toHaveLength(25);
    expect(rows.every((row) => row.attempts === 1)).toBe(true);
    expect(new Set(peer.received.map((item) => item.clientMessageId)).size).toBe(25);
    expect(peer.received).toHaveLength(25);
    // Only requests sent before the node heard the peer's quota can be over it: at most one per delivery worker (16),
    // of which 5 fit. Without pacing every window's wake-up sends all that wait, and most get 429 (about 40).
    expect(peer.answered.tooManyRequests).toBeLessThanOrEqual(16 - 5);
  }, 90_000);
});

describe('a peer that keeps asking us to come back later', () => {
  const peer = new PlainPeer(SHARED_KEY);
  let node: TestNode;
  let bob: Resident;
  let xena: string;

  beforeAll(async () => {
    // Every inbox request is over the limit: 429 with Retry-After 60.
    peer.rateLimit = { limit: 0, windowMs: 60_000 };
    ({
      node,
      bob,
      friendAddress: xena,
    } = await bobBefriending(peer, 'xena', {
      env: { MYLIFE_FEDERATION_GIVE_UP_AFTER: '3s' },
    }));
  });
  afterAll(() => stopBoth(node, peer));

  it('fails a message only at the give-up age, with none of its attempts spent', async () => {
    const sent = await bobSends(node, bob, xena, 'anyone?');
    const failed = await eventually(
      () => outboxRowOf(node, sent.id, 'failed'),
      20_000,
      'row failed at the give-up age',
    );
    expect(failed).toMatchObject({ attempts: 0, lastHttpStatus: 429 });
    expect(failed.lastError).toMatch(/^gave up after \d+ seconds of waiting: 429/);
    expect(peer.answered.tooManyRequests).toBeGreaterThanOrEqual(1);
    expect(Date.now() - Date.parse(failed.createdAt)).toBeGreaterThanOrEqual(3000);

    // An operator's retry starts the wait over: the row fails again only once it has waited the give-up age anew.
    const retriedAt = Date.now();
    await request(node.url).post(`/api/admin/federation/outbox/${failed.id}/retry`).set(admin).send({}).expect(200);
    const failedAgain = await eventually(
      () => outboxRowOf(node, sent.id, 'failed'),
      20_000,
      'row failed again at the give-up age',
    );
    expect(Date.now() - retriedAt).toBeGreaterThanOrEqual(3000);
    expect(failedAgain).toMatchObject({ attempts: 0, lastHttpStatus: 429 });
  });
});

describe('a plain node whose operator has not recorded the friendship yet', () => {
  const peer = new PlainPeer(SHARED_KEY);
  let node: TestNode;
  let bob: Resident;
  let yuki: string;

  beforeAll(async () => {
    ({ node, bob, friendAddress: yuki } = await bobBefriending(peer, 'yuki', { peerBefriends: false }));
  });
  afterAll(() => stopBoth(node, peer));

  it('keeps a message refused with 403 waiting, and sends it at once when a message from that friend arrives', async () => {
    const sent = await bobSends(node, bob, yuki, 'did you add me?');
    const waiting = await eventually(
      async () => {
        const row = await outboxRowOf(node, sent.id);
        return row?.lastHttpStatus === 403 && row;
      },
      10_000,
      'refused with 403',
    );
    expect(waiting).toMatchObject({ status: 'pending', lastError: expect.stringMatching(/403/) });
    expect(Date.parse(waiting.nextAttemptAt) - Date.now()).toBeGreaterThan(30 * 60_000);
    expect(peer.answered.forbidden).toBe(1);

    peer.befriend('yuki', bob.address);
    const hello = await peer.deliver(node.url, {
      id: randomUUID(),
      clientMessageId: randomUUID(),
      fromUserId: yuki,
      toUserId: bob.address,
      contentType: 'text/plain',
      content: 'added you',
      createdAt: new Date().toISOString(),
    });
    expect(hello.status).toBe(201);
    await eventually(
      async () => peer.received.some((item) => item.clientMessageId === sent.clientMessageId),
      10_000,
      'delivered once the friendship exists',
    );
    await eventually(
      async () => (await threadOf(bob, yuki)).find((item) => item.id === sent.id)?.deliveryStatus === 'sent',
      10_000,
      'marked sent',
    );
  });

  it('sends a message at once when the friend’s message arrives while the peer’s 403 to it is on its way', async () => {
    const yara = `yara@${peer.name}`;
    await invitePlainUser(node, bob, yara);
    let answer!: () => void;
    peer.holdAnswers = new Promise((resolve) => (answer = resolve));
    const forbiddenBefore = peer.answered.forbidden;
    try {
      const sent = await bobSends(node, bob, yara, 'are we friends yet?');
      await eventually(async () => peer.answered.forbidden === forbiddenBefore + 1, 10_000, 'refused, answer held');
      peer.befriend('yara', bob.address);
      expect((await peer.deliver(node.url, plainMessageFrom(yara, bob, 'now we are'))).status).toBe(201);
      answer();
      peer.holdAnswers = null;
      await eventually(
        async () => peer.received.some((item) => item.clientMessageId === sent.clientMessageId),
        10_000,
        'delivered without waiting for the next try',
      );
    } finally {
      answer();
      peer.holdAnswers = null;
    }
  });
});

describe('a failing plain node while a row to it waits for a friendship', () => {
  const peer = new PlainPeer(SHARED_KEY);
  let node: TestNode;
  let bob: Resident;
  let zoe: string;
  let yuki: string;

  beforeAll(async () => {
    ({ node, bob, friendAddress: zoe } = await bobBefriending(peer, 'zoe'));
    yuki = `yuki@${peer.name}`;
    await invitePlainUser(node, bob, yuki);
  });
  afterAll(() => stopBoth(node, peer));

  it('retries what is due with backoff, delivers it once the peer answers, and leaves the held row alone', async () => {
    const waiting = await bobSends(node, bob, yuki, 'not friends on that side yet');
    await eventually(async () => peer.answered.forbidden === 1, 10_000, 'refused with 403: waits an hour');
    peer.failWith = 500;
    const due = await bobSends(node, bob, zoe, 'due once the peer answers');
    await eventually(
      async () => (await destinationRow(node, peer.name))?.consecutive_failures >= 2,
      10_000,
      'two failures in a row',
    );
    expect(await outboxRowOf(node, due.id, 'pending')).toMatchObject({ lastHttpStatus: 500 });
    peer.failWith = null;
    await eventually(
      async () => peer.received.some((item) => item.clientMessageId === due.clientMessageId),
      10_000,
      'delivered once the peer answers',
    );
    await eventually(
      async () => (await destinationRow(node, peer.name)).consecutive_failures === 0,
      10_000,
      'recovered',
    );
    // Nothing else is due: the destination's job sends nothing more, and the held row keeps waiting, unsent.
    const requests = peer.received.length + peer.answered.forbidden;
    await pause(QUIET_MS);
    expect(peer.received.length + peer.answered.forbidden).toBe(requests);
    expect(Date.parse((await outboxRowOf(node, waiting.id, 'pending')).nextAttemptAt) - Date.now()).toBeGreaterThan(
      30 * 60_000,
    );
  });
});

describe('a peer that asks us to come back after 0 seconds', () => {
  let node: TestNode;
  let server: http.Server;
  const inboxRequests: number[] = [];

  beforeAll(async () => {
    // No RateLimit headers: only Retry-After says when to come back.
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const inbox = req.url === '/api/federation/inbox/messages';
        if (inbox) inboxRequests.push(Date.now());
        res.writeHead(inbox ? 429 : 401, { 'content-type': 'application/json', ...(inbox && { 'retry-after': '0' }) });
        res.end(JSON.stringify({ error: inbox ? 'slow down' : 'authentication required' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await node?.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('waits at least the backoff base before the next request', async () => {
    const name = `localhost:${(server.address() as AddressInfo).port}`;
    node = await startFederatedNode({
      MYLIFE_FEDERATION_SHARED_KEYS: `${name}=${SHARED_KEY}`,
      MYLIFE_FEDERATION_BACKOFF_BASE_MS: '1000',
    });
    const bob = await resident(node, 'bob');
    await invitePlainUser(node, bob, `xena@${name}`);
    await bobSends(node, bob, `xena@${name}`, 'hello?');
    await eventually(async () => inboxRequests.length >= 3, 10_000, 'asked to come back, twice');
    // Each answer said "now": the next request still came a backoff base later, and spent no attempt.
    expect(inboxRequests[1] - inboxRequests[0]).toBeGreaterThanOrEqual(1000);
    expect(inboxRequests[2] - inboxRequests[1]).toBeGreaterThanOrEqual(1000);
    expect(await destinationRow(node, name)).toMatchObject({ consecutive_failures: 0 });
  });
});

describe('a peer that always fails', () => {
  const peer = new PlainPeer(SHARED_KEY);
  let node: TestNode;
  let bob: Resident;

  beforeAll(async () => {
    ({ node, bob } = await bobBefriending(peer, 'zoe', { env: { MYLIFE_FEDERATION_GIVE_UP_AFTER: '3s' } }));
  });
  afterAll(() => stopBoth(node, peer));

  const destination = async () => {
    const destinations = await request(node.url).get('/api/admin/federation/destinations').set(admin).expect(200);
    return destinations.body.items.find((item: { server: string }) => item.server === peer.name);
  };

  it('retries it with backoff until the give-up age, and a retry through the admin API delivers once it is fixed', async () => {
    peer.failWith = 500;
    const sent = await bobSends(node, bob, `zoe@${peer.name}`, 'are you there?');
    const failed = await eventually(() => outboxRowOf(node, sent.id, 'failed'), 20_000, 'row failed');
    expect(failed).toMatchObject({ status: 'failed', lastHttpStatus: 500, recipientServer: peer.name });
    expect(failed.attempts).toBeGreaterThanOrEqual(2);
    expect(failed.lastError).toMatch(/^gave up after \d+ seconds of waiting: 500/);
    expect(peer.received).toHaveLength(0);
    const thread = await request(node.url)
      .get(`/api/messages?friendUserId=zoe@${peer.name}`)
      .set(bearer(bob))
      .expect(200);
    expect(thread.body.items.at(-1)).toMatchObject({ deliveryStatus: 'failed', deliveryAttempts: failed.attempts });
    // Every failure in a row lengthened the destination's backoff.
    expect(await destination()).toMatchObject({ lastError: expect.stringMatching(/500/) });
    expect((await destination()).consecutiveFailures).toBeGreaterThanOrEqual(2);

    peer.failWith = null;
    await request(node.url).post(`/api/admin/federation/outbox/${failed.id}/retry`).set(admin).send({}).expect(200);
    await eventually(
      async () => peer.received.some((item) => item.clientMessageId === sent.clientMessageId),
      10_000,
      'delivered after retry',
    );
    await eventually(
      async () => {
        const outbox = await request(node.url).get('/api/admin/federation/outbox?status=sent').set(admin).expect(200);
        return outbox.body.items.some((row: { id: string }) => row.id === failed.id);
      },
      10_000,
      'row sent',
    );
    expect(peer.received.filter((item) => item.clientMessageId === sent.clientMessageId)).toHaveLength(1);
    expect(await destination()).toMatchObject({ consecutiveFailures: 0, lastError: null });
    await request(node.url).post(`/api/admin/federation/outbox/${failed.id}/retry`).set(admin).send({}).expect(409);
  });

  it('pages the admin outbox list through rows one statement staged at the same instant, and refuses a bad cursor', async () => {
    const inserted = await queryDatabase<{ id: string }>(
      node.config.databaseUrl!,
      `INSERT INTO federation_message_outbox (id, kind, recipient_server, payload, status)
       SELECT gen_random_uuid(), 'receipts', 'paging.example', '{"receipts": []}', 'failed' FROM generate_series(1, 5)
       RETURNING id`,
    );
    const staged = inserted.map((row) => row.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await request(node.url)
        .get(`/api/admin/federation/outbox?server=paging.example&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(admin)
        .expect(200);
      seen.push(...page.body.items.map((row: { id: string }) => row.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(staged.sort());

    const cursorOf = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');
    for (const bad of [
      'garbage',
      cursorOf(['yesterday', randomUUID()]),
      cursorOf(['2026-02-30 10:00:00+00', randomUUID()]),
    ]) {
      const refused = await request(node.url).get(`/api/admin/federation/outbox?cursor=${bad}`).set(admin).expect(400);
      expect(refused.body.message).toMatch(/cursor/);
    }
  });
});
