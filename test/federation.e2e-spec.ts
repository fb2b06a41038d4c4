import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { bearer } from './support/factories';
import {
  befriendAcross,
  eventually,
  friendsAcross,
  resident,
  Resident,
  sendAcross,
  startFederatedNode,
  ThreadMessage,
  threadOf,
  untilAcked,
  untilInThread,
} from './support/federation';
import { runCli } from '../src/cli/cli';
import { destinationJobId, FEDERATION_DELIVERY_JOB, QUEUES } from '../src/queue/queues';
import { ServerKeysService } from '../src/signing/server-keys.service';
import { freePort, queryDatabase } from './support/services';
import { TEST_ADMIN_TOKEN, TestNode } from './support/test-node';
import { DeliveryProcessor } from '../src/federation/delivery.processor';

describe('federation between two nodes', () => {
  let nodeA: TestNode, nodeB: TestNode;
  let alice: Resident, bob: Resident;

  beforeAll(async () => {
    [nodeA, nodeB] = await Promise.all([startFederatedNode(), startFederatedNode()]);
    alice = await resident(nodeA, 'alice');
    bob = await resident(nodeB, 'bob');
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
  });

  it('publishes its keys, capabilities and limits at /.well-known/mylife-federation', async () => {
    const response = await request(nodeA.url).get('/.well-known/mylife-federation').expect(200);
    expect(response.body).toEqual({
      server: nodeA.server,
      keys: [
        {
          id: expect.any(String),
          algorithm: 'x25519',
          publicKey: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
          notAfter: null,
        },
      ],
      capabilities: expect.arrayContaining(['messages', 'batch', 'receipts', 'invites']),
      limits: { maxContentBytes: 65536, maxBatchMessages: 500 },
    });
  });

  it('befriends across nodes: invite → accept, with the same invite id on both', async () => {
    const inviteId = await befriendAcross(alice, bob);
    const onA = await request(nodeA.url).get('/api/friends/invites?direction=outgoing').set(bearer(alice)).expect(200);
    const onB = await request(nodeB.url).get('/api/friends/invites?direction=incoming').set(bearer(bob)).expect(200);
    expect(onA.body.outgoing.find((invite: { id: string }) => invite.id === inviteId).status).toBe('accepted');
    expect(onB.body.incoming.find((invite: { id: string }) => invite.id === inviteId).status).toBe('accepted');
    const bobsFriends = await request(nodeB.url).get('/api/friends').set(bearer(bob)).expect(200);
    expect(bobsFriends.body.friends.map((friend: { friendUserId: string }) => friend.friendUserId)).toEqual([
      alice.address,
    ]);
  });

  it('befriends `Carol@B` as carol@B on both nodes: a MyLife node’s usernames are lower-case', async () => {
    const carol = await resident(nodeB, 'carol');
    const sent = await request(nodeA.url)
      .post('/api/friends/invites')
      .set(bearer(alice))
      .send({ toUserId: `Carol@${nodeB.server}` })
      .expect(201);
    const inviteId: string = sent.body.invite.id;
    expect(sent.body.invite.toUserId).toBe(carol.address);
    const incoming = await eventually(async () => {
      const listed = await request(nodeB.url).get('/api/friends/invites?direction=incoming').set(bearer(carol));
      return listed.body.incoming?.find((invite: { id: string }) => invite.id === inviteId);
    });
    expect(incoming.fromUserId).toBe(alice.address);
    await request(nodeB.url).post(`/api/friends/invites/${inviteId}/accept`).set(bearer(carol)).send({}).expect(200);
    await eventually(
      async () => {
        const outgoing = await request(nodeA.url).get('/api/friends/invites?direction=outgoing').set(bearer(alice));
        const invite = outgoing.body.outgoing?.find((candidate: { id: string }) => candidate.id === inviteId);
        return invite?.status === 'accepted';
      },
      10_000,
      'the acceptance reached node A',
    );
    const friends = await request(nodeA.url).get('/api/friends').set(bearer(alice)).expect(200);
    expect(friends.body.friends.map((friend: { friendUserId: string }) => friend.friendUserId)).toContain(
      carol.address,
    );
    // Spelt either way, the address reaches carol; and her messages are her friend's.
    const toCarol = await sendAcross(alice, `Carol@${nodeB.server}`, 'hello Carol');
    await untilInThread(carol, alice.address, (message) => message.id === toCarol.id, 'alice’s message on B');
    const toAlice = await sendAcross(carol, alice.address, 'hello alice');
    await untilInThread(alice, carol.address, (message) => message.id === toAlice.id, 'carol’s message on A');
    // A restarted process has not heard from B yet: what it stored of B still spells carol in lower case.
    await nodeA.restart();
    await sendAcross(alice, `Carol@${nodeB.server}`, 'after a restart');
    await request(nodeA.url)
      .get(`/api/messages?friendUserId=${encodeURIComponent(`Carol@${nodeB.server}`)}`)
      .set(bearer(alice))
      .expect(200);
  });

  it('refuses invites to a server it could never sign to, and to itself under another name, storing nothing', async () => {
    const web = createServer((_request, response) => response.writeHead(404).end('not found'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    try {
      const webServer = `127.0.0.1:${(web.address() as AddressInfo).port}`;
      const refused = await request(nodeA.url)
        .post('/api/friends/invites')
        .set(bearer(alice))
        .send({ toUserId: `dave@${webServer}` })
        .expect(400);
      expect(refused.body.message).toMatch(
        /publishes no MyLife federation keys .*MYLIFE_FEDERATION_SHARED_KEYS has no entry for it/,
      );
      const ownPort = nodeA.server.split(':')[1];
      const itself = await request(nodeA.url)
        .post('/api/friends/invites')
        .set(bearer(alice))
        .send({ toUserId: `bob@127.0.0.1:${ownPort}` })
        .expect(400);
      expect(itself.body.message).toBe(
        `127.0.0.1:${ownPort} publishes the MyLife federation document of ${nodeA.server}: address its users as ` +
          `name@${nodeA.server}`,
      );
      const outgoing = await request(nodeA.url)
        .get('/api/friends/invites?direction=outgoing')
        .set(bearer(alice))
        .expect(200);
      expect(
        outgoing.body.outgoing.filter((invite: { toUserId: string }) => invite.toUserId.includes('127.0.0.1')),
      ).toEqual([]);
    } finally {
      await new Promise((resolve) => web.close(resolve));
    }
  });

  it('fails, not accepts, an invite to a server that turns out to be a web server without a shared key', async () => {
    // Nothing listens yet: the invite cannot be judged when it is made, so it waits in the outbox.
    const port = await freePort();
    const sent = await request(nodeA.url)
      .post('/api/friends/invites')
      .set(bearer(alice))
      .send({ toUserId: `dave@127.0.0.1:${port}` })
      .expect(201);
    const web = createServer((_request, response) => response.writeHead(404).end('not found'));
    await new Promise<void>((resolve) => web.listen(port, '127.0.0.1', resolve));
    try {
      const [row] = await eventually(
        async () => {
          const rows = await queryDatabase<{ status: string; last_error: string }>(
            nodeA.config.databaseUrl!,
            `SELECT status, last_error FROM federation_message_outbox WHERE kind = 'invite' AND payload->>'id' = $1`,
            [sent.body.invite.id],
          );
          return rows[0]?.status === 'failed' && rows;
        },
        15_000,
        'the invite’s delivery failed',
      );
      expect(row.last_error).toMatch(/publishes no MyLife federation document and MYLIFE_FEDERATION_SHARED_KEYS/);
      const friends = await request(nodeA.url).get('/api/friends').set(bearer(alice)).expect(200);
      expect(friends.body.friends.map((friend: { friendUserId: string }) => friend.friendUserId)).not.toContain(
        `dave@127.0.0.1:${port}`,
      );
    } finally {
      await new Promise((resolve) => web.close(resolve));
    }
  });

  it('delivers messages both ways, acks them when fetched, and sends read receipts back', async () => {
    const sent = await sendAcross(alice, bob.address, 'hi from A');
    expect(sent).toMatchObject({ fromUserId: alice.address, toUserId: bob.address, deliveryStatus: 'pending' });

    const received = await untilInThread(
      bob,
      alice.address,
      (message) => message.clientMessageId === sent.clientMessageId,
      'message reached B',
    );
    expect(received).toMatchObject({ id: sent.id, content: 'hi from A', fromUserId: alice.address });

    // Bob's device fetches it through sync: A hears about it and marks it acked.
    await request(nodeB.url).get('/api/sync').set(bearer(bob)).expect(200);
    await untilAcked(alice, bob.address, sent.id, 'delivery acked on A');

    await request(nodeB.url).post(`/api/messages/${received.id}/read`).set(bearer(bob)).send({}).expect(200);
    const readOnA = await untilInThread(
      alice,
      bob.address,
      (message) => message.id === sent.id && message.readAt !== null,
      'read receipt on A',
    );
    expect(readOnA.deliveryStatus).toBe('acked');

    const reply = await sendAcross(bob, alice.address, 'hi back');
    await untilInThread(alice, bob.address, (message) => message.id === reply.id, 'reply reached A');

    const aliceSync = await request(nodeA.url).get('/api/sync?limit=1000').set(bearer(alice)).expect(200);
    const deliveries = aliceSync.body.events.filter(
      (event: { type: string; data: { messageId: string } }) =>
        event.type === 'message.delivery' && event.data.messageId === sent.id,
    );
    expect(deliveries.map((event: { data: { deliveryStatus: string } }) => event.data.deliveryStatus)).toEqual([
      'sent',
      'acked',
    ]);
  });

  it('delivers the messages of one batch in the order they were written (they share one created_at)', async () => {
    const [olga, pete] = await Promise.all([resident(nodeA, 'olga'), resident(nodeB, 'pete')]);
    await befriendAcross(olga, pete);
    const contents = Array.from({ length: 40 }, (_, i) => `in order ${i + 1}`);
    const batch = await request(nodeA.url)
      .post('/api/messages/batch')
      .set(bearer(olga))
      .send({
        messages: contents.map((content, i) => ({ toUserId: pete.address, content, clientMessageId: `order-${i}` })),
      })
      .expect(200);
    expect(batch.body.results.every((result: { status: number }) => result.status === 201)).toBe(true);
    const onB = await eventually(
      async () => {
        const thread = await threadOf(pete, olga.address);
        return thread.length === contents.length ? thread : undefined;
      },
      15_000,
      'the whole batch on B',
    );
    // B numbers messages as they arrive: its order is the order on the wire.
    const byArrival = [...onB].sort((a, b) => Number(a.seq) - Number(b.seq)).map((message) => message.content);
    expect(byArrival).toEqual(contents);
  });

  it('keeps federating through a key rotation, with the old key verifying during the overlap', async () => {
    const before = (await request(nodeA.url).get('/.well-known/mylife-federation').expect(200)).body.keys;
    const output: string[] = [];
    const io = {
      out: (line: string) => output.push(line),
      err: (line: string) => output.push(line),
      readStdin: async () => '',
      isInteractive: false,
    };
    const env = { DATABASE_URL: nodeA.config.databaseUrl!, MYLIFE_FEDERATION_SERVER: nodeA.server };
    expect(await runCli(['federation', 'rotate-key'], env, io)).toBe(0);
    expect(output.join('\n')).toMatch(/new federation key .+ signs from now on/);
    // A running process re-reads its keys within a minute; make this one do it now.
    await nodeA.app.get(ServerKeysService).ensureKey();

    const after = (await request(nodeA.url).get('/.well-known/mylife-federation').expect(200)).body.keys;
    expect(after).toHaveLength(2);
    expect(after.find((key: { id: string }) => key.id === before[0].id).notAfter).toEqual(expect.any(String));
    expect(after.find((key: { id: string }) => key.id !== before[0].id).notAfter).toBeNull();

    const fromA = await request(nodeA.url)
      .post('/api/messages')
      .set(bearer(alice))
      .send({ toUserId: bob.address, content: 'new key' })
      .expect(201);
    const fromB = await request(nodeB.url)
      .post('/api/messages')
      .set(bearer(bob))
      .send({ toUserId: alice.address, content: 'old key' })
      .expect(201);
    await eventually(
      async () => {
        const thread = await request(nodeB.url)
          .get(`/api/messages?friendUserId=${alice.address}`)
          .set(bearer(bob))
          .expect(200);
        return thread.body.items.some((message: { id: string }) => message.id === fromA.body.id);
      },
      10_000,
      'signed with the new key, verified after B fetched it',
    );
    await eventually(
      async () => {
        const thread = await request(nodeA.url)
          .get(`/api/messages?friendUserId=${bob.address}`)
          .set(bearer(alice))
          .expect(200);
        return thread.body.items.some((message: { id: string }) => message.id === fromB.body.id);
      },
      10_000,
      "B's message, derived with A's cached old key",
    );
  });
});

describe('federation: friendship changes travel, and three nodes', () => {
  let nodeA: TestNode, nodeB: TestNode, nodeC: TestNode;
  let alice: Resident, bob: Resident, carol: Resident;

  beforeAll(async () => {
    [nodeA, nodeB, nodeC] = await Promise.all([startFederatedNode(), startFederatedNode(), startFederatedNode()]);
    [alice, bob, carol] = await Promise.all([
      resident(nodeA, 'alice'),
      resident(nodeB, 'bob'),
      resident(nodeC, 'carol'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy(), nodeC?.destroy()]);
  });

  const inviteOn = async (who: Resident, id: string) => {
    const list = await request(who.node.url).get('/api/friends/invites').set(bearer(who)).expect(200);
    return [...list.body.incoming, ...list.body.outgoing].find((invite: { id: string }) => invite.id === id);
  };

  it('carries a revoke and a decline to the other node', async () => {
    const revoked = await request(nodeA.url)
      .post('/api/friends/invites')
      .set(bearer(alice))
      .send({ toUserId: carol.address })
      .expect(201);
    await eventually(() => inviteOn(carol, revoked.body.invite.id), 10_000, 'invite on C');
    await request(nodeA.url)
      .post(`/api/friends/invites/${revoked.body.invite.id}/revoke`)
      .set(bearer(alice))
      .send({})
      .expect(200);
    await eventually(
      async () => (await inviteOn(carol, revoked.body.invite.id))?.status === 'revoked',
      10_000,
      'revoke on C',
    );
    await request(nodeC.url)
      .post(`/api/friends/invites/${revoked.body.invite.id}/accept`)
      .set(bearer(carol))
      .send({})
      .expect(404);

    const declined = await request(nodeB.url)
      .post('/api/friends/invites')
      .set(bearer(bob))
      .send({ toUserId: carol.address })
      .expect(201);
    await eventually(() => inviteOn(carol, declined.body.invite.id), 10_000, 'invite on C');
    await request(nodeC.url)
      .post(`/api/friends/invites/${declined.body.invite.id}/decline`)
      .set(bearer(carol))
      .send({})
      .expect(200);
    await eventually(
      async () => (await inviteOn(bob, declined.body.invite.id))?.status === 'declined',
      10_000,
      'decline on B',
    );
  });

  it('lets one user talk with friends on two other nodes, and an unfriend stops messages both ways', async () => {
    await befriendAcross(alice, bob);
    await befriendAcross(carol, alice);
    await request(nodeA.url)
      .post('/api/messages')
      .set(bearer(alice))
      .send({ toUserId: bob.address, content: 'to bob' })
      .expect(201);
    await request(nodeA.url)
      .post('/api/messages')
      .set(bearer(alice))
      .send({ toUserId: carol.address, content: 'to carol' })
      .expect(201);
    const contentsFor = async (who: Resident, friend: string) =>
      (
        await request(who.node.url).get(`/api/messages?friendUserId=${friend}`).set(bearer(who)).expect(200)
      ).body.items.map((message: { content: string }) => message.content);
    await eventually(async () => (await contentsFor(bob, alice.address)).includes('to bob'), 10_000, 'bob got his');
    await eventually(
      async () => (await contentsFor(carol, alice.address)).includes('to carol'),
      10_000,
      'carol got hers',
    );
    expect(await contentsFor(bob, alice.address)).not.toContain('to carol');

    await request(nodeB.url).delete('/api/friends').set(bearer(bob)).send({ friendUserId: alice.address }).expect(200);
    await eventually(
      async () => {
        const friends = await request(nodeA.url).get('/api/friends').set(bearer(alice)).expect(200);
        return !friends.body.friends.some((friend: { friendUserId: string }) => friend.friendUserId === bob.address);
      },
      10_000,
      'unfriend reached A',
    );
    await request(nodeA.url)
      .post('/api/messages')
      .set(bearer(alice))
      .send({ toUserId: bob.address, content: 'still there?' })
      .expect(403);
    await request(nodeB.url)
      .post('/api/messages')
      .set(bearer(bob))
      .send({ toUserId: alice.address, content: 'bye' })
      .expect(403);
  });
});

/** Whether these messages are stored on `node`, asked of its database: reading the thread would fetch them. */
async function storedOn(node: TestNode, messages: { id: string }[]): Promise<boolean> {
  const [row] = await queryDatabase<{ count: number }>(
    node.config.databaseUrl!,
    `SELECT count(*)::int AS count FROM friend_messages WHERE id = ANY ($1::uuid[])`,
    [messages.map((message) => message.id)],
  );
  return row.count === messages.length;
}

describe('receipts of messages fetched one by one', () => {
  let nodeA: TestNode, nodeB: TestNode;
  let alice: Resident, bob: Resident;

  let queueB: Queue;

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await friendsAcross(
      {},
      // No reconciler run during these tests: every receipts row must travel by the jobs scheduled for it.
      { MYLIFE_FEDERATION_RECONCILE_MS: '600000' },
    ));
    queueB = nodeB.app.get<Queue>(getQueueToken(QUEUES.federationDelivery));
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
  });

  /** Runs `work` while B's worker takes no job, so that what it stages waits for one run of A's job on B. */
  async function whileBWaits(work: () => Promise<void>): Promise<void> {
    const worker = nodeB.app.get(DeliveryProcessor).worker;
    await worker.pause();
    try {
      await work();
    } finally {
      await worker.resume();
    }
  }

  async function allAckedOnA(sent: ThreadMessage[]): Promise<void> {
    await eventually(
      async () => {
        const thread = await threadOf(alice, bob.address);
        return sent.every((message) => thread.find((mine) => mine.id === message.id)?.deliveryStatus === 'acked');
      },
      10_000,
      `all ${sent.length} acked on A`,
    );
  }

  /**
   * B's receipts rows but `earlier`, once all are sent, and how many requests carried them (one write-back each). A
   * acks before it answers B's request, so B records the attempt a moment after A shows the messages acked.
   */
  function receiptsRowsOnB(earlier: string[]): Promise<{ rows: number; requests: number; sent: boolean }> {
    return eventually(async () => {
      const [receipts] = await queryDatabase<{ rows: number; requests: number; sent: boolean }>(
        nodeB.config.databaseUrl!,
        `SELECT count(*)::int AS rows, count(DISTINCT sent_at)::int AS requests, bool_and(status = 'sent') AS sent
         FROM federation_message_outbox WHERE kind = 'receipts' AND id <> ALL ($1::uuid[])`,
        [earlier],
      );
      return receipts.sent && receipts;
    });
  }

  it('travel to the sender’s server in one request when they wait for the same run, and ack every message', async () => {
    let cursor = (await request(nodeB.url).get('/api/sync?limit=1000').set(bearer(bob)).expect(200)).body.cursor;
    const sent: ThreadMessage[] = [];
    for (const content of ['one', 'two', 'three']) sent.push(await sendAcross(alice, bob.address, content));
    await eventually(() => storedOn(nodeB, sent), 10_000, 'the three messages on B');
    await whileBWaits(async () => {
      for (let page = 0; page < 3; page++) {
        const response = await request(nodeB.url).get(`/api/sync?limit=1&since=${cursor}`).set(bearer(bob)).expect(200);
        expect(response.body.events.map((event: { type: string }) => event.type)).toEqual(['message']);
        cursor = response.body.cursor;
      }
      // One job for the destination, however many rows wait for it.
      expect((await queueB.getWaiting()).map((job) => job.data.server)).toEqual([nodeA.server]);
    });
    await allAckedOnA(sent);
    const rows = await receiptsRowsOnB([]);
    // One receipts row per fetched page, all settled by one attempt (one request).
    expect(rows).toEqual({ rows: 3, requests: 1, sent: true });
  });

  it('go together when a device fetches messages one after the other: a run sends receipts at most every 250 ms', async () => {
    const before = await queryDatabase<{ id: string }>(
      nodeB.config.databaseUrl!,
      `SELECT id FROM federation_message_outbox WHERE kind = 'receipts'`,
    );
    let cursor = (await request(nodeB.url).get('/api/sync?limit=1000').set(bearer(bob)).expect(200)).body.cursor;
    const sent: ThreadMessage[] = [];
    for (let i = 0; i < 6; i++) sent.push(await sendAcross(alice, bob.address, `one by one ${i}`));
    await eventually(() => storedOn(nodeB, sent), 10_000, 'the six messages on B');
    // Each page stages its own receipts row, and schedules A's job on B: the first row goes at once, the others wait
    // for the run's next receipts request.
    for (let page = 0; page < 6; page++) {
      const response = await request(nodeB.url).get(`/api/sync?limit=1&since=${cursor}`).set(bearer(bob)).expect(200);
      cursor = response.body.cursor;
    }
    await allAckedOnA(sent);
    const rows = await receiptsRowsOnB(before.map((row) => row.id));
    expect(rows.rows).toBe(6);
    // Two requests when the six pages take less than 250 ms, as they do here by far; three leave room for a slow day.
    expect(rows.requests).toBeLessThanOrEqual(3);
  });

  it('delivers a job queued by a version with one job per outbox row', async () => {
    const sent = await sendAcross(alice, bob.address, 'an old-style job');
    await eventually(() => storedOn(nodeB, [sent]), 10_000, 'the message on B');
    await whileBWaits(async () => {
      await request(nodeB.url).get('/api/sync?limit=1000').set(bearer(bob)).expect(200);
      const rows = await queryDatabase<{ id: string }>(
        nodeB.config.databaseUrl!,
        `SELECT id FROM federation_message_outbox WHERE kind = 'receipts' AND status = 'pending'`,
      );
      expect(rows).toHaveLength(1);
      // Only the old-style job is left to send the row: it names the row, not its destination.
      await (await queueB.getJob(destinationJobId(nodeA.server)))?.remove();
      await queueB.add(FEDERATION_DELIVERY_JOB, { outboxId: rows[0].id }, { jobId: rows[0].id });
    });
    await untilAcked(alice, bob.address, sent.id, 'acked on A through the old-style job');
  });
});

describe('deliveries that do not go the usual way', () => {
  let nodeA: TestNode, nodeB: TestNode;
  let alice: Resident, bob: Resident;
  const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await friendsAcross());
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
  });

  const outboxRowOf = async (messageId: string) => {
    const [row] = await queryDatabase<{
      id: string;
      status: string;
      attempts: number;
      last_http_status: number | null;
    }>(
      nodeA.config.databaseUrl!,
      `SELECT id, status, attempts, last_http_status FROM federation_message_outbox WHERE message_id = $1`,
      [messageId],
    );
    return row;
  };
  const sentRowOf = (messageId: string) =>
    eventually(async () => {
      const current = await outboxRowOf(messageId);
      return current.status === 'sent' && current;
    });
  const markFailed = (id: string) =>
    queryDatabase(
      nodeA.config.databaseUrl!,
      `UPDATE federation_message_outbox SET status = 'failed', last_error = 'timed out' WHERE id = $1`,
      [id],
    );

  it('splits a backlog larger than one request body, and delivers every message of it', async () => {
    const worker = nodeA.app.get(DeliveryProcessor).worker;
    await worker.pause();
    const sent: ThreadMessage[] = [];
    try {
      // JSON writes each control character as six bytes: 45 of these are ≈18 MB, more than an inbox takes at once.
      for (let i = 0; i < 45; i++) sent.push(await sendAcross(alice, bob.address, `${i}`.padEnd(65_536, '\u0001')));
      sent.push(await sendAcross(alice, bob.address, 'a short one behind them'));
    } finally {
      await worker.resume();
    }
    await eventually(
      async () => {
        const thread = await threadOf(bob, alice.address);
        return sent.every(({ id }) => thread.some((message) => message.id === id));
      },
      30_000,
      'all 46 on B',
    );
    const rows = await Promise.all(sent.map((message) => outboxRowOf(message.id)));
    expect(rows.filter((row) => row.status === 'failed')).toEqual([]);
    // Each message went in one request that took it: none was sent twice, none counted a failed attempt.
    expect(rows.map((row) => [row.attempts, row.last_http_status])).toEqual(rows.map(() => [1, 201]));
  });

  it('sends a backlog of 300 to a peer of ours in one request: it announces that its inbox takes 500', async () => {
    const worker = nodeA.app.get(DeliveryProcessor).worker;
    await worker.pause();
    let ids: string[];
    try {
      const messages = Array.from({ length: 300 }, (_, i) => ({
        toUserId: bob.address,
        content: `backlog ${i}`,
        clientMessageId: `backlog-${i}`,
      }));
      const response = await request(nodeA.url)
        .post('/api/messages/batch')
        .set(bearer(alice))
        .send({ messages })
        .expect(200);
      ids = response.body.results.map((result: { message: { id: string } }) => result.message.id);
    } finally {
      await worker.resume();
    }
    await eventually(
      () =>
        storedOn(
          nodeB,
          ids.map((id) => ({ id })),
        ),
      30_000,
      'all 300 on B',
    );
    const [requests] = await queryDatabase<{ rows: number; requests: number }>(
      nodeA.config.databaseUrl!,
      `SELECT count(*)::int AS rows, count(DISTINCT sent_at)::int AS requests FROM federation_message_outbox
       WHERE message_id = ANY ($1::uuid[])`,
      [ids],
    );
    // One write-back per request: all 300 rows were settled by one.
    expect(requests).toEqual({ rows: 300, requests: 1 });
  });

  it('acks a message whose last attempt failed once its recipient’s device has fetched it', async () => {
    const sent = await sendAcross(alice, bob.address, 'stored on B, timed out on A');
    await eventually(() => storedOn(nodeB, [sent]), 10_000, 'the message on B');
    const row = await sentRowOf(sent.id);
    await markFailed(row.id);
    await request(nodeB.url).get('/api/sync?limit=1000').set(bearer(bob)).expect(200);
    await untilAcked(alice, bob.address, sent.id, 'acked on A');
  });

  it('delivers again a row an operator retries, though this process once saw it sent', async () => {
    const sent = await sendAcross(alice, bob.address, 'sent, failed, retried');
    const row = await sentRowOf(sent.id);
    await markFailed(row.id);
    await request(nodeA.url).post(`/api/admin/federation/outbox/${row.id}/retry`).set(admin).send({}).expect(200);
    await eventually(
      async () => {
        const current = await outboxRowOf(sent.id);
        return current.status === 'sent' && current.attempts === 1;
      },
      10_000,
      'the retried row sent again',
    );
  });
});
