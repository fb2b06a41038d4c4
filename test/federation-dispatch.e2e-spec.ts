import request from 'supertest';
import { Client } from 'pg';
import { DeliveryProcessor } from '../src/federation/delivery.processor';
import { bearer } from './support/factories';
import { eventually, friendsAcross, resident, Resident, startFederatedNode } from './support/federation';
import { queryDatabase } from './support/services';
import { startSecondProcess, TEST_ADMIN_TOKEN, TestNode } from './support/test-node';

const DISPATCH_KEY = 'dispatch-key-0123456789abcdef';

describe('dispatch, several workers, and outbound safety', () => {
  let nodeA: TestNode, nodeB: TestNode;
  let alice: Resident, bob: Resident;

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await friendsAcross({ MYLIFE_FEDERATION_DISPATCH_KEY: DISPATCH_KEY }));
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
  });

  it('delivers due rows on POST /api/federation/dispatch, answering in the contract shape', async () => {
    await request(nodeA.url).post('/api/federation/dispatch').send({}).expect(401);
    await request(nodeA.url)
      .post('/api/federation/dispatch')
      .set('x-federation-dispatch-key', 'wrong-key-0123456789')
      .send({})
      .expect(401);
    await request(nodeA.url)
      .post('/api/federation/dispatch')
      .set('x-federation-dispatch-key', DISPATCH_KEY)
      .send({ limit: 0 })
      .expect(400);

    const worker = nodeA.app.get(DeliveryProcessor).worker;
    await worker.pause();
    try {
      const sent = await request(nodeA.url)
        .post('/api/messages')
        .set(bearer(alice))
        .send({ toUserId: bob.address, content: 'by dispatch' })
        .expect(201);
      const result = await request(nodeA.url)
        .post('/api/federation/dispatch')
        .set('x-federation-dispatch-key', DISPATCH_KEY)
        .send({ limit: 10 })
        .expect(200);
      expect(result.body).toEqual({
        ok: true,
        server: nodeA.server,
        processed: 1,
        sent: 1,
        retried: 0,
        failed: 0,
        skipped: 0,
      });
      const thread = await request(nodeB.url)
        .get(`/api/messages?friendUserId=${alice.address}`)
        .set(bearer(bob))
        .expect(200);
      expect(thread.body.items.map((message: { id: string }) => message.id)).toContain(sent.body.id);
      const again = await request(nodeA.url)
        .post('/api/federation/dispatch')
        .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
        .send({})
        .expect(200);
      expect(again.body).toMatchObject({ ok: true, processed: 0, sent: 0 });
    } finally {
      await worker.resume();
    }
  });

  it('never sends one row twice when the node runs two worker processes', async () => {
    const second = await startSecondProcess(nodeA);
    try {
      const sent = await Promise.all(
        Array.from({ length: 150 }, (_, i) =>
          request(i % 2 ? second.url : nodeA.url)
            .post('/api/messages')
            .set(bearer(alice))
            .send({ toUserId: bob.address, content: `two workers ${i}` })
            .expect(201),
        ),
      );
      const ids = sent.map((response) => response.body.id as string);
      const db = new Client({ connectionString: nodeA.config.databaseUrl! });
      await db.connect();
      try {
        await eventually(
          async () => {
            const { rows } = await db.query(
              `SELECT count(*) FROM federation_message_outbox WHERE message_id = ANY($1) AND status IN ('sent', 'acked')`,
              [ids],
            );
            return Number(rows[0].count) === ids.length;
          },
          15_000,
          'all sent',
        );
        const { rows } = await db.query(
          'SELECT max(attempts) AS most FROM federation_message_outbox WHERE message_id = ANY($1)',
          [ids],
        );
        expect(Number(rows[0].most)).toBe(1);
      } finally {
        await db.end();
      }
    } finally {
      await second.stop();
    }
  });
});

describe('a node that keeps the default outbound safety', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startFederatedNode({ MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS: 'false' });
  });
  afterAll(() => node?.destroy());

  it('refuses invites and messages to loopback targets at once (400, naming the setting), storing nothing', async () => {
    const carol = await resident(node, 'carol');
    for (const dave of ['dave@localhost:8791', 'dave@127.0.0.1:9']) {
      const invite = await request(node.url)
        .post('/api/friends/invites')
        .set(bearer(carol))
        .send({ toUserId: dave })
        .expect(400);
      expect(invite.body.message).toMatch(/MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS=true/);
    }
    const invites = await request(node.url).get('/api/friends/invites?direction=outgoing').set(bearer(carol));
    expect(invites.body.outgoing).toEqual([]);

    // A friendship made while the setting allowed it: its messages are refused as well.
    await queryDatabase(
      node.config.databaseUrl!,
      `INSERT INTO friendships (user_id, friend_user_id) VALUES ($1, 'erin@localhost:8791'), ('erin@localhost:8791', $1)`,
      [carol.address],
    );
    const message = await request(node.url)
      .post('/api/messages')
      .set(bearer(carol))
      .send({ toUserId: 'erin@localhost:8791', content: 'hello?' })
      .expect(400);
    expect(message.body.message).toBe(
      'localhost:8791 resolves only to private addresses, which this node does not reach unless MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS=true',
    );
    const stored = await queryDatabase(node.config.databaseUrl!, `SELECT count(*)::int AS count FROM friend_messages`);
    expect(stored[0].count).toBe(0);
  });
});
