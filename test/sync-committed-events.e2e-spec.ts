import request from 'supertest';
import { SyncService } from '../src/sync/sync.service';
import { bearer, befriend, sendMessage, signUp, TestUser } from './support/factories';
import { eventually, friendsAcross, Resident, sendAcross, untilAcked } from './support/federation';
import { queryDatabase } from './support/services';
import { EventStream, openEventStream } from './support/sse';
import { TestNode } from './support/test-node';
import { startTestNode } from './support/test-node';

interface SyncEvent {
  cursor: string;
  type: string;
  data: Record<string, unknown>;
}

/** The user's events after `since` as GET /api/sync pages them, and the cursor at their end. */
async function syncPage(
  node: TestNode,
  user: TestUser,
  since?: string,
): Promise<{ events: SyncEvent[]; cursor: string }> {
  const page = await request(node.url)
    .get(`/api/sync?limit=1000${since ? `&since=${since}` : ''}`)
    .set(bearer(user))
    .expect(200);
  return { events: page.body.events, cursor: page.body.cursor };
}

/**
 * The user's SSE stream from `cursor`, once its first page query has answered; and the page reads of the user on the
 * node from then on (SyncService.read, watched: the stream's, and those of GET /api/sync).
 */
async function streamFrom(
  node: TestNode,
  user: TestUser,
  cursor: string,
): Promise<{ stream: EventStream; reads: () => number; stop: () => void }> {
  const read = jest.spyOn(node.app.get(SyncService), 'read');
  const stream = await openEventStream(`${node.url}/api/events?since=${cursor}`, bearer(user));
  await eventually(async () => read.mock.calls.some(([userId]) => userId === user.address), 5000, 'first page read');
  await Promise.all(read.mock.results.map((result) => result.value as Promise<unknown>));
  read.mockClear();
  return {
    stream,
    reads: () => read.mock.calls.filter(([userId]) => userId === user.address).length,
    stop: () => {
      stream.close();
      read.mockRestore();
    },
  };
}

/** The SSE events as the sync API's events: the same cursor, type and data. */
const asSyncEvents = (stream: EventStream): SyncEvent[] =>
  stream.events.map((event) => ({ cursor: event.id, type: event.event, data: event.data }));

describe('the SSE stream writes the events a store committed without reading them again', () => {
  let node: TestNode;
  let alice: TestUser, bob: TestUser;

  beforeAll(async () => {
    node = await startTestNode();
    [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => signUp(node, name)));
    await befriend(node, alice, bob);
  });
  afterAll(() => node.destroy());

  it('writes each committed message once, in order, as a page read renders it, with no page query', async () => {
    const { cursor } = await syncPage(node, bob);
    const { stream, reads, stop } = await streamFrom(node, bob, cursor);
    try {
      const single = await sendMessage(node, alice, bob, 'one');
      const batch = await request(node.url)
        .post('/api/messages/batch')
        .set(bearer(alice))
        .send({
          messages: ['two', 'three', 'four'].map((content) => ({
            toUserId: bob.address,
            content,
            clientMessageId: content,
          })),
        })
        .expect(200);
      const reply = await sendMessage(node, bob, alice, 'five');
      const sent = [
        single.id,
        ...batch.body.results.map((result: { message: { id: string } }) => result.message.id),
        reply.id,
      ];
      await stream.waitFor((events) => events.length >= sent.length, 2000);
      // Nothing more comes: no event is written twice.
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(stream.events.map((event) => event.data.id)).toEqual(sent);
      expect(reads()).toBe(0);
      expect(asSyncEvents(stream)).toEqual((await syncPage(node, bob, cursor)).events);
    } finally {
      stop();
    }
  });

  it('falls back to the page query when an event came in between that no notice carried', async () => {
    const { cursor } = await syncPage(node, bob);
    const { stream, reads, stop } = await streamFrom(node, bob, cursor);
    try {
      // An event appended without a notice: the next message's seq no longer follows the stream's position.
      await queryDatabase(
        node.config.databaseUrl!,
        `WITH head AS (UPDATE sync_heads SET last_seq = last_seq + 1 WHERE user_id = $1 RETURNING last_seq)
         INSERT INTO sync_events (user_id, seq, type, data) SELECT $1, last_seq, 'keys', '{"unannounced": true}' FROM head`,
        [bob.address],
      );
      const message = await sendMessage(node, alice, bob, 'after a gap');
      await stream.waitFor((events) => events.length >= 2, 2000);
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(stream.events.map((event) => [event.event, event.data.id ?? event.data])).toEqual([
        ['keys', { unannounced: true }],
        ['message', message.id],
      ]);
      expect(reads()).toBeGreaterThan(0);
      expect(asSyncEvents(stream)).toEqual((await syncPage(node, bob, cursor)).events);
    } finally {
      stop();
    }
  });
});

describe('a federated message written to the SSE stream from its store', () => {
  let nodeA: TestNode, nodeB: TestNode;
  let alice: Resident, bob: Resident;

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await friendsAcross());
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
  });

  it('reaches bob without a page query, and still sends its delivery receipt back to the sender', async () => {
    const { cursor } = await syncPage(nodeB, bob);
    const { stream, reads, stop } = await streamFrom(nodeB, bob, cursor);
    try {
      const sent = await sendAcross(alice, bob.address, 'across, carried');
      await stream.waitFor((events) => events.some((event) => event.data.id === sent.id), 10_000);
      expect(reads()).toBe(0);
      // Nothing on B but the stream has fetched the message for bob: the receipt is the stream's.
      await untilAcked(alice, bob.address, sent.id, 'delivery acked on A');
      expect(stream.events.filter((event) => event.data.id === sent.id)).toHaveLength(1);
      expect(asSyncEvents(stream)).toEqual((await syncPage(nodeB, bob, cursor)).events);
    } finally {
      stop();
    }
  });
});
