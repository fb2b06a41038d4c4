import { createApplicationMessage, decodeGroupState, encodeMlsMessage } from 'ts-mls';
import { beforeEach, describe, expect, it } from 'vitest';
import { toBase64Url } from '../src/e2ee/base64url.ts';
import { decodeEnvelope, encodeEnvelope } from '../src/e2ee/envelope.ts';
import { cipherSuite, clientConfigFor } from '../src/e2ee/mls-suite.ts';
import { ConcurrentGroupChangeError, MlsWorkspace } from '../src/e2ee/mls-workspace.ts';
import { BetterSqlite3Database } from '../src/storage/better-sqlite3-database.ts';
import { delivered, InMemoryDevice, InMemoryKeyDirectory } from '../src/bench/in-memory-devices.ts';

const ALICE = 'alice@a.test';
const BOB = 'bob@b.test';
const CAROL = 'carol@b.test';

/** A device on its own in-memory better-sqlite3 copy. */
function newDevice(address: string, directory: InMemoryKeyDirectory, options: { deviceId?: string } = {}) {
  return InMemoryDevice.create(address, directory, { database: new BetterSqlite3Database(':memory:'), ...options });
}

describe('the MLS engine between in-memory devices', () => {
  let directory: InMemoryKeyDirectory;
  let alice: InMemoryDevice;
  let bob: InMemoryDevice;

  beforeEach(async () => {
    directory = new InMemoryKeyDirectory();
    alice = await newDevice(ALICE, directory);
    bob = await newDevice(BOB, directory);
  });

  it('opens messages both ways, each sender in its own group', async () => {
    const first = delivered(ALICE, BOB, await alice.seal(BOB, 'hello bob'));
    expect(await bob.open(first)).toEqual({ kind: 'opened', text: 'hello bob' });
    const reply = delivered(BOB, ALICE, await bob.seal(ALICE, 'hello alice'));
    expect(await alice.open(reply)).toEqual({ kind: 'opened', text: 'hello alice' });
    const second = delivered(ALICE, BOB, await alice.seal(BOB, 'again'));
    expect(await bob.open(second)).toEqual({ kind: 'opened', text: 'again' });
    expect(decodeEnvelope(first.content)!.groupId).not.toEqual(decodeEnvelope(reply.content)!.groupId);
    expect(decodeEnvelope(second.content)!.welcome).toBeUndefined();
    expect(decodeEnvelope(second.content)!.commit).toBeUndefined();
  });

  it('seals a run of messages to a new conversation in one group, the first one carrying the Welcome', async () => {
    const envelopes = await alice.sealRun(BOB, ['one', 'two', 'three']);
    expect(new Set(envelopes.map((content) => toBase64Url(decodeEnvelope(content)!.groupId))).size).toBe(1);
    expect(envelopes.map((content) => decodeEnvelope(content)!.welcome !== undefined)).toEqual([true, false, false]);
    for (const [index, text] of ['one', 'two', 'three'].entries()) {
      expect(await bob.open(delivered(ALICE, BOB, envelopes[index]!))).toEqual({ kind: 'opened', text });
    }
    expect(await bob.open(delivered(ALICE, BOB, await alice.seal(BOB, 'four')))).toEqual({
      kind: 'opened',
      text: 'four',
    });
  });

  it('adds a new device of the peer by a commit, and the new device reads from then on only', async () => {
    expect(await bob.open(delivered(ALICE, BOB, await alice.seal(BOB, 'before')))).toMatchObject({ kind: 'opened' });
    const beforePhone = delivered(ALICE, BOB, await alice.seal(BOB, 'still before'));
    const bobPhone = await newDevice(BOB, directory);

    const after = delivered(ALICE, BOB, await alice.seal(BOB, 'after the phone'));
    expect(decodeEnvelope(after.content)).toMatchObject({
      welcome: expect.any(Uint8Array),
      commit: expect.any(Uint8Array),
    });
    expect(await bob.open(beforePhone)).toEqual({ kind: 'opened', text: 'still before' });
    expect(await bob.open(after)).toEqual({ kind: 'opened', text: 'after the phone' });
    expect(await bobPhone.open(after)).toEqual({ kind: 'opened', text: 'after the phone' });
    expect(await bobPhone.open(beforePhone)).toEqual({ kind: 'undecryptable', reason: 'before-this-device' });
  });

  it("lets the sender's other device read the sender's messages", async () => {
    const aliceTablet = await newDevice(ALICE, directory);
    const message = delivered(ALICE, BOB, await alice.seal(BOB, 'from the laptop'));
    expect(await aliceTablet.open(message)).toEqual({ kind: 'opened', text: 'from the laptop' });
    expect(await bob.open(message)).toEqual({ kind: 'opened', text: 'from the laptop' });
  });

  it('removes a device that is gone: it cannot read what follows', async () => {
    const bobPhone = await newDevice(BOB, directory);
    const both = delivered(ALICE, BOB, await alice.seal(BOB, 'for both'));
    expect(await bobPhone.open(both)).toMatchObject({ kind: 'opened' });
    directory.remove(BOB, bobPhone.self.deviceId);

    const afterRemoval = delivered(ALICE, BOB, await alice.seal(BOB, 'phone is gone'));
    expect(await bob.open(both)).toMatchObject({ kind: 'opened' });
    expect(await bob.open(afterRemoval)).toEqual({ kind: 'opened', text: 'phone is gone' });
    expect(await bobPhone.open(afterRemoval)).toEqual({ kind: 'undecryptable', reason: 'not-a-member' });
  });

  it('shows a tampered message as undecryptable, never as text', async () => {
    const message = delivered(ALICE, BOB, await alice.seal(BOB, 'secret'));
    const envelope = decodeEnvelope(message.content)!;
    const flipped = Uint8Array.from(envelope.message);
    flipped[flipped.length - 3]! ^= 1;
    const tampered = { ...message, content: encodeEnvelope({ ...envelope, message: flipped }) };
    expect(await bob.open(tampered)).toEqual({ kind: 'undecryptable', reason: 'tampered' });
    expect(await bob.open({ ...message, messageId: 'x1', content: 'not an envelope' })).toEqual({
      kind: 'undecryptable',
      reason: 'tampered',
    });
  });

  it('refuses a replayed message: its key is used up', async () => {
    const message = delivered(ALICE, BOB, await alice.seal(BOB, 'once'));
    expect(await bob.open(message)).toMatchObject({ kind: 'opened' });
    const next = delivered(ALICE, BOB, await alice.seal(BOB, 'twice?'));
    expect(await bob.open(next)).toMatchObject({ kind: 'opened' });
    expect(await bob.open({ ...next, messageId: 'replay' })).toEqual({ kind: 'undecryptable', reason: 'replayed' });
  });

  it('refuses a message from someone who is not the member the envelope names', async () => {
    const carol = await newDevice(CAROL, directory);
    const message = delivered(ALICE, BOB, await alice.seal(BOB, 'for bob'));
    expect(await bob.open(message)).toMatchObject({ kind: 'opened' });
    const next = delivered(ALICE, BOB, await alice.seal(BOB, 'also for bob'));
    // Carol resends Alice's envelope as hers: the server says it is from Carol.
    expect(await bob.open({ ...next, fromUserId: CAROL })).toEqual({ kind: 'undecryptable', reason: 'not-a-member' });
    // Carol cannot read Alice's group at all.
    expect(await carol.open({ ...next, toUserId: CAROL })).toMatchObject({ kind: 'pending' });
  });

  it('refuses a sender whose key is not the one the directory publishes for the device it claims to be', async () => {
    const impostor = await newDevice(ALICE, new InMemoryKeyDirectory());
    const posingAsAlice = { ...impostor.self, deviceId: alice.self.deviceId };
    const workspace = new MlsWorkspace(impostor.store, directory, posingAsAlice);
    const forged = delivered(ALICE, BOB, await workspace.seal(BOB, directory.membersOf(BOB), 'trust me'));
    expect(await bob.open(forged)).toEqual({ kind: 'undecryptable', reason: 'not-a-member' });
  });

  it('holds a message of a later epoch as pending, and opens it after the commit before it', async () => {
    expect(await bob.open(delivered(ALICE, BOB, await alice.seal(BOB, 'one')))).toMatchObject({ kind: 'opened' });
    await newDevice(BOB, directory);
    const withCommit = delivered(ALICE, BOB, await alice.seal(BOB, 'two (adds the phone)'));
    const later = delivered(ALICE, BOB, await alice.seal(BOB, 'three'));

    expect(await bob.open(later)).toEqual({ kind: 'pending' });
    const { result, settled } = await bob.openSettling(withCommit);
    expect(result).toEqual({ kind: 'opened', text: 'two (adds the phone)' });
    expect(settled.get(later.messageId)).toEqual({ kind: 'opened', text: 'three' });
    expect(bob.store.groups.isPending(later.messageId)).toBe(false);
  });

  it('holds a message of a group it has not joined yet, and opens it once the Welcome comes', async () => {
    const first = delivered(ALICE, BOB, await alice.seal(BOB, 'with the welcome'));
    const second = delivered(ALICE, BOB, await alice.seal(BOB, 'overtook the first'));
    expect(await bob.open(second)).toEqual({ kind: 'pending' });
    const { result, settled } = await bob.openSettling(first);
    expect(result).toEqual({ kind: 'opened', text: 'with the welcome' });
    expect(settled.get(second.messageId)).toEqual({ kind: 'opened', text: 'overtook the first' });
  });

  it("refuses a message that another member sealed in the sender's group as if it were the sender", async () => {
    const aliceTablet = await newDevice(ALICE, directory);
    const genuine = delivered(ALICE, BOB, await alice.seal(BOB, 'from the laptop'));
    expect(await bob.open(genuine)).toMatchObject({ kind: 'opened' });
    expect(await aliceTablet.open(genuine)).toMatchObject({ kind: 'opened' });

    // The tablet is a member of the laptop's group: it can seal in it, but only the laptop may send there.
    const envelope = decodeEnvelope(genuine.content)!;
    const tabletState = aliceTablet.store.groups.group(toBase64Url(envelope.groupId))!.state;
    const state = decodeGroupState(tabletState, 0)![0];
    const forged = await createApplicationMessage(
      { ...state, clientConfig: clientConfigFor({ validateCredential: async () => true }) },
      new TextEncoder().encode('the laptop did not say this'),
      await cipherSuite(),
    );
    const content = encodeEnvelope({
      ...envelope,
      welcome: undefined,
      message: encodeMlsMessage({
        version: 'mls10',
        wireformat: 'mls_private_message',
        privateMessage: forged.privateMessage,
      }),
    });
    expect(await bob.open(delivered(ALICE, BOB, content))).toEqual({ kind: 'undecryptable', reason: 'not-a-member' });
  });

  it('adds a device again after its identity was reset; its old identity reads nothing more', async () => {
    expect(await bob.open(delivered(ALICE, BOB, await alice.seal(BOB, 'before the reset')))).toMatchObject({
      kind: 'opened',
    });
    const bobReset = await newDevice(BOB, directory, { deviceId: bob.self.deviceId });
    const after = delivered(ALICE, BOB, await alice.seal(BOB, 'after the reset'));
    expect(await bobReset.open(after)).toEqual({ kind: 'opened', text: 'after the reset' });
    expect(await bob.open(after)).toEqual({ kind: 'undecryptable', reason: 'not-a-member' });
  });

  it('writes nothing sealed from a state that another process on the copy changed meanwhile', async () => {
    expect(await bob.open(delivered(ALICE, BOB, await alice.seal(BOB, 'first')))).toMatchObject({ kind: 'opened' });
    const members = alice.membersFor(BOB);
    const [thisProcess, otherProcess] = [1, 2].map(() => new MlsWorkspace(alice.store, directory, alice.self));
    await thisProcess!.seal(BOB, members, 'sealed here');
    const other = await otherProcess!.seal(BOB, members, 'sealed in the other process');
    alice.store.transaction(() => otherProcess!.persist('2026-12-07T09:00:00.000Z'));
    expect(() => alice.store.transaction(() => thisProcess!.persist('2026-12-07T09:00:00.000Z'))).toThrow(
      ConcurrentGroupChangeError,
    );
    expect(await bob.open(delivered(ALICE, BOB, other))).toEqual({
      kind: 'opened',
      text: 'sealed in the other process',
    });
    expect(await bob.open(delivered(ALICE, BOB, await alice.seal(BOB, 'next')))).toEqual({
      kind: 'opened',
      text: 'next',
    });
  });

  it('keeps its state across a reopened database: the client config is built again on load', async () => {
    const file = `${process.env.TMPDIR ?? '/tmp'}/mylife-e2ee-${Date.now()}-${Math.random()}.sqlite`;
    const onDisk = await InMemoryDevice.create(BOB, directory, { database: new BetterSqlite3Database(file) });
    expect(await onDisk.open(delivered(ALICE, BOB, await alice.seal(BOB, 'before the restart')))).toMatchObject({
      kind: 'opened',
    });
    onDisk.database.close();
    const reopened = onDisk.reopened(new BetterSqlite3Database(file));
    expect(await reopened.open(delivered(ALICE, BOB, await alice.seal(BOB, 'after the restart')))).toEqual({
      kind: 'opened',
      text: 'after the restart',
    });
    expect(await alice.open(delivered(BOB, ALICE, await reopened.seal(ALICE, 'and back')))).toEqual({
      kind: 'opened',
      text: 'and back',
    });
  });
});
