import { LocalValidationError } from '../address.ts';
import type { ConversationSecurity, SafetyNumber } from '../model.ts';
import type { DirectoryEntry } from '../store/key-directory-store.ts';
import { fromBase64Url } from './base64url.ts';
import { safetyNumberOf, userFingerprint } from './safety-number.ts';

/** A friend's keys changed and nobody acknowledged it yet: nothing is sent to them until then. */
export class KeyChangeBlockedError extends Error {
  constructor(readonly peer: string) {
    super(`the keys of ${peer} changed: compare the safety number, then acknowledge the change to send again`);
    this.name = 'KeyChangeBlockedError';
  }
}

/** What the local copy knows of a conversation's security: no network, so user interfaces may ask on every render. */
export function conversationSecurityOf(
  peer: string,
  entry: DirectoryEntry | undefined,
  ownServerHasDirectory: boolean | null,
): ConversationSecurity {
  const keyChanged = entry?.keyChanged ?? false;
  const known = { peer, verified: entry?.verified ?? false, keyChanged, canSend: !keyChanged };
  if (ownServerHasDirectory === false) {
    return { ...known, state: 'not-encrypted', reason: 'own-server-has-no-key-directory' };
  }
  switch (entry?.status) {
    case undefined:
      return { ...known, state: 'unknown', reason: null };
    case 'keys':
      return { ...known, state: 'encrypted', reason: null };
    case 'no-keys':
      return { ...known, state: 'not-encrypted', reason: 'peer-has-no-keys' };
    case 'no-key-directory':
      return { ...known, state: 'not-encrypted', reason: 'peer-server-has-no-key-directory' };
  }
}

/** Both people's key sets as their servers list them: the same digits on both sides. */
export function safetyNumberFrom(own: DirectoryEntry, peer: DirectoryEntry): SafetyNumber {
  for (const entry of [own, peer]) {
    if (entry.status !== 'keys')
      throw new LocalValidationError(`${entry.address} has no keys: there is no safety number`);
  }
  const fingerprint = (entry: DirectoryEntry) =>
    userFingerprint(
      entry.address,
      entry.devices.map((device) => fromBase64Url(device.identityKey)),
    );
  const { digits, qrPayload } = safetyNumberOf(fingerprint(own), fingerprint(peer));
  return { peer: peer.address, digits, qrPayload, verified: peer.verified };
}
