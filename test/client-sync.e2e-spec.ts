import request from 'supertest';
import type { MyLifeClient } from '../client/src/mylife-client.ts';
import type { LocalMessage } from '../client/src/model.ts';
import { bearer, befriend, signUp, TestUser } from './support/factories';
import {
  loggedInClient,
  openClient,
  removeTempDirs,
  RestartableNode,
  serverThread,
  tempDir,
} from './support/client-harness';
import { join } from 'node:path';
import { eventually } from './support/federation';

const FAST_LIVE_TIMING = { pollIntervalMs: 200, reconnectDelayMs: 100 };

describe('client library: sync against a real node', () => {
  let node: RestartableNode;
  let alice: TestUser;
  let bob: TestUser;
  const clients: MyLifeClient[] = [];

  async function client(user: TestUser, deviceName: string, path?: string) {
    const opened = await loggedInClient(node.url, user, deviceName, path, { timing: FAST_LIVE_TIMING });
    clients.push(opened.client);
    return opened.client;
  }

  beforeAll(async () => {
    node = await RestartableNode.start();
    alice = await signUp(node.node, 'alice');
    bob = await signUp(node.node, 'bob');
    await befriend(node.node, alice, bob);
  });

  afterAll(async () => {
    for (const opened of clients) await opened.close();
    await node.destroy();
    removeTempDirs();
  });

  it('brings two clients of the same user to the same state', async () => {
    const laptop = await client(alice, 'alice-laptop');
    const phone = await client(alice, 'alice-phone');
    const bobsClient = await client(bob, 'bob-desktop');

    laptop.sendMessage('bob', 'from the laptop');
    phone.sendMessage('bob', 'from the phone');
    bobsClient.sendMessage(alice.address, 'from bob');
    await bobsClient.sync();
    await laptop.sync();
    await phone.sync();

    const fromBob = phone.allMessages().find((m) => m.content === 'from bob')!;
    phone.markRead(fromBob.id!);
    await phone.sync();
    await bobsClient.sync();
    bobsClient.markRead(bobsClient.allMessages().find((m) => m.content === 'from the laptop')!.id!);
    await bobsClient.sync();
    await laptop.sync();
    await phone.sync();

    expect(comparable(laptop.allMessages())).toEqual(comparable(phone.allMessages()));
    const contents = laptop.allMessages().map((m) => m.content);
    expect(contents.sort()).toEqual(['from bob', 'from the laptop', 'from the phone']);
    expect(laptop.allMessages().find((m) => m.content === 'from bob')?.readAt).toBe(
      phone.allMessages().find((m) => m.content === 'from bob')?.readAt,
    );
    expect(laptop.allMessages().find((m) => m.content === 'from the laptop')?.readAt).not.toBeNull();

    const onServer = await serverThread(node.url, alice, bob.address);
    // The same messages and read times as the node. Their text is compared between the devices above: a node with a
    // key directory holds only ciphertext.
    const sameAsServer = ({
      id,
      clientMessageId,
      readAt,
    }: {
      id: string | null;
      clientMessageId: string;
      readAt: string | null;
    }) => ({ id, clientMessageId, readAt });
    expect(comparable(laptop.allMessages()).map(sameAsServer)).toEqual(onServer.map(sameAsServer));
    expect(laptop.inbox()).toEqual([expect.objectContaining({ peerUserId: bob.address, unreadCount: 0 })]);
  });

  it('follows the live stream, goes offline when the node stops and comes back when it restarts', async () => {
    const watcher = await client(alice, 'alice-watch');
    const states: string[] = [];
    const received: LocalMessage[] = [];
    watcher.on('connection', ({ state }) => states.push(state));
    watcher.on('message-received', ({ message }) => received.push(message));
    watcher.startLive();
    await eventually(async () => states.includes('online'), 15_000);

    await request(node.url)
      .post('/api/messages')
      .set(bearer(bob))
      .send({ toUserId: alice.address, content: 'pushed live' })
      .expect(201);
    await eventually(async () => received.some((m) => m.content === 'pushed live'), 15_000);

    await node.stop();
    await eventually(async () => watcher.connectionState === 'offline', 15_000);
    const queued = watcher.sendMessage('bob', 'queued during the outage');

    await node.restart();
    await eventually(
      async () => watcher.allMessages().find((m) => m.localId === queued.localId)?.status === 'sent',
      15_000,
    );
    await eventually(async () => watcher.connectionState === 'online', 15_000);
    await watcher.stopLive();
    const copies = (await serverThread(node.url, bob, alice.address)).filter(
      (m) => m.clientMessageId === queued.clientMessageId,
    );
    expect(copies).toHaveLength(1);
  });

  it('says a new login is needed when a send finds the token revoked while the live stream still runs', async () => {
    const watcher = await client(alice, 'alice-revoked');
    watcher.startLive();
    await eventually(async () => watcher.connectionState === 'online', 15_000);
    const tokens = await request(node.url).get('/api/auth/tokens').set(bearer(alice)).expect(200);
    const revoked = (tokens.body.items as { id: string; deviceName: string }[]).find(
      (token) => token.deviceName === 'alice-revoked',
    )!;
    await request(node.url).delete(`/api/auth/tokens/${revoked.id}`).set(bearer(alice)).expect(200);

    const queued = watcher.sendMessage('bob', 'sent after the revoke');
    await eventually(async () => watcher.connectionStatus().loginNeeded, 15_000);
    expect(watcher.connectionStatus()).toMatchObject({ state: 'offline', loginNeeded: true });
    expect(watcher.allMessages().find((m) => m.localId === queued.localId)?.status).toBe('queued');
    await watcher.stopLive();
  });

  it('gives a fresh client the same 5,000 messages as the server in one full sync', async () => {
    const dana = await signUp(node.node, 'dana');
    const erin = await signUp(node.node, 'erin');
    await befriend(node.node, dana, erin);
    await seedConversation(node.url, dana, erin, 5000);

    const path = join(tempDir(), 'fresh.sqlite');
    const fresh = await client(dana, 'dana-fresh', path);
    const started = performance.now();
    const report = await fresh.sync();
    const seconds = (performance.now() - started) / 1000;
    console.log(`full sync of 5,000 messages (plus invite and friendship events): ${seconds.toFixed(2)} s`);

    expect(report.online).toBe(true);
    const onServer = await serverThread(node.url, dana, erin.address);
    expect(onServer).toHaveLength(5000);
    // Messages sent at the same time may be ordered differently by time (here) and by commit (the server): compare by id.
    const byId = (a: { id: string | null }, b: { id: string | null }) => String(a.id).localeCompare(String(b.id));
    const local = fresh.allMessages().sort(byId);
    expect(local.map(({ id, clientMessageId, content, readAt }) => ({ id, clientMessageId, content, readAt }))).toEqual(
      onServer.sort(byId).map(({ id, clientMessageId, content, readAt }) => ({ id, clientMessageId, content, readAt })),
    );
    expect(local.filter((m) => m.readAt !== null)).toHaveLength(50);
    expect(fresh.friends().map((f) => f.friendUserId)).toEqual([erin.address]);
    const serverInbox = await request(node.url).get('/api/messages/inbox').set(bearer(dana)).expect(200);
    expect(fresh.inbox().map((c) => ({ peer: c.peerUserId, unread: c.unreadCount }))).toEqual(
      serverInbox.body.items.map((c: any) => ({ peer: c.friendUserId, unread: c.unreadCount })),
    );

    await fresh.close();
    clients.splice(clients.indexOf(fresh), 1);
    const reopened = openClient(path);
    expect((await reopened.sync()).pulledEvents).toBe(0);
    expect(reopened.allMessages()).toHaveLength(5000);
    await reopened.close();
  });
});

/** Sorted by server id, without this device's row numbers: what two copies must agree on. */
function comparable(messages: LocalMessage[]) {
  return messages
    .map(({ localId: _localId, ...rest }) => rest)
    .sort((a, b) =>
      a.createdAt === b.createdAt ? String(a.id).localeCompare(String(b.id)) : a.createdAt.localeCompare(b.createdAt),
    );
}

/**
 * Half from each side and one in a hundred read, sent as clients send a backlog: batches of 500 (one request each,
 * not 5,000 single sends, which took most of this test's time and, on a loaded machine, all of Jest's).
 */
async function seedConversation(url: string, a: TestUser, b: TestUser, count: number): Promise<void> {
  const batchSize = 500;
  for (let first = 0; first < count; first += batchSize) {
    const [from, to] = (first / batchSize) % 2 === 0 ? [a, b] : [b, a];
    const messages = Array.from({ length: Math.min(batchSize, count - first) }, (_, i) => ({
      toUserId: to.address,
      content: `message ${first + i}`,
      clientMessageId: `seed-${first + i}`,
    }));
    const response = await request(url).post('/api/messages/batch').set(bearer(from)).send({ messages }).expect(200);
    const results: { status: number; message?: { id: string } }[] = response.body.results;
    const refused = results.find((result) => result.status !== 201);
    if (refused) throw new Error(`seeding: a message got HTTP ${refused.status}`);
    for (let i = 1; i < results.length; i += 100) {
      await request(url).post(`/api/messages/${results[i]!.message!.id}/read`).set(bearer(to)).expect(200);
    }
  }
}
