import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { AuthService } from '../auth/auth.service';
import { AuthenticatedUser } from '../auth/authenticated-user';
import { FriendsService } from '../friends/friends.service';
import { DeviceKeyEntity } from './device-key.entity';
import { ClaimKeysDto, PublishKeysDto } from './dto/keys.dto';
import { KeyChangeNotices } from './key-change-notices';
import { KeyClaimLimit } from './key-claim-limit';
import { DirectoryDevice } from './key-directory-cache.entity';
import { fromBase64Url, KeyChange, MAX_DEVICES_PER_USER, MAX_UNCLAIMED_KEY_PACKAGES } from './key-material';
import { KeysRepository } from './keys.repository';
import {
  ClaimResponse,
  KeyDirectoryResponse,
  PublishedKeysResponse,
  toClaimedDevice,
  toDirectoryDevice,
} from './keys.responses';
import { readPeerClaim, readPeerDirectory } from './peer-answers';
import { RemoteKeyDirectory } from './remote-key-directory.port';

/** How long another server's answer to a key directory query is reused. */
export const KEY_DIRECTORY_CACHE_MS = 60_000;

/**
 * The key directory of end-to-end encryption: each device of a user publishes an identity key and single-use key
 * packages; the user and their friends (here or on other servers) read the identity keys and claim the packages.
 * Public material only: no private key ever reaches the server.
 */
@Injectable()
export class KeysService {
  constructor(
    @Inject(KeysRepository) private readonly keys: KeysRepository,
    @Inject(KeyChangeNotices) private readonly notices: KeyChangeNotices,
    @Inject(KeyClaimLimit) private readonly claimLimit: KeyClaimLimit,
    @Inject(RemoteKeyDirectory) private readonly remote: RemoteKeyDirectory,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(FriendsService) private readonly friends: FriendsService,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  /**
   * Publishes the calling device's keys: a new device, the same device with more packages, or a new identity key for
   * it (an identity reset: its old packages are dropped). The device is bound to the calling token.
   */
  async publish(user: AuthenticatedUser, input: PublishKeysDto): Promise<PublishedKeysResponse> {
    const identityKey = fromBase64Url(input.identityKey)!;
    const packages = input.keyPackages.map((text) => fromBase64Url(text)!);
    const lastResort = input.lastResortKeyPackage === undefined ? null : fromBase64Url(input.lastResortKeyPackage)!;
    return this.inTransaction(async (manager, changes) => {
      await this.keys.lockUser(manager, user.address);
      // Devices of dead tokens go in this transaction, under the lock: they neither count against the device limit
      // nor hold their device id, and no second read or transaction is needed for them.
      const { live, deadTokens } = await this.splitLive(await this.keys.devices(user.address, manager), manager);
      await this.removeDead(manager, user.address, deadTokens, changes);
      const existing = this.assertPublishable(live, user, input.deviceId);
      const kept = await this.setIdentity(manager, user, input.deviceId, identityKey, existing, changes);
      if (kept.packages + packages.length > MAX_UNCLAIMED_KEY_PACKAGES) {
        throw new BadRequestException(
          `device ${input.deviceId} holds ${kept.packages} unclaimed key packages and may hold at most ` +
            `${MAX_UNCLAIMED_KEY_PACKAGES}: send at most ${MAX_UNCLAIMED_KEY_PACKAGES - kept.packages} more`,
        );
      }
      await this.keys.addPackages(manager, user.address, input.deviceId, packages);
      if (lastResort) await this.keys.setLastResort(manager, user.address, input.deviceId, lastResort);
      return {
        deviceId: input.deviceId,
        identityKey: input.identityKey,
        keyPackagesAvailable: kept.packages + packages.length,
        lastResort: kept.lastResort || lastResort !== null,
      };
    });
  }

  /**
   * Makes `identityKey` the device's: a new device, or a new identity of an existing one (an identity reset, whose old
   * packages are no use to anyone), both key changes. Answers what the device keeps of its supply.
   */
  private async setIdentity(
    manager: EntityManager,
    user: AuthenticatedUser,
    deviceId: string,
    identityKey: Buffer,
    existing: DeviceKeyEntity | undefined,
    changes: KeyChange[],
  ): Promise<{ packages: number; lastResort: boolean }> {
    if (!existing) {
      await this.keys.insertDevice(manager, { userId: user.address, deviceId, tokenId: user.tokenId, identityKey });
      changes.push({ address: user.address, reason: 'device-added' });
      return { packages: 0, lastResort: false };
    }
    if (!existing.identityKey.equals(identityKey)) {
      await this.keys.resetIdentity(manager, user.address, deviceId, identityKey);
      changes.push({ address: user.address, reason: 'identity-reset' });
      return { packages: 0, lastResort: false };
    }
    const packages = await this.keys.countPackages(manager, user.address, deviceId);
    return { packages, lastResort: existing.lastResortKeyPackage !== null };
  }

  /** The devices of `addressInput` (the caller, or a friend of any server), sorted by device id. */
  async directory(viewer: AuthenticatedUser, addressInput: string): Promise<KeyDirectoryResponse> {
    const address = await this.visibleAddress(viewer, addressInput);
    if (this.accounts.isLocal(address)) return this.localDirectory(address);
    const cached = await this.keys.cached(address, KEY_DIRECTORY_CACHE_MS);
    if (cached) return { address, devices: cached };
    const devices: DirectoryDevice[] = readPeerDirectory(await this.remote.query(viewer.address, address), address);
    await this.keys.cache(address, devices);
    return { address, devices };
  }

  /**
   * One key package per device of `input.address` (the caller's own other devices, or a friend's), each single-use
   * package handed out once; counted against the caller's claim limit.
   */
  async claim(viewer: AuthenticatedUser, input: ClaimKeysDto): Promise<ClaimResponse> {
    const address = await this.visibleAddress(viewer, input.address);
    await this.claimLimit.admitUser(viewer.address);
    if (!this.accounts.isLocal(address)) {
      return {
        address,
        devices: readPeerClaim(await this.remote.claim(viewer.address, address, input.deviceIds), address),
      };
    }
    return this.claimLocal(address, input.deviceIds, address === viewer.address ? viewer.tokenId : null);
  }

  /** A query from another server for its user `requester`, who must be a friend of `addressInput` (ours). */
  async directoryForPeer(requester: string, addressInput: string): Promise<KeyDirectoryResponse> {
    const address = await this.localFriendOf(requester, addressInput);
    return this.localDirectory(address);
  }

  /** A claim from `server` for its user `requester`, who must be a friend of `addressInput` (ours). */
  async claimForPeer(
    server: string,
    requester: string,
    addressInput: string,
    deviceIds: string[] | undefined,
  ): Promise<ClaimResponse> {
    const address = await this.localFriendOf(requester, addressInput);
    await this.claimLimit.admitPeer(server, requester);
    return this.claimLocal(address, deviceIds, null);
  }

  /** Another server says that its user's keys changed: what we cached is stale, and their friends here hear of it. */
  async keyChangeFromPeer(change: KeyChange): Promise<void> {
    const after = await this.keys.transaction(async (manager) => {
      await this.keys.dropCached(manager, change.address);
      return this.notices.relay(manager, change);
    });
    await after();
  }

  private async localDirectory(address: string): Promise<KeyDirectoryResponse> {
    return { address, devices: (await this.liveDevices(address)).map(toDirectoryDevice) };
  }

  private async claimLocal(
    address: string,
    deviceIds: string[] | undefined,
    exceptTokenId: string | null,
  ): Promise<ClaimResponse> {
    await this.liveDevices(address);
    const rows = await this.keys.claim(address, deviceIds ?? null, exceptTokenId);
    return { address, devices: rows.map(toClaimedDevice) };
  }

  /**
   * The user's devices whose tokens still work. A device whose token expired, or was revoked where no hook ran (the
   * operator CLI's password reset), is removed here, as its revocation would have: a key change.
   */
  private async liveDevices(address: string): Promise<DeviceKeyEntity[]> {
    const { live, deadTokens } = await this.splitLive(await this.keys.devices(address));
    if (deadTokens.length > 0) {
      await this.inTransaction(async (manager, changes) => {
        await this.keys.lockUser(manager, address);
        await this.removeDead(manager, address, deadTokens, changes);
      });
    }
    return live;
  }

  /** The devices whose tokens still work, and the tokens of the others. */
  private async splitLive(
    devices: DeviceKeyEntity[],
    manager?: EntityManager,
  ): Promise<{ live: DeviceKeyEntity[]; deadTokens: string[] }> {
    const liveTokens = await this.auth.liveTokenIds(
      devices.map((device) => device.tokenId),
      manager,
    );
    return {
      live: devices.filter((device) => liveTokens.has(device.tokenId)),
      deadTokens: devices.filter((device) => !liveTokens.has(device.tokenId)).map((device) => device.tokenId),
    };
  }

  /** Removes the devices of `deadTokens` in a transaction that holds the user's lock: a key change, if any was left. */
  private async removeDead(
    manager: EntityManager,
    address: string,
    deadTokens: string[],
    changes: KeyChange[],
  ): Promise<void> {
    if ((await this.keys.removeDevicesOfTokens(manager, deadTokens)).length > 0) {
      changes.push({ address, reason: 'device-removed' });
    }
  }

  /** The device `deviceId` of the caller, if any, once it is clear that this token may publish it. */
  private assertPublishable(
    devices: DeviceKeyEntity[],
    user: AuthenticatedUser,
    deviceId: string,
  ): DeviceKeyEntity | undefined {
    const ofToken = devices.find((device) => device.tokenId === user.tokenId);
    if (ofToken && ofToken.deviceId !== deviceId) {
      throw new ConflictException(
        `this access token published device ${ofToken.deviceId} already: one login is one device (log in again for another)`,
      );
    }
    const existing = devices.find((device) => device.deviceId === deviceId);
    if (existing && existing.tokenId !== user.tokenId) {
      throw new ConflictException(`deviceId ${deviceId} is another of your devices: choose another deviceId`);
    }
    if (!existing && devices.length >= MAX_DEVICES_PER_USER) {
      throw new BadRequestException(
        `you have ${devices.length} devices with keys, the most a user may have: log out of one first (its keys go with it)`,
      );
    }
    return existing;
  }

  /** The address named by `input`, when `viewer` may see its keys: their own, or an accepted friend's (403 otherwise). */
  private async visibleAddress(viewer: AuthenticatedUser, input: string): Promise<string> {
    const address = await this.accounts.resolveAddress(input, 'address');
    if (address !== viewer.address) await this.friends.assertFriends(viewer.address, address);
    return address;
  }

  /** A user of this node (404 otherwise) of whom `requester`, another server's user, is a friend (403 otherwise). */
  private async localFriendOf(requester: string, input: string): Promise<string> {
    const address = await this.accounts.resolveAddress(input, 'address');
    if (!this.accounts.isLocal(address)) throw new NotFoundException(`${address} is not a user of this server`);
    await this.friends.assertFriends(address, requester, address);
    return address;
  }

  /**
   * Runs `work` in a transaction whose key changes (those it pushes) are announced in it, and told to streams and
   * other servers once it has committed.
   */
  private async inTransaction<T>(work: (manager: EntityManager, changes: KeyChange[]) => Promise<T>): Promise<T> {
    const { result, after } = await this.keys.transaction(async (manager) => {
      const changes: KeyChange[] = [];
      const value = await work(manager, changes);
      return { result: value, after: await this.notices.announce(manager, changes) };
    });
    await after();
    return result;
  }
}
