import { ApiError } from '../api/api-error.ts';
import type { MyLifeApi, SendMessageRequest } from '../api/mylife-api.ts';
import type { LocalStore } from '../store/local-store.ts';
import type { FlushPreparation, PreparedSend, QueuedSend, SendPreparation } from '../sync/outbox-flusher.ts';
import { fromBase64Url } from './base64url.ts';
import type { DeviceKeys } from './device-keys.ts';
import { E2EE_CONTENT_TYPE } from './envelope.ts';
import type { MemberDevice } from './group-members.ts';
import { ConcurrentGroupChangeError, MissingKeyPackageError, MlsWorkspace } from './mls-workspace.ts';
import { ServerKeyDirectory } from './server-key-directory.ts';
import type { DirectoryEntry } from '../store/key-directory-store.ts';

/** How a message goes: sealed for these member devices, as it is, or not yet (a key change waits). */
type Route = { kind: 'encrypt'; members: MemberDevice[] } | { kind: 'plain' } | { kind: 'held' };

/** A message sealed: its envelope goes into its outbox row with the group state, before it is sent. */
interface Sealed {
  localId: number;
  entryId: number;
  envelope: string;
}

export interface EncryptionContext {
  store: LocalStore;
  keys: DeviceKeys;
  now: () => number;
  /** The key directories for one unit of work; what its look-ups change is announced as it is saved. */
  directory(api: MyLifeApi, viewer: string): ServerKeyDirectory;
  /** Publishes this device's keys when the user's server does not have them with this login yet. */
  ensurePublished(api: MyLifeApi, viewer: string, directory: ServerKeyDirectory): Promise<void>;
}

/**
 * Seals queued messages in the outbox flush. A conversation is encrypted when the friend has keys; as it is only when
 * the friend has none or their server has no key directory, and never silently after it was encrypted (that is a key
 * change, which holds the messages until acknowledged). What is sealed is stored before anything is sent.
 */
export class OutgoingEncryption implements SendPreparation {
  constructor(private readonly context: EncryptionContext) {}

  heldPeers(): string[] {
    return this.context.store.directory.keyChangedAddresses();
  }

  /** The key sets are looked up once per flush, however many runs of sends it has (one per send, for some senders). */
  forFlush(api: MyLifeApi, viewer: string): FlushPreparation {
    const directory = this.context.directory(api, viewer);
    return { prepare: (sends) => this.prepare(api, viewer, directory, sends) };
  }

  private async prepare(
    api: MyLifeApi,
    viewer: string,
    directory: ServerKeyDirectory,
    sends: readonly QueuedSend[],
  ): Promise<PreparedSend[]> {
    const { store } = this.context;
    let workspace: MlsWorkspace | undefined;
    const openWorkspace = () => {
      workspace ??= new MlsWorkspace(store, directory, this.context.keys.ownDevice(viewer)!);
      return workspace;
    };
    const prepared: PreparedSend[] = [];
    const sealed: Sealed[] = [];
    for (const send of sends) {
      const { outcome, seal } = await this.prepareOne(api, viewer, directory, openWorkspace, send);
      prepared.push(outcome);
      if (seal) sealed.push(seal);
      if (outcome.kind === 'retry') break;
    }
    if (workspace) {
      try {
        this.storeSealed(workspace, sealed);
      } catch (error) {
        if (!(error instanceof ConcurrentGroupChangeError)) throw error;
        // Nothing sealed in this work may leave the device: from the first of it on, the run is tried again.
        const firstSealed = sends.findIndex((send) => send.entry.id === sealed[0]?.entryId);
        return [...prepared.slice(0, firstSealed), { kind: 'retry', error }];
      }
    }
    return prepared;
  }

  /** The group states and the envelopes in one local transaction: nothing sealed leaves the device before it. */
  private storeSealed(workspace: MlsWorkspace, sealed: readonly Sealed[]): void {
    const { store, now } = this.context;
    store.transaction(() => {
      workspace.persist(new Date(now()).toISOString());
      for (const seal of sealed) {
        store.outbox.saveEnvelope(seal.entryId, seal.envelope);
        store.messages.setEncryption(seal.localId, 'e2ee');
      }
    });
    workspace.forgetConsumedSecrets();
  }

  private async prepareOne(
    api: MyLifeApi,
    viewer: string,
    directory: ServerKeyDirectory,
    workspace: () => MlsWorkspace,
    { entry, message }: QueuedSend,
  ): Promise<{ outcome: PreparedSend; seal?: Sealed }> {
    const request = (contentType: SendMessageRequest['contentType'], content: string): PreparedSend => ({
      kind: 'ready',
      request: { toUserId: message.toUserId, contentType, content, clientMessageId: message.clientMessageId },
    });
    const sealed = this.context.store.outbox.envelopeOf(entry.id);
    if (sealed) return { outcome: request(E2EE_CONTENT_TYPE, sealed) };
    try {
      const route = await this.routeOf(api, viewer, directory, message.toUserId);
      switch (route.kind) {
        case 'held':
          return { outcome: { kind: 'held' } };
        case 'plain':
          return { outcome: request(message.contentType, message.content) };
        case 'encrypt': {
          const envelope = await workspace().seal(message.toUserId, route.members, message.content);
          return {
            outcome: request(E2EE_CONTENT_TYPE, envelope),
            seal: { localId: message.localId, entryId: entry.id, envelope },
          };
        }
      }
    } catch (error) {
      if (error instanceof MissingKeyPackageError) this.context.store.directory.markStale(error.device.address);
      if (error instanceof ApiError && error.isPermanent) return { outcome: { kind: 'refused', error } };
      return { outcome: { kind: 'retry', error: error instanceof Error ? error : new Error(String(error)) } };
    }
  }

  private async routeOf(api: MyLifeApi, viewer: string, directory: ServerKeyDirectory, peer: string): Promise<Route> {
    await this.context.ensurePublished(api, viewer, directory);
    const identity = this.context.keys.identity()!;
    if (identity.serverHasDirectory === false) return { kind: 'plain' };
    const entry = await directory.current(peer);
    if (entry.keyChanged) return { kind: 'held' };
    if (entry.status !== 'keys') return { kind: 'plain' };
    const own = await directory.current(viewer);
    const ownOthers = own.devices.filter((device) => device.deviceId !== identity.deviceId);
    return { kind: 'encrypt', members: [...membersOf(entry, entry.devices), ...membersOf(own, ownOthers)] };
  }
}

function membersOf(entry: DirectoryEntry, devices: DirectoryEntry['devices']): MemberDevice[] {
  return devices.map((device) => ({
    address: entry.address,
    deviceId: device.deviceId,
    identityKey: fromBase64Url(device.identityKey),
  }));
}
