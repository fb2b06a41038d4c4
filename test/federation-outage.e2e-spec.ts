import request from 'supertest';
import { DeliveryWait, DestinationHealth } from '../src/federation/destination-health.service';
import { bearer } from './support/factories';
import { eventually, friendsAcross, Resident, sendAcross, untilInThread } from './support/federation';
import { deleteRedisKeys, queryDatabase, testServices } from './support/services';
import { TestNode } from './support/test-node';

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

describe('a destination that recovers while a delivery job finds it backed off', () => {
  let nodeA: TestNode, nodeB: TestNode;
  let alice: Resident, bob: Resident;

  beforeAll(async () => {
    // A job that misses the recovery would wait out retry_at plus this: far longer than the test waits.
    ({ nodeA, nodeB, alice, bob } = await friendsAcross({ MYLIFE_FEDERATION_BACKOFF_MAX_MS: '120000' }));
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
  });

  it('does not leave the job delayed until the end of the backoff', async () => {
    const health = nodeA.app.get(DestinationHealth);
    // Quiet first: a request between the nodes would count as B's recovery before the test stages it.
    const nothingPending = async (node: TestNode) =>
      (await query(node, `SELECT 1 FROM federation_message_outbox WHERE status = 'pending'`)).length === 0;
    await eventually(async () => (await nothingPending(nodeA)) && nothingPending(nodeB), 10_000, 'quiet outboxes');
    await query(
      nodeA,
      `UPDATE federation_destinations SET consecutive_failures = 1, retry_at = now() + interval '1 minute',
         last_error = 'down for the test' WHERE server = $1`,
      [nodeB.server],
    );
    await eventually(async () => (await health.admit(nodeB.server)) ?? undefined, 10_000, 'A sees B backed off');
    const realAdmit = health.admit.bind(health);
    let jobSaw: DeliveryWait | null = null;
    // B comes back between the job's check and its move to delayed: the flush of the recovery finds the job active.
    jest.spyOn(health, 'admit').mockImplementationOnce(async (server, ticket) => {
      jobSaw = await realAdmit(server, ticket);
      await health.recordSuccess(server);
      return jobSaw;
    });
    const sent = await sendAcross(alice, bob.address, 'sent as B recovers');
    await untilInThread(bob, alice.address, (message) => message.id === sent.id, 'the message on B');
    expect(jobSaw).not.toBeNull();
  });
});
