import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/api-error.ts';
import type { BatchSendResult, SendMessageRequest } from '../src/api/mylife-api.ts';
import { MyLifeClient } from '../src/mylife-client.ts';
import { BetterSqlite3Database } from '../src/storage/better-sqlite3-database.ts';
import { BatchPostMessageSender, outcomeOfResult, outcomesOfBatch } from '../src/sync/batch-post-message-sender.ts';
import { loginAnswers } from './scripted-client.ts';
import { type ScriptedAnswer, ScriptedTransport } from './scripted-transport.ts';

const ALICE = 'alice@node.test';
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const emptySync: ScriptedAnswer = { status: 200, json: { events: [], cursor: 'c0', hasMore: false } };

function stored(body: SendMessageRequest, seq = 1) {
  return {
    id: `srv-${body.clientMessageId}`,
    seq,
    clientMessageId: body.clientMessageId,
    fromUserId: ALICE,
    toUserId: body.toUserId,
    contentType: body.contentType,
    content: body.content,
    createdAt: '2026-03-01T12:00:01.000Z',
    readAt: null,
  };
}

function request(clientMessageId: string): SendMessageRequest {
  return { toUserId: 'bob@node.test', content: `text ${clientMessageId}`, contentType: 'text/plain', clientMessageId };
}

describe('a batch result, as the outcome of one send', () => {
  const message = stored(request('m1'));

  it.each([201, 200])('%i with the message: stored', (status) => {
    expect(outcomeOfResult({ clientMessageId: 'm1', status, message })).toEqual({ kind: 'stored', message });
  });

  it.each([
    [400, 'content must be a string'],
    [403, 'you and bob@node.test are not friends'],
    [404, 'no user bob@node.test'],
    [409, 'clientMessageId was already used for another message'],
    [413, 'content is larger than 65536 bytes'],
  ])('%i: refused for good, with the server message', (status, error) => {
    const outcome = outcomeOfResult({ clientMessageId: 'm1', status, error });
    expect(outcome).toEqual({ kind: 'refused', error: expect.any(ApiError) });
    expect(outcome.kind === 'refused' && [outcome.error.status, outcome.error.message]).toEqual([status, error]);
  });

  it.each([500, 503, 429, 408, 401])('%i: tried again', (status) => {
    expect(outcomeOfResult({ clientMessageId: 'm1', status, error: 'busy' })).toMatchObject({ kind: 'retry' });
  });

  it('a success without the message is a broken answer: tried again', () => {
    expect(outcomeOfResult({ clientMessageId: 'm1', status: 201 })).toMatchObject({ kind: 'retry' });
  });

  it('keeps request order, stops after the first retry, and retries from a result that names another message', () => {
    const requests = ['a', 'b', 'c', 'd'].map(request);
    const results: BatchSendResult[] = [
      { clientMessageId: 'a', status: 201, message: stored(requests[0]!) },
      { clientMessageId: 'b', status: 403, error: 'not friends' },
      { clientMessageId: 'c', status: 500, error: 'oops' },
      { clientMessageId: 'd', status: 201, message: stored(requests[3]!) },
    ];
    expect(outcomesOfBatch(requests, results).map((o) => o.kind)).toEqual(['stored', 'refused', 'retry']);
    const shuffled = [results[0]!, results[3]!, results[1]!, results[2]!];
    expect(outcomesOfBatch(requests, shuffled).map((o) => o.kind)).toEqual(['stored', 'retry']);
    expect(outcomesOfBatch(requests, results.slice(0, 1)).map((o) => o.kind)).toEqual(['stored', 'retry']);
  });
});

describe('the batch sender in a client', () => {
  let transport: ScriptedTransport;
  let client: MyLifeClient;
  const posts = (path: string) => transport.requests.filter((r) => r.method === 'POST' && r.path === path);

  async function loggedIn(sender?: BatchPostMessageSender, token = 'mlt_x') {
    const next = new MyLifeClient({
      database: new BetterSqlite3Database(':memory:'),
      transport,
      now: () => NOW,
      random: () => 0,
      ...(sender ? { messageSender: sender } : {}),
    });
    await login(next, token);
    return next;
  }

  async function login(target: MyLifeClient, token: string) {
    const previous = transport.answer;
    transport.answer = loginAnswers(token);
    await target.login({ serverUrl: 'http://node.test', username: 'alice', password: 'pw', deviceName: 'unit' });
    transport.answer = previous;
    transport.requests.length = 0;
  }

  /** A node with the batch endpoint; `refuse` names recipients it refuses as a single send would. */
  function batchServer(refuse: Record<string, [number, string]> = {}) {
    let seq = 0;
    return (method: string, path: string, body: any): ScriptedAnswer => {
      if (method === 'POST' && path === '/api/messages/batch') {
        return {
          status: 200,
          json: {
            results: body.messages.map((m: SendMessageRequest) => {
              const refusal = refuse[m.toUserId];
              return refusal
                ? { clientMessageId: m.clientMessageId, status: refusal[0], error: refusal[1] }
                : { clientMessageId: m.clientMessageId, status: 201, message: stored(m, ++seq) };
            }),
          },
        };
      }
      if (method === 'POST' && path === '/api/messages') return { status: 201, json: stored(body, ++seq) };
      return emptySync;
    };
  }

  beforeEach(async () => {
    transport = new ScriptedTransport(() => 'unreachable');
    client = await loggedIn();
  });

  it('is the default: one request for a run of sends, each message recorded as the server answered it', async () => {
    transport.answer = batchServer({ 'carol@node.test': [403, 'you and carol@node.test are not friends'] });
    client.sendMessage('bob', 'one');
    client.sendMessage('carol', 'two');
    client.sendMessage('bob', 'three');

    const report = await client.sync();
    expect(report.flush).toMatchObject({ applied: 2, failed: 1, pending: 0 });
    expect(posts('/api/messages/batch')).toHaveLength(1);
    expect((posts('/api/messages/batch')[0]!.body as any).messages.map((m: any) => m.content)).toEqual([
      'one',
      'two',
      'three',
    ]);
    expect(posts('/api/messages')).toHaveLength(0);
    const byLocalId = client.allMessages().sort((a, b) => a.localId - b.localId);
    expect(byLocalId.map((m) => [m.content, m.status, m.error])).toEqual([
      ['one', 'sent', null],
      ['two', 'failed', 'you and carol@node.test are not friends'],
      ['three', 'sent', null],
    ]);
    expect(client.outbox()).toEqual([
      expect.objectContaining({ state: 'failed', lastError: 'you and carol@node.test are not friends' }),
    ]);
  });

  it('writes the answers to a run of stored sends in one local commit', async () => {
    const commits: string[] = [];
    const database = new (class extends BetterSqlite3Database {
      override exec(sql: string): void {
        if (sql === 'COMMIT') commits.push(sql);
        super.exec(sql);
      }
    })(':memory:');
    const counted = new MyLifeClient({ database, transport, now: () => NOW, random: () => 0 });
    await login(counted, 'mlt_counted');
    transport.answer = batchServer({ 'carol@node.test': [403, 'you and carol@node.test are not friends'] });
    for (let i = 0; i < 100; i++) counted.sendMessage('bob', `m${i}`);
    counted.sendMessage('carol', 'refused');
    for (let i = 0; i < 100; i++) counted.sendMessage('bob', `n${i}`);
    commits.length = 0;

    const report = await counted.flushOutbox();
    expect(report).toMatchObject({ applied: 200, failed: 1, pending: 0 });
    // The run before the refusal, the refusal, the run after it.
    expect(commits).toHaveLength(3);
    expect(counted.allMessages().filter((m) => m.status === 'sent')).toHaveLength(200);
  });

  it('sends at most 500 messages per request, in order', async () => {
    transport.answer = batchServer();
    for (let i = 0; i < 501; i++) client.sendMessage('bob', `m${i}`);
    const report = await client.sync();
    expect(report.flush).toMatchObject({ applied: 501, pending: 0 });
    expect(posts('/api/messages/batch').map((r) => (r.body as any).messages.length)).toEqual([500, 1]);
  });

  it("cuts batches to stay under the server's body limit", async () => {
    transport.answer = batchServer();
    const sender = new BatchPostMessageSender({ maxBodyBytes: 5_000 });
    const small = await loggedIn(sender);
    for (let i = 0; i < 4; i++) small.sendMessage('bob', 'x'.repeat(2_000));
    await small.sync();
    expect(posts('/api/messages/batch').map((r) => (r.body as any).messages.length)).toEqual([2, 2]);
    expect(small.allMessages().every((m) => m.status === 'sent')).toBe(true);
  });

  it('falls back to one POST per message on a 404, and remembers it for the session only', async () => {
    const batchless = batchServer();
    transport.answer = (method, path, body) =>
      path === '/api/messages/batch'
        ? { status: 404, json: { statusCode: 404, message: 'Cannot POST /api/messages/batch' } }
        : batchless(method, path, body);
    client.sendMessage('bob', 'one');
    client.sendMessage('bob', 'two');
    await client.sync();
    client.sendMessage('bob', 'three');
    await client.sync();
    expect(posts('/api/messages/batch')).toHaveLength(1);
    expect(posts('/api/messages').map((r) => (r.body as any).content)).toEqual(['one', 'two', 'three']);
    expect(client.allMessages().every((m) => m.status === 'sent')).toBe(true);

    await login(client, 'mlt_new_session');
    client.sendMessage('bob', 'four');
    await client.sync();
    expect(posts('/api/messages/batch')).toHaveLength(1);
  });

  it('sends one POST each when the batch as a whole is refused, so that each message gets its own answer', async () => {
    const single = batchServer();
    transport.answer = (method, path, body) => {
      if (path === '/api/messages/batch') return { status: 400, json: { statusCode: 400, message: 'bad batch' } };
      if (method === 'POST' && path === '/api/messages' && body.clientMessageId === 'bad id') {
        return { status: 400, json: { statusCode: 400, message: 'clientMessageId must be printable ASCII' } };
      }
      return single(method, path, body);
    };
    client.sendMessage('bob', 'fine');
    client.sendMessage('bob', 'odd', { clientMessageId: 'bad id' });
    const report = await client.sync();
    expect(report.flush).toMatchObject({ applied: 1, failed: 1 });
    expect(posts('/api/messages').map((r) => (r.body as any).content)).toEqual(['fine', 'odd']);
    client.sendMessage('bob', 'later');
    await client.sync();
    expect(posts('/api/messages/batch')).toHaveLength(2);
  });

  it('keeps the whole run queued, with backoff, when the server fails or cannot be reached', async () => {
    transport.answer = (_method, path) =>
      path === '/api/messages/batch' ? { status: 503, json: { statusCode: 503, message: 'try later' } } : emptySync;
    client.sendMessage('bob', 'one');
    client.sendMessage('bob', 'two');
    const report = await client.sync();
    expect(report.flush.stoppedBy).toMatchObject({ reason: 'server-error', error: 'try later' });
    expect(client.outbox().map((e) => [e.state, e.attempts])).toEqual([
      ['pending', 1],
      ['pending', 0],
    ]);
    expect(client.allMessages().every((m) => m.status === 'queued')).toBe(true);

    transport.answer = () => 'unreachable';
    expect((await client.sync({ force: true })).flush.stoppedBy).toMatchObject({ reason: 'unreachable' });
    expect(client.outbox()[0]).toMatchObject({ attempts: 2 });
  });

  it('stops without spending an attempt when the session is no longer valid', async () => {
    transport.answer = () => ({ status: 401, json: { statusCode: 401, message: 'invalid or expired token' } });
    client.sendMessage('bob', 'hello');
    expect(await client.sync()).toMatchObject({ online: false, needsLogin: true });
    expect(client.outbox()[0]).toMatchObject({ state: 'pending', attempts: 0 });
  });
});
