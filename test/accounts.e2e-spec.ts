import request from 'supertest';
import { Client } from 'pg';
import { createUser, DEFAULT_PASSWORD, login } from './support/factories';
import { openEventStream } from './support/sse';
import { startTestNode, TEST_ADMIN_TOKEN, TestNode } from './support/test-node';

describe('accounts and tokens', () => {
  let node: TestNode;
  const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

  beforeAll(async () => {
    node = await startTestNode({ MYLIFE_LOGIN_MAX_FAILURES: '5' });
  });
  afterAll(() => node.destroy());

  it('lets the admin create alice, who logs in, uses her token, and loses it on logout', async () => {
    const created = await request(node.url)
      .post('/api/admin/users')
      .set(admin)
      .send({ username: 'alice', password: DEFAULT_PASSWORD, displayName: 'Alice' })
      .expect(201);
    expect(created.body).toEqual({ id: expect.any(String), address: `alice@${node.server}`, displayName: 'Alice' });

    const session = await request(node.url)
      .post('/api/auth/session')
      .send({ username: 'alice', password: DEFAULT_PASSWORD, deviceName: 'laptop' })
      .expect(200);
    expect(session.body).toMatchObject({
      accessToken: expect.stringMatching(/^mlt_/),
      user: { id: created.body.id, address: `alice@${node.server}`, displayName: 'Alice' },
    });
    expect(Date.parse(session.body.expiresAt)).toBeGreaterThan(Date.now());
    const bearer = { Authorization: `Bearer ${session.body.accessToken}` };

    const me = await request(node.url).get('/api/me').set(bearer).expect(200);
    expect(me.body).toEqual(created.body);

    await request(node.url).post('/api/auth/logout').set(bearer).expect(200);
    const after = await request(node.url).get('/api/me').set(bearer).expect(401);
    expect(after.body.message).toMatch(/revoked/);
  });

  it('refuses a taken username with 409 and a bad one with 400', async () => {
    await createUser(node, 'bob');
    const taken = await request(node.url)
      .post('/api/admin/users')
      .set(admin)
      .send({ username: 'bob', password: DEFAULT_PASSWORD })
      .expect(409);
    expect(taken.body).toMatchObject({
      statusCode: 409,
      error: 'Conflict',
      message: 'username "bob" is already taken',
    });
    for (const username of ['Bob', 'b b', '', 'x'.repeat(65), 'bob@elsewhere']) {
      const bad = await request(node.url)
        .post('/api/admin/users')
        .set(admin)
        .send({ username, password: DEFAULT_PASSWORD })
        .expect(400);
      expect(bad.body.message).toMatch(/username/);
    }
    await request(node.url)
      .post('/api/admin/users')
      .set(admin)
      .send({ username: 'carol', password: 'short' })
      .expect(400);
  });

  it('answers 401 to the admin API without the admin token', async () => {
    await request(node.url)
      .post('/api/admin/users')
      .send({ username: 'mallory', password: DEFAULT_PASSWORD })
      .expect(401);
    await request(node.url)
      .post('/api/admin/users')
      .set('Authorization', 'Bearer not-the-admin-token')
      .send({ username: 'mallory', password: DEFAULT_PASSWORD })
      .expect(401);
    const users = await request(node.url).get('/api/admin/users').set(admin).expect(200);
    expect(users.body.items.map((user: { address: string }) => user.address)).not.toContain(`mallory@${node.server}`);
  });

  it('never stores a password or a token in clear', async () => {
    await createUser(node, 'dave', 'dave-secret-password');
    const token = await login(node, 'dave', 'dave-secret-password');
    const db = new Client({ connectionString: node.config.databaseUrl! });
    await db.connect();
    try {
      const dump = JSON.stringify(
        (await db.query('SELECT u.*, t.* FROM users u JOIN access_tokens t ON t.user_id = u.id')).rows,
      );
      expect(dump).not.toContain('dave-secret-password');
      expect(dump).not.toContain(token.slice(4));
      expect(dump).toContain('scrypt$');
    } finally {
      await db.end();
    }
  });

  it('answers bad credentials and unknown users alike with 401, and accepts email as an alias', async () => {
    await createUser(node, 'erin');
    const wrong = await request(node.url)
      .post('/api/auth/session')
      .send({ username: 'erin', password: 'wrong password' })
      .expect(401);
    const unknown = await request(node.url)
      .post('/api/auth/session')
      .send({ username: 'nobody', password: 'wrong password' })
      .expect(401);
    expect(wrong.body.message).toBe(unknown.body.message);
    await request(node.url)
      .post('/api/auth/session')
      .send({ email: `erin@${node.server}`, password: DEFAULT_PASSWORD })
      .expect(200);
    await request(node.url)
      .post('/api/auth/session')
      .send({ email: 'erin@other.example', password: DEFAULT_PASSWORD })
      .expect(401);
    await request(node.url).post('/api/auth/session').send({ password: DEFAULT_PASSWORD }).expect(400);
  });

  it('throttles repeated login attempts for one user with 429', async () => {
    await createUser(node, 'frank');
    for (let attempt = 0; attempt < 5; attempt++) {
      await request(node.url).post('/api/auth/session').send({ username: 'frank', password: 'guess' }).expect(401);
    }
    const throttled = await request(node.url)
      .post('/api/auth/session')
      .send({ username: 'frank', password: DEFAULT_PASSWORD })
      .expect(429);
    expect(throttled.body.message).toMatch(/too many login attempts/);
    expect(throttled.headers['retry-after']).toBeDefined();
    // Another user from the same address is not locked out.
    await createUser(node, 'grace');
    await login(node, 'grace');
  });

  it('keeps one live token per device, lists them, and revokes one by id', async () => {
    await createUser(node, 'heidi');
    const phoneOld = await login(node, 'heidi', DEFAULT_PASSWORD, 'phone');
    const phone = await login(node, 'heidi', DEFAULT_PASSWORD, 'phone');
    const laptop = await login(node, 'heidi', DEFAULT_PASSWORD, 'laptop');
    await request(node.url).get('/api/me').set('Authorization', `Bearer ${phoneOld}`).expect(401);

    const list = await request(node.url).get('/api/auth/tokens').set('Authorization', `Bearer ${laptop}`).expect(200);
    expect(list.body.items.map((token: { deviceName: string }) => token.deviceName).sort()).toEqual([
      'laptop',
      'phone',
    ]);
    const phoneEntry = list.body.items.find((token: { deviceName: string }) => token.deviceName === 'phone');
    expect(list.body.items.find((token: { current: boolean }) => token.current).deviceName).toBe('laptop');

    await request(node.url)
      .delete(`/api/auth/tokens/${phoneEntry.id}`)
      .set('Authorization', `Bearer ${laptop}`)
      .expect(200);
    await request(node.url).get('/api/me').set('Authorization', `Bearer ${phone}`).expect(401);
    await request(node.url)
      .delete(`/api/auth/tokens/${phoneEntry.id}`)
      .set('Authorization', `Bearer ${laptop}`)
      .expect(404);
    await request(node.url).delete('/api/auth/tokens/not-a-uuid').set('Authorization', `Bearer ${laptop}`).expect(400);
  });

  it('ends the event stream of a device as soon as it is logged out from another device', async () => {
    await createUser(node, 'kim');
    const phone = await login(node, 'kim', DEFAULT_PASSWORD, 'phone');
    const laptop = await login(node, 'kim', DEFAULT_PASSWORD, 'laptop');
    const stream = await openEventStream(`${node.url}/api/events`, { Authorization: `Bearer ${phone}` });
    try {
      expect(stream.status).toBe(200);
      const list = await request(node.url).get('/api/auth/tokens').set('Authorization', `Bearer ${laptop}`);
      const phoneEntry = list.body.items.find((token: { deviceName: string }) => token.deviceName === 'phone');
      await request(node.url)
        .delete(`/api/auth/tokens/${phoneEntry.id}`)
        .set('Authorization', `Bearer ${laptop}`)
        .expect(200);
      // Well before the stream's 15 s heartbeat: the revocation itself ends it.
      await expect(
        Promise.race([stream.ended.then(() => 'ended'), new Promise((done) => setTimeout(done, 5000, 'still open'))]),
      ).resolves.toBe('ended');
    } finally {
      stream.close();
    }
  });

  it('does not list expired tokens as logged-in devices', async () => {
    await createUser(node, 'lena');
    await login(node, 'lena', DEFAULT_PASSWORD, 'old phone');
    const laptop = await login(node, 'lena', DEFAULT_PASSWORD, 'laptop');
    const db = new Client({ connectionString: node.config.databaseUrl! });
    await db.connect();
    try {
      await db.query(
        `UPDATE access_tokens SET expires_at = now() - interval '1 day'
          WHERE device_name = 'old phone' AND user_id = (SELECT id FROM users WHERE username = 'lena')`,
      );
    } finally {
      await db.end();
    }
    const list = await request(node.url).get('/api/auth/tokens').set('Authorization', `Bearer ${laptop}`).expect(200);
    expect(list.body.items.map((token: { deviceName: string }) => token.deviceName)).toEqual(['laptop']);
  });

  it("cannot revoke another user's token", async () => {
    await createUser(node, 'ivan');
    await createUser(node, 'judy');
    const ivan = await login(node, 'ivan');
    const judy = await login(node, 'judy');
    const judyTokens = await request(node.url)
      .get('/api/auth/tokens')
      .set('Authorization', `Bearer ${judy}`)
      .expect(200);
    await request(node.url)
      .delete(`/api/auth/tokens/${judyTokens.body.items[0].id}`)
      .set('Authorization', `Bearer ${ivan}`)
      .expect(404);
    await request(node.url).get('/api/me').set('Authorization', `Bearer ${judy}`).expect(200);
  });

  it('refuses requests without a token, with a malformed one, or with an unknown one', async () => {
    await request(node.url).get('/api/me').expect(401);
    await request(node.url).get('/api/me').set('Authorization', 'Bearer').expect(401);
    await request(node.url).get('/api/me').set('Authorization', 'Basic abc').expect(401);
    await request(node.url).get('/api/me').set('Authorization', 'Bearer mlt_unknown').expect(401);
  });

  it('pages through users for the admin', async () => {
    const first = await request(node.url).get('/api/admin/users?limit=2').set(admin).expect(200);
    expect(first.body.items).toHaveLength(2);
    const second = await request(node.url)
      .get(`/api/admin/users?limit=2&cursor=${first.body.nextCursor}`)
      .set(admin)
      .expect(200);
    expect(second.body.items[0].address > first.body.items[1].address).toBe(true);
    await request(node.url).get('/api/admin/users?limit=0').set(admin).expect(400);
    await request(node.url).get('/api/admin/users?cursor=alice').set(admin).expect(400);
    const all = await request(node.url).get('/api/admin/users?limit=200').set(admin).expect(200);
    expect(all.body.nextCursor).toBeNull();
  });
});

describe('a node without MYLIFE_ADMIN_TOKEN', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ MYLIFE_ADMIN_TOKEN: undefined });
  });
  afterAll(() => node.destroy());

  it('turns the admin API and the queue dashboard off', async () => {
    const response = await request(node.url)
      .post('/api/admin/users')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({ username: 'alice', password: DEFAULT_PASSWORD })
      .expect(403);
    expect(response.body.message).toMatch(/MYLIFE_ADMIN_TOKEN/);
    await request(node.url).get('/admin/queues').auth('admin', TEST_ADMIN_TOKEN).expect(401);
  });
});
