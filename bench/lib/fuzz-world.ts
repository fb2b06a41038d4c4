import http from 'node:http';
import { signBody } from '../../src/signing/hmac';
import { Auth, Body, FuzzRequest, PoolKind, PoolRef, Value, encodeSegment } from './fuzz-requests';

/** The node under test as the fuzz sees it: where it listens, its admin token, and the peer it takes signed requests from. */
export interface FuzzTarget {
  url: string;
  adminToken: string;
  /** A server holding a shared key with the node (`MYLIFE_FEDERATION_SHARED_KEYS`), as a plain peer signs. */
  peer: { server: string; key: string };
}

export interface Answer {
  /** 0 when no answer came (the connection failed or timed out: see `error`). */
  status: number;
  body: unknown;
  text: string;
  error?: string;
}

interface WorldUser {
  username: string;
  address: string;
  password: string;
  token: string;
  /** A login under way after the token stopped working (the fuzz logged it out, or revoked or replaced it). */
  relogin: Promise<void> | null;
}

const PASSWORD = 'fuzz password 0123';
const DEVICE_NAME = 'fuzz';
const POOL_SIZE = 100;
const ANSWER_TIMEOUT_MS = 30_000;
/** The most of a response body kept: error bodies are small, and no answer of ours needs more to be checked. */
const MAX_ANSWER_BYTES = 1024 * 1024;
const USERNAMES = ['fz-ann', 'fz-ben', 'fz-cat', 'fz-dan'];
/** Friends among the users above (ann–ben, ann–cat, ben–cat); dan has none. */
const FRIENDS: [number, number][] = [
  [0, 1],
  [0, 2],
  [1, 2],
];
const PEER_USERS = ['xena', 'yuri'];

/**
 * What the fuzz knows of the node: its users with live tokens, and the ids it has seen (messages, invites, tokens,
 * outbox rows, devices), so that generated requests can name things that exist and get past the 404s. Requests are
 * sent with their pool references resolved here.
 */
export class FuzzWorld {
  private readonly agent: http.Agent;
  private readonly users: WorldUser[] = [];
  private readonly pools: Record<PoolKind, string[]> = {
    message: [],
    invite: [],
    token: [],
    outbox: [],
    localUser: [],
    peerUser: [],
    peerServer: [],
    device: [],
    cursor: [],
    self: [],
    password: [PASSWORD],
  };

  private constructor(
    readonly target: FuzzTarget,
    concurrency: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: concurrency + 2 });
    this.pools.peerUser = PEER_USERS.map((name) => `${name}@${target.peer.server}`);
    this.pools.peerServer = [target.peer.server];
  }

  /**
   * Signs up four users, makes three of them friends with some messages and keys, and has a user of the peer invite
   * one of them (accepted), so that guarded routes, the key directory and the signed inbox all have something to act on.
   */
  static async prepare(target: FuzzTarget, concurrency = 4): Promise<FuzzWorld> {
    const world = new FuzzWorld(target, concurrency);
    for (const username of USERNAMES) {
      const created = await world.expect(
        201,
        'POST',
        '/api/admin/users',
        { username, password: PASSWORD },
        { kind: 'admin' },
      );
      const user: WorldUser = {
        username,
        address: (created as { address: string }).address,
        password: PASSWORD,
        token: '',
        relogin: null,
      };
      world.users.push(user);
      world.pools.localUser.push(user.address);
      await world.login(user);
    }
    await world.befriendAll();
    const [ann, ben] = [0, 1];
    for (const [from, to, content] of [
      [ann, ben, 'hello ben'],
      [ben, ann, 'hello ann'],
      [ann, 2, 'hello cat'],
    ] as const) {
      await world.expect(
        201,
        'POST',
        '/api/messages',
        { toUserId: world.users[to].address, content },
        { kind: 'user', user: from },
      );
    }
    await world.expect(
      201,
      'POST',
      '/api/friends/invites',
      { toUserId: world.users[3].address },
      { kind: 'user', user: ann },
    );
    for (const user of [ann, ben]) {
      await world.expect(
        200,
        'PUT',
        '/api/keys',
        {
          deviceId: `fuzz-device-${user}`,
          identityKey: Buffer.alloc(32, user + 1).toString('base64url'),
          keyPackages: Array.from({ length: 5 }, (_, index) => Buffer.alloc(64, index).toString('base64url')),
          lastResortKeyPackage: Buffer.alloc(64, 9).toString('base64url'),
        },
        { kind: 'user', user },
      );
    }
    // xena of the peer invites ann, who accepts: the signed inbox then has a friendship to deliver messages into.
    const invite = {
      id: '018f0000-0000-7000-8000-00000000f022',
      fromUserId: world.pools.peerUser[0],
      toUserId: world.users[ann].address,
      status: 'pending',
    };
    await world.expect(200, 'POST', '/api/federation/inbox/invites', invite, { kind: 'peer', variant: 'valid' });
    await world.expect(200, 'POST', `/api/friends/invites/${invite.id}/accept`, {}, { kind: 'user', user: ann });
    for (const user of world.users.keys())
      await world.expect(200, 'GET', '/api/auth/tokens', undefined, { kind: 'user', user });
    await world.expect(200, 'GET', '/api/admin/federation/outbox', undefined, { kind: 'admin' });
    return world;
  }

  /**
   * Brings the friendships back after the fuzz ended some, so that later requests find friends to message again;
   * answers the requests it made and their answers, which are held to the same rule as the fuzz's own.
   */
  async maintain(): Promise<[FuzzRequest, Answer][]> {
    return this.befriendAll();
  }

  /** Waits for the logins under way (a node stopped under one would fail it), then closes the connections. */
  async close(): Promise<void> {
    await Promise.all(this.users.map((user) => user.relogin?.catch(() => undefined)));
    this.agent.destroy();
  }

  private async befriendAll(): Promise<[FuzzRequest, Answer][]> {
    const exchanges: [FuzzRequest, Answer][] = [];
    const send = async (request: FuzzRequest) => {
      const answer = await this.send(request);
      exchanges.push([request, answer]);
      return answer;
    };
    for (const [a, b] of FRIENDS) {
      const invite = await send(
        this.plain('POST', '/api/friends/invites', { toUserId: this.users[b].address }, { kind: 'user', user: a }),
      );
      const { id, status } = (invite.body as { invite?: { id: string; status: string } } | null)?.invite ?? {};
      if (id && status === 'pending') {
        await send(this.plain('POST', `/api/friends/invites/${id}/accept`, {}, { kind: 'user', user: b }));
      }
    }
    return exchanges;
  }

  private async login(user: WorldUser): Promise<void> {
    const answer = await this.expect(
      200,
      'POST',
      '/api/auth/session',
      { username: user.username, password: user.password, deviceName: DEVICE_NAME },
      { kind: 'none' },
    );
    user.token = (answer as { accessToken: string }).accessToken;
  }

  private plain(method: string, path: string, body: Value | undefined, auth: Auth): FuzzRequest {
    const [pathname, search = ''] = path.split('?');
    return {
      operation: `${method} ${pathname}`,
      method,
      path: pathname.split('/').slice(1),
      query: search ? search.split('&').map((pair) => pair.split('=') as [string, string]) : [],
      auth,
      body: body === undefined ? { kind: 'none' } : { kind: 'json', value: body, contentType: 'application/json' },
    };
  }

  private async expect(
    status: number,
    method: string,
    path: string,
    body: Value | undefined,
    auth: Auth,
  ): Promise<unknown> {
    const answer = await this.send(this.plain(method, path, body, auth));
    if (answer.status !== status) {
      throw new Error(`fuzz setup: ${method} ${path} answered ${answer.status} ${answer.text.slice(0, 500)}`);
    }
    return answer.body;
  }

  private user(pick: number): WorldUser {
    return this.users[pick % this.users.length];
  }

  private resolve(ref: PoolRef, self: string): string {
    if (ref.kind === 'self') return self;
    if (ref.kind === 'localUser') {
      // Half the time one of the users with tokens (friends of each other), or users made since would crowd them out.
      const pick = ref.pick < 0 ? -1 - ref.pick : ref.pick;
      const pool = pick % 2 === 0 ? this.pools.localUser.slice(0, USERNAMES.length) : this.pools.localUser;
      const address = this.pick(pool, Math.floor(pick / 2));
      return ref.pick < 0 ? address.split('@')[0] : address;
    }
    return this.pick(this.pools[ref.kind], ref.pick);
  }

  private pick(pool: string[], pick: number): string {
    return pool.length === 0 ? '00000000-0000-7000-8000-000000000000' : pool[pick % pool.length];
  }

  private resolveValue(value: Value, self: string): Value {
    if (value instanceof PoolRef) return this.resolve(value, self);
    if (Array.isArray(value)) return value.map((item) => this.resolveValue(item, self));
    if (value && typeof value === 'object') {
      const resolved: Record<string, Value> = {};
      for (const [field, item] of Object.entries(value)) {
        Object.defineProperty(resolved, field, {
          value: this.resolveValue(item, self),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return resolved;
    }
    return value;
  }

  private bodyBytes(body: Body, self: string): { bytes: Buffer | null; headers: Record<string, string> } {
    switch (body.kind) {
      case 'none':
        return { bytes: null, headers: {} };
      case 'json':
        return {
          bytes: Buffer.from(JSON.stringify(this.resolveValue(body.value, self)) ?? 'null'),
          headers: { 'content-type': body.contentType, ...body.headers },
        };
      case 'raw':
        return {
          bytes: Buffer.from(body.bytes),
          headers: body.contentType ? { 'content-type': body.contentType } : {},
        };
      case 'huge':
        return {
          bytes: Buffer.from(JSON.stringify({ padding: 'p'.repeat(body.bytes) })),
          headers: { 'content-type': 'application/json' },
        };
    }
  }

  private async authHeaders(
    auth: Auth,
    bytes: Buffer | null,
  ): Promise<{ headers: Record<string, string>; query: [string, string][] }> {
    const { peer } = this.target;
    switch (auth.kind) {
      case 'none':
        return { headers: {}, query: [] };
      case 'admin':
        return { headers: { authorization: `Bearer ${this.target.adminToken}` }, query: [] };
      case 'bogus':
        return { headers: { authorization: `Bearer ${auth.token}` }, query: [] };
      case 'header':
        return { headers: { authorization: auth.authorization.replaceAll('{token}', this.users[0].token) }, query: [] };
      case 'dispatchKey':
        return { headers: { 'x-federation-dispatch-key': auth.key }, query: [] };
      case 'user':
      case 'queryToken': {
        const user = this.user(auth.user);
        await user.relogin;
        return auth.kind === 'user'
          ? { headers: { authorization: `Bearer ${user.token}` }, query: [] }
          : { headers: {}, query: [['access_token', user.token]] };
      }
      case 'peer': {
        const raw = bytes ?? Buffer.alloc(0);
        const now = new Date();
        let server = peer.server;
        let timestamp = now.toISOString();
        let key = peer.key;
        const extra: Record<string, string> = {};
        switch (auth.variant) {
          case 'unsigned':
            return { headers: {}, query: [] };
          case 'valid':
            break;
          case 'bad-signature':
            key = 'not-the-shared-key-0123456789';
            break;
          case 'stale':
            timestamp = new Date(now.getTime() - 10 * 60_000).toISOString();
            break;
          case 'garbage-timestamp':
            timestamp = 'yesterday';
            break;
          case 'unknown-server':
            server = 'stranger.example';
            break;
          case 'bad-server-name':
            server = '256.256.256.256';
            break;
          case 'key-id':
            extra['x-mylife-federation-key-id'] = 'no-such-key';
            break;
        }
        return {
          headers: {
            'x-mylife-federation-server': server,
            'x-mylife-federation-timestamp': timestamp,
            'x-mylife-federation-signature': signBody(key, timestamp, raw),
            ...extra,
          },
          query: [],
        };
      }
    }
  }

  /** Sends one request, its references resolved; learns the ids its answer names; never throws. */
  async send(request: FuzzRequest): Promise<Answer> {
    const acting = request.auth.kind === 'user' || request.auth.kind === 'queryToken' ? request.auth.user : 0;
    const self = this.users.length > 0 ? this.user(acting).address : '';
    const { bytes, headers: bodyHeaders } = this.bodyBytes(request.body, self);
    const auth = await this.authHeaders(request.auth, bytes);
    const path =
      '/' +
      request.path
        .map((segment) => (segment instanceof PoolRef ? encodeSegment(this.resolve(segment, self)) : segment))
        .join('/');
    const query = [
      ...request.query.map(([name, value]): [string, string] => [
        name,
        value instanceof PoolRef ? this.resolve(value, self) : value,
      ]),
      ...auth.query,
    ]
      .map(([name, value]) => `${encodeSegment(name)}=${encodeSegment(value)}`)
      .join('&');
    const headers = { ...bodyHeaders, ...auth.headers, ...(bytes ? { 'content-length': String(bytes.length) } : {}) };
    const answer = await this.exchange(request.method, query ? `${path}?${query}` : path, headers, bytes);
    if (answer.status === 401 && (request.auth.kind === 'user' || request.auth.kind === 'queryToken')) {
      this.relogin(
        this.user(request.auth.user),
        auth.headers.authorization?.slice('Bearer '.length) ?? auth.query[0]?.[1],
      );
    }
    if (answer.status >= 200 && answer.status < 300) this.learn(answer.body);
    return answer;
  }

  private relogin(user: WorldUser, tokenUsed: string | undefined): void {
    if (user.relogin || tokenUsed !== user.token) return;
    user.relogin = this.login(user).finally(() => (user.relogin = null));
    user.relogin.catch(() => undefined);
  }

  private exchange(
    method: string,
    path: string,
    headers: Record<string, string>,
    bytes: Buffer | null,
    retry = true,
  ): Promise<Answer> {
    const { hostname, port } = new URL(this.target.url);
    return new Promise<Answer>((resolve) => {
      let request: http.ClientRequest;
      try {
        request = http.request({
          host: hostname,
          port,
          method,
          path,
          headers,
          agent: this.agent,
          timeout: ANSWER_TIMEOUT_MS,
        });
      } catch (error) {
        // A request Node itself refuses to send (a character no header may hold): not the node's concern.
        resolve({ status: -1, body: null, text: '', error: `not sent: ${(error as Error).message}` });
        return;
      }
      request.on('timeout', () => request.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)));
      request.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the node closed as it was reused: the request never reached it (Node's advice).
        if (retry && request.reusedSocket && error.code === 'ECONNRESET') {
          resolve(this.exchange(method, path, headers, bytes, false));
        } else resolve({ status: 0, body: null, text: '', error: error.message });
      });
      request.on('response', (response) => {
        if (response.headers['content-type']?.startsWith('text/event-stream')) {
          // An event stream never ends: its status is the answer.
          response.destroy();
          resolve({ status: response.statusCode ?? 0, body: null, text: '' });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        response.on('error', (error) => resolve({ status: 0, body: null, text: '', error: error.message }));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, body: parseJson(text), text });
        });
      });
      request.end(bytes ?? undefined);
    });
  }

  /** Keeps the ids an answer names, by what kind of thing carries them. */
  private learn(body: unknown, depth = 0): void {
    if (!body || typeof body !== 'object' || depth > 4) return;
    if (Array.isArray(body)) {
      for (const item of body) this.learn(item, depth + 1);
      return;
    }
    const object = body as Record<string, unknown>;
    if (typeof object.id === 'string') {
      const kind: PoolKind | null =
        'clientMessageId' in object && 'content' in object
          ? 'message'
          : 'deviceName' in object
            ? 'token'
            : 'recipientServer' in object
              ? 'outbox'
              : 'status' in object && 'fromUserId' in object
                ? 'invite'
                : 'address' in object
                  ? 'localUser'
                  : null;
      if (kind) this.keep(kind, kind === 'localUser' ? String(object.address) : object.id);
    }
    if (typeof object.deviceId === 'string') this.keep('device', object.deviceId);
    for (const field of ['cursor', 'nextCursor'])
      if (typeof object[field] === 'string') this.keep('cursor', object[field]);
    for (const value of Object.values(object)) this.learn(value, depth + 1);
  }

  private keep(kind: PoolKind, value: string): void {
    const pool = this.pools[kind];
    if (pool.includes(value)) return;
    pool.push(value);
    // The first users are those with tokens: they stay.
    if (pool.length > POOL_SIZE) pool.splice(kind === 'localUser' ? USERNAMES.length : 0, 1);
  }
}

/** The JSON of an answer; undefined when it is none. */
function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return undefined;
  }
}

/** What is wrong with an answer, if anything: a 5xx, no answer at all, or a 4xx without a JSON error message. */
export function problemWith(answer: Answer): string | null {
  if (answer.status === -1) return null;
  if (answer.status === 0) return `no answer: ${answer.error}`;
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (answer.status >= 400) {
    const message = (answer.body as { message?: unknown } | null | undefined)?.message;
    if (typeof message !== 'string' || message.length === 0)
      return `answered ${answer.status} without a JSON error message`;
  }
  return null;
}

/** A request and its answer, short enough for a report line. */
export function describeExchange(request: FuzzRequest, answer: Answer): string {
  const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);
  const path = clip(
    request.path.map((segment) => (segment instanceof PoolRef ? `{${segment.kind}}` : segment)).join('/'),
    200,
  );
  const query = request.query
    .map(([name, value]) => `${name}=${value instanceof PoolRef ? `{${value.kind}}` : value}`)
    .join('&');
  let body = '';
  if (request.body.kind === 'json')
    body = JSON.stringify(request.body.value, (_key, value: unknown) =>
      value instanceof PoolRef ? `{${value.kind}}` : value,
    );
  else if (request.body.kind === 'raw')
    body = `[${request.body.contentType}] ${Buffer.from(request.body.bytes).toString('utf8')}`;
  else if (request.body.kind === 'huge') body = `[${request.body.bytes} bytes of JSON]`;
  return clip(
    `${request.method} /${path}${query ? `?${clip(query, 200)}` : ''} as ${JSON.stringify(request.auth)} body ${clip(body)} → ${answer.status} ${clip(answer.error ?? answer.text, 300)}`,
    1200,
  );
}
