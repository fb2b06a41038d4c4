import request from 'supertest';
import { Client } from 'pg';
import { befriend, sendMessage, signUp, TestUser } from './support/factories';
import { startTestNode, TestNode } from './support/test-node';

interface BadRequest {
  name: string;
  method: 'get' | 'post' | 'delete';
  path: string;
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
  as?: 'alice' | 'none' | 'bogus';
  status: number;
}

/** `{carolToBob}` and `{aliceToBob}` in a path stand for ids of messages made before the cases run. */
const CASES: BadRequest[] = [
  // Sending messages: types, missing fields, limits.
  { name: 'send: empty body', method: 'post', path: '/api/messages', body: {}, status: 400 },
  { name: 'send: toUserId missing', method: 'post', path: '/api/messages', body: { content: 'x' }, status: 400 },
  { name: 'send: content missing', method: 'post', path: '/api/messages', body: { toUserId: 'bob' }, status: 400 },
  {
    name: 'send: content is a number',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: 42 },
    status: 400,
  },
  {
    name: 'send: content is an object',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: { a: 1 } },
    status: 400,
  },
  {
    name: 'send: content is empty',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: '' },
    status: 400,
  },
  {
    name: 'send: content with NUL',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: 'a\u0000b' },
    status: 400,
  },
  {
    name: 'send: content with a lone surrogate',
    method: 'post',
    path: '/api/messages',
    raw: '{"toUserId":"bob","content":"\\ud800x"}',
    status: 400,
  },
  {
    name: 'send: content over 64 KiB',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: 'y'.repeat(70 * 1024) },
    status: 413,
  },
  {
    name: 'send: body over the limit',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: 'x'.repeat(300 * 1024) },
    status: 413,
  },
  {
    name: 'send: toUserId is an array',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: ['bob'], content: 'x' },
    status: 400,
  },
  {
    name: 'send: toUserId is null',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: null, content: 'x' },
    status: 400,
  },
  {
    name: 'send: unknown local user',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'nobody', content: 'x' },
    status: 404,
  },
  {
    name: 'send: SQL-looking recipient',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: "bob'; DROP TABLE friend_messages; --", content: 'x' },
    status: 400,
  },
  {
    name: 'send: to yourself',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'alice', content: 'x' },
    status: 403,
  },
  {
    name: 'send: to a non-friend',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'carol', content: 'x' },
    status: 403,
  },
  {
    name: 'send: unsupported contentType',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: 'x', contentType: 'text/html' },
    status: 400,
  },
  {
    name: 'send: clientMessageId too long',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: 'x', clientMessageId: 'c'.repeat(129) },
    status: 400,
  },
  {
    name: 'send: clientMessageId is a number',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: 'x', clientMessageId: 7 },
    status: 400,
  },
  {
    name: 'send: unknown field',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: 'x', admin: true },
    status: 400,
  },
  {
    name: 'send: fromUserId of another user',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: 'x', fromUserId: 'carol' },
    status: 403,
  },
  { name: 'send: malformed JSON', method: 'post', path: '/api/messages', raw: '{"toUserId":', status: 400 },
  { name: 'send: JSON array body', method: 'post', path: '/api/messages', raw: '[1,2,3]', status: 400 },
  {
    name: 'send: invalid UTF-8 bytes',
    method: 'post',
    path: '/api/messages',
    raw: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    status: 400,
  },
  {
    name: 'send: no token',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: 'x' },
    as: 'none',
    status: 401,
  },
  {
    name: 'send: bogus token',
    method: 'post',
    path: '/api/messages',
    body: { toUserId: 'bob', content: 'x' },
    as: 'bogus',
    status: 401,
  },
  // Listing a thread.
  { name: 'thread: friendUserId missing', method: 'get', path: '/api/messages', status: 400 },
  { name: 'thread: limit 0', method: 'get', path: '/api/messages?friendUserId=bob&limit=0', status: 400 },
  { name: 'thread: limit 201', method: 'get', path: '/api/messages?friendUserId=bob&limit=201', status: 400 },
  { name: 'thread: limit not a number', method: 'get', path: '/api/messages?friendUserId=bob&limit=ten', status: 400 },
  {
    name: 'thread: before not a uuid',
    method: 'get',
    path: "/api/messages?friendUserId=bob&before=1' OR '1'='1",
    status: 400,
  },
  {
    name: 'thread: since not a date',
    method: 'get',
    path: '/api/messages?friendUserId=bob&since=yesterday',
    status: 400,
  },
  {
    name: 'thread: repeated friendUserId',
    method: 'get',
    path: '/api/messages?friendUserId=bob&friendUserId=carol',
    status: 400,
  },
  {
    name: "thread: someone else's message as cursor",
    method: 'get',
    path: '/api/messages?friendUserId=bob&before={carolToBob}',
    status: 400,
  },
  {
    name: 'thread: viewerUserId of another user',
    method: 'get',
    path: '/api/messages?friendUserId=bob&viewerUserId=bob',
    status: 403,
  },
  // Inbox and sync cursors.
  { name: 'inbox: bad cursor', method: 'get', path: '/api/messages/inbox?cursor=%00%01', status: 400 },
  { name: 'inbox: limit negative', method: 'get', path: '/api/messages/inbox?limit=-5', status: 400 },
  { name: 'sync: bad cursor', method: 'get', path: '/api/sync?since=eyJ4IjoxfQ', status: 400 },
  { name: 'sync: limit too big', method: 'get', path: '/api/sync?limit=100000', status: 400 },
  // Reading messages.
  { name: 'read: id not a uuid', method: 'post', path: '/api/messages/not-a-uuid/read', body: {}, status: 400 },
  {
    name: 'read: unknown id',
    method: 'post',
    path: '/api/messages/00000000-0000-7000-8000-000000000000/read',
    body: {},
    status: 404,
  },
  {
    name: "read: other users' message",
    method: 'post',
    path: '/api/messages/{carolToBob}/read',
    body: {},
    status: 404,
  },
  { name: 'read: own sent message', method: 'post', path: '/api/messages/{aliceToBob}/read', body: {}, status: 403 },
  // Friends and invites.
  { name: 'invite: toUserId missing', method: 'post', path: '/api/friends/invites', body: {}, status: 400 },
  {
    name: 'invite: message too long',
    method: 'post',
    path: '/api/friends/invites',
    body: { toUserId: 'carol', message: 'm'.repeat(1001) },
    status: 400,
  },
  {
    name: 'invite: id not a uuid',
    method: 'post',
    path: '/api/friends/invites',
    body: { toUserId: 'carol', id: 'abc' },
    status: 400,
  },
  { name: 'invite: bad direction', method: 'get', path: '/api/friends/invites?direction=sideways', status: 400 },
  { name: 'invite: bad status', method: 'get', path: '/api/friends/invites?status=pending,lost', status: 400 },
  {
    name: 'invite: accept unknown id',
    method: 'post',
    path: '/api/friends/invites/00000000-0000-7000-8000-000000000000/accept',
    body: {},
    status: 404,
  },
  {
    name: 'invite: accept with a non-uuid',
    method: 'post',
    path: '/api/friends/invites/1;DROP/accept',
    body: {},
    status: 400,
  },
  { name: 'unfriend: friendUserId missing', method: 'delete', path: '/api/friends', body: {}, status: 400 },
  {
    name: 'unfriend: not friends',
    method: 'delete',
    path: '/api/friends',
    body: { friendUserId: 'carol' },
    status: 404,
  },
  { name: 'friends: bad cursor', method: 'get', path: '/api/friends?cursor=@@@', status: 400 },
  { name: 'unknown route', method: 'get', path: '/api/messages/inbox/extra', status: 404 },
];

describe('malformed requests get a 4xx with a message, never a 5xx, and change nothing', () => {
  let node: TestNode;
  let alice: TestUser, bob: TestUser, carol: TestUser;
  let carolToBobMessageId: string;
  let aliceToBobMessageId: string;

  beforeAll(async () => {
    node = await startTestNode({ MYLIFE_BODY_LIMIT: '256kb' });
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => signUp(node, name)));
    await befriend(node, alice, bob);
    await befriend(node, carol, bob);
    carolToBobMessageId = (await sendMessage(node, carol, bob, 'private')).id;
    aliceToBobMessageId = (await sendMessage(node, alice, bob, 'hello')).id;
  });
  afterAll(() => node.destroy());

  it('covers at least 40 malformed requests', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('$name → $status', async (bad) => {
    const path = bad.path.replace('{carolToBob}', carolToBobMessageId).replace('{aliceToBob}', aliceToBobMessageId);
    let call = request(node.url)[bad.method](path);
    if (bad.as !== 'none')
      call = call.set('Authorization', bad.as === 'bogus' ? 'Bearer mlt_bogus' : `Bearer ${alice.token}`);
    if (bad.raw !== undefined) call = call.set('Content-Type', bad.contentType ?? 'application/json').send(bad.raw);
    else if (bad.body !== undefined) call = call.send(bad.body as object);
    const response = await call;
    expect(response.status).toBe(bad.status);
    expect(response.body).toMatchObject({ statusCode: bad.status, message: expect.any(String) });
  });

  it('left the data as it was: two messages, no new rows', async () => {
    const db = new Client({ connectionString: node.config.databaseUrl! });
    await db.connect();
    try {
      expect(Number((await db.query('SELECT count(*) FROM friend_messages')).rows[0].count)).toBe(2);
      expect(Number((await db.query('SELECT count(*) FROM friend_invites')).rows[0].count)).toBe(2);
      expect(
        Number((await db.query('SELECT count(*) FROM friend_messages WHERE read_at IS NOT NULL')).rows[0].count),
      ).toBe(0);
    } finally {
      await db.end();
    }
  });
});
