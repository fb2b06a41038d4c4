import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { CapturingProxy } from './support/capturing-proxy';
import { removeTempDirs, tempDir } from './support/client-harness';
import { tablesHolding } from './support/plaintext-scan';
import { bearer, DEFAULT_PASSWORD } from './support/factories';
import { befriendAcross, eventually, Resident, resident, startFederatedNode } from './support/federation';
import { runMylife, syncUntilReceived } from './support/mylife-cli';
import { TestNode } from './support/test-node';

const WAIT_MS = 20_000;

describe('mylife CLI: end-to-end encryption between users of two nodes', () => {
  let home: string;
  let proxyA: CapturingProxy;
  let proxyB: CapturingProxy;
  let nodeA: TestNode;
  let nodeB: TestNode;
  let alice: Resident;
  let bob: Resident;
  const asAlice = (...args: string[]) => runMylife(home, ['--profile', 'alice', ...args]);
  const asBob = (...args: string[]) => runMylife(home, ['--profile', 'bob', ...args]);

  beforeAll(async () => {
    home = tempDir();
    // Each node is reached by its peer through a proxy that keeps every server-to-server request.
    [proxyA, proxyB] = await Promise.all([CapturingProxy.start(), CapturingProxy.start()]);
    [nodeA, nodeB] = await Promise.all([
      startFederatedNode({ MYLIFE_FEDERATION_SERVER: proxyA.serverName }),
      startFederatedNode({ MYLIFE_FEDERATION_SERVER: proxyB.serverName }),
    ]);
    proxyA.forwardTo(nodeA.url);
    proxyB.forwardTo(nodeB.url);
    [alice, bob] = await Promise.all([resident(nodeA, 'alice'), resident(nodeB, 'bob')]);
    await befriendAcross(alice, bob);
    const env = { MYLIFE_PASSWORD: DEFAULT_PASSWORD };
    for (const [profile, user] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      const login = await runMylife(
        home,
        ['--profile', profile, 'login', '--server', user.node.url, '--username', user.username],
        { env },
      );
      expect(login.code).toBe(0);
    }
  });

  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
    await Promise.all([proxyA?.close(), proxyB?.close()]);
    removeTempDirs();
  });

  it('encrypts by default: the text never reaches a database or a server-to-server request', async () => {
    const marker = `marker-${randomUUID()}`;
    const sent = await asAlice('send', bob.address, `hello bob ${marker}`, '--json');
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    expect(sent.json).toMatchObject({ state: 'done', message: { encryption: 'e2ee', content: `hello bob ${marker}` } });

    const received = await syncUntilReceived(asBob, alice.address, `hello bob ${marker}`);
    expect(received).toMatchObject({ encryption: 'e2ee', fromUserId: alice.address });
    const thread = (await asBob('thread', alice.address, '--offline')).stdout.split('\n');
    expect(thread[0]).toBe('🔒 end-to-end encrypted, not verified');
    expect(thread[1]).toContain(`${alice.address}: hello bob ${marker}`);

    expect((await asBob('send', alice.address, `hello alice ${marker}`)).code).toBe(0);
    await syncUntilReceived(asAlice, bob.address, `hello alice ${marker}`);

    expect(await tablesHolding(nodeA, marker)).toEqual([]);
    expect(await tablesHolding(nodeB, marker)).toEqual([]);
    const serverToServer = [...proxyA.captured, ...proxyB.captured];
    expect(serverToServer.filter((r) => r.path.startsWith('/api/federation/inbox')).length).toBeGreaterThan(0);
    expect(serverToServer.filter((r) => r.body.includes(marker))).toEqual([]);
    expect(serverToServer.some((r) => r.body.includes('application/e2ee+ciphertext'))).toBe(true);
  });

  it('marks a message that reached an encrypted conversation readable, so it is never taken for a sealed one', async () => {
    await request(nodeB.url)
      .post('/api/messages')
      .set(bearer(bob))
      .send({ toUserId: alice.address, content: 'readable on the way', clientMessageId: randomUUID() })
      .expect(201);
    const received = await syncUntilReceived(asAlice, bob.address, 'readable on the way');
    expect(received).toMatchObject({ encryption: 'plain' });
    const thread = (await asAlice('thread', bob.address, '--offline')).stdout.split('\n');
    expect(thread[0]).toMatch(/^🔒 end-to-end encrypted/);
    expect(thread.find((line) => line.includes('readable on the way'))).toContain('[not encrypted]');
    expect(thread.filter((line) => line.includes('[not encrypted]'))).toHaveLength(1);
  });

  it('shows its own fingerprint and devices', async () => {
    const keys = await asAlice('keys', '--json');
    expect(keys.json).toMatchObject({
      deviceId: expect.any(String),
      fingerprint: expect.stringMatching(/^[0-9a-f]{4}( [0-9a-f]{4})+$/),
      devices: [expect.objectContaining({ current: true })],
    });
    const text = await asAlice('keys');
    expect(text.stdout).toContain(`fingerprint: ${keys.json.fingerprint}`);
    expect(text.stdout).toContain('(this one)');
  });

  it('prints the same safety number on both sides, and remembers that it was verified', async () => {
    const seenByAlice = await asAlice('verify', bob.address, '--json');
    const seenByBob = await asBob('verify', alice.address, '--json');
    expect(seenByAlice.json.safetyNumber.digits).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(seenByAlice.json.safetyNumber.digits).toBe(seenByBob.json.safetyNumber.digits);
    expect(seenByAlice.json.safetyNumber.qrPayload).toBe(seenByBob.json.safetyNumber.qrPayload);
    const groups = seenByAlice.json.safetyNumber.digits.split(' ');
    expect((await asAlice('verify', bob.address)).stdout).toContain(`  ${groups.slice(0, 4).join(' ')}\n`);

    expect((await asAlice('verify', bob.address, '--mark', '--json')).json.security).toMatchObject({ verified: true });
    expect((await asAlice('thread', bob.address, '--offline')).stdout).toMatch(/^🔒 end-to-end encrypted, verified\n/);
  });

  it('warns after bob resets his keys, blocks sending until alice acknowledges, and then sends encrypted again', async () => {
    const before = (await asAlice('verify', bob.address, '--json')).json.safetyNumber.digits;
    const identityBefore = (await request(nodeA.url).get(`/api/keys/${bob.address}`).set(bearer(alice)).expect(200))
      .body.devices[0].identityKey;
    const reset = await asBob('keys', '--reset');
    expect(reset).toMatchObject({ code: 0 });
    expect(reset.stdout).toMatch(/^new keys made for this device\n/);

    // The key change reaches alice's node as a notice from bob's; her copy has not synced since, so the send is taken,
    // and the flush, which looks bob's keys up, holds it.
    await eventually(
      async () => {
        const keys = await request(nodeA.url).get(`/api/keys/${bob.address}`).set(bearer(alice)).expect(200);
        return keys.body.devices[0].identityKey !== identityBefore;
      },
      WAIT_MS,
      "alice's node knows bob's new keys",
    );
    const held = await asAlice('send', bob.address, 'are you still you?');
    expect(held).toMatchObject({ code: 0, stdout: `queued; held until you accept ${bob.address}'s new keys\n` });
    expect(held.stderr).toContain(`warning: ${bob.address}'s safety number changed`);

    const warned = await asAlice('verify', bob.address, '--json');
    expect(warned.json.security).toMatchObject({
      state: 'encrypted',
      verified: false,
      keyChanged: true,
      canSend: false,
    });
    expect(warned.json.safetyNumber.digits).not.toBe(before);
    expect(warned.stderr).toContain(`warning: ${bob.address}'s safety number changed`);

    const blocked = await asAlice('send', bob.address, 'hello?');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(`mylife verify ${bob.address} --acknowledge`);
    expect(blocked.stdout).toBe('');

    const acknowledged = await asAlice('verify', bob.address, '--acknowledge', '--json');
    expect(acknowledged.json.security).toMatchObject({ keyChanged: false, canSend: true, verified: false });
    const sent = await asAlice('send', bob.address, 'welcome back, bob', '--json');
    expect(sent.json).toMatchObject({ state: 'done', message: { encryption: 'e2ee' } });
    await syncUntilReceived(asBob, alice.address, 'welcome back, bob');
    expect(await syncUntilReceived(asBob, alice.address, 'are you still you?')).toMatchObject({ encryption: 'e2ee' });
  });

  it('says what it wants for wrong use of verify', async () => {
    const both = await asAlice('verify', bob.address, '--mark', '--acknowledge');
    expect(both).toMatchObject({ code: 2 });
    expect(both.stderr).toContain('give --mark or --acknowledge, not both');
    const herself = await asAlice('verify', alice.address);
    expect(herself).toMatchObject({ code: 1, stdout: '' });
    expect(herself.stderr).toBe(`mylife: ${alice.address} is you: a safety number is between you and a friend\n`);
    const stranger = await asAlice('verify', `nobody@${nodeB.server}`);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/^mylife: .*not.*friend.*\(HTTP 403\)\n$/);
  });
});
