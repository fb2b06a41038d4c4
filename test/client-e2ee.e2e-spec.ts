import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import { KeyChangeBlockedError } from '../client/src/e2ee/conversation-security.ts';
import type { LocalMessage } from '../client/src/model.ts';
import type { MyLifeClient } from '../client/src/mylife-client.ts';
import { bearer } from './support/factories';
import { loggedInClient, openClient, removeTempDirs, serverThread, tempDir } from './support/client-harness';
import {
  befriendAcross,
  eventually,
  friendsAcross,
  Resident,
  resident,
  startFederatedNode,
} from './support/federation';
import { PlainPeer } from './support/plain-peer';
import { tablesHolding } from './support/plaintext-scan';
import { TestNode } from './support/test-node';

const WAIT_MS = 20_000;

/** Syncs `client` until `check` finds what it looks for in the local copy. */
function syncUntil<T>(client: MyLifeClient, check: () => T | undefined | false, what: string): Promise<T> {
  return eventually(
    async () => {
      await client.sync();
      return check();
    },
    WAIT_MS,
    what,
  );
}

function findText(client: MyLifeClient, text: string): LocalMessage | undefined {
  return client.allMessages().find((message) => message.content === text);
}

describe('end-to-end encryption between clients of two nodes', () => {
  let nodeA: TestNode;
  let nodeB: TestNode;
  let alice: Resident;
  let bob: Resident;
  let laptop: MyLifeClient;
  let laptopPath: string;
  let desktop: MyLifeClient;
  const clients: MyLifeClient[] = [];

  async function device(user: Resident, name: string, path?: string) {
    const opened = await loggedInClient(user.node.url, user, name, path);
    clients.push(opened.client);
    return opened;
  }

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await friendsAcross());
    ({ client: laptop, path: laptopPath } = await device(alice, 'alice-laptop'));
    ({ client: desktop } = await device(bob, 'bob-desktop'));
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
    removeTempDirs();
  });

  it('encrypts by default: both devices read the text, and no table of either node holds it', async () => {
    const marker = `marker-${randomUUID()}`;
    expect(await laptop.refreshSecurity(bob.address)).toMatchObject({ state: 'encrypted', canSend: true });
    const sent = laptop.sendMessage(bob.address, `hello bob ${marker}`);
    expect((await laptop.sync()).flush).toMatchObject({ applied: 1, failed: 0 });
    expect(laptop.allMessages().find((m) => m.localId === sent.localId)).toMatchObject({
      status: 'sent',
      encryption: 'e2ee',
      content: `hello bob ${marker}`,
    });

    const received = await syncUntil(desktop, () => findText(desktop, `hello bob ${marker}`), 'bob reads it');
    expect(received).toMatchObject({ status: 'received', encryption: 'e2ee', contentType: 'text/plain' });
    const onB = await serverThread(nodeB.url, bob, alice.address);
    expect(onB.find((m) => m.id === received.id)).toMatchObject({ contentType: 'application/e2ee+ciphertext' });

    desktop.sendMessage(alice.address, `hello alice ${marker}`);
    await desktop.sync();
    await syncUntil(laptop, () => findText(laptop, `hello alice ${marker}`), 'alice reads the answer');

    expect(await tablesHolding(nodeA, marker)).toEqual([]);
    expect(await tablesHolding(nodeB, marker)).toEqual([]);
  });

  it('shows the same safety number on both sides; the verification survives reopening the copy', async () => {
    const seenByAlice = await laptop.safetyNumber(bob.address);
    const seenByBob = await desktop.safetyNumber(alice.address);
    expect(seenByAlice.digits).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(seenByAlice.digits).toBe(seenByBob.digits);
    expect(seenByAlice.qrPayload).toBe(seenByBob.qrPayload);

    expect(laptop.markVerified(bob.address)).toMatchObject({ verified: true });
    await laptop.close();
    laptop = openClient(laptopPath);
    clients.push(laptop);
    expect(laptop.conversationSecurity(bob.address)).toMatchObject({ state: 'encrypted', verified: true });
  });

  it("sees bob's new device as a key change: sending waits until alice acknowledges; the device reads only what follows", async () => {
    const before = `before the phone ${randomUUID()}`;
    laptop.sendMessage(bob.address, before);
    await laptop.sync();
    const securityEvents: string[] = [];
    laptop.on('security', ({ peer }) => securityEvents.push(peer));

    const { client: phone } = await device(bob, 'bob-phone');
    await syncUntil(laptop, () => laptop.conversationSecurity(bob.address).keyChanged, 'alice sees the key change');
    expect(laptop.conversationSecurity(bob.address)).toMatchObject({
      keyChanged: true,
      canSend: false,
      verified: false,
    });
    expect(securityEvents).toContain(bob.address);
    expect(() => laptop.sendMessage(bob.address, 'not yet')).toThrow(KeyChangeBlockedError);

    const earlier = await syncUntil(
      phone,
      () => phone.allMessages().find((m) => m.fromUserId === alice.address),
      'sync',
    );
    expect(earlier).toMatchObject({
      encryption: 'undecryptable',
      undecryptableReason: 'before-this-device',
      content: '',
    });

    expect(laptop.acknowledgeKeyChange(bob.address)).toMatchObject({ keyChanged: false, canSend: true });
    const after = `after the phone ${randomUUID()}`;
    laptop.sendMessage(bob.address, after);
    await laptop.sync();
    expect(await syncUntil(phone, () => findText(phone, after), 'the phone reads it')).toMatchObject({
      encryption: 'e2ee',
    });
    await syncUntil(desktop, () => findText(desktop, after), 'the desktop reads it');
    expect(findText(desktop, before)).toBeDefined();
  });

  it('holds a message queued before a key change in the outbox (not failed) until the change is acknowledged', async () => {
    const oldKeys = await desktop.ownKeys();
    const newKeys = await desktop.resetKeys();
    expect(newKeys.deviceId).toBe(oldKeys.deviceId);
    expect(newKeys.fingerprint).not.toBe(oldKeys.fingerprint);

    const held = laptop.sendMessage(bob.address, `queued before alice knew ${randomUUID()}`);
    await eventually(
      async () => (await laptop.refreshSecurity(bob.address)).keyChanged,
      WAIT_MS,
      'alice looks the keys up and sees the change',
    );
    const report = await laptop.flushOutbox();
    expect(report).toMatchObject({ applied: 0, failed: 0, pending: 1 });
    expect(laptop.allMessages().find((m) => m.localId === held.localId)).toMatchObject({ status: 'queued' });

    laptop.acknowledgeKeyChange(bob.address);
    expect(await laptop.flushOutbox()).toMatchObject({ applied: 1, pending: 0 });
    await syncUntil(desktop, () => findText(desktop, held.content), 'the reset desktop reads it');
  });

  it("lets alice's tablet read what her laptop sends to bob", async () => {
    const { client: tablet } = await device(alice, 'alice-tablet');
    await syncUntil(laptop, () => laptop.conversationSecurity(bob.address).state === 'encrypted', 'laptop synced');
    const text = `from the laptop ${randomUUID()}`;
    laptop.sendMessage(bob.address, text);
    await laptop.sync();
    expect(await syncUntil(tablet, () => findText(tablet, text), 'the tablet reads it')).toMatchObject({
      status: 'sent',
      encryption: 'e2ee',
      fromUserId: alice.address,
    });
  });

  it('opens a burst queued offline for a new conversation, and a message pushed on the live stream', async () => {
    const carol = await resident(nodeA, 'carol');
    await befriendAcross(carol, bob);
    const { client: carolsPhone } = await device(carol, 'carol-phone');
    const burst = Array.from({ length: 5 }, (_, index) => `burst ${index} ${randomUUID()}`);
    for (const text of burst) carolsPhone.sendMessage(bob.address, text);
    expect((await carolsPhone.sync()).flush).toMatchObject({ applied: 5, failed: 0 });
    await syncUntil(desktop, () => burst.every((text) => findText(desktop, text)), 'bob reads the burst');

    const pushed: LocalMessage[] = [];
    desktop.on('message-received', ({ message }) => pushed.push(message));
    desktop.startLive();
    try {
      await eventually(async () => desktop.connectionState === 'online', WAIT_MS, 'bob is live');
      const live = `pushed live ${randomUUID()}`;
      carolsPhone.sendMessage(bob.address, live);
      await carolsPhone.sync();
      const arrived = await eventually(async () => pushed.find((m) => m.content === live), WAIT_MS, 'pushed');
      expect(arrived).toMatchObject({ encryption: 'e2ee', fromUserId: carol.address });
    } finally {
      await desktop.stopLive();
    }
  });

  it('never shows a ciphertext that does not open as text', async () => {
    const bogus = await request(nodeA.url)
      .post('/api/messages')
      .set(bearer(alice))
      .send({ toUserId: bob.address, contentType: 'application/e2ee+ciphertext', content: '{"v":1,"forged":true}' })
      .expect(201);
    const shown = await syncUntil(desktop, () => desktop.message(bogus.body.id) ?? false, 'it reaches bob');
    expect(shown).toMatchObject({ encryption: 'undecryptable', undecryptableReason: 'tampered', content: '' });
  });
});

describe('a friend on a plain MyLife node (no key directory)', () => {
  const SHARED_KEY = 'e2ee-plain-peer-shared-key-012345';
  const peer = new PlainPeer(SHARED_KEY);
  let node: TestNode;
  let client: MyLifeClient;
  let friend: string;

  beforeAll(async () => {
    await peer.start();
    node = await startFederatedNode({ MYLIFE_FEDERATION_SHARED_KEYS: `${peer.name}=${SHARED_KEY}` });
    const bob = await resident(node, 'bob');
    friend = `yuki@${peer.name}`;
    peer.befriend('yuki', bob.address);
    // A plain node takes no invites: bob's node records the friendship as accepted.
    await request(node.url).post('/api/friends/invites').set(bearer(bob)).send({ toUserId: friend }).expect(201);
    await eventually(
      async () => {
        const friends = await request(node.url).get('/api/friends').set(bearer(bob)).expect(200);
        return friends.body.friends.some((item: { friendUserId: string }) => item.friendUserId === friend);
      },
      WAIT_MS,
      'the friendship with the plain node user',
    );
    ({ client } = await loggedInClient(node.url, bob, 'bob-desktop', join(tempDir(), 'plain.sqlite')));
  });

  afterAll(async () => {
    await client?.close();
    await node?.destroy();
    await peer.stop();
    removeTempDirs();
  });

  it('is not encrypted, says why, and sends the text as it is', async () => {
    expect(await client.refreshSecurity(friend)).toMatchObject({
      state: 'not-encrypted',
      reason: 'peer-server-has-no-key-directory',
      canSend: true,
    });
    const sent = client.sendMessage(friend, 'hello from a client with keys');
    expect((await client.sync()).flush).toMatchObject({ applied: 1 });
    expect(client.allMessages().find((m) => m.localId === sent.localId)).toMatchObject({ encryption: 'plain' });
    await eventually(
      async () =>
        peer.received.some((m) => m.content === 'hello from a client with keys' && m.contentType === 'text/plain'),
      WAIT_MS,
      'the plain node received the text',
    );
  });
});
