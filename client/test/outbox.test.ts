import { beforeEach, describe, expect, it } from 'vitest';
import type { MyLifeClient } from '../src/mylife-client.ts';
import { ALICE, BOB, loggedIn } from './scripted-client.ts';
import { type ScriptedAnswer, ScriptedTransport } from './scripted-transport.ts';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');

function serverMessage(
  body: { toUserId: string; content: string; clientMessageId: string },
  id = `srv-${body.clientMessageId}`,
) {
  return {
    id,
    clientMessageId: body.clientMessageId,
    fromUserId: ALICE,
    toUserId: body.toUserId,
    contentType: 'text/plain',
    content: body.content,
    createdAt: '2026-03-01T12:00:01.000Z',
    readAt: null,
  };
}

const emptySync: ScriptedAnswer = { status: 200, json: { events: [], cursor: 'c0', hasMore: false } };

describe('the outbox', () => {
  let transport: ScriptedTransport;
  let client: MyLifeClient;

  beforeEach(async () => {
    transport = new ScriptedTransport(() => 'unreachable');
    // The outbox's rules, seen through the simplest sender (loggedIn's); batch-sender.test.ts covers the batch endpoint.
    client = await loggedIn(transport, { now: () => NOW, random: () => 0 });
  });

  it('keeps a message queued while the server cannot be reached, with backoff and the reason', async () => {
    transport.answer = () => 'unreachable';
    const message = client.sendMessage('bob', 'hello');
    expect(message).toMatchObject({ status: 'queued', toUserId: BOB, peerUserId: BOB, id: null });

    const report = await client.sync();
    expect(report.online).toBe(false);
    expect(client.connectionState).toBe('offline');
    const [entry] = client.outbox();
    expect(entry).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: NOW + 500 });
    expect(entry!.lastError).toMatch(/cannot reach .*ECONNREFUSED/);

    const second = await client.sync();
    expect(second.flush.stoppedBy).toEqual({ reason: 'backoff', nextAttemptAt: NOW + 500 });
    expect(second.online).toBe(false);
    expect(transport.requests.filter((r) => r.path === '/api/messages')).toHaveLength(1);
    await client.sync({ force: true });
    expect(client.outbox()[0]).toMatchObject({ attempts: 2, nextAttemptAt: NOW + 1000 });
  });

  it('marks a refused operation failed with the server message and goes on with the next one, in order', async () => {
    transport.answer = (method, path, body) => {
      if (method === 'POST' && path === '/api/messages') {
        return body.toUserId === 'carol@node.test'
          ? {
              status: 403,
              json: { statusCode: 403, error: 'Forbidden', message: 'you and carol@node.test are not friends' },
            }
          : { status: 201, json: serverMessage(body) };
      }
      return emptySync;
    };
    client.sendMessage('carol', 'hi carol');
    client.sendMessage('bob', 'hi bob');

    const report = await client.sync();
    expect(report.flush).toMatchObject({ applied: 1, failed: 1, pending: 0 });
    expect(transport.requests.filter((r) => r.path === '/api/messages').map((r) => (r.body as any).content)).toEqual([
      'hi carol',
      'hi bob',
    ]);
    const [refused, sent] = client.allMessages();
    expect(refused).toMatchObject({ status: 'failed', error: 'you and carol@node.test are not friends' });
    expect(sent).toMatchObject({ status: 'sent', id: expect.stringMatching(/^srv-/) });
    expect(client.outbox()).toEqual([
      expect.objectContaining({ state: 'failed', lastError: 'you and carol@node.test are not friends' }),
    ]);
  });

  it('tells of a refused invite, answer or unfriend, and keeps it failed until it is discarded', async () => {
    transport.answer = (method, path) => {
      if (method === 'POST' && path === '/api/friends/invites') {
        return { status: 404, json: { statusCode: 404, error: 'Not Found', message: 'no user nobody@node.test' } };
      }
      if (method === 'DELETE' && path === '/api/friends') {
        return {
          status: 400,
          json: { statusCode: 400, error: 'Bad Request', message: 'friendUserId is not an address' },
        };
      }
      return emptySync;
    };
    const refused: unknown[] = [];
    const invites: unknown[] = [];
    client.on('operation-refused', ({ entry }) => refused.push(entry));
    client.on('invite', ({ invite }) => invites.push(invite));
    const invite = client.invite('nobody');
    client.removeFriend('bob');

    await client.sync();
    expect(refused).toEqual([
      expect.objectContaining({
        operation: expect.objectContaining({ kind: 'invite', inviteId: invite.id, toUserId: 'nobody@node.test' }),
        state: 'failed',
        lastError: 'no user nobody@node.test',
      }),
      expect.objectContaining({
        operation: { kind: 'unfriend', friendUserId: BOB },
        state: 'failed',
        lastError: 'friendUserId is not an address',
      }),
    ]);
    expect(invites).toEqual([]);
    expect(client.invites()).toEqual([]);
    expect(client.outbox().map((entry) => entry.state)).toEqual(['failed', 'failed']);
    expect(client.discardOperation(client.outbox()[0]!.id)).toBe(true);
    expect(client.outbox()).toHaveLength(1);
  });

  it('counts an unfriend answered "not friends" (404) as done: the friendship is over either way', async () => {
    transport.answer = (method, path) =>
      method === 'DELETE' && path === '/api/friends'
        ? { status: 404, json: { statusCode: 404, error: 'Not Found', message: 'you and bob are not friends' } }
        : emptySync;
    const refused: unknown[] = [];
    client.on('operation-refused', ({ entry }) => refused.push(entry));
    client.removeFriend('bob');
    const report = await client.sync();
    expect(report.flush).toMatchObject({ applied: 1, failed: 0 });
    expect(refused).toEqual([]);
    expect(client.outbox()).toEqual([]);
  });

  it('discards only a failed operation, and with a refused send its message, which the server never had', async () => {
    transport.answer = (method, path) =>
      method === 'POST' && path === '/api/messages'
        ? { status: 403, json: { statusCode: 403, error: 'Forbidden', message: 'not friends' } }
        : emptySync;
    client.sendMessage('carol', 'hi carol');
    await client.sync();
    transport.answer = () => 'unreachable';
    client.sendMessage('bob', 'hi bob');
    const [refused, queued] = client.outbox();

    expect(client.discardOperation(queued!.id)).toBe(false);
    expect(client.discardOperation(refused!.id)).toBe(true);
    expect(client.outbox()).toEqual([expect.objectContaining({ id: queued!.id, state: 'pending' })]);
    expect(client.allMessages().map((m) => m.content)).toEqual(['hi bob']);
    expect(client.discardOperation(refused!.id)).toBe(false);
  });

  it('refuses a server that is not an http(s) URL before anything is sent', async () => {
    for (const serverUrl of ['localhost:8787', 'ftp://node.test', 'node.test']) {
      await expect(
        client.login({ serverUrl, username: 'alice', password: 'pw', deviceName: 'unit' }),
        serverUrl,
      ).rejects.toThrow(/the server is its http:\/\/ or https:\/\/ URL/);
    }
    expect(transport.requests).toEqual([]);
  });

  it('stops without spending an attempt when the session is no longer valid', async () => {
    transport.answer = () => ({ status: 401, json: { statusCode: 401, message: 'invalid or expired token' } });
    client.sendMessage('bob', 'hello');
    const report = await client.sync();
    expect(report).toMatchObject({ online: false, needsLogin: true });
    expect(client.outbox()[0]).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('keeps one row when the send reply and the sync echo both bring the message', async () => {
    let stored: ReturnType<typeof serverMessage> | undefined;
    transport.answer = (_method, path, body) => {
      if (path === '/api/messages') return { status: 201, json: (stored = serverMessage(body)) };
      return {
        status: 200,
        json: { events: [{ cursor: 'c1', type: 'message', data: stored }], cursor: 'c1', hasMore: false },
      };
    };
    client.sendMessage('bob', 'once');
    await client.sync();
    await client.sync();
    expect(client.allMessages()).toHaveLength(1);
    expect(client.allMessages()[0]).toMatchObject({ status: 'sent', content: 'once' });
  });

  it('tells listeners about received messages, status changes and the connection', async () => {
    const seen: string[] = [];
    client.on('message-received', ({ message }) => seen.push(`received ${message.content}`));
    client.on('message-status', ({ message, previousStatus }) => seen.push(`${previousStatus}->${message.status}`));
    client.on('connection', ({ state }) => seen.push(state));
    const incoming = {
      ...serverMessage({ toUserId: ALICE, content: 'from bob', clientMessageId: 'b1' }),
      fromUserId: BOB,
    };
    transport.answer = (_method, path, body) => {
      if (path === '/api/messages') return { status: 201, json: serverMessage(body) };
      return {
        status: 200,
        json: {
          events: [
            { cursor: 'c1', type: 'message', data: incoming },
            { cursor: 'c2', type: 'some.future.type', data: {} },
          ],
          cursor: 'c2',
          hasMore: false,
        },
      };
    };
    client.sendMessage('bob', 'to bob');
    await client.sync();
    expect(seen).toEqual(['syncing', 'queued->sent', 'received from bob', 'online']);
  });

  it('refuses an oversized message on the device, before queueing it', () => {
    expect(() => client.sendMessage('bob', 'x'.repeat(64 * 1024 + 1))).toThrow(/at most 65536 bytes/);
    expect(client.outbox()).toEqual([]);
  });
});
