import { ApiError } from '../api/api-error.ts';
import type { MyLifeApi } from '../api/mylife-api.ts';
import type { DeviceIdentity } from '../store/device-key-store.ts';
import type { LocalStore } from '../store/local-store.ts';
import { toBase64Url } from './base64url.ts';
import { generateKeyPackages, newDeviceId, newIdentityKeyPair } from './device-identity.ts';
import type { OwnDevice } from './mls-workspace.ts';

/** Key packages published at a time; the supply is topped up when the server holds fewer than `REPLENISH_BELOW`. */
export const KEY_PACKAGE_SUPPLY = 50;
export const REPLENISH_BELOW = 20;
/** How often a sync round asks the server how many key packages remain. */
export const KEY_PACKAGE_CHECK_MS = 10 * 60_000;

/** This device's identity and key packages: made on the first login, published, topped up, reset, erased. */
export class DeviceKeys {
  constructor(
    private readonly store: LocalStore,
    private readonly now: () => number,
  ) {}

  identity(): DeviceIdentity | undefined {
    return this.store.deviceKeys.identity();
  }

  /** This device as the MLS engine works for it; undefined before the first login made its keys. */
  ownDevice(address: string): OwnDevice | undefined {
    const identity = this.identity();
    if (!identity) return undefined;
    return {
      address,
      deviceId: identity.deviceId,
      publicKey: identity.publicKey,
      secretKey: identity.secretKey,
      canJoin: identity.serverHasDirectory !== false,
      joinedAt: identity.joinedAt,
    };
  }

  /** A login: keys are made when this copy has none; either way they must be published again with the new token. */
  async prepareForLogin(address: string): Promise<void> {
    if (!this.identity()) await this.create(address);
    this.store.deviceKeys.markUnpublished();
  }

  /** A new identity for this device (same device id): its groups are gone, and so is what waited for them. */
  async reset(address: string): Promise<void> {
    await this.create(address, this.identity()?.deviceId);
    this.store.transaction(() => {
      this.store.groups.eraseAll();
      this.store.messages.markPendingUndecryptable('before-this-device');
    });
  }

  /** Logging out: what still waited for this device's groups can never open. */
  erase(): void {
    this.store.transaction(() => {
      this.store.deviceKeys.erase();
      this.store.groups.eraseAll();
      this.store.messages.markPendingUndecryptable('before-this-device');
    });
  }

  /**
   * Whether a sync round should publish: never yet with this login, or the supply (or whether the server has a key
   * directory at all) was not checked for `KEY_PACKAGE_CHECK_MS`.
   */
  due(): boolean {
    const identity = this.identity();
    if (!identity) return false;
    const checkedLongAgo = this.now() - (identity.packagesCheckedAt ?? 0) >= KEY_PACKAGE_CHECK_MS;
    return checkedLongAgo || (!identity.published && identity.serverHasDirectory !== false);
  }

  /** Not published with this login yet, on a server that may have a key directory. */
  needsPublishing(): boolean {
    const identity = this.identity();
    return identity !== undefined && !identity.published && identity.serverHasDirectory !== false;
  }

  /**
   * `PUT /api/keys` with what the server does not have yet, then a top-up when it says the supply is low. A 404 is a
   * server without a key directory (a plain MyLife node): noted, and asked again after `KEY_PACKAGE_CHECK_MS`.
   */
  async publish(api: MyLifeApi, address: string): Promise<void> {
    const available = await this.publishUnpublished(api);
    if (available === undefined || available >= REPLENISH_BELOW) return;
    const identity = this.identity()!;
    const fresh = await generateKeyPackages({ address, deviceId: identity.deviceId }, identity, KEY_PACKAGE_SUPPLY);
    this.store.deviceKeys.addKeyPackages(fresh, new Date(this.now()).toISOString());
    await this.publishUnpublished(api);
  }

  /** The number of key packages the server says it holds; undefined when it has no key directory. */
  private async publishUnpublished(api: MyLifeApi): Promise<number | undefined> {
    const identity = this.identity();
    if (!identity) throw new Error('this device has no keys: log in first');
    const single = this.store.deviceKeys.unpublishedKeyPackages().filter((entry) => !entry.lastResort);
    const batch = single.slice(0, MAX_PACKAGES_PER_REQUEST);
    const lastResort = this.store.deviceKeys.lastResortKeyPackage();
    let response;
    try {
      response = await api.publishKeys({
        deviceId: identity.deviceId,
        identityKey: toBase64Url(identity.publicKey),
        keyPackages: batch.map((entry) => toBase64Url(entry.keyPackage)),
        ...(lastResort ? { lastResortKeyPackage: toBase64Url(lastResort.keyPackage) } : {}),
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.store.deviceKeys.markServerWithoutDirectory(this.now());
        return undefined;
      }
      throw error;
    }
    const published = [...batch, ...(lastResort ? [lastResort] : [])].map((entry) => entry.ref);
    this.store.transaction(() => this.store.deviceKeys.markPublished(published, this.now()));
    return typeof response?.keyPackagesAvailable === 'number' ? response.keyPackagesAvailable : undefined;
  }

  private async create(address: string, deviceId = newDeviceId()): Promise<void> {
    const identity = newIdentityKeyPair();
    const device = { address, deviceId };
    const packages = [
      ...(await generateKeyPackages(device, identity, KEY_PACKAGE_SUPPLY)),
      ...(await generateKeyPackages(device, identity, 1, { lastResort: true })),
    ];
    const now = new Date(this.now()).toISOString();
    this.store.transaction(() => {
      this.store.deviceKeys.saveIdentity({ deviceId, ...identity }, now);
      this.store.deviceKeys.addKeyPackages(packages, now);
    });
  }
}

/** The server takes at most 100 key packages per request. */
const MAX_PACKAGES_PER_REQUEST = 100;
