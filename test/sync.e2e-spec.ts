import request from 'supertest';
import { bearer, befriend, sendMessage, signUp, TestUser } from './support/factories';
import { openEventStream } from './support/sse';
import { startTestNode, TestNode } from './support/test-node';

interface SyncEvent {
  cursor: string;
  type: string;
  data: Record<string, any>;
}

async function replay(
  node: TestNode,
  user: TestUser,
  since?: string,
  limit = 100,
): Promise<{ events: SyncEvent[]; cursor: string }> {
  const events: SyncEvent[] = [];
  let cursor = since;
  for (;;) {
    const query = cursor ? `?limit=${limit}&since=${cursor}` : `?limit=${limit}`;
    const page = await request(node.url).get(`/api/sync${query}`).set(bearer(user)).expect(200);
    events.push(...page.body.events);
    cursor = page.body.cursor;
    if (!page.body.hasMore) return { events, cursor: cursor! };
  }
}

describe('sync stream', () => {
  let node: TestNode;
  let alice: TestUser, bob: TestUser;

  beforeAll(async () => {
    node = await startTestNode();
    [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => signUp(node, name)));
    await befriend(node, alice, bob);
  });
  afterAll(() => node.destroy());

  it('replays from the start: the invite, the friendship, then every message exactly once in order', async () => {
    const sent = [];
    for (let i = 0; i < 25; i++)
      sent.push(await sendMessage(node, i % 3 ? alice : bob, i % 3 ? bob : alice, `message ${i}`));
    await request(node.url).post(`/api/messages/${sent[1].id}/read`).set(bearer(bob)).send({}).expect(200);

    const { events } = await replay(node, bob, undefined, 7);
    expect(events.slice(0, 3).map((event) => event.type)).toEqual(['invite', 'invite', 'friendship']);
    expect(events[1].data).toMatchObject({ status: 'accepted', fromUserId: alice.address, toUserId: bob.address });
    expect(events[2].data).toMatchObject({ friendUserId: alice.address, status: 'accepted', displayName: 'alice' });
    const messages = events.filter((event) => event.type === 'message').map((event) => event.data.id);
    expect(messages).toEqual(sent.map((message) => message.id));
    const receipts = events.filter((event) => event.type === 'message.read');
    expect(receipts).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ messageId: sent[1].id, readAt: expect.any(String) }) }),
    ]);
    // Cursors only move forward, and a replay from any of them gives exactly the rest.
    const rest = await replay(node, bob, events[9].cursor);
    expect(rest.events.map((event) => event.cursor)).toEqual(events.slice(10).map((event) => event.cursor));
  });

  it('answers an invalid cursor with 400 and an empty page at the end', async () => {
    await request(node.url).get('/api/sync?since=not-a-cursor').set(bearer(bob)).expect(400);
    await request(node.url).get('/api/sync?limit=0').set(bearer(bob)).expect(400);
    const { cursor } = await replay(node, bob);
    const end = await request(node.url).get(`/api/sync?since=${cursor}`).set(bearer(bob)).expect(200);
    expect(end.body).toEqual({ events: [], cursor, hasMore: false });
  });

  it('never skips or repeats an event while many writers commit concurrently', async () => {
    const { cursor: start } = await replay(node, bob);
    const seen: string[] = [];
    let cursor = start;
    let writing = true;
    const reader = (async () => {
      while (writing || seen.length < 200) {
        const page = await request(node.url).get(`/api/sync?since=${cursor}&limit=50`).set(bearer(bob)).expect(200);
        seen.push(
          ...page.body.events
            .filter((event: SyncEvent) => event.type === 'message')
            .map((event: SyncEvent) => event.data.id),
        );
        cursor = page.body.cursor;
        if (!writing && !page.body.hasMore && seen.length >= 200) break;
      }
    })();
    const sent = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        request(node.url)
          .post('/api/messages')
          .set(bearer(i % 2 ? alice : bob))
          .send({ toUserId: i % 2 ? 'bob' : 'alice', content: `c${i}` })
          .expect(201),
      ),
    );
    writing = false;
    await reader;
    expect(seen).toHaveLength(200);
    expect(new Set(seen)).toEqual(new Set(sent.map((response) => response.body.id)));
  });

  it('pushes a new message over SSE within a second, and resumes after Last-Event-ID without gaps', async () => {
    const { cursor } = await replay(node, bob);
    const stream = await openEventStream(`${node.url}/api/events?since=${cursor}`, bearer(bob));
    expect(stream.status).toBe(200);
    try {
      const postedAt = Date.now();
      const message = await sendMessage(node, alice, bob, 'live!');
      await stream.waitFor((events) => events.some((event) => event.data.id === message.id), 1000);
      const pushed = stream.events.find((event) => event.data.id === message.id)!;
      expect(pushed.event).toBe('message');
      expect(pushed.receivedAt - postedAt).toBeLessThan(1000);
    } finally {
      stream.close();
    }

    const lastSeen = stream.events.at(-1)!.id;
    const missed = [
      await sendMessage(node, alice, bob, 'while away 1'),
      await sendMessage(node, bob, alice, 'while away 2'),
    ];
    const resumed = await openEventStream(`${node.url}/api/events?access_token=${bob.token}`, {
      'Last-Event-ID': lastSeen,
    });
    try {
      await resumed.waitFor((events) => events.filter((event) => event.event === 'message').length >= 2, 2000);
      expect(resumed.events.map((event) => event.data.id)).toEqual(missed.map((message) => message.id));
    } finally {
      resumed.close();
    }
  });

  it('refuses the stream without a token and with a bad Last-Event-ID', async () => {
    await request(node.url).get('/api/events').expect(401);
    const badHeader = await request(node.url).get('/api/events').set(bearer(bob)).set('Last-Event-ID', 'garbage');
    expect(badHeader.status).toBe(400);
    expect(badHeader.body.message).toMatch(/^Last-Event-ID is not a cursor/);
    // The error names what the client sent.
    const badQuery = await request(node.url).get('/api/events?since=xyz').set(bearer(bob));
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.message).toMatch(/^since is not a cursor/);
  });

  it('answers HEAD on the stream with its headers alone, and ends', async () => {
    const response = await request(node.url).head('/api/events').set(bearer(bob));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
  });
});
