import request from 'supertest';
import { SyncService } from '../src/sync/sync.service';
import { bearer, befriend, sendMessage, TestUser } from './support/factories';
import { eventually, friendsAcross, resident, Resident, sendAcross, untilAcked } from './support/federation';
import { queryDatabase } from './support/services';
import { EventStream, openEventStream } from './support/sse';
import { TestNode } from './support/test-node';

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

interface Streaming {
  stream: EventStream;
  /** The page reads of the user on the node since the stream's first one (its own, and GET /api/sync's). */
  reads: () => number;
  /** Where the stream started: the end of the user's events when it opened. */
  cursor: string;
}

/** Runs `story` while the user's SSE stream is open from the end of their events, its first page already written. */
async function whileStreaming(node: TestNode, user: TestUser, story: (streaming: Streaming) => Promise<void>) {
  const { cursor } = await syncPage(node, user);
  const read = jest.spyOn(node.app.get(SyncService), 'read');
  const stream = await openEventStream(`${node.url}/api/events?since=${cursor}`, bearer(user));
  try {
    await eventually(async () => read.mock.calls.some(([userId]) => userId === user.address), 5000, 'first read');
    await Promise.all(read.mock.results.map((result) => result.value as Promise<unknown>));
    read.mockClear();
    await story({ stream, cursor, reads: () => read.mock.calls.filter(([userId]) => userId === user.address).length });
  } finally {
    stream.close();
    read.mockRestore();
  }
}

/** The SSE events as the sync API's events: the same cursor, type and data. */
const asSyncEvents = (stream: EventStream): SyncEvent[] =>
  stream.events.map((event) => ({ cursor: event.id, type: event.event, data: event.data }));

describe('the SSE stream writes the events a store committed without reading them again', () => {
  // alice on A; bob and his friend carol on B.
  let nodeA: TestNode, node: TestNode;
  let alice: Resident, bob: Resident, carol: Resident;

  beforeAll(async () => {
    ({ nodeA, nodeB: node, alice, bob } = await friendsAcross());
    carol = await resident(node, 'carol');
    await befriend(node, carol, bob);
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), node?.destroy()]);
  });

  it('writes each committed message once, in order, as a page read renders it, with no page query', async () => {
    await whileStreaming(node, bob, async ({ stream, reads, cursor }) => {
      const single = await sendMessage(node, carol, bob, 'one');
      const batch = await request(node.url)
        .post('/api/messages/batch')
        .set(bearer(carol))
        .send({
          messages: ['two', 'three', 'four'].map((content) => ({
            toUserId: bob.address,
            content,
            clientMessageId: content,
          })),
        })
        .expect(200);
      const reply = await sendMessage(node, bob, carol, 'five');
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
    });
  });

  it('falls back to the page query when an event came in between that no notice carried', async () => {
    await whileStreaming(node, bob, async ({ stream, reads, cursor }) => {
      // An event appended without a notice: the next message's seq no longer follows the stream's position.
      await queryDatabase(
        node.config.databaseUrl!,
        `WITH head AS (UPDATE sync_heads SET last_seq = last_seq + 1 WHERE user_id = $1 RETURNING last_seq)
         INSERT INTO sync_events (user_id, seq, type, data) SELECT $1, last_seq, 'keys', '{"unannounced": true}' FROM head`,
        [bob.address],
      );
      const message = await sendMessage(node, carol, bob, 'after a gap');
      await stream.waitFor((events) => events.length >= 2, 2000);
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(stream.events.map((event) => [event.event, event.data.id ?? event.data])).toEqual([
        ['keys', { unannounced: true }],
        ['message', message.id],
      ]);
      expect(reads()).toBeGreaterThan(0);
      expect(asSyncEvents(stream)).toEqual((await syncPage(node, bob, cursor)).events);
    });
  });

  it('writes a federated message to bob without a page query, and still sends its delivery receipt back', async () => {
    await whileStreaming(node, bob, async ({ stream, reads, cursor }) => {
      const sent = await sendAcross(alice, bob.address, 'across, carried');
      await stream.waitFor((events) => events.some((event) => event.data.id === sent.id), 10_000);
      expect(reads()).toBe(0);
      // Nothing on B but the stream has fetched the message for bob: the receipt is the stream's.
      await untilAcked(alice, bob.address, sent.id, 'delivery acked on A');
      expect(stream.events.filter((event) => event.data.id === sent.id)).toHaveLength(1);
      expect(asSyncEvents(stream)).toEqual((await syncPage(node, bob, cursor)).events);
    });
  });
});
