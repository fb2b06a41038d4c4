import type { AuthenticationService, Credential } from 'ts-mls';
import { deviceOfCredential } from './credential.ts';

/** Where the identity keys that servers publish are looked up (a local copy, refreshed from the server). */
export interface IdentityKeyLookup {
  /**
   * Whether the device's server publishes `identityKey` for it, or did at some time: a Welcome made before a device
   * was removed still names it. Throws `DirectoryUnavailableError` when the server cannot be asked: the message waits
   * rather than being refused.
   */
  isPublishedKey(address: string, deviceId: string, identityKey: Uint8Array): Promise<boolean>;
}

/** The key directory could not be asked now (network, the peer's server): try again later. */
export class DirectoryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DirectoryUnavailableError';
  }
}

/**
 * Accepts a member's credential only when its signature key is the identity key that the member's server publishes
 * for that address and device (now or before): ts-mls's default accepts anything, which would let a server slip in a
 * member.
 */
export class DirectoryAuthenticationService implements AuthenticationService {
  constructor(private readonly lookup: IdentityKeyLookup) {}

  async validateCredential(credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
    const device = deviceOfCredential(credential);
    return device !== undefined && this.lookup.isPublishedKey(device.address, device.deviceId, signaturePublicKey);
  }
}
