import http from 'node:http';
import { BodyBudget } from '../src/common/body-budget';
import { signBody } from '../src/signing/hmac';
import { eventually } from './support/federation';
import { startTestNode, TEST_ADMIN_TOKEN, TestNode } from './support/test-node';

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

const PEER = 'peer.example';
const PEER_KEY = 'request-bodies-peer-key-0123456789';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { message?: string };
}

/**
 * A POST whose body is sent only as far as `firstBytes` until `finish` is called: an answer that comes before
 * `finish` was given without reading the rest of the body.
 */
function startPost(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  firstBytes = body.length,
  { from = '127.0.0.1', method = 'POST' } = {},
) {
  const { hostname, port } = new URL(url);
  let answered = false;
  const request = http.request({
    host: hostname,
    port,
    path,
    method,
    // Every address of 127.0.0.0/8 reaches the node: distinct clients, each with its own share of the budget.
    localAddress: from,
    headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        answered = true;
        resolve({ status: response.statusCode!, headers: response.headers, body: JSON.parse(text) });
      });
    });
    request.on('error', (error) => (answered ? undefined : reject(error)));
  });
  request.write(body.subarray(0, firstBytes));
  return {
    answer,
    finish: () => request.end(body.subarray(firstBytes)),
    abandon: () => request.destroy(),
  };
}

function signedHeaders(body: Buffer, key = PEER_KEY, timestamp = new Date().toISOString()) {
  return {
    'x-mylife-federation-server': PEER,
    'x-mylife-federation-timestamp': timestamp,
    'x-mylife-federation-signature': signBody(key, timestamp, body),
  };
}

/** A JSON body of about `bytes` bytes. */
const bodyOf = (bytes: number) => Buffer.from(JSON.stringify({ transactionId: 't', padding: 'x'.repeat(bytes) }));

describe('request bodies: the signed inbox checks headers before reading and signatures before parsing', () => {
  let node: TestNode;

  beforeAll(async () => {
    node = await startTestNode({ MYLIFE_FEDERATION_SHARED_KEYS: `${PEER}=${PEER_KEY}`, MYLIFE_BODY_BUDGET: '1mb' });
  });
  afterAll(() => node.destroy());

  const budget = () => node.app.get(BodyBudget);

  it.each([
    ['no signature headers', {}],
    ['an unknown server', { ...signedHeaders(Buffer.alloc(0)), 'x-mylife-federation-server': 'stranger.example' }],
    ['a stale timestamp', signedHeaders(Buffer.alloc(0), PEER_KEY, new Date(Date.now() - 60_000).toISOString())],
  ])('answers %s with 401 before reading the body', async (_what, headers: Record<string, string>) => {
    const post = startPost(node.url, '/api/federation/inbox/batch', headers, bodyOf(5 * 1024 * 1024), 1024);
    const answer = await post.answer;
    post.abandon();
    expect(answer.status).toBe(401);
    expect(budget().bytesHeld).toBe(0);
  });

  it('answers a body whose signature does not match with 401 without parsing it', async () => {
    const notJson = Buffer.from('{"transactionId": "t", "messages": [' + '['.repeat(5000));
    const post = startPost(
      node.url,
      '/api/federation/inbox/batch',
      signedHeaders(notJson, 'not-the-peer-key-0123'),
      notJson,
    );
    post.finish();
    const answer = await post.answer;
    expect(answer.status).toBe(401);
    expect(answer.body.message).toMatch(/signature does not match/);
  });

  it('parses a body once its signature matches', async () => {
    const notJson = Buffer.from('{"transactionId": ');
    const post = startPost(node.url, '/api/federation/inbox/batch', signedHeaders(notJson), notJson);
    post.finish();
    expect((await post.answer).status).toBe(400);
  });

  it('refuses a signed body beyond the budget with 413 before reading it', async () => {
    const body = bodyOf(2 * 1024 * 1024);
    const post = startPost(node.url, '/api/federation/inbox/batch', signedHeaders(body), body, 1024);
    const answer = await post.answer;
    post.abandon();
    expect(answer.status).toBe(413);
  });

  it('answers 503 with Retry-After while other bodies hold the budget, for the inbox and the user API alike, and gives the bytes back', async () => {
    // Four clients hold almost all of the 1 MiB budget, each within its quarter.
    const holding = bodyOf(250 * 1024);
    const holders = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'].map((from) =>
      startPost(node.url, '/api/federation/inbox/batch', signedHeaders(holding), holding, 245 * 1024, { from }),
    );
    await eventually(async () => budget().bytesHeld >= 4 * 245 * 1024, 10_000, 'the bodies are being read');

    const second = bodyOf(100 * 1024);
    const refused = startPost(node.url, '/api/federation/inbox/batch', signedHeaders(second), second);
    refused.finish();
    const refusedAnswer = await refused.answer;
    expect(refusedAnswer.status).toBe(503);
    expect(refusedAnswer.headers['retry-after']).toBe('1');
    expect(refusedAnswer.body.message).toMatch(/too many request bodies at once/);
    const login = startPost(node.url, '/api/admin/users', ADMIN, bodyOf(100 * 1024));
    login.finish();
    expect((await login.answer).status).toBe(503);

    holders.forEach((holder) => holder.finish());
    // The bodies are signed, so they are parsed and validated: their padding is no field of a batch.
    for (const holder of holders) expect((await holder.answer).status).toBe(400);
    await eventually(async () => budget().bytesHeld === 0, 10_000, 'the budget is whole again');
    const again = startPost(node.url, '/api/federation/inbox/batch', signedHeaders(second), second);
    again.finish();
    expect((await again.answer).status).toBe(400);
  });

  it('lets one client address hold a quarter of the budget at most: it cannot keep the others out', async () => {
    const body = bodyOf(200 * 1024);
    const first = startPost(node.url, '/api/admin/users', ADMIN, body, 190 * 1024, { from: '127.0.0.2' });
    first.answer.catch(() => undefined);
    await eventually(async () => budget().bytesHeld >= 190 * 1024, 10_000, 'the first body is being read');
    const more = startPost(node.url, '/api/admin/users', ADMIN, body, body.length, { from: '127.0.0.2' });
    more.finish();
    const moreAnswer = await more.answer;
    expect(moreAnswer.status).toBe(503);
    expect(moreAnswer.body.message).toMatch(/from your address/);

    const other = startPost(node.url, '/api/admin/users', ADMIN, body, body.length, { from: '127.0.0.3' });
    other.finish();
    // Read and parsed: its padding is no field of a new user.
    expect((await other.answer).status).toBe(400);
    first.abandon();
    await eventually(async () => budget().bytesHeld === 0, 10_000, 'the budget is whole again');
  });

  it('refuses a body on GET unread', async () => {
    const body = bodyOf(100 * 1024);
    const get = startPost(node.url, '/api/events', {}, body, 1024, { method: 'GET' });
    const answer = await get.answer;
    get.abandon();
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/GET request takes no body/);
    expect(budget().bytesHeld).toBe(0);
  });

  it.each([
    ['a route that needs a token, without one', '/api/messages', {}, 401],
    ['a route that needs a token, with a bad one', '/api/messages', { authorization: 'Bearer mlt_bogus' }, 401],
    ['a route that does not exist', '/api/no-such-route', {}, 404],
  ])('answers %s before reading the body', async (_what, path, headers: Record<string, string>, status) => {
    const post = startPost(node.url, path, headers, bodyOf(200 * 1024), 1024);
    const answer = await post.answer;
    post.abandon();
    expect(answer.status).toBe(status);
    expect(budget().bytesHeld).toBe(0);
  });

  it('takes a small body only on a route open to anyone', async () => {
    const post = startPost(node.url, '/api/auth/session', {}, bodyOf(20 * 1024), 1024);
    const answer = await post.answer;
    post.abandon();
    expect(answer.status).toBe(413);
    expect(answer.body.message).toMatch(/at most 16384 bytes/);
  });

  it('gives back the bytes of a client that goes away mid-body', async () => {
    const body = bodyOf(250 * 1024);
    const post = startPost(node.url, '/api/federation/inbox/batch', signedHeaders(body), body, 240 * 1024);
    post.answer.catch(() => undefined);
    await eventually(async () => budget().bytesHeld >= 240 * 1024, 10_000, 'the body is being read');
    post.abandon();
    await eventually(async () => budget().bytesHeld === 0, 10_000, 'the budget is whole again');
  });
});

describe('request bodies: a body that does not arrive in time is dropped', () => {
  let node: TestNode;

  beforeAll(async () => {
    node = await startTestNode({ MYLIFE_BODY_TIMEOUT: '1s', MYLIFE_FEDERATION_SHARED_KEYS: `${PEER}=${PEER_KEY}` });
  });
  afterAll(() => node.destroy());

  it('answers a stalled body with 408 and gives its bytes back', async () => {
    const body = bodyOf(100 * 1024);
    const stalled = startPost(node.url, '/api/admin/users', ADMIN, body, 90 * 1024);
    const answer = await stalled.answer;
    stalled.abandon();
    expect(answer.status).toBe(408);
    expect(answer.body.message).toMatch(/did not arrive within 1 s \(MYLIFE_BODY_TIMEOUT\)/);
    expect(node.app.get(BodyBudget).bytesHeld).toBe(0);
  });

  it("gives a peer's batch the upload time its sender allows itself, beyond MYLIFE_BODY_TIMEOUT", async () => {
    // 640 KiB: its sender gives it 10 s of upload on top of the timeout (64 KiB/s, a slow home uplink).
    const body = bodyOf(640 * 1024);
    const slow = startPost(node.url, '/api/federation/inbox/batch', signedHeaders(body), body, 320 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    slow.finish();
    const answer = await slow.answer;
    // Read, verified and parsed: the batch's own fields are what is wrong with it, not its pace.
    expect(answer.status).toBe(400);
    expect(answer.body.message).not.toMatch(/MYLIFE_BODY_TIMEOUT/);
  });
});
