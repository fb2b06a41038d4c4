import request from 'supertest';
import { Client } from 'pg';
import { signBody } from '../src/signing/hmac';
import { befriend, sendMessage, signUp, TestUser } from './support/factories';
import { startTestNode, TEST_ADMIN_TOKEN, TestNode } from './support/test-node';

const PEER = 'peer.example';
const PEER_KEY = 'malformed-peer-key-0123456789';

interface BadRequest {
  name: string;
  method: 'get' | 'post' | 'delete';
  path: string;
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Who asks: alice's token (the default), none, a bogus token, the admin token, or a request signed by PEER. */
  as?: 'alice' | 'none' | 'bogus' | 'admin' | 'peer';
  status: number;
  /** A pattern the error message must match. */
  message?: RegExp;
}

// Inside an object: a body that is an array is refused before its depth is looked at.
const DEEP_ARRAY = '{"a":' + '['.repeat(2000) + '1' + ']'.repeat(2000) + '}';
const DEEP_OBJECT = '{"a":'.repeat(2000) + '1' + '}'.repeat(2000);
const INBOX_ROUTES = ['messages', 'batch', 'receipts', 'invites', 'invite-answers', 'unfriend'];

/** Deep JSON is a 400 wherever a body is read, before validation (it overflowed class-transformer's stack: 500). */
const DEEP_JSON_CASES: BadRequest[] = [
  { path: '/api/auth/session', as: 'none' as const },
  { path: '/api/messages' },
  { path: '/api/friends/invites' },
  { path: '/api/admin/users', as: 'admin' as const },
  { path: '/api/federation/dispatch', as: 'admin' as const },
  ...INBOX_ROUTES.map((route) => ({ path: `/api/federation/inbox/${route}`, as: 'peer' as const })),
].flatMap(({ path, as }) =>
  [
    ['2,000 nested arrays', DEEP_ARRAY],
    ['2,000 nested objects', DEEP_OBJECT],
  ].map(([what, raw]) => ({
    name: `deep JSON: ${what} to ${path}`,
    method: 'post' as const,
    path,
    raw,
    as,
    status: 400,
    message: /nested more than 32 levels/,
  })),
);

const inboxMessage = (overrides: Record<string, string>) => ({
  id: '01234567-89ab-7def-8123-456789abcdef',
  clientMessageId: 'c-1',
  fromUserId: `xena@${PEER}`,
  toUserId: 'alice',
  content: 'hello',
  ...overrides,
});

/** Text PostgreSQL cannot store as sent (NUL, lone surrogates) is a 400 in every field of every route. */
const UNSTORABLE_TEXT_CASES: BadRequest[] = [
  {
    name: 'admin: cursor with NUL',
    method: 'get',
    path: '/api/admin/users?cursor=%00',
    as: 'admin',
    status: 400,
    message: /cursor must be well-formed Unicode text without NUL/,
  },
  {
    name: 'admin: displayName with NUL',
    method: 'post',
    path: '/api/admin/users',
    body: { username: 'zed', password: 'a long password', displayName: 'a\u0000b' },
    as: 'admin',
    status: 400,
    message: /displayName must be/,
  },
  {
    name: 'admin: displayName with a lone surrogate',
    method: 'post',
    path: '/api/admin/users',
    raw: '{"username":"zed","password":"a long password","displayName":"a\\udc00b"}',
    as: 'admin',
    status: 400,
  },
  {
    name: 'send: clientMessageId with a lone surrogate',
    method: 'post',
    path: '/api/messages',
    raw: '{"toUserId":"bob","content":"x","clientMessageId":"x\\udc00"}',
    status: 400,
    message: /clientMessageId must be/,
  },
  {
    name: 'send: a field name with NUL',
    method: 'post',
    path: '/api/messages',
    raw: '{"toUserId":"bob","content":"x","a\\u0000":1}',
    status: 400,
    message: /a field name in the request body/,
  },
  { name: 'thread: friendUserId with NUL', method: 'get', path: '/api/messages?friendUserId=bob%00', status: 400 },
  {
    name: 'read: message id with NUL',
    method: 'post',
    path: '/api/messages/%00/read',
    body: {},
    status: 400,
    message: /path must not contain NUL/,
  },
  {
    name: 'inbox: batch with transactionId NUL',
    method: 'post',
    path: '/api/federation/inbox/batch',
    raw: `{"transactionId":"\\u0000","messages":[${JSON.stringify(inboxMessage({ clientMessageId: 'c-nul-tx' }))}]}`,
    as: 'peer',
    status: 400,
    message: /transactionId must be/,
  },
  {
    name: 'inbox: batch with transactionId with a lone surrogate',
    method: 'post',
    path: '/api/federation/inbox/batch',
    raw: `{"transactionId":"a\\udc00b","messages":[${JSON.stringify(inboxMessage({ clientMessageId: 'c-sur-tx' }))}]}`,
    as: 'peer',
    status: 400,
  },
  {
    name: 'inbox: message with clientMessageId with a lone surrogate',
    method: 'post',
    path: '/api/federation/inbox/messages',
    raw: JSON.stringify(inboxMessage({ clientMessageId: 'x' })).replace('"x"', '"x\\udc00"'),
    as: 'peer',
    status: 400,
    message: /clientMessageId must be/,
  },
  {
    name: 'inbox: batch message with fromUserId with NUL',
    method: 'post',
    path: '/api/federation/inbox/batch',
    body: { transactionId: 't-nul', messages: [inboxMessage({ fromUserId: `xe\u0000na@${PEER}` })] },
    as: 'peer',
    status: 400,
    message: /messages\[0\]\.fromUserId must be/,
  },
];

/**
 * ISO 8601 that class-validator's check takes but JavaScript's Date cannot read reached the database as an invalid
 * date: a 500 (found by npm run test:fuzz).
 */
const UNREADABLE_DATE_CASES: BadRequest[] = [
  ...['2026-W01', '%2B2026-01-01T00:00:00Z', '-4714-01-01T00:00:00Z', '20260101T000000Z'].map((since) => ({
    name: `thread: since ${decodeURIComponent(since)}`,
    method: 'get' as const,
    path: `/api/messages?friendUserId=bob&since=${since}`,
    status: 400,
    message: /^since must be a valid ISO 8601 date string$/,
  })),
  {
    name: 'inbox: message createdAt 20260101T000000Z',
    method: 'post',
    path: '/api/federation/inbox/messages',
    body: { ...inboxMessage({ clientMessageId: 'c-week' }), createdAt: '20260101T000000Z' },
    as: 'peer',
    status: 400,
    message: /createdAt must be a valid ISO 8601 date string/,
  },
  {
    name: 'inbox: batch message createdAt 2026-W01',
    method: 'post',
    path: '/api/federation/inbox/batch',
    body: {
      transactionId: 't-week',
      messages: [{ ...inboxMessage({ clientMessageId: 'c-week' }), createdAt: '2026-W01' }],
    },
    as: 'peer',
    status: 400,
    message: /createdAt must be a valid ISO 8601 date string/,
  },
  {
    name: 'inbox: receipt at +2026-01-01T00:00:00Z',
    method: 'post',
    path: '/api/federation/inbox/receipts',
    body: {
      receipts: [
        {
          type: 'read',
          clientMessageId: 'c-1',
          fromUserId: 'alice',
          toUserId: `xena@${PEER}`,
          at: '+2026-01-01T00:00:00Z',
        },
      ],
    },
    as: 'peer',
    status: 400,
    message: /at must be a valid ISO 8601 date string/,
  },
];

/** An array where a list holds objects passed validation as "nested objects" (found by npm run test:fuzz). */
const ARRAY_ITEM_CASES: BadRequest[] = [
  {
    name: 'batch: an array as a message (was 500)',
    method: 'post',
    path: '/api/messages/batch',
    body: { messages: [{ toUserId: 'bob', content: 'x', clientMessageId: 'c-array' }, []] },
    status: 400,
    message: /each value in messages must be an object/,
  },
  {
    name: 'inbox: batch with an array as a message (was 500)',
    method: 'post',
    path: '/api/federation/inbox/batch',
    body: { transactionId: 't-array', messages: [[inboxMessage({ clientMessageId: 'c-array' })]] },
    as: 'peer',
    status: 400,
    message: /each value in messages must be an object/,
  },
  {
    name: 'inbox: receipts with an array as a receipt (was 200, nothing applied)',
    method: 'post',
    path: '/api/federation/inbox/receipts',
    body: { receipts: [[]] },
    as: 'peer',
    status: 400,
    message: /each value in receipts must be an object/,
  },
];

/** A body that is not JSON is told to be JSON, not answered with the field errors of an empty body. */
const CONTENT_TYPE_CASES: BadRequest[] = [
  {
    name: 'login: form-encoded body',
    method: 'post',
    path: '/api/auth/session',
    raw: 'username=alice&password=secret',
    contentType: 'application/x-www-form-urlencoded',
    as: 'none',
    status: 415,
    message: /send it with Content-Type: application\/json/,
  },
  {
    name: 'send: text/plain body',
    method: 'post',
    path: '/api/messages',
    raw: '{"toUserId":"bob","content":"x"}',
    contentType: 'text/plain',
    status: 415,
    message: /application\/json/,
  },
  {
    name: 'inbox: form-encoded signed body',
    method: 'post',
    path: '/api/federation/inbox/messages',
    raw: 'clientMessageId=c-form',
    contentType: 'application/x-www-form-urlencoded',
    as: 'peer',
    status: 415,
    message: /application\/json/,
  },
  {
    name: 'send: gzip-encoded body',
    method: 'post',
    path: '/api/messages',
    raw: '{"toUserId":"bob","content":"x"}',
    contentType: 'application/json',
    headers: { 'Content-Encoding': 'gzip' },
    status: 415,
  },
];

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
  ...[{ username: 5 }, { username: {} }, { username: ['thr'] }, { username: null }].map((username) => ({
    name: `login: username ${JSON.stringify(username.username)} beside an email`,
    method: 'post' as const,
    path: '/api/auth/session',
    body: { ...username, email: 'thr', password: 'x' },
    as: 'none' as const,
    status: 400,
    message: /username must be a string/,
  })),
  {
    name: 'login: neither username nor email',
    method: 'post',
    path: '/api/auth/session',
    body: { password: 'x' },
    as: 'none',
    status: 400,
    message: /username \(or its alias email\) is required/,
  },
  // Server names the address pattern let through but `new URL` cannot hold (500s), or a second spelling of a server.
  ...['256.256.256.256', '1.2.3.999', '1.2.3.4.5', '99999999999', 'xn--zz', 'a..b', '-a.com', 'localhost.:18791'].map(
    (server) => ({
      name: `invite: dave@${server}`,
      method: 'post' as const,
      path: '/api/friends/invites',
      body: { toUserId: `dave@${server}` },
      status: 400,
      message: /toUserId must be a username or an address/,
    }),
  ),
  {
    name: 'inbox: a server header naming 256.256.256.256',
    method: 'post',
    path: '/api/federation/inbox/messages',
    body: inboxMessage({ clientMessageId: 'c-bad-server' }),
    headers: {
      'x-mylife-federation-server': '256.256.256.256',
      'x-mylife-federation-timestamp': new Date().toISOString(),
      'x-mylife-federation-signature': 'unsigned',
    },
    as: 'none',
    status: 401,
    message: /x-mylife-federation-server is not a server name/,
  },
  { name: 'friends: bad cursor', method: 'get', path: '/api/friends?cursor=@@@', status: 400 },
  {
    name: 'send: a JSON array for a body',
    method: 'post',
    path: '/api/messages',
    body: [],
    status: 400,
    message: /^the request body must be a JSON object$/,
  },
  { name: 'unknown route', method: 'get', path: '/api/messages/inbox/extra', status: 404 },
  ...DEEP_JSON_CASES,
  ...UNSTORABLE_TEXT_CASES,
  ...CONTENT_TYPE_CASES,
  ...UNREADABLE_DATE_CASES,
  ...ARRAY_ITEM_CASES,
];

describe('malformed requests get a 4xx with a message, never a 5xx, and change nothing', () => {
  let node: TestNode;
  let alice: TestUser, bob: TestUser, carol: TestUser;
  let carolToBobMessageId: string;
  let aliceToBobMessageId: string;

  beforeAll(async () => {
    node = await startTestNode({ MYLIFE_BODY_LIMIT: '256kb', MYLIFE_FEDERATION_SHARED_KEYS: `${PEER}=${PEER_KEY}` });
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
    const raw = bad.raw ?? (bad.body === undefined ? undefined : JSON.stringify(bad.body));
    if (bad.as === 'admin') call = call.set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    else if (bad.as === 'peer') {
      const timestamp = new Date().toISOString();
      call = call
        .set('x-mylife-federation-server', PEER)
        .set('x-mylife-federation-timestamp', timestamp)
        .set('x-mylife-federation-signature', signBody(PEER_KEY, timestamp, raw ?? ''));
    } else if (bad.as !== 'none')
      call = call.set('Authorization', bad.as === 'bogus' ? 'Bearer mlt_bogus' : `Bearer ${alice.token}`);
    for (const [name, value] of Object.entries(bad.headers ?? {})) call = call.set(name, value);
    if (raw !== undefined) call = call.set('Content-Type', bad.contentType ?? 'application/json').send(raw);
    const response = await call;
    expect(response.status).toBe(bad.status);
    expect(response.body).toMatchObject({ statusCode: bad.status, message: expect.any(String) });
    if (bad.message) expect(response.body.message).toMatch(bad.message);
  });

  it('left the data as it was: two messages, no new rows', async () => {
    const db = new Client({ connectionString: node.config.databaseUrl! });
    await db.connect();
    try {
      expect(Number((await db.query('SELECT count(*) FROM friend_messages')).rows[0].count)).toBe(2);
      expect(Number((await db.query('SELECT count(*) FROM friend_invites')).rows[0].count)).toBe(2);
      expect(Number((await db.query('SELECT count(*) FROM users')).rows[0].count)).toBe(3);
      expect(
        Number((await db.query('SELECT count(*) FROM friend_messages WHERE read_at IS NOT NULL')).rows[0].count),
      ).toBe(0);
    } finally {
      await db.end();
    }
  });
});
