import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/api-error.ts';
import type { MyLifeClient } from '../src/mylife-client.ts';
import { BetterSqlite3Database } from '../src/storage/better-sqlite3-database.ts';
import { NotLoggedInError } from '../src/sync/sync-engine.ts';
import { ALICE, loggedIn, messageFromBob } from './scripted-client.ts';
import { type ScriptedAnswer, ScriptedTransport } from './scripted-transport.ts';

const emptySync: ScriptedAnswer = { status: 200, json: { events: [], cursor: 'c0', hasMore: false } };
const refusedToken: ScriptedAnswer = { status: 401, json: { statusCode: 401, message: 'invalid or expired token' } };
const notFriends: ScriptedAnswer = { status: 403, json: { statusCode: 403, message: 'you and bob are not friends' } };

function stored(body: { toUserId: string; content: string; clientMessageId: string }) {
  return {
    status: 201,
    json: {
      id: `srv-${body.clientMessageId}`,
      seq: 1,
      clientMessageId: body.clientMessageId,
      fromUserId: ALICE,
      toUserId: body.toUserId,
      contentType: 'text/plain',
      content: body.content,
      createdAt: '2026-12-07T08:00:01.000Z',
      readAt: null,
    },
  };
}

function received(id: string, content: string, readAt: string | null = null) {
  return { cursor: `c-${id}`, type: 'message', data: messageFromBob(id, content, { readAt }) };
}

/** Counts the transactions the client opens: "one local transaction" is something a test can see. */
class CountingDatabase extends BetterSqlite3Database {
  transactions = 0;
  override transaction<T>(work: () => T): T {
    this.transactions += 1;
    return super.transaction(work);
  }
}

describe('the calls the web app makes', () => {
  let transport: ScriptedTransport;
  let client: MyLifeClient;
  let database: CountingDatabase;

  beforeEach(async () => {
    transport = new ScriptedTransport(() => 'unreachable');
    database = new CountingDatabase(':memory:');
    client = await loggedIn(transport, { database, random: () => 0 });
  });

  describe('devices', () => {
    const tokens = [
      {
        id: '7d1a4c3e-0000-4000-8000-000000000001',
        deviceName: 'unit',
        createdAt: '2026-12-07T08:00:00.000Z',
        expiresAt: '2027-01-06T08:00:00.000Z',
        lastUsedAt: '2026-12-07T08:00:00.000Z',
        current: true,
      },
      {
        id: '7d1a4c3e-0000-4000-8000-000000000002',
        deviceName: 'phone',
        createdAt: '2026-12-01T08:00:00.000Z',
        expiresAt: '2026-12-31T08:00:00.000Z',
        lastUsedAt: null,
        current: false,
      },
    ];

    it('lists the devices and revokes one by its id', async () => {
      transport.answer = (method, path) =>
        method === 'GET' && path === '/api/auth/tokens'
          ? { status: 200, json: { items: tokens } }
          : { status: 200, json: { ok: true } };
      expect(await client.devices()).toEqual(tokens);
      await client.revokeDevice(tokens[1]!.id);
      expect(transport.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /api/auth/tokens',
        `DELETE /api/auth/tokens/${tokens[1]!.id}`,
      ]);
    });

    it("passes the node's refusal on, and a refused token makes the connection ask for a login", async () => {
      const heard: { state: string; loginNeeded: boolean }[] = [];
      client.on('connection', ({ state, loginNeeded }) => heard.push({ state, loginNeeded }));
      transport.answer = () => ({ status: 404, json: { statusCode: 404, message: 'no live token x for this user' } });
      await expect(client.revokeDevice('x')).rejects.toThrow('no live token x for this user');
      expect(client.connectionStatus().loginNeeded).toBe(false);

      transport.answer = () => refusedToken;
      await expect(client.devices()).rejects.toBeInstanceOf(ApiError);
      expect(client.connectionStatus()).toEqual({
        state: 'offline',
        reason: 'invalid or expired token',
        loginNeeded: true,
      });
      expect(heard).toEqual([{ state: 'offline', loginNeeded: true }]);
    });

    it('needs a session', async () => {
      await client.logout().catch(() => undefined);
      await expect(client.devices()).rejects.toBeInstanceOf(NotLoggedInError);
    });
  });

  describe('a refused message, by its local id', () => {
    it('retries it: queued again at its place, sent once the node takes it', async () => {
      transport.answer = (_method, path) => (path === '/api/messages' ? notFriends : emptySync);
      const message = client.sendMessage('bob', 'before we were friends');
      await client.sync();
      expect(client.thread('bob').messages[0]).toMatchObject({
        status: 'failed',
        error: 'you and bob are not friends',
      });

      expect(client.retryMessage(message.localId)).toBe(true);
      expect(client.thread('bob').messages[0]).toMatchObject({ status: 'queued', error: null });
      expect(client.outbox()).toEqual([expect.objectContaining({ state: 'pending', nextAttemptAt: 0 })]);
      expect(client.retryMessage(message.localId)).toBe(false);

      transport.answer = (_method, path, body) => (path === '/api/messages' ? stored(body) : emptySync);
      await client.sync();
      expect(client.thread('bob').messages).toEqual([
        expect.objectContaining({ localId: message.localId, status: 'sent', id: `srv-${message.clientMessageId}` }),
      ]);
      expect(client.outbox()).toEqual([]);
    });

    it('discards it with its outbox entry, and only when it failed', async () => {
      transport.answer = (_method, path) => (path === '/api/messages' ? notFriends : emptySync);
      const refused = client.sendMessage('bob', 'refused');
      await client.sync();
      transport.answer = () => 'unreachable';
      const queued = client.sendMessage('bob', 'still queued');

      expect(client.discardMessage(queued.localId)).toBe(false);
      expect(client.discardMessage(refused.localId)).toBe(true);
      expect(client.thread('bob').messages.map((m) => m.content)).toEqual(['still queued']);
      expect(client.outbox()).toEqual([
        expect.objectContaining({
          state: 'pending',
          operation: { kind: 'send', clientMessageId: queued.clientMessageId },
        }),
      ]);
      expect(client.discardMessage(refused.localId)).toBe(false);
      expect(client.retryMessage(12345)).toBe(false);
    });

    it("never takes a received message for one's own refused send with the same clientMessageId", async () => {
      transport.answer = (_method, path) => (path === '/api/messages' ? notFriends : emptySync);
      const mine = client.sendMessage('bob', 'refused', { clientMessageId: 'same-id' });
      await client.sync();
      const theirs = received('m7', 'from bob');
      theirs.data.clientMessageId = 'same-id';
      transport.answer = () => ({ status: 200, json: { events: [theirs], cursor: 'c1', hasMore: false } });
      await client.sync();
      const fromBob = client.message('m7')!;

      expect(client.discardMessage(fromBob.localId)).toBe(false);
      expect(client.retryMessage(fromBob.localId)).toBe(false);
      expect(client.outbox()).toEqual([expect.objectContaining({ state: 'failed' })]);
      expect(client.discardMessage(mine.localId)).toBe(true);
      expect(client.thread('bob').messages.map((m) => m.content)).toEqual(['from bob']);
    });
  });

  describe('serverName', () => {
    it("is the name the node publishes for its addresses, which need not be the URL's host", async () => {
      transport.answer = (_method, path) =>
        path === '/.well-known/mylife-federation'
          ? { status: 200, json: { server: 'Family.Example', keys: [], capabilities: [] } }
          : 'unreachable';
      expect(await client.serverName('http://192.168.1.20:8787/')).toBe('family.example');
      expect(transport.requests.at(-1)).toMatchObject({ method: 'GET', path: '/.well-known/mylife-federation' });
    });

    it('is null for a node that publishes none, and fails like any call when the node cannot be reached', async () => {
      transport.answer = () => ({ status: 404, json: { statusCode: 404, message: 'Cannot GET' } });
      expect(await client.serverName('http://node.test')).toBeNull();
      transport.answer = () => 'unreachable';
      await expect(client.serverName('http://node.test')).rejects.toThrow(/cannot reach http:\/\/node\.test/);
      await expect(client.serverName('ftp://node.test')).rejects.toThrow(/http:\/\/ or https:\/\//);
    });
  });

  describe('connectionStatus', () => {
    it('says why it is offline, and needs no login while the node cannot be reached', async () => {
      transport.answer = () => 'unreachable';
      await client.sync();
      expect(client.connectionStatus()).toEqual({
        state: 'offline',
        reason: expect.stringMatching(/cannot reach http:\/\/node\.test.*ECONNREFUSED/),
        loginNeeded: false,
      });
      transport.answer = () => emptySync;
      await client.sync();
      expect(client.connectionStatus()).toEqual({ state: 'online', loginNeeded: false });
    });

    it('needs a login when the node refuses the token, whether the outbox or the pull meets it first', async () => {
      transport.answer = () => refusedToken;
      await client.sync();
      expect(client.connectionStatus()).toMatchObject({ state: 'offline', loginNeeded: true });

      transport.answer = () => emptySync;
      await client.sync();
      expect(client.connectionStatus().loginNeeded).toBe(false);

      transport.answer = () => refusedToken;
      client.sendMessage('bob', 'queued behind a revoked token');
      const report = await client.sync();
      expect(report.needsLogin).toBe(true);
      expect(client.connectionStatus()).toEqual({
        state: 'offline',
        reason: 'invalid or expired token',
        loginNeeded: true,
      });
    });

    it('keeps asking for a login through the rounds that try again, until a new login', async () => {
      const heard: string[] = [];
      client.on('connection', ({ state, loginNeeded }) => heard.push(`${state}${loginNeeded ? ' (login)' : ''}`));
      transport.answer = () => refusedToken;
      await client.sync();
      await client.sync();
      expect(heard).toEqual(['syncing', 'offline (login)', 'syncing (login)', 'offline (login)']);

      transport.answer = () => ({
        status: 200,
        json: { accessToken: 'mlt_new', expiresAt: '2027-01-01T00:00:00.000Z', user: { id: '1', address: ALICE } },
      });
      await client.login({ serverUrl: 'http://node.test', username: 'alice', password: 'pw', deviceName: 'unit' });
      expect(client.connectionStatus()).toEqual({ state: 'offline', loginNeeded: false });
      expect(heard.at(-1)).toBe('offline');
    });
  });

  describe('markReadMany', () => {
    beforeEach(async () => {
      transport.answer = () => ({
        status: 200,
        json: {
          events: [received('m1', 'one'), received('m2', 'two'), received('m3', 'three', '2026-12-07T08:01:00.000Z')],
          cursor: 'c3',
          hasMore: false,
        },
      });
      await client.sync();
      transport.answer = () => 'unreachable';
    });

    it('marks the unread ones in one local transaction, one outbox read each', () => {
      const before = database.transactions;
      const marked = client.markReadMany(['m1', 'm2', 'm3', 'm1']);
      expect(database.transactions - before).toBe(1);
      expect(marked.map((m) => m.id)).toEqual(['m1', 'm2']);
      expect(marked.every((m) => m.readAt !== null)).toBe(true);
      expect(client.outbox().map((entry) => entry.operation)).toEqual([
        { kind: 'read', messageId: 'm1' },
        { kind: 'read', messageId: 'm2' },
      ]);
      expect(client.inbox()[0]?.unreadCount).toBe(0);
      expect(client.markReadMany(['m1', 'm2'])).toEqual([]);
      expect(client.outbox()).toHaveLength(2);
    });

    it('refuses the whole call, writing nothing, when one id is not a received message here', () => {
      const mine = client.sendMessage('bob', 'my own');
      expect(() => client.markReadMany(['m1', 'nope'])).toThrow(/no message nope on this device/);
      expect(() => client.markReadMany(['m2', mine.clientMessageId])).toThrow(/no message/);
      expect(client.message('m1')?.readAt).toBeNull();
      expect(client.message('m2')?.readAt).toBeNull();
      expect(client.outbox().map((entry) => entry.operation.kind)).toEqual(['send']);
    });

    it('sends the reads to the node in order', async () => {
      client.markReadMany(['m2', 'm1']);
      transport.answer = (_method, path) =>
        path.endsWith('/read')
          ? {
              status: 200,
              json: {
                ok: true,
                message: { ...received(path.split('/')[3]!, 'x').data, readAt: '2026-12-07T09:00:00.000Z' },
              },
            }
          : emptySync;
      await client.sync();
      expect(transport.requests.filter((r) => r.path.endsWith('/read')).map((r) => r.path)).toEqual([
        '/api/messages/m2/read',
        '/api/messages/m1/read',
      ]);
      expect(client.message('m1')?.readAt).toBe('2026-12-07T09:00:00.000Z');
    });
  });
});
