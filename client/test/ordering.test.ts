import { beforeEach, describe, expect, it } from 'vitest';
import { MyLifeClient } from '../src/mylife-client.ts';
import { BetterSqlite3Database } from '../src/storage/better-sqlite3-database.ts';
import { LOCAL_MIGRATIONS, migrateLocalDatabase } from '../src/storage/migrations.ts';
import { ALICE, BOB, loggedIn } from './scripted-client.ts';
import { ScriptedTransport } from './scripted-transport.ts';

let serial = 0;
function fromBob(content: string, fields: { seq?: number; createdAt: string }) {
  serial += 1;
  return {
    id: `srv-${serial}`,
    clientMessageId: `bob-${serial}`,
    fromUserId: BOB,
    toUserId: ALICE,
    contentType: 'text/plain',
    content,
    readAt: null,
    ...fields,
  };
}

function page(...messages: object[]) {
  return {
    status: 200,
    json: {
      events: messages.map((data, index) => ({ cursor: `c${serial}-${index}`, type: 'message', data })),
      cursor: `c${serial}-end`,
      hasMore: false,
    },
  };
}

const contents = (client: MyLifeClient) => client.thread('bob').messages.map((m) => m.content);

describe('thread order', () => {
  let transport: ScriptedTransport;
  let client: MyLifeClient;

  beforeEach(async () => {
    transport = new ScriptedTransport(() => 'unreachable');
    client = await loggedIn(transport);
  });

  it("follows the home node's seq, not the clocks", async () => {
    // The node numbers messages as it stores them; a federated message can carry an earlier time than one before it.
    transport.answer = () =>
      page(
        fromBob('second', { seq: 2, createdAt: '2026-03-01T12:00:00.000Z' }),
        fromBob('first', { seq: 1, createdAt: '2026-03-01T12:00:05.000Z' }),
        fromBob('third', { seq: 3, createdAt: '2026-03-01T11:00:00.000Z' }),
      );
    await client.sync();
    expect(contents(client)).toEqual(['first', 'second', 'third']);
    expect(client.thread('bob').messages.map((m) => m.seq)).toEqual([1, 2, 3]);

    const older = client.thread('bob', { limit: 2 });
    expect(older.hasMore).toBe(true);
    const rest = client.thread('bob', { limit: 2, beforeLocalId: older.messages[0]!.localId });
    expect(rest.messages.map((m) => m.content)).toEqual(['first']);
  });

  it('puts a message not on the server yet after what was known when it was written, then where the node put it', async () => {
    transport.answer = () => page(fromBob('known', { seq: 1, createdAt: '2026-03-01T12:00:00.000Z' }));
    await client.sync();
    transport.answer = () => 'unreachable';
    const queued = client.sendMessage('bob', 'mine, queued');
    await client.sync();
    expect(contents(client)).toEqual(['known', 'mine, queued']);

    // Bob's next message reached the node first: it gets seq 2, ours seq 3 once the outbox is flushed.
    transport.answer = (method, path, body) => {
      if (method === 'POST' && path === '/api/messages') {
        return {
          status: 201,
          json: {
            ...body,
            id: 'srv-mine',
            fromUserId: ALICE,
            seq: 3,
            createdAt: '2026-03-01T12:00:02.000Z',
            readAt: null,
          },
        };
      }
      return page(fromBob('bob again', { seq: 2, createdAt: '2026-03-01T12:00:03.000Z' }));
    };
    await client.sync({ force: true });
    expect(contents(client)).toEqual(['known', 'bob again', 'mine, queued']);
    expect(client.thread('bob').messages.at(-1)).toMatchObject({ localId: queued.localId, seq: 3, status: 'sent' });
    expect(client.inbox()[0]).toMatchObject({ lastMessageContent: 'mine, queued' });
  });

  it("keeps this device's burst in the order it was written while the node numbers it one by one", async () => {
    transport.answer = () => page(fromBob('known', { seq: 1, createdAt: '2026-03-01T12:00:00.000Z' }));
    await client.sync();
    transport.answer = () => 'unreachable';
    for (const text of ['one', 'two', 'three', 'four']) client.sendMessage('bob', text);
    expect(contents(client)).toEqual(['known', 'one', 'two', 'three', 'four']);

    // The node stores "one" and "two", then goes away: "three" and "four" are still queued.
    let seq = 1;
    transport.answer = (method, path, body) => {
      if (method !== 'POST' || path !== '/api/messages' || seq === 3) return 'unreachable';
      seq += 1;
      const stored = { ...body, id: `srv-mine-${seq}`, fromUserId: ALICE, seq, createdAt: '2026-03-01T12:01:00.000Z' };
      return { status: 201, json: { ...stored, readAt: null } };
    };
    await client.flushOutbox({ force: true });
    expect(client.thread('bob').messages.map((m) => [m.content, m.status])).toEqual([
      ['known', 'received'],
      ['one', 'sent'],
      ['two', 'sent'],
      ['three', 'queued'],
      ['four', 'queued'],
    ]);
    // Written after them, it goes after them, as before.
    client.sendMessage('bob', 'five');
    expect(contents(client)).toEqual(['known', 'one', 'two', 'three', 'four', 'five']);
  });

  it("keeps this device's unsent messages after its own the sync stream numbered (the answer to the send was lost)", async () => {
    transport.answer = () => 'unreachable';
    const first = client.sendMessage('bob', 'first');
    client.sendMessage('bob', 'second');
    const echo = {
      id: 'srv-first',
      seq: 7,
      clientMessageId: first.clientMessageId,
      fromUserId: ALICE,
      toUserId: BOB,
      contentType: 'text/plain',
      content: 'first',
      createdAt: '2026-03-01T12:00:00.000Z',
      readAt: null,
    };
    // The node stored "first" but its answer never came (a 503 from a proxy now); the sync stream brings it.
    transport.answer = (_method, path) =>
      path.startsWith('/api/sync') ? page(echo) : { status: 503, json: { message: 'try later' } };
    await client.sync();
    expect(client.thread('bob').messages.map((m) => [m.content, m.status])).toEqual([
      ['first', 'sent'],
      ['second', 'queued'],
    ]);
  });

  it('falls back to the time when the server sends no seq', async () => {
    transport.answer = () =>
      page(
        fromBob('later', { createdAt: '2026-03-01T12:00:05.000Z' }),
        fromBob('earlier', { createdAt: '2026-03-01T12:00:00.000Z' }),
      );
    await client.sync();
    expect(contents(client)).toEqual(['earlier', 'later']);
    expect(client.thread('bob').messages.map((m) => m.seq)).toEqual([null, null]);
  });
});

describe('delivery to another server', () => {
  it('keeps the status, attempts and last error of message.delivery events', async () => {
    const transport = new ScriptedTransport(() => 'unreachable');
    const client = await loggedIn(transport);
    const sent = {
      id: 'srv-to-carol',
      seq: 1,
      clientMessageId: 'a-1',
      fromUserId: ALICE,
      toUserId: 'carol@far.test',
      contentType: 'text/plain',
      content: 'hello far away',
      createdAt: '2026-03-01T12:00:00.000Z',
      readAt: null,
      deliveryStatus: 'pending',
      deliveryAttempts: 0,
      lastDeliveryError: null,
    };
    const delivery = (deliveryStatus: string, deliveryAttempts: number, lastDeliveryError: string | null) => ({
      cursor: `d-${deliveryStatus}`,
      type: 'message.delivery',
      data: { messageId: sent.id, deliveryStatus, deliveryAttempts, lastDeliveryError },
    });
    const statuses: string[] = [];
    client.on('message-status', ({ message }) => statuses.push(String(message.deliveryStatus)));
    transport.answer = () => ({
      status: 200,
      json: {
        events: [{ cursor: 'm', type: 'message', data: sent }, delivery('pending', 1, 'HTTP 503 from far.test')],
        cursor: 'd1',
        hasMore: false,
      },
    });
    await client.sync();
    expect(client.message(sent.id)).toMatchObject({
      deliveryStatus: 'pending',
      deliveryAttempts: 1,
      lastDeliveryError: 'HTTP 503 from far.test',
    });
    transport.answer = () => ({
      status: 200,
      json: { events: [delivery('sent', 2, null), delivery('acked', 2, null)], cursor: 'd2', hasMore: false },
    });
    await client.sync();
    expect(client.message(sent.id)).toMatchObject({
      deliveryStatus: 'acked',
      deliveryAttempts: 2,
      lastDeliveryError: null,
    });
    expect(statuses).toEqual(['pending', 'sent', 'acked']);
  });
});

describe('a copy from before seq', () => {
  it('starts the stream over once, so that a replay fills seq in for the messages it has', async () => {
    const database = new BetterSqlite3Database(':memory:');
    migrateLocalDatabase(
      database,
      LOCAL_MIGRATIONS.filter((migration) => migration.version === 1),
    );
    database.run(`INSERT INTO sync_state (id, cursor, last_synced_at) VALUES (1, 'c-old', '2026-01-01T00:00:00Z')`);
    database.run(
      `INSERT INTO messages (id, client_message_id, from_user_id, to_user_id, peer_user_id, content_type, content,
         created_at, status) VALUES ('srv-old', 'b-old', ?, ?, ?, 'text/plain', 'from before', '2026-01-01T00:00:00Z', 'received')`,
      [BOB, ALICE, BOB],
    );
    database.run(
      `INSERT INTO session (id, server_url, user_address, access_token, device_name)
       VALUES (1, 'http://node.test', ?, 'mlt_x', 'unit')`,
      [ALICE],
    );
    const transport = new ScriptedTransport(() => 'unreachable');
    const client = new MyLifeClient({ database, transport });
    transport.answer = () => ({
      status: 200,
      json: {
        events: [
          {
            cursor: 'c1',
            type: 'message',
            data: {
              ...fromBob('from before', { seq: 7, createdAt: '2026-01-01T00:00:00Z' }),
              id: 'srv-old',
              clientMessageId: 'b-old',
            },
          },
        ],
        cursor: 'c1',
        hasMore: false,
      },
    });
    await client.sync();
    expect(transport.requests.find((r) => r.path.startsWith('/api/sync'))?.path).not.toContain('since=');
    expect(client.allMessages()).toEqual([expect.objectContaining({ id: 'srv-old', seq: 7, content: 'from before' })]);
  });
});
