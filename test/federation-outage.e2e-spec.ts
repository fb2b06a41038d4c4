import request from 'supertest';
import { FederationAuth } from '../src/federation/federation-auth';
import { bearer } from './support/factories';
import { eventually, friendsAcross, Resident, sendAcross, untilInThread } from './support/federation';
import { deleteRedisKeys, queryDatabase, testServices } from './support/services';
import { TEST_ADMIN_TOKEN, TestNode } from './support/test-node';

function query<T>(node: TestNode, sql: string, params: unknown[] = []): Promise<T[]> {
  return queryDatabase<T>(node.config.databaseUrl!, sql, params);
}

async function sendBurst(from: Resident, to: Resident, count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, count - start) }, (_, i) =>
        request(from.node.url)
          .post('/api/messages')
          .set(bearer(from))
          .send({ toUserId: to.address, content: `${tag} ${start + i}`, clientMessageId: `${tag}-${start + i}` })
          .expect(201),
      ),
    );
    ids.push(...batch.map((response) => response.body.clientMessageId as string));
  }
  return ids;
}

/** Every one of `clientIds` stored exactly once on the recipient's node. */
async function arrivedExactlyOnce(node: TestNode, fromUserId: string, clientIds: string[]): Promise<boolean> {
  const rows = await query<{ client_message_id: string; copies: string }>(
    node,
    `SELECT client_message_id, count(*) AS copies FROM friend_messages
     WHERE from_user_id = $1 AND client_message_id = ANY($2) GROUP BY client_message_id`,
    [fromUserId, clientIds],
  );
  expect(rows.every((row) => Number(row.copies) === 1)).toBe(true);
  return rows.length === clientIds.length;
}

describe('federation through outages', () => {
  let nodeA: TestNode, nodeB: TestNode;
  let alice: Resident, bob: Resident;

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await friendsAcross());
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
  });

  it('keeps 200 messages pending while the peer is down, and delivers each exactly once within 10 s of its return', async () => {
    await nodeB.stop();
    const clientIds = await sendBurst(alice, bob, 200, 'outage');
    await eventually(
      async () => {
        const rows = await query<{ attempts: number }>(
          nodeA,
          `SELECT attempts FROM federation_message_outbox WHERE kind = 'message' AND status = 'pending'`,
        );
        return rows.length === 200 && rows.some((row) => row.attempts > 0);
      },
      10_000,
      'pending rows with attempts recorded',
    );
    const [destination] = await query<{ last_error: string | null; retry_at: Date | null }>(
      nodeA,
      'SELECT last_error, retry_at FROM federation_destinations WHERE server = $1',
      [nodeB.server],
    );
    expect(destination.last_error).toMatch(/ECONNREFUSED|connect/i);

    await nodeB.restart();
    const restartedAt = Date.now();
    await eventually(
      () => arrivedExactlyOnce(nodeB, alice.address, clientIds),
      10_000,
      'all 200 delivered after the restart',
    );
    expect(Date.now() - restartedAt).toBeLessThan(10_000);
    await eventually(
      async () => {
        const [{ pending }] = await query<{ pending: string }>(
          nodeA,
          `SELECT count(*) AS pending FROM federation_message_outbox WHERE status = 'pending'`,
        );
        return Number(pending) === 0;
      },
      10_000,
      'outbox drained',
    );
  });

  const withRedis = testServices.redisUrl ? it : it.skip;
  withRedis('delivers every message exactly once when Redis loses the queue in the middle of a burst', async () => {
    const first = sendBurst(alice, bob, 100, 'flush-a');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await deleteRedisKeys(nodeA.config.queuePrefix);
    const clientIds = [...(await first), ...(await sendBurst(alice, bob, 100, 'flush-b'))];
    await deleteRedisKeys(nodeA.config.queuePrefix);
    await eventually(
      () => arrivedExactlyOnce(nodeB, alice.address, clientIds),
      20_000,
      'all 200 delivered after the flush',
    );
  });
});

describe('a destination that comes back while its job backs off', () => {
  let nodeA: TestNode, nodeB: TestNode;
  let alice: Resident, bob: Resident;

  beforeAll(async () => {
    // Backoffs far longer than the test waits: only B's sign of life can bring A's job back in time.
    ({ nodeA, nodeB, alice, bob } = await friendsAcross({
      MYLIFE_FEDERATION_BACKOFF_BASE_MS: '60000',
      MYLIFE_FEDERATION_BACKOFF_MAX_MS: '120000',
    }));
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
  });

  it('is drained at once when it starts again: a node that starts tells the nodes it talks to', async () => {
    await nodeB.stop();
    const sent = await sendAcross(alice, bob.address, 'sent before B starts again');
    await eventually(
      async () => {
        const rows = await query(
          nodeA,
          'SELECT 1 FROM federation_destinations WHERE server = $1 AND consecutive_failures > 0',
          [nodeB.server],
        );
        return rows.length > 0;
      },
      10_000,
      'A backs off from B',
    );
    await nodeB.restart();
    // The backoff is a minute: only B's notice can bring the message within untilInThread's wait.
    await untilInThread(bob, alice.address, (message) => message.id === sent.id, 'the message on B');
  });

  it('is drained at once when a signed request from it arrives, not when the backoff runs out', async () => {
    await nodeB.stop();
    const sent = await sendAcross(alice, bob.address, 'sent while B is down');
    const [backedOff] = await eventually(
      async () => {
        const rows = await query<{ consecutive_failures: number; retry_at: Date }>(
          nodeA,
          'SELECT consecutive_failures, retry_at FROM federation_destinations WHERE server = $1 AND consecutive_failures > 0',
          [nodeB.server],
        );
        return rows.length > 0 && rows;
      },
      10_000,
      'A backs off from B',
    );
    expect(backedOff.retry_at.getTime()).toBeGreaterThan(Date.now() + 30_000);
    // A row no request has carried yet goes with the destination's job too: the outbox says so.
    const later = await sendAcross(alice, bob.address, 'sent while A backs off');
    const outbox = await request(nodeA.url)
      .get(`/api/admin/federation/outbox?status=pending&server=${nodeB.server}`)
      .set({ Authorization: `Bearer ${TEST_ADMIN_TOKEN}` })
      .expect(200);
    const planned = outbox.body.items.map((row: { messageId: string; nextAttemptAt: string }) => [
      row.messageId,
      Date.parse(row.nextAttemptAt),
    ]);
    expect(planned).toEqual(
      expect.arrayContaining([
        [sent.id, backedOff.retry_at.getTime()],
        [later.id, backedOff.retry_at.getTime()],
      ]),
    );

    await nodeB.restart();
    // Any signed request from B shows A that B is back (here an empty receipts request, as B's node signs it).
    const body = Buffer.from(JSON.stringify({ receipts: [] }));
    const headers = await nodeB.app.get(FederationAuth).sign(nodeA.server, body);
    await request(nodeA.url)
      .post('/api/federation/inbox/receipts')
      .set(headers)
      .set('content-type', 'application/json')
      .send(body.toString());
    await untilInThread(bob, alice.address, (message) => message.id === sent.id, 'the message on B');
    await untilInThread(bob, alice.address, (message) => message.id === later.id, 'the later message on B');
  });
});
