import request from 'supertest';
import { Client } from 'pg';
import { MessagesRepository } from '../src/messages/messages.repository';
import { MessagesService } from '../src/messages/messages.service';
import { bearer, befriend, sendMessage, signUp, TestUser } from './support/factories';
import { eventually } from './support/federation';
import { queryDatabase } from './support/services';
import { startTestNode, TestNode } from './support/test-node';

describe('direct messages', () => {
  let node: TestNode;
  let alice: TestUser, bob: TestUser, carol: TestUser, mallory: TestUser;

  beforeAll(async () => {
    node = await startTestNode();
    [alice, bob, carol, mallory] = await Promise.all(
      ['alice', 'bob', 'carol', 'mallory'].map((name) => signUp(node, name)),
    );
    await befriend(node, alice, bob);
    await befriend(node, alice, carol);
  });
  afterAll(() => node.destroy());

  const countRows = async (sql: string, params: unknown[] = []) =>
    Number((await queryDatabase(node.config.databaseUrl!, sql, params))[0].count);

  it('sends to a friend with the contract fields, and lists the thread for both sides', async () => {
    const sent = await request(node.url)
      .post('/api/messages')
      .set(bearer(alice))
      .send({ toUserId: 'bob', content: 'hello bob', clientMessageId: 'c-1', fromUserId: alice.address })
      .expect(201);
    expect(sent.body).toEqual({
      id: expect.any(String),
      seq: expect.any(Number),
      clientMessageId: 'c-1',
      fromUserId: alice.address,
      toUserId: bob.address,
      contentType: 'text/plain',
      content: 'hello bob',
      createdAt: expect.any(String),
      readAt: null,
    });
    const forBob = await request(node.url)
      .get(`/api/messages?friendUserId=${alice.address}`)
      .set(bearer(bob))
      .expect(200);
    expect(forBob.body.items.map((m: { id: string }) => m.id)).toContain(sent.body.id);
    const forAlice = await request(node.url).get('/api/messages?friendUserId=bob').set(bearer(alice)).expect(200);
    expect(forAlice.body.items.at(-1)).toEqual(sent.body);
  });

  it('refuses send, thread and read between users who are not friends, with 403', async () => {
    const refused = await request(node.url)
      .post('/api/messages')
      .set(bearer(mallory))
      .send({ toUserId: 'alice', content: 'hi' })
      .expect(403);
    expect(refused.body.message).toMatch(/not friends/);
    await request(node.url).get('/api/messages?friendUserId=alice').set(bearer(mallory)).expect(403);
    const toCarol = await sendMessage(node, alice, carol, 'for carol only');
    await request(node.url).post(`/api/messages/${toCarol.id}/read`).set(bearer(mallory)).send({}).expect(404);
    await request(node.url).post(`/api/messages/${toCarol.id}/read`).set(bearer(bob)).send({}).expect(404);
  });

  it('refuses messages both ways after an unfriend, and keeps refusing the thread', async () => {
    const dave = await signUp(node, 'dave');
    await befriend(node, dave, bob);
    const earlier = await sendMessage(node, bob, dave, 'before');
    await request(node.url).delete('/api/friends').set(bearer(dave)).send({ friendUserId: 'bob' }).expect(200);
    await request(node.url)
      .post('/api/messages')
      .set(bearer(dave))
      .send({ toUserId: 'bob', content: 'after' })
      .expect(403);
    await request(node.url)
      .post('/api/messages')
      .set(bearer(bob))
      .send({ toUserId: 'dave', content: 'after' })
      .expect(403);
    await request(node.url).get('/api/messages?friendUserId=bob').set(bearer(dave)).expect(403);
    await request(node.url).post(`/api/messages/${earlier.id}/read`).set(bearer(dave)).send({}).expect(403);
  });

  it('creates one message for ten concurrent identical POSTs with one clientMessageId', async () => {
    const post = () =>
      request(node.url)
        .post('/api/messages')
        .set(bearer(alice))
        .send({ toUserId: 'carol', content: 'once', clientMessageId: 'burst-1' });
    const responses = await Promise.all(Array.from({ length: 10 }, post));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    expect(await countRows(`SELECT count(*) FROM friend_messages WHERE client_message_id = 'burst-1'`)).toBe(1);
    expect(await countRows(`SELECT count(*) FROM sync_events WHERE message_id = $1`, [responses[0].body.id])).toBe(2);
  });

  it('answers each of many concurrent single sends with its own outcome, every 201 stored with its events', async () => {
    const sends = [
      ...Array.from({ length: 30 }, (_, i) => ({
        toUserId: 'carol',
        content: `together ${i}`,
        clientMessageId: `together-${i}`,
      })),
      { toUserId: 'mallory', content: 'not a friend', clientMessageId: 'together-mallory' },
      { toUserId: 'carol', content: 'x'.repeat(70_000), clientMessageId: 'together-large' },
      { toUserId: 'nobody', content: 'no such user', clientMessageId: 'together-nobody' },
    ];
    const responses = await Promise.all(
      sends.map((body) => request(node.url).post('/api/messages').set(bearer(alice)).send(body)),
    );
    expect(responses.map((response) => response.status)).toEqual([...Array(30).fill(201), 403, 413, 404]);
    expect(responses.slice(0, 30).map((response) => response.body.content)).toEqual(
      sends.slice(0, 30).map((send) => send.content),
    );
    const ids = responses.slice(0, 30).map((response) => response.body.id);
    expect(new Set(ids).size).toBe(30);
    expect(await countRows(`SELECT count(*) FROM friend_messages WHERE id = ANY($1::uuid[])`, [ids])).toBe(30);
    expect(await countRows(`SELECT count(*) FROM sync_events WHERE message_id = ANY($1::uuid[])`, [ids])).toBe(60);
    expect(await countRows(`SELECT count(*) FROM friend_messages WHERE client_message_id LIKE 'together-%'`)).toBe(30);
  });

  /**
   * Holds alice's stream head from another connection, so that her next send waits in Postgres; the sends made
   * meanwhile queue behind it and go together into the next statement once `release` is called.
   */
  const whileAliceIsBlocked = async (sends: Record<string, string>[]) => {
    const service = node.app.get(MessagesService);
    const queued = jest.spyOn(service, 'send');
    const lock = new Client({ connectionString: node.config.databaseUrl! });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM sync_heads WHERE user_id = $1 FOR UPDATE', [alice.address]);
      const post = (body: Record<string, string>) =>
        request(node.url)
          .post('/api/messages')
          .set(bearer(alice))
          .send(body)
          .then((response) => response); // then(): supertest sends only once awaited, and this must go now
      const first = post({ toUserId: 'carol', content: 'first, held', clientMessageId: `held-${Date.now()}` });
      await eventually(async () => (await lock.query(`SELECT 1 FROM pg_locks WHERE NOT granted`)).rowCount! > 0);
      const rest = sends.map(post);
      await eventually(async () => queued.mock.calls.length === sends.length + 1);
      await lock.query('COMMIT');
      return { first: await first, rest: await Promise.all(rest) };
    } finally {
      queued.mockRestore();
      await lock.end();
    }
  };

  it('stores the sends that queued behind a sender’s statement in one statement, each with its own answer', async () => {
    const repository = node.app.get(MessagesRepository);
    const statements = jest.spyOn(repository, 'insertMany');
    await sendMessage(node, alice, carol, 'already here', 'queued-replay');
    try {
      const { first, rest } = await whileAliceIsBlocked([
        { toUserId: 'carol', content: 'queued 1', clientMessageId: 'queued-1' },
        { toUserId: 'carol', content: 'already here', clientMessageId: 'queued-replay' },
        { toUserId: 'carol', content: 'changed', clientMessageId: 'queued-replay' },
        { toUserId: 'carol', content: 'queued 2', clientMessageId: 'queued-2' },
        { toUserId: 'carol', content: 'queued 2', clientMessageId: 'queued-2' },
      ]);
      expect(first.status).toBe(201);
      expect(rest.map((response) => response.status)).toEqual([201, 200, 409, 201, 200]);
      expect(rest[4].body.id).toBe(rest[3].body.id);
      expect(statements.mock.calls.map(([messages]) => messages.length).slice(-2)).toEqual([1, 5]);
      expect(await countRows(`SELECT count(*) FROM friend_messages WHERE client_message_id LIKE 'queued-%'`)).toBe(3);
    } finally {
      statements.mockRestore();
    }
  });

  it('answers 201 once for each message when its statement committed but what followed failed', async () => {
    const service = node.app.get(MessagesService);
    const realOriginals = service.originals.bind(service);
    let failed = false;
    // The connection is lost after the commit, while the batch's replays are being looked up.
    const originals = jest.spyOn(service, 'originals').mockImplementation(async (keys) => {
      if (!failed && keys.length > 0) {
        failed = true;
        throw new Error('connection lost after the commit');
      }
      return realOriginals(keys);
    });
    await sendMessage(node, alice, carol, 'sent before', 'after-commit-replay');
    try {
      const { rest } = await whileAliceIsBlocked([
        { toUserId: 'carol', content: 'without a client id' },
        { toUserId: 'carol', content: 'sent before', clientMessageId: 'after-commit-replay' },
        { toUserId: 'carol', content: 'with a client id', clientMessageId: 'after-commit-new' },
      ]);
      expect(failed).toBe(true);
      expect(rest.map((response) => response.status)).toEqual([201, 200, 201]);
      expect(await countRows(`SELECT count(*) FROM friend_messages WHERE content = 'without a client id'`)).toBe(1);
      expect(await countRows(`SELECT count(*) FROM friend_messages WHERE content = 'with a client id'`)).toBe(1);
      expect(rest[0].body.id).toEqual(expect.any(String));
    } finally {
      originals.mockRestore();
    }
  });

  it('keeps clientMessageId per sender: the same id from another sender is another message, a changed body is 409', async () => {
    const fromAlice = await sendMessage(node, alice, bob, 'same id', 'shared-id');
    const fromBob = await sendMessage(node, bob, alice, 'same id', 'shared-id');
    expect(fromBob.id).not.toBe(fromAlice.id);
    const changed = await request(node.url)
      .post('/api/messages')
      .set(bearer(alice))
      .send({ toUserId: 'bob', content: 'other text', clientMessageId: 'shared-id' })
      .expect(409);
    expect(changed.body.message).toMatch(/already used/);
    await request(node.url)
      .post('/api/messages')
      .set(bearer(alice))
      .send({ toUserId: 'carol', content: 'same id', clientMessageId: 'shared-id' })
      .expect(409);
  });

  it('keeps inbox summaries: most recent conversation first, with unread counts that reading lowers', async () => {
    const [olivia, pat, quinn] = await Promise.all(['olivia', 'pat', 'quinn'].map((name) => signUp(node, name)));
    await befriend(node, olivia, pat);
    await befriend(node, olivia, quinn);
    const fromPat = [await sendMessage(node, pat, olivia, 'p1'), await sendMessage(node, pat, olivia, 'p2')];
    await sendMessage(node, quinn, olivia, 'q1');
    await sendMessage(node, olivia, quinn, 'o→q');
    await sendMessage(node, pat, olivia, 'p3');

    const inbox = await request(node.url).get('/api/messages/inbox').set(bearer(olivia)).expect(200);
    expect(inbox.body.items).toEqual([
      {
        friendUserId: pat.address,
        lastMessageAt: expect.any(String),
        lastMessageContent: 'p3',
        lastMessageContentType: 'text/plain',
        unreadCount: 3,
      },
      {
        friendUserId: quinn.address,
        lastMessageAt: expect.any(String),
        lastMessageContent: 'o→q',
        lastMessageContentType: 'text/plain',
        unreadCount: 1,
      },
    ]);
    const patInbox = await request(node.url).get('/api/messages/inbox').set(bearer(pat)).expect(200);
    expect(patInbox.body.items).toEqual([expect.objectContaining({ friendUserId: olivia.address, unreadCount: 0 })]);

    const read = await request(node.url)
      .post(`/api/messages/${fromPat[0].id}/read`)
      .set(bearer(olivia))
      .send({})
      .expect(200);
    expect(read.body).toMatchObject({ ok: true, message: { id: fromPat[0].id, readAt: expect.any(String) } });
    const again = await request(node.url)
      .post(`/api/messages/${fromPat[0].id}/read`)
      .set(bearer(olivia))
      .send({})
      .expect(200);
    expect(again.body.message.readAt).toBe(read.body.message.readAt);
    await request(node.url).post(`/api/messages/${fromPat[1].id}/read`).set(bearer(pat)).send({}).expect(403);

    const after = await request(node.url).get('/api/messages/inbox?limit=1').set(bearer(olivia)).expect(200);
    expect(after.body.items).toEqual([expect.objectContaining({ friendUserId: pat.address, unreadCount: 2 })]);
    const next = await request(node.url)
      .get(`/api/messages/inbox?limit=1&cursor=${after.body.nextCursor}`)
      .set(bearer(olivia))
      .expect(200);
    expect(next.body.items).toEqual([expect.objectContaining({ friendUserId: quinn.address })]);
    expect(next.body.nextCursor).toBeNull();
  });

  it('pages a thread with before and after, oldest first within a page, and honours since', async () => {
    const [xena, yuri] = await Promise.all(['xena', 'yuri'].map((name) => signUp(node, name)));
    await befriend(node, xena, yuri);
    const sent = [];
    for (let i = 0; i < 7; i++) sent.push(await sendMessage(node, i % 2 ? yuri : xena, i % 2 ? xena : yuri, `m${i}`));
    const contents = (body: { items: { content: string }[] }) => body.items.map((m) => m.content);

    const latest = await request(node.url).get('/api/messages?friendUserId=yuri&limit=3').set(bearer(xena)).expect(200);
    expect(contents(latest.body)).toEqual(['m4', 'm5', 'm6']);
    expect(latest.body.hasMore).toBe(true);
    const older = await request(node.url)
      .get(`/api/messages?friendUserId=yuri&limit=3&before=${sent[4].id}`)
      .set(bearer(xena))
      .expect(200);
    expect(contents(older.body)).toEqual(['m1', 'm2', 'm3']);
    const oldest = await request(node.url)
      .get(`/api/messages?friendUserId=yuri&limit=3&before=${sent[1].id}`)
      .set(bearer(xena))
      .expect(200);
    expect(contents(oldest.body)).toEqual(['m0']);
    expect(oldest.body.hasMore).toBe(false);
    const newer = await request(node.url)
      .get(`/api/messages?friendUserId=yuri&limit=2&after=${sent[2].id}`)
      .set(bearer(xena))
      .expect(200);
    expect(contents(newer.body)).toEqual(['m3', 'm4']);
    const since = await request(node.url)
      .get(`/api/messages?friendUserId=yuri&since=${encodeURIComponent(sent[5].createdAt)}`)
      .set(bearer(xena))
      .expect(200);
    expect(contents(since.body)).toEqual(['m6']);
    await request(node.url)
      .get(`/api/messages?friendUserId=yuri&before=${sent[0].id}&after=${sent[1].id}`)
      .set(bearer(xena))
      .expect(400);
    const foreign = await sendMessage(node, alice, bob, 'not in this thread');
    await request(node.url).get(`/api/messages?friendUserId=yuri&before=${foreign.id}`).set(bearer(xena)).expect(400);
  });

  it('takes a batch: each message gets the status the single send would have given, in order', async () => {
    const repeat = await sendMessage(node, alice, bob, 'sent before', 'batch-repeat');
    const response = await request(node.url)
      .post('/api/messages/batch')
      .set(bearer(alice))
      .send({
        messages: [
          { toUserId: 'bob', content: 'one', clientMessageId: 'batch-1' },
          { toUserId: 'carol', content: 'two', clientMessageId: 'batch-2' },
          { toUserId: 'bob', content: 'sent before', clientMessageId: 'batch-repeat' },
          { toUserId: 'bob', content: 'changed', clientMessageId: 'batch-1' },
          { toUserId: 'mallory', content: 'not a friend', clientMessageId: 'batch-3' },
          { toUserId: 'nobody', content: 'unknown', clientMessageId: 'batch-4' },
          { toUserId: 'bob', content: 'x'.repeat(65 * 1024), clientMessageId: 'batch-5' },
        ],
      })
      .expect(200);
    expect(
      response.body.results.map((result: { clientMessageId: string; status: number }) => [
        result.clientMessageId,
        result.status,
      ]),
    ).toEqual([
      ['batch-1', 201],
      ['batch-2', 201],
      ['batch-repeat', 200],
      ['batch-1', 409],
      ['batch-3', 403],
      ['batch-4', 404],
      ['batch-5', 413],
    ]);
    expect(response.body.results[2].message.id).toBe(repeat.id);
    expect(response.body.results[4].error).toMatch(/not friends/);
    const thread = await request(node.url).get('/api/messages?friendUserId=alice').set(bearer(bob)).expect(200);
    expect(
      thread.body.items.filter((message: { clientMessageId: string }) => message.clientMessageId === 'batch-1'),
    ).toHaveLength(1);

    await request(node.url).post('/api/messages/batch').set(bearer(alice)).send({ messages: [] }).expect(400);
    await request(node.url).post('/api/messages/batch').set(bearer(alice)).send({ messages: 'nope' }).expect(400);
    await request(node.url)
      .post('/api/messages/batch')
      .set(bearer(alice))
      .send({ messages: [{ toUserId: 'bob', content: 'no id' }] })
      .expect(400);
    const tooMany = Array.from({ length: 501 }, (_, i) => ({
      toUserId: 'bob',
      content: 'x',
      clientMessageId: `many-${i}`,
    }));
    await request(node.url).post('/api/messages/batch').set(bearer(alice)).send({ messages: tooMany }).expect(400);
  });

  it('accepts end-to-end ciphertext and content up to 64 KiB, and answers 413 beyond', async () => {
    await request(node.url)
      .post('/api/messages')
      .set(bearer(alice))
      .send({ toUserId: 'bob', contentType: 'application/e2ee+ciphertext', content: 'AAECAwQ=' })
      .expect(201);
    await request(node.url)
      .post('/api/messages')
      .set(bearer(alice))
      .send({ toUserId: 'bob', content: 'é'.repeat(32 * 1024) })
      .expect(201);
    const tooBig = await request(node.url)
      .post('/api/messages')
      .set(bearer(alice))
      .send({ toUserId: 'bob', content: 'é'.repeat(32 * 1024 + 1) })
      .expect(413);
    expect(tooBig.body.message).toMatch(/65536 bytes/);
  });
});
