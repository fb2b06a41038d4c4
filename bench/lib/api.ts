import { Agent, request } from 'undici';
import { BENCH_ADMIN_TOKEN, NodeProcess } from './node-process';

/** The bench's own HTTP client: keep-alive pools, so that the client is never what is measured. */
const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });

export async function call<T = any>(
  url: string,
  method: 'GET' | 'POST' | 'DELETE',
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: T }> {
  const response = await request(url, {
    method,
    dispatcher: agent,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: (text ? JSON.parse(text) : null) as T };
}

export async function expectOk<T = any>(promise: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const { status, body } = await promise;
  if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
  return body;
}

export interface BenchUser {
  node: NodeProcess;
  username: string;
  address: string;
  token: string;
}

export async function createUser(node: NodeProcess, username: string): Promise<BenchUser> {
  const password = 'bench password 123';
  const created = await expectOk(
    call(`${node.url}/api/admin/users`, 'POST', { username, password }, BENCH_ADMIN_TOKEN),
    'create user',
  );
  const session = await expectOk(
    call(`${node.url}/api/auth/session`, 'POST', { username, password, deviceName: 'bench' }),
    'login',
  );
  return { node, username, address: created.address, token: session.accessToken };
}

export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** a invites b across nodes and b accepts; resolves once both nodes list the friendship. */
export async function befriend(a: BenchUser, b: BenchUser): Promise<void> {
  const sent = await expectOk(
    call(`${a.node.url}/api/friends/invites`, 'POST', { toUserId: b.address }, a.token),
    'invite',
  );
  await waitFor(
    async () => {
      const list = await call(
        `${b.node.url}/api/friends/invites?direction=incoming&status=pending`,
        'GET',
        undefined,
        b.token,
      );
      return list.body.incoming?.some((invite: { id: string }) => invite.id === sent.invite.id);
    },
    15_000,
    'invite to arrive',
  );
  await expectOk(call(`${b.node.url}/api/friends/invites/${sent.invite.id}/accept`, 'POST', {}, b.token), 'accept');
  await waitFor(
    async () => {
      const friends = await call(`${a.node.url}/api/friends`, 'GET', undefined, a.token);
      return friends.body.friends?.some((friend: { friendUserId: string }) => friend.friendUserId === b.address);
    },
    15_000,
    'acceptance to arrive',
  );
}

/** Follows a user's /api/sync from a cursor, counting message events whose content starts with `tag`. */
export class SyncFollower {
  cursor: string | undefined;
  readonly seen = new Map<string, number>();

  constructor(private readonly user: BenchUser) {}

  /** Moves the cursor to the end of the stream without counting. */
  async skipToEnd(): Promise<void> {
    for (;;) {
      const page = await this.page();
      if (!page.hasMore) return;
    }
  }

  async pullAll(tag: string): Promise<number> {
    for (;;) {
      const page = await this.page();
      for (const event of page.events) {
        if (event.type === 'message' && typeof event.data.content === 'string' && event.data.content.startsWith(tag)) {
          this.seen.set(event.data.clientMessageId, (this.seen.get(event.data.clientMessageId) ?? 0) + 1);
        }
      }
      if (!page.hasMore) return this.seen.size;
    }
  }

  private async page(): Promise<{ events: { type: string; data: any }[]; cursor: string; hasMore: boolean }> {
    const query = `limit=1000${this.cursor ? `&since=${this.cursor}` : ''}`;
    const body = await expectOk(
      call(`${this.user.node.url}/api/sync?${query}`, 'GET', undefined, this.user.token),
      'sync',
    );
    this.cursor = body.cursor;
    return body;
  }
}
