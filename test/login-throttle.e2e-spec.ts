import request from 'supertest';
import { RateLimitStore } from '../src/common/rate-limit-store';
import { createUser, DEFAULT_PASSWORD } from './support/factories';
import { testServices } from './support/services';
import { startTestNode, TestNode } from './support/test-node';

const backends: [string, Record<string, string>][] = [
  ['Postgres', { REDIS_URL: '' }],
  ...(testServices.redisUrl ? [['Redis', {}] as [string, Record<string, string>]] : []),
];

describe.each(backends)('failed logins, counted per account (counters in %s)', (_backend, env) => {
  let node: TestNode;

  beforeAll(async () => {
    node = await startTestNode({ ...env, MYLIFE_LOGIN_MAX_FAILURES: '5', MYLIFE_LOGIN_ACCOUNT_MAX_FAILURES: '12' });
  });
  afterAll(() => node.destroy());

  /** A login from `clientAddress` (the node trusts X-Forwarded-For from loopback, as behind a local proxy). */
  const attempt = (username: string, password: string, clientAddress = '198.51.100.7') =>
    request(node.url).post('/api/auth/session').set('X-Forwarded-For', clientAddress).send({ username, password });

  function expectRetryAfter(response: request.Response): void {
    expect(response.status).toBe(429);
    expect(response.body.message).toMatch(/too many login attempts/);
    const seconds = Number(response.headers['retry-after']);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(15 * 60);
  }

  it('counts every spelling of one account together, and refuses the right password past the limit', async () => {
    await createUser(node, 'thr');
    for (const spelling of [' thr', 'thr ', '\tthr', ' THR ', `thr@${node.server.toUpperCase()}`]) {
      await attempt(spelling, 'a wrong guess').expect(401);
    }
    expectRetryAfter(await attempt('thr', DEFAULT_PASSWORD));
  });

  it('counts an unknown name under its normalised form, answering it like a known one', async () => {
    for (const spelling of ['nobody', ' NOBODY', 'Nobody ', '\tnobody', `nobody@${node.server}`]) {
      await attempt(spelling, 'a wrong guess').expect(401);
    }
    expectRetryAfter(await attempt('nobody', 'a wrong guess'));
  });

  it('answers names that cannot be usernames like wrong passwords, never 500', async () => {
    for (const name of ['%', 'x y', 'bob@other.example', 'BOB@Other.Example']) {
      await attempt(name, 'a wrong guess').expect(401);
    }
    // Text PostgreSQL cannot store is refused before login sees it.
    for (const name of ['a\u0000b', 'x\udc00']) await attempt(name, 'a wrong guess').expect(400);
  });

  it('counts failures only: good logins do not use up the budget', async () => {
    await createUser(node, 'rita');
    for (let login = 0; login < 8; login++) await attempt('rita', DEFAULT_PASSWORD).expect(200);
    for (let guess = 0; guess < 4; guess++) await attempt('rita', 'a wrong guess').expect(401);
    await attempt('rita', DEFAULT_PASSWORD).expect(200);
    await attempt('rita', 'a wrong guess').expect(401);
    expectRetryAfter(await attempt('rita', DEFAULT_PASSWORD));
  });

  it('lets no more guesses through than the limit when they arrive all at once', async () => {
    await createUser(node, 'paula');
    const answers = await Promise.all(Array.from({ length: 12 }, () => attempt('paula', 'a wrong guess')));
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(5);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(7);
  });

  it('stops guesses spread over addresses at the account ceiling, but not the owner at home', async () => {
    await createUser(node, 'olga');
    const home = '203.0.113.10';
    await attempt('olga', DEFAULT_PASSWORD, home).expect(200);
    // Three strangers: five guesses each are checked until the account has 12 failures from everywhere.
    for (const stranger of ['192.0.2.1', '192.0.2.2']) {
      for (let guess = 0; guess < 5; guess++) await attempt(' Olga', 'a wrong guess', stranger).expect(401);
      expectRetryAfter(await attempt('olga', 'a wrong guess', stranger));
    }
    await attempt('olga', 'a wrong guess', '192.0.2.3').expect(401);
    await attempt('olga', 'a wrong guess', '192.0.2.3').expect(401);
    expectRetryAfter(await attempt('olga', DEFAULT_PASSWORD, '192.0.2.3'));
    expectRetryAfter(await attempt('olga', DEFAULT_PASSWORD, '192.0.2.4'));
    // The owner's own address has its own limit and has logged in before: the ceiling does not apply to it.
    await attempt('olga', DEFAULT_PASSWORD, home).expect(200);
    await attempt('olga', 'a typo', home).expect(401);
    await attempt('olga', DEFAULT_PASSWORD, home).expect(200);
  });

  it("keeps an address known for 30 days after the account's last login from it, not its first", async () => {
    await createUser(node, 'nina');
    const home = '203.0.113.20';
    const known = `login-known:${home}/nina`;
    const store = node.app.get(RateLimitStore);
    await attempt('nina', DEFAULT_PASSWORD, home).expect(200);
    // As if that first login were 29 days ago: one day left.
    const day = 24 * 60 * 60 * 1000;
    await store.mark(known, day);
    await attempt('nina', DEFAULT_PASSWORD, home).expect(200);
    const [{ remainingMs }] = await store.hit([known], day);
    expect(remainingMs).toBeGreaterThan(29 * day);
  });
});

describe('failed logins behind a proxy that is not on loopback (MYLIFE_TRUST_PROXY)', () => {
  let node: TestNode;

  beforeAll(async () => {
    // As under docker compose: the host's reverse proxy reaches the container through the bridge's gateway.
    node = await startTestNode({ MYLIFE_LOGIN_MAX_FAILURES: '3', MYLIFE_TRUST_PROXY: 'loopback,172.16.0.0/12' });
  });
  afterAll(() => node.destroy());

  const throughGateway = (username: string, password: string, clientAddress: string) =>
    request(node.url)
      .post('/api/auth/session')
      .set('X-Forwarded-For', `${clientAddress}, 172.18.0.1`)
      .send({ username, password });

  it("counts each client's failures on its own address, not the gateway's", async () => {
    await createUser(node, 'gina');
    for (let guess = 0; guess < 3; guess++) await throughGateway('gina', 'a wrong guess', '192.0.2.50').expect(401);
    await throughGateway('gina', DEFAULT_PASSWORD, '192.0.2.50').expect(429);
    await throughGateway('gina', DEFAULT_PASSWORD, '203.0.113.30').expect(200);
  });
});
