import { decodeMlsMessage } from 'ts-mls';
import { ApiError } from '../api/api-error.ts';
import { ServerUnreachableError } from '../api/http-transport.ts';
import { type MyLifeApi, NO_KEY_DIRECTORY } from '../api/mylife-api.ts';
import type { DirectoryEntry, DirectoryStatus } from '../store/key-directory-store.ts';
import type { LocalStore } from '../store/local-store.ts';
import { fromBase64Url, toBase64Url } from './base64url.ts';
import { DEVICE_ID_PATTERN } from './credential.ts';
import { DirectoryUnavailableError } from './directory-authentication-service.ts';
import { type DirectoryDevice, keyChangeAfterLookup, keySetOf } from './key-set.ts';
import type { ClaimedKeyPackage, KeyDirectory } from './mls-workspace.ts';

const IDENTITY_KEY_BYTES = 32;

/**
 * The servers' key directories through the user's own server, for one unit of work, with the local copy in front:
 * every look-up is saved, compared with the key set the user accepted (a key change), and remembered key by key.
 */
export class ServerKeyDirectory implements KeyDirectory {
  private readonly refreshed = new Set<string>();

  /** `announce` hears of each address whose security (encryption state, key change) a look-up changed, once saved. */
  constructor(
    private readonly store: LocalStore,
    private readonly api: MyLifeApi,
    private readonly viewer: string,
    private readonly now: () => number,
    private readonly announce: (address: string) => void,
  ) {}

  /**
   * The key set as the server lists it now, looked up once per unit of work: a device that joined a moment ago (its
   * `keys` event not pulled yet) is in the group of the next message. When the server cannot answer now, the saved
   * entry serves (a friend's server that is down does not hold the outbox); without one, the error is thrown.
   */
  async current(address: string): Promise<DirectoryEntry> {
    const saved = this.store.directory.entry(address);
    if (saved && this.refreshed.has(address)) return saved;
    try {
      return await this.refresh(address);
    } catch (error) {
      if (saved && isUnavailable(error)) return saved;
      throw error;
    }
  }

  /** Throws the server's refusal (ApiError) or `ServerUnreachableError`; a directory-less peer is an answer. */
  async refresh(address: string): Promise<DirectoryEntry> {
    const listing = await this.lookUp(address);
    this.refreshed.add(address);
    const before = this.store.directory.entry(address);
    const entry = this.entryAfter(address, before, listing);
    this.store.transaction(() => {
      this.store.directory.save(entry);
      this.store.directory.rememberPublishedKeys(address, listing.devices);
    });
    if (!before || securityChanged(before, entry)) this.announce(address);
    return entry;
  }

  async isPublishedKey(address: string, deviceId: string, identityKey: Uint8Array): Promise<boolean> {
    const key = toBase64Url(identityKey);
    if (this.store.directory.wasPublished(address, deviceId, key)) return true;
    // A device this copy has not seen yet (a new device of a friend): one look-up per address and unit of work.
    if (this.refreshed.has(address)) return false;
    try {
      await this.refresh(address);
    } catch (error) {
      if (error instanceof ApiError && error.isPermanent) return false;
      throw new DirectoryUnavailableError(`the keys of ${address} cannot be looked up now`, { cause: error });
    }
    return this.store.directory.wasPublished(address, deviceId, key);
  }

  async claim(address: string, deviceIds: readonly string[]): Promise<ClaimedKeyPackage[]> {
    const { devices } = await this.api.claimKeys(address, deviceIds);
    return (Array.isArray(devices) ? devices : []).flatMap((device) => {
      const message = decodeKeyPackage(device?.keyPackage);
      return message && typeof device.deviceId === 'string'
        ? [{ address, deviceId: device.deviceId, keyPackage: message }]
        : [];
    });
  }

  private async lookUp(address: string): Promise<{ status: DirectoryStatus; devices: DirectoryDevice[] }> {
    try {
      const { devices } = await this.api.keysOf(address);
      const valid = (Array.isArray(devices) ? devices : []).filter(isDirectoryDevice);
      return { status: valid.length > 0 ? 'keys' : 'no-keys', devices: valid };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && error.code === NO_KEY_DIRECTORY) {
        return { status: 'no-key-directory', devices: [] };
      }
      throw error;
    }
  }

  /** The user's own devices are never a key change for them: only friends' sets are compared. */
  private entryAfter(
    address: string,
    before: DirectoryEntry | undefined,
    listing: { status: DirectoryStatus; devices: DirectoryDevice[] },
  ): DirectoryEntry {
    const current = keySetOf(listing.devices);
    const { acknowledged, keyChanged } =
      address === this.viewer
        ? { acknowledged: current, keyChanged: false }
        : keyChangeAfterLookup(before?.acknowledgedKeys ?? null, current);
    return {
      address,
      status: listing.status,
      devices: listing.devices,
      fetchedAt: this.now(),
      stale: false,
      acknowledgedKeys: acknowledged,
      keyChanged,
      verified: (before?.verified ?? false) && !keyChanged,
    };
  }
}

/** The server could not answer now (the network, a peer that is down, a rate limit): not a refusal. */
function isUnavailable(error: unknown): boolean {
  return (
    error instanceof ServerUnreachableError ||
    (error instanceof ApiError && !error.isPermanent && !error.isUnauthorized)
  );
}

function securityChanged(before: DirectoryEntry, after: DirectoryEntry): boolean {
  return before.status !== after.status || before.keyChanged !== after.keyChanged || before.verified !== after.verified;
}

function isDirectoryDevice(device: unknown): device is DirectoryDevice {
  const candidate = device as Partial<DirectoryDevice> | null;
  if (typeof candidate?.deviceId !== 'string' || !DEVICE_ID_PATTERN.test(candidate.deviceId)) return false;
  if (typeof candidate.identityKey !== 'string' || typeof candidate.updatedAt !== 'string') return false;
  try {
    return fromBase64Url(candidate.identityKey).length === IDENTITY_KEY_BYTES;
  } catch {
    return false;
  }
}

function decodeKeyPackage(encoded: unknown) {
  if (typeof encoded !== 'string') return undefined;
  try {
    const message = decodeMlsMessage(fromBase64Url(encoded), 0)?.[0];
    return message?.wireformat === 'mls_key_package' ? message.keyPackage : undefined;
  } catch {
    return undefined;
  }
}
