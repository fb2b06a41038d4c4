import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../src/e2ee/base64url.ts';
import { conversationSecurityOf, safetyNumberFrom } from '../src/e2ee/conversation-security.ts';
import { credentialOf, deviceOfCredential } from '../src/e2ee/credential.ts';
import { newIdentityKeyPair } from '../src/e2ee/device-identity.ts';
import { decodeEnvelope, encodeEnvelope } from '../src/e2ee/envelope.ts';
import { keyChangeAfterLookup, keySetOf, NO_KEYS } from '../src/e2ee/key-set.ts';
import { safetyNumberOf, userFingerprint } from '../src/e2ee/safety-number.ts';
import type { DirectoryEntry } from '../src/store/key-directory-store.ts';

const ALICE = 'alice@a.test';
const BOB = 'bob@b.test';

function entry(address: string, keys: Uint8Array[], fields: Partial<DirectoryEntry> = {}): DirectoryEntry {
  const devices = keys.map((key, index) => ({
    deviceId: `d${index}`,
    identityKey: toBase64Url(key),
    updatedAt: '2026-12-07T08:00:00.000Z',
  }));
  return {
    address,
    status: devices.length > 0 ? 'keys' : 'no-keys',
    devices,
    fetchedAt: 0,
    stale: false,
    acknowledgedKeys: keySetOf(devices),
    keyChanged: false,
    verified: false,
    ...fields,
  };
}

describe('safety numbers', () => {
  const aliceKeys = [newIdentityKeyPair().publicKey, newIdentityKeyPair().publicKey];
  const bobKeys = [newIdentityKeyPair().publicKey];

  it('are the same 60 digits on both sides, in 12 groups of 5, with a QR payload naming the lower address first', () => {
    const seenByAlice = safetyNumberFrom(entry(ALICE, aliceKeys), entry(BOB, bobKeys));
    const seenByBob = safetyNumberFrom(entry(BOB, bobKeys), entry(ALICE, [...aliceKeys].reverse()));
    expect(seenByAlice.digits).toBe(seenByBob.digits);
    expect(seenByAlice.digits).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(seenByAlice.qrPayload).toBe(seenByBob.qrPayload);
    expect(seenByAlice.qrPayload).toMatch(new RegExp(`^mylife-safety:1:${ALICE}:[0-9a-f]{64}:${BOB}:[0-9a-f]{64}$`));
  });

  it('change when a device is added or an identity is reset', () => {
    const before = safetyNumberFrom(entry(ALICE, aliceKeys), entry(BOB, bobKeys)).digits;
    const added = safetyNumberFrom(entry(ALICE, aliceKeys), entry(BOB, [...bobKeys, newIdentityKeyPair().publicKey]));
    const reset = safetyNumberFrom(entry(ALICE, aliceKeys), entry(BOB, [newIdentityKeyPair().publicKey]));
    expect(added.digits).not.toBe(before);
    expect(reset.digits).not.toBe(before);
  });

  it("hold each person's half: the other person's keys leave it as it is", () => {
    const bobHalf = userFingerprint(BOB, bobKeys);
    const number = safetyNumberOf(userFingerprint(ALICE, aliceKeys), bobHalf).digits.replace(/ /g, '');
    expect(number.slice(30)).toBe(bobHalf.digits);
  });

  it('refuse a person without keys', () => {
    expect(() => safetyNumberFrom(entry(ALICE, aliceKeys), entry(BOB, []))).toThrow(/has no keys/);
  });
});

describe('key changes', () => {
  it('trusts the first look-up, and the first keys of a friend who had none', () => {
    expect(keyChangeAfterLookup(null, 'd1:k1')).toEqual({ acknowledged: 'd1:k1', keyChanged: false });
    expect(keyChangeAfterLookup(NO_KEYS, 'd1:k1')).toEqual({ acknowledged: 'd1:k1', keyChanged: false });
  });

  it('sees any other difference, keys gone included, until the accepted set is back', () => {
    expect(keyChangeAfterLookup('d1:k1', 'd1:k1,d2:k2')).toEqual({ acknowledged: 'd1:k1', keyChanged: true });
    expect(keyChangeAfterLookup('d1:k1', 'd1:k9')).toEqual({ acknowledged: 'd1:k1', keyChanged: true });
    expect(keyChangeAfterLookup('d1:k1', NO_KEYS)).toEqual({ acknowledged: 'd1:k1', keyChanged: true });
    expect(keyChangeAfterLookup('d1:k1', 'd1:k1')).toEqual({ acknowledged: 'd1:k1', keyChanged: false });
  });

  it('compares sets: the order of the devices does not matter', () => {
    const a = { deviceId: 'a', identityKey: 'ka' };
    const b = { deviceId: 'b', identityKey: 'kb' };
    expect(keySetOf([a, b])).toBe(keySetOf([b, a]));
  });
});

describe('the security of a conversation', () => {
  const keys = [newIdentityKeyPair().publicKey];

  it('is unknown before a look-up and encrypted when the friend has keys', () => {
    expect(conversationSecurityOf(BOB, undefined, true)).toMatchObject({
      state: 'unknown',
      reason: null,
      canSend: true,
    });
    expect(conversationSecurityOf(BOB, entry(BOB, keys), true)).toMatchObject({ state: 'encrypted', reason: null });
  });

  it('says why it is not encrypted', () => {
    expect(conversationSecurityOf(BOB, entry(BOB, []), true)).toMatchObject({
      state: 'not-encrypted',
      reason: 'peer-has-no-keys',
    });
    expect(conversationSecurityOf(BOB, entry(BOB, [], { status: 'no-key-directory' }), true)).toMatchObject({
      state: 'not-encrypted',
      reason: 'peer-server-has-no-key-directory',
    });
    expect(conversationSecurityOf(BOB, entry(BOB, keys), false)).toMatchObject({
      state: 'not-encrypted',
      reason: 'own-server-has-no-key-directory',
    });
  });

  it('cannot send while a key change is not acknowledged', () => {
    expect(conversationSecurityOf(BOB, entry(BOB, keys, { keyChanged: true }), true)).toMatchObject({
      keyChanged: true,
      canSend: false,
    });
  });
});

describe('envelopes', () => {
  const envelope = {
    device: 'dev-1',
    groupId: new Uint8Array([1, 2, 3]),
    epoch: 4,
    welcome: new Uint8Array([5]),
    message: new Uint8Array([6, 7, 255]),
  };

  it('are JSON with base64url fields, read back as they were written', () => {
    const content = encodeEnvelope(envelope);
    expect(JSON.parse(content)).toEqual({
      v: 1,
      device: 'dev-1',
      group: 'AQID',
      epoch: 4,
      welcome: 'BQ',
      message: 'Bgf_',
    });
    expect(decodeEnvelope(content)).toEqual(envelope);
  });

  it('are refused in any other shape', () => {
    for (const content of [
      '',
      'hello',
      '{"v":2}',
      JSON.stringify({ ...JSON.parse(encodeEnvelope(envelope)), message: 'a+b' }),
    ]) {
      expect(decodeEnvelope(content)).toBeUndefined();
    }
  });
});

describe('device credentials', () => {
  it('name an address and a device, and nothing else', () => {
    expect(deviceOfCredential(credentialOf({ address: ALICE, deviceId: 'x_Y-1' }))).toEqual({
      address: ALICE,
      deviceId: 'x_Y-1',
    });
    const identity = (text: string) => ({ credentialType: 'basic' as const, identity: new TextEncoder().encode(text) });
    expect(deviceOfCredential(identity('alice@a.test'))).toBeUndefined();
    expect(deviceOfCredential(identity(`${ALICE}/bad device`))).toBeUndefined();
  });

  it('travel as base64url without padding', () => {
    expect(toBase64Url(new Uint8Array([251, 255]))).toBe('-_8');
    expect(fromBase64Url('-_8')).toEqual(new Uint8Array([251, 255]));
    expect(() => fromBase64Url('ab=')).toThrow();
  });
});
