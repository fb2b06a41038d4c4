import { join } from 'node:path';
import request from 'supertest';
import { ApiError } from '../client/src/api/api-error.ts';
import { FetchTransport } from '../client/src/api/http-transport.ts';
import { BetterSqlite3Database } from '../client/src/storage/better-sqlite3-database.ts';
import type { MyLifeClient } from '../client/src/mylife-client.ts';
import { bearer, befriend, sendMessage, signUp, TestUser } from './support/factories';
import {
  loggedInClient,
  openClient,
  removeTempDirs,
  RestartableNode,
  serverThread,
  tempDir,
} from './support/client-harness';
import { eventually } from './support/federation';

const FAST_LIVE_TIMING = { pollIntervalMs: 200, reconnectDelayMs: 100 };

/** The calls the web app makes of the client library, against a real node. */
describe('client library: names, devices, refused sends and bulk reads against a real node', () => {
  let node: RestartableNode;
  let alice: TestUser;
  let bob: TestUser;
  const clients: MyLifeClient[] = [];

  /** A client on the real network whose requests are listed (method and path) in `requests`; and its file. */
  async function open(user: TestUser, deviceName: string, requests: string[] = []) {
    const transport = new FetchTransport({
      fetch: (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      },
    });
    const opened = await loggedInClient(node.url, user, deviceName, undefined, { transport, timing: FAST_LIVE_TIMING });
    clients.push(opened.client);
    return opened;
  }

  const client = async (user: TestUser, deviceName: string) => (await open(user, deviceName)).client;

  beforeAll(async () => {
    node = await RestartableNode.start();
    alice = await signUp(node.node, 'alice', 'Alice Liddell');
    bob = await signUp(node.node, 'bob', 'Bob Builder');
  });

  afterAll(async () => {
    for (const opened of clients) await opened.close();
    await node.destroy();
    removeTempDirs();
  });

  it("shows a new friend's display name in friends and the inbox, from the friendship event alone", async () => {
    const requests: string[] = [];
    const { client: laptop, path } = await open(alice, 'alice-names', requests);
    await laptop.sync(); // the first sync after the login takes the (empty) list once
    expect(requests.filter((r) => r === 'GET /api/friends')).toHaveLength(1);
    expect(laptop.session()?.displayName).toBe('Alice Liddell');

    const invite = laptop.invite('bob');
    await laptop.sync();
    await request(node.url).post(`/api/friends/invites/${invite.id}/accept`).set(bearer(bob)).send({}).expect(200);
    await sendMessage(node.node, bob, alice, 'hello from bob');
    await laptop.sync();

    expect(laptop.friends()).toEqual([
      expect.objectContaining({ friendUserId: bob.address, displayName: 'Bob Builder' }),
    ]);
    expect(laptop.inbox()).toEqual([
      expect.objectContaining({ peerUserId: bob.address, displayName: 'Bob Builder', unreadCount: 1 }),
    ]);
    expect(requests.filter((r) => r === 'GET /api/friends')).toHaveLength(1);

    // A copy from before names were stored (local migration 4 leaves them null) takes them from GET /api/friends.
    const file = new BetterSqlite3Database(path);
    file.exec('UPDATE friends SET display_name = NULL; UPDATE sync_state SET friends_refreshed_at = NULL');
    file.close();
    expect(laptop.friends()[0]?.displayName).toBeNull();
    await laptop.sync();
    expect(laptop.friends()[0]?.displayName).toBe('Bob Builder');
    expect(requests.filter((r) => r === 'GET /api/friends')).toHaveLength(2);
  });

  it('lists the devices with this one marked current; revoking another makes its token fail', async () => {
    const laptop = await client(alice, 'alice-laptop');
    const phone = await client(alice, 'alice-phone');
    expect((await phone.sync()).online).toBe(true);

    const devices = await laptop.devices();
    expect(devices).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ deviceName: 'alice-laptop', current: true }),
        expect.objectContaining({ deviceName: 'alice-phone', current: false }),
      ]),
    );
    expect(devices.filter((device) => device.current)).toHaveLength(1);
    const phoneDevice = devices.find((device) => device.deviceName === 'alice-phone')!;

    await laptop.revokeDevice(phoneDevice.id);
    expect((await laptop.devices()).map((device) => device.deviceName)).not.toContain('alice-phone');
    await expect(laptop.revokeDevice(phoneDevice.id)).rejects.toMatchObject({ status: 404 });
    expect(laptop.connectionStatus().loginNeeded).toBe(false);

    expect(await phone.sync()).toMatchObject({ online: false, needsLogin: true });
    expect(phone.connectionStatus()).toMatchObject({ state: 'offline', loginNeeded: true });
    await expect(phone.devices()).rejects.toMatchObject({ status: 401 });
  });

  it('asks a live client for a login once its token is revoked and it has something to send', async () => {
    const tablet = await client(alice, 'alice-tablet');
    const laptop = await client(alice, 'alice-laptop-2');
    tablet.startLive();
    await eventually(async () => tablet.connectionState === 'online', 15_000);
    expect(tablet.connectionStatus().loginNeeded).toBe(false);

    const tabletDevice = (await laptop.devices()).find((device) => device.deviceName === 'alice-tablet')!;
    await laptop.revokeDevice(tabletDevice.id);
    tablet.sendMessage('bob', 'sent with a revoked token');
    await eventually(async () => tablet.connectionStatus().loginNeeded, 15_000, 'loginNeeded');
    expect(tablet.connectionStatus().state).toBe('offline');
    expect(tablet.outbox()).toEqual([expect.objectContaining({ state: 'pending', attempts: 0 })]);
    await tablet.stopLive();
    expect(tablet.connectionStatus().loginNeeded).toBe(true);
  });

  it('delivers a refused send once retried after becoming friends, exactly once', async () => {
    const carol = await signUp(node.node, 'carol');
    const laptop = await client(alice, 'alice-retry');
    const refused = laptop.sendMessage('carol', 'before we were friends');
    await laptop.sync();
    expect(laptop.thread('carol').messages).toEqual([
      expect.objectContaining({ localId: refused.localId, status: 'failed', error: expect.stringMatching(/friends/) }),
    ]);

    await befriend(node.node, alice, carol);
    expect(laptop.retryMessage(refused.localId)).toBe(true);
    const report = await laptop.sync();
    expect(report.flush).toMatchObject({ applied: 1, failed: 0, pending: 0 });
    expect(laptop.thread('carol').messages).toEqual([
      expect.objectContaining({ localId: refused.localId, status: 'sent', error: null }),
    ]);
    const onServer = await serverThread(node.url, carol, alice.address);
    expect(onServer.filter((m) => m.clientMessageId === refused.clientMessageId)).toHaveLength(1);
    expect(laptop.outbox()).toEqual([]);
  });

  it('discards a refused send: gone from the device, never on the node', async () => {
    const dave = await signUp(node.node, 'dave');
    const laptop = await client(alice, 'alice-discard');
    const refused = laptop.sendMessage('dave', 'to a stranger');
    await laptop.sync();
    expect(laptop.discardMessage(refused.localId)).toBe(true);
    expect(laptop.thread('dave').messages).toEqual([]);
    expect(laptop.inbox().map((c) => c.peerUserId)).not.toContain(dave.address);
    expect(laptop.outbox()).toEqual([]);

    await befriend(node.node, alice, dave);
    expect(await serverThread(node.url, dave, alice.address)).toEqual([]);
  });

  it('marks a conversation read in bulk: the node and the sender see every receipt', async () => {
    const erin = await signUp(node.node, 'erin', 'Erin');
    await befriend(node.node, erin, alice);
    const sent = [];
    for (const content of ['one', 'two', 'three']) sent.push(await sendMessage(node.node, erin, alice, content));
    const laptop = await client(alice, 'alice-read');
    const erinsPhone = await client(erin, 'erin-phone');
    await laptop.sync();
    expect(laptop.inbox().find((c) => c.peerUserId === erin.address)).toMatchObject({
      displayName: 'Erin',
      unreadCount: 3,
    });

    const marked = laptop.markReadMany(sent.map((message) => message.id));
    expect(marked).toHaveLength(3);
    expect(laptop.inbox().find((c) => c.peerUserId === erin.address)?.unreadCount).toBe(0);
    expect((await laptop.sync()).flush).toMatchObject({ applied: 3, pending: 0 });

    const onServer = await serverThread(node.url, erin, alice.address);
    expect(onServer.map((m) => m.readAt)).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
    await erinsPhone.sync();
    expect(erinsPhone.thread('alice').messages.map((m) => m.readAt)).toEqual(onServer.map((m) => m.readAt));
  });

  it("says how long a lock-out lasts: the node's Retry-After reaches the error", async () => {
    const frank = await signUp(node.node, 'frank');
    const device = openClient(join(tempDir(), 'frank.sqlite'));
    const attempt = () =>
      device.login({ serverUrl: node.url, username: frank.username, password: 'a wrong guess', deviceName: 'f' });
    // The node's default: 10 wrong passwords per account and address in 15 minutes.
    for (let guess = 0; guess < 10; guess++) await expect(attempt()).rejects.toMatchObject({ status: 401 });
    const refusal = await attempt().catch((error: unknown) => error);
    await device.close();
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ status: 429, retryAfterSeconds: expect.any(Number) });
    expect((refusal as ApiError).retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect((refusal as ApiError).retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
  });
});
