import {
  type HttpRequest,
  type HttpResponse,
  type HttpStream,
  type HttpTransport,
  MyLifeClient,
  OnePostPerMessageSender,
  ServerUnreachableError,
} from '@mylife/client';
import { SqlJsDatabase } from '@mylife/client/sql-js';
import { describe, expect, it } from 'vitest';
import { LocalMessenger } from '../src/messenger/local-messenger.ts';

const NODE = 'http://node.test';
const ALICE = 'alice@node.test';

/** The node's side as a script (method, path, body → answer), recording what it was asked, in order. */
class ScriptedNode implements HttpTransport {
  readonly asked: string[] = [];
  messagesReachable = false;

  async send(request: HttpRequest): Promise<HttpResponse> {
    const path = new URL(request.url).pathname;
    this.asked.push(`${request.method} ${path}`);
    const body = request.body ? JSON.parse(request.body) : undefined;
    if (path === '/api/auth/session') {
      const user = { id: '1', address: ALICE, displayName: 'Alice' };
      return json(201, { accessToken: 'mlt_x', expiresAt: '2027-01-01T00:00:00.000Z', user });
    }
    if (path === '/api/messages') {
      if (!this.messagesReachable) throw new ServerUnreachableError(request.url, new Error('ECONNREFUSED'));
      return json(201, {
        ...body,
        id: 'm1',
        seq: 1,
        fromUserId: ALICE,
        createdAt: '2026-12-07T08:00:00.000Z',
        readAt: null,
      });
    }
    if (path === '/api/auth/logout') return json(200, { ok: true });
    return json(404, { message: `no ${path}` });
  }

  async stream(request: HttpRequest): Promise<HttpStream> {
    throw new ServerUnreachableError(request.url, new Error('no event stream in this test'));
  }
}

function json(status: number, value: unknown): HttpResponse {
  return { status, body: JSON.stringify(value) };
}

describe('logging out', () => {
  it('sends what is queued before the token is revoked and the copy erased, even while it waits out a backoff', async () => {
    const node = new ScriptedNode();
    const client = new MyLifeClient({
      database: await SqlJsDatabase.create(),
      transport: node,
      messageSender: new OnePostPerMessageSender(),
    });
    await client.login({ serverUrl: NODE, username: 'alice', password: 'pw', deviceName: 'test' });
    let erased = false;
    const messenger = new LocalMessenger({
      client,
      origin: NODE,
      deviceName: 'test',
      erase: async () => {
        erased = true;
      },
    });
    await messenger.sendMessage('bob', 'written while the node was away');
    await client.flushOutbox(); // the node is away: the send now waits out a backoff
    expect(client.outbox()).toEqual([expect.objectContaining({ attempts: 1, state: 'pending' })]);

    node.messagesReachable = true;
    node.asked.length = 0;
    await messenger.logout();

    expect(node.asked).toEqual(['POST /api/messages', 'POST /api/auth/logout']);
    expect(erased).toBe(true);
  });
});
