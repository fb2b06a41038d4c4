import { LocalValidationError } from '../address.ts';
import { ApiError } from '../api/api-error.ts';
import { ServerUnreachableError } from '../api/http-transport.ts';
import type { MyLifeApi, SyncEvent } from '../api/mylife-api.ts';
import type { ClientEvent, ClientEventEmitter } from '../client-events.ts';
import type { ConversationSecurity, MessageEncryption, OwnKeys, SafetyNumber } from '../model.ts';
import type { DirectoryEntry } from '../store/key-directory-store.ts';
import type { LocalStore } from '../store/local-store.ts';
import type { PageReadings } from '../sync/event-applier.ts';
import type { SyncEncryption } from '../sync/sync-engine.ts';
import { fromBase64Url } from './base64url.ts';
import { conversationSecurityOf, safetyNumberFrom } from './conversation-security.ts';
import { DeviceKeys } from './device-keys.ts';
import { IncomingDecryption } from './incoming-decryption.ts';
import { keySetOf } from './key-set.ts';
import { type EncryptionContext, OutgoingEncryption } from './outgoing-encryption.ts';
import { deviceFingerprint } from './safety-number.ts';
import { ServerKeyDirectory } from './server-key-directory.ts';

/**
 * The client's end-to-end encryption (docs/design-notes.md): this device's keys, the friends' key sets and their
 * changes, and the MLS work of the outbox flush (`outgoing`) and of the sync (`open`).
 */
export class EndToEndEncryption implements SyncEncryption {
  readonly outgoing: OutgoingEncryption;
  private readonly incoming: IncomingDecryption;
  private readonly keys: DeviceKeys;

  constructor(
    private readonly store: LocalStore,
    private readonly emitter: ClientEventEmitter,
    private readonly now: () => number,
  ) {
    this.keys = new DeviceKeys(store, now);
    const context: EncryptionContext = {
      store,
      keys: this.keys,
      now,
      directory: (api, viewer) => this.directory(api, viewer),
      ensurePublished: (api, viewer, directory) => this.ensurePublished(api, viewer, directory),
    };
    this.outgoing = new OutgoingEncryption(context);
    this.incoming = new IncomingDecryption(context);
  }

  // --- lifecycle -----------------------------------------------------------------------------------------------

  /** Keys are made on the first login and published with every login; a failure is retried by the next sync round. */
  async loggedIn(api: MyLifeApi, viewer: string): Promise<void> {
    await this.keys.prepareForLogin(viewer);
    await ignoringNetwork(() => this.ensurePublished(api, viewer, this.directory(api, viewer)));
  }

  /** Logging out ends this device: its keys and groups are erased (the server drops its published keys too). */
  loggedOut(): void {
    this.keys.erase();
  }

  /** A copy from before this version gets its keys here; the supply is checked every `KEY_PACKAGE_CHECK_MS`. */
  async beforeRound(api: MyLifeApi, viewer: string): Promise<void> {
    if (!this.keys.identity()) await this.keys.prepareForLogin(viewer);
    const directory = this.directory(api, viewer);
    if (this.keys.due()) await ignoringNetwork(() => this.ensurePublished(api, viewer, directory, true));
    else await ignoringNetwork(() => this.noteJoinedAt(directory, viewer));
  }

  open(api: MyLifeApi, viewer: string, events: readonly SyncEvent[]): Promise<PageReadings> {
    return this.incoming.open(api, viewer, events);
  }

  async afterApply(api: MyLifeApi, viewer: string): Promise<ClientEvent[]> {
    const directory = this.directory(api, viewer);
    for (const address of this.store.directory.staleAddresses()) {
      try {
        await directory.refresh(address);
      } catch (error) {
        // No longer a friend, or no such user: nothing to look up until a send asks.
        if (error instanceof ApiError && error.isPermanent) this.store.directory.markFresh(address);
        else if (!(error instanceof ServerUnreachableError || error instanceof ApiError)) throw error;
      }
    }
    return (await ignoringNetwork(() => this.incoming.retryPending(api, viewer))) ?? [];
  }

  // --- security of conversations -------------------------------------------------------------------------------

  conversationSecurity(peer: string): ConversationSecurity {
    return conversationSecurityOf(peer, this.store.directory.entry(peer), this.ownServerHasDirectory());
  }

  /** How a message written now will go, as far as this copy knows (the flush decides). */
  encryptionOfNewMessage(peer: string): MessageEncryption {
    const { state } = this.conversationSecurity(peer);
    return state === 'encrypted' ? 'e2ee' : state === 'not-encrypted' ? 'plain' : 'pending';
  }

  async refreshSecurity(api: MyLifeApi, viewer: string, peer: string): Promise<ConversationSecurity> {
    const directory = this.directory(api, viewer);
    await this.ensurePublished(api, viewer, directory);
    if (this.ownServerHasDirectory() !== false) await directory.refresh(peer);
    return this.conversationSecurity(peer);
  }

  /** Both key sets as the server lists them now, or the last ones known when it cannot answer. */
  async safetyNumber(api: MyLifeApi, viewer: string, peer: string): Promise<SafetyNumber> {
    const directory = this.directory(api, viewer);
    const [own, theirs] = [await directory.current(viewer), await directory.current(peer)];
    return safetyNumberFrom(own, theirs);
  }

  /** Verifying the safety number of the current keys also accepts them. */
  markVerified(peer: string): ConversationSecurity {
    return this.changeEntry(peer, (entry) => {
      if (entry.status !== 'keys') throw new LocalValidationError(`${peer} has no keys: there is nothing to verify`);
      return { ...entry, verified: true, keyChanged: false, acknowledgedKeys: keySetOf(entry.devices) };
    });
  }

  acknowledgeKeyChange(peer: string): ConversationSecurity {
    return this.changeEntry(peer, (entry) => ({
      ...entry,
      keyChanged: false,
      acknowledgedKeys: keySetOf(entry.devices),
    }));
  }

  // --- this device's keys --------------------------------------------------------------------------------------

  async ownKeys(api: MyLifeApi, viewer: string): Promise<OwnKeys> {
    const identity = this.keys.identity();
    if (!identity) throw new LocalValidationError('this device has no keys yet: log in first');
    const listed =
      (
        await this.directory(api, viewer)
          .current(viewer)
          .catch(() => undefined)
      )?.devices ?? [];
    const devices = listed.map((device) => ({
      deviceId: device.deviceId,
      fingerprint: deviceFingerprint(fromBase64Url(device.identityKey)),
      current: device.deviceId === identity.deviceId,
    }));
    const own = { deviceId: identity.deviceId, fingerprint: deviceFingerprint(identity.publicKey), current: true };
    const listsThisDevice = devices.some((device) => device.current && device.fingerprint === own.fingerprint);
    return {
      deviceId: identity.deviceId,
      fingerprint: own.fingerprint,
      devices: listsThisDevice ? devices : [...devices.filter((device) => !device.current), own],
    };
  }

  /** A new identity for this device, published at once: friends see a key change. */
  async resetKeys(api: MyLifeApi, viewer: string): Promise<OwnKeys> {
    await this.keys.reset(viewer);
    await this.ensurePublished(api, viewer, this.directory(api, viewer));
    return this.ownKeys(api, viewer);
  }

  // --- internals -----------------------------------------------------------------------------------------------

  /** Publishes when this login has not yet, or (`force`) to check the supply. */
  private async ensurePublished(
    api: MyLifeApi,
    viewer: string,
    directory: ServerKeyDirectory,
    force = false,
  ): Promise<void> {
    if (!this.keys.identity()) await this.keys.prepareForLogin(viewer);
    if (!force && !this.keys.needsPublishing()) return;
    const before = this.keys.identity()!;
    await this.keys.publish(api, viewer);
    if (this.keys.identity()!.serverHasDirectory === false) {
      if (before.serverHasDirectory !== false) this.announce(this.knownPeers());
      return;
    }
    await this.noteJoinedAt(directory, viewer);
  }

  /** When the server first listed this device: a message older than that was sent before it could read it. */
  private async noteJoinedAt(directory: ServerKeyDirectory, viewer: string): Promise<void> {
    const identity = this.keys.identity();
    if (!identity?.published || identity.serverHasDirectory !== true || identity.joinedAt !== null) return;
    const own = await directory.refresh(viewer);
    const listed = own.devices.find((device) => device.deviceId === identity.deviceId);
    if (listed) this.store.deviceKeys.saveJoinedAt(listed.updatedAt);
  }

  private changeEntry(peer: string, change: (entry: DirectoryEntry) => DirectoryEntry): ConversationSecurity {
    const entry = this.store.directory.entry(peer);
    if (!entry) throw new LocalValidationError(`the keys of ${peer} were not looked up yet (refreshSecurity)`);
    const changed = change(entry);
    this.store.directory.save(changed);
    if (changed.keyChanged !== entry.keyChanged || changed.verified !== entry.verified) this.announce([peer]);
    return this.conversationSecurity(peer);
  }

  private ownServerHasDirectory(): boolean | null {
    return this.keys.identity()?.serverHasDirectory ?? null;
  }

  private knownPeers(): string[] {
    return this.store.social.friends().map((friend) => friend.friendUserId);
  }

  private directory(api: MyLifeApi, viewer: string): ServerKeyDirectory {
    return new ServerKeyDirectory(this.store, api, viewer, this.now, (address) => this.announce([address]));
  }

  private announce(addresses: Iterable<string>): void {
    const viewer = this.store.session.get()?.userAddress;
    for (const peer of new Set(addresses)) if (peer !== viewer) this.emitter.emit({ type: 'security', peer });
  }
}

/** The network failing is what the sync round reports; here it only means "later". */
async function ignoringNetwork<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ServerUnreachableError || error instanceof ApiError) return undefined;
    throw error;
  }
}
