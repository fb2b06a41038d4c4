import { connect } from 'node:net';
import request from 'supertest';
import { signUp, TestUser } from './support/factories';
import { startTestNode, TestNode } from './support/test-node';

describe('error responses', () => {
  let node: TestNode;
  let alice: TestUser;

  beforeAll(async () => {
    node = await startTestNode({ MYLIFE_BODY_LIMIT: '64kb' });
    alice = await signUp(node, 'alice');
  });
  afterAll(() => node.destroy());

  const expectErrorBody = (body: Record<string, unknown>, statusCode: number) => {
    expect(body).toEqual({
      statusCode,
      error: expect.any(String),
      message: expect.any(String),
      requestId: expect.any(String),
    });
    expect(JSON.stringify(body)).not.toMatch(/at .+\.(js|ts):\d+/);
  };

  it('answers malformed JSON with 400', async () => {
    const response = await request(node.url)
      .post('/api/auth/session')
      .set('Content-Type', 'application/json')
      .send('{"username": "alice", ')
      .expect(400);
    expectErrorBody(response.body, 400);
    expect(response.body.message).toBe('the request body is not valid JSON');
  });

  it('answers a body over the limit with 413', async () => {
    const response = await request(node.url)
      .post('/api/auth/session')
      .send({ username: 'alice', password: 'x'.repeat(100 * 1024) })
      .expect(413);
    expectErrorBody(response.body, 413);
  });

  it('answers an unknown route with 404', async () => {
    const response = await request(node.url).get('/api/no-such-thing').expect(404);
    expectErrorBody(response.body, 404);
  });

  it('rejects unknown fields and wrong types with 400 and a message naming them', async () => {
    const unknown = await request(node.url)
      .post('/api/auth/session')
      .send({ username: 'alice', password: 'x', isAdmin: true })
      .expect(400);
    expect(unknown.body.message).toMatch(/isAdmin/);
    const wrongType = await request(node.url)
      .post('/api/auth/session')
      .send({ username: 42, password: ['x'] })
      .expect(400);
    expect(wrongType.body.message).toMatch(/username/);
    expect(wrongType.body.message).toMatch(/password/);
  });

  it('answers an unsupported charset with 415, not 500', async () => {
    const response = await request(node.url)
      .post('/api/auth/session')
      .set('Content-Type', 'application/json; charset=klingon')
      .send('{}')
      .expect(415);
    expectErrorBody(response.body, 415);
  });

  it('echoes a sane x-request-id and makes one up otherwise', async () => {
    const given = await request(node.url)
      .get('/api/me')
      .set('Authorization', `Bearer ${alice.token}`)
      .set('x-request-id', 'trace-123');
    expect(given.headers['x-request-id']).toBe('trace-123');
    const made = await request(node.url).get('/api/nothing').set('x-request-id', 'bad id with spaces').expect(404);
    expect(made.body.requestId).not.toBe('bad id with spaces');
    expect(made.headers['x-request-id']).toBe(made.body.requestId);
  });

  // Found by the fuzz (npm run test:fuzz): Node's HTTP parser answered these with a bare status line and no body.
  it('answers a URL over 16 KiB with 431 and a JSON message', async () => {
    const response = await fetch(`${node.url}/api/messages?friendUserId=${'💩'.repeat(2000)}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(response.status).toBe(431);
    expect(await response.json()).toEqual({
      statusCode: 431,
      error: 'Request Header Fields Too Large',
      message: 'the request line and headers are too large: together they must fit in 16 KiB',
    });
  });

  it('answers a request that is not HTTP with 400 and a JSON message', async () => {
    const { port } = new URL(node.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('HELLO THERE\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      statusCode: 400,
      message: 'the request is not valid HTTP/1.1',
    });
  });
});
