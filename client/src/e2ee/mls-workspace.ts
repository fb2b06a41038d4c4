import { randomBytes } from '@noble/hashes/utils.js';
import {
  type AuthenticationService,
  type ClientConfig,
  type ClientState,
  type CreateCommitResult,
  type Credential,
  type KeyPackage,
  type MLSMessage,
  type PrivateMessage,
  type Proposal,
  type Welcome,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeGroupState,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroup,
  processPrivateMessage,
  zeroOutUint8Array,
} from 'ts-mls';
import type { UndecryptableReason } from '../model.ts';
import type { PendingEnvelope, StoredGroup } from '../store/group-store.ts';
import type { LocalStore } from '../store/local-store.ts';
import { OutdatedReadingsError } from '../sync/event-applier.ts';
import { sameBytes, toBase64Url } from './base64url.ts';
import { credentialOf, type DeviceAddress, sameDevice } from './credential.ts';
import {
  DirectoryAuthenticationService,
  DirectoryUnavailableError,
  type IdentityKeyLookup,
} from './directory-authentication-service.ts';
import { type Envelope, decodeEnvelope, encodeEnvelope } from './envelope.ts';
import { type MemberDevice, applicationSenderLeaf, leafOf, membersOf, membershipChanges } from './group-members.ts';
import { cipherSuite, clientConfigFor } from './mls-suite.ts';

/** This device, as the workspace seals and opens for it. */
export interface OwnDevice extends DeviceAddress {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  /** Others can add this device to their groups (its keys are on a server with a key directory). */
  canJoin: boolean;
  /** The server's time of this device's keys, once known: messages older than it were sent before it joined. */
  joinedAt: string | null;
}

export interface ClaimedKeyPackage extends DeviceAddress {
  keyPackage: KeyPackage;
}

/** The key directory of the servers: identity keys to check credentials against, and key packages to add devices. */
export interface KeyDirectory extends IdentityKeyLookup {
  /** One key package for each listed device of `address` that has one; each single-use package is handed out once. */
  claim(address: string, deviceIds: readonly string[]): Promise<ClaimedKeyPackage[]>;
}

/** A received message whose content is an envelope. */
export interface IncomingEnvelope {
  messageId: string;
  fromUserId: string;
  toUserId: string;
  createdAt: string;
  content: string;
}

export type OpenResult =
  { kind: 'opened'; text: string } | { kind: 'pending' } | { kind: 'undecryptable'; reason: UndecryptableReason };

/**
 * Another process changed a group meanwhile (the CLI and `mylife sync --watch` may share a copy): nothing of this work
 * is written, since a state both sealed from would reuse its keys. The work is done again from the new state.
 */
export class ConcurrentGroupChangeError extends OutdatedReadingsError {
  constructor(groupId: string) {
    super(`group ${groupId} changed in another process meanwhile: try again`);
    this.name = 'ConcurrentGroupChangeError';
  }
}

/** A device the directory lists has no key package to add it with: look the directory up again, then retry. */
export class MissingKeyPackageError extends Error {
  constructor(readonly device: DeviceAddress) {
    super(`no key package for ${device.address}/${device.deviceId}: its keys are looked up again before a retry`);
    this.name = 'MissingKeyPackageError';
  }
}

interface LoadedGroup {
  record: Omit<StoredGroup, 'state'>;
  state: ClientState;
}

interface Attempt {
  result: OpenResult;
  /** A commit or a Welcome was processed: envelopes that waited in this group may open now. */
  handshake: boolean;
}

const PENDING: OpenResult = { kind: 'pending' };
const REPLAYED_GENERATION = 'Desired gen in the past';

function undecryptable(reason: UndecryptableReason): Attempt {
  return { result: { kind: 'undecryptable', reason }, handshake: false };
}

/**
 * One unit of MLS work of this device (a run of sends, a page of sync events): group states are loaded as needed and
 * every change is kept in memory until `persist()`, which the caller runs in the same local transaction as what the
 * work produced (the envelopes in the outbox, the opened messages). Nothing is written before that: a crash leaves the
 * previous states, from which the same work is done again.
 */
export class MlsWorkspace {
  /** Pending messages (from earlier work or from this one) that opened, or turned out never to open, meanwhile. */
  readonly settled = new Map<string, OpenResult>();
  private readonly groups = new Map<string, LoadedGroup | null>();
  /** The encoded state each group had in the copy when this work first read it (null: none). */
  private readonly statesRead = new Map<string, Uint8Array | null>();
  private readonly changedGroups = new Set<string>();
  private readonly consumed: Uint8Array[] = [];
  private readonly usedKeyPackages = new Set<string>();
  private readonly pendingAdded = new Map<string, PendingEnvelope>();
  private readonly pendingRemoved = new Set<string>();
  private readonly clientConfig: ClientConfig;
  private credentialRefused = false;

  constructor(
    private readonly store: LocalStore,
    private readonly directory: KeyDirectory,
    private readonly self: OwnDevice,
  ) {
    const authentication = new DirectoryAuthenticationService(directory);
    const watched: AuthenticationService = {
      validateCredential: async (credential: Credential, signatureKey: Uint8Array) => {
        const valid = await authentication.validateCredential(credential, signatureKey);
        if (!valid) this.credentialRefused = true;
        return valid;
      },
    };
    this.clientConfig = clientConfigFor(watched);
  }

  // --- sending -------------------------------------------------------------------------------------------------

  /**
   * Seals `text` in this device's group for `peer`, first bringing the group to `members` (the peer's devices and this
   * user's other devices) by one commit. Returns the envelope; the new state waits for `persist()`.
   */
  async seal(peer: string, members: readonly MemberDevice[], text: string): Promise<string> {
    const suite = await cipherSuite();
    const group = this.load(this.outgoingGroupId(peer)) ?? (await this.newOutgoingGroup(peer));
    const created = group.state.groupContext.epoch === 0n;
    const consumed: Uint8Array[] = [];
    const handshake = await this.commitMembers(group.state, members);
    const state = handshake?.newState ?? group.state;
    if (handshake) consumed.push(...handshake.consumed);
    if (membersOf(state).length < 2) throw new Error(`nobody to seal a message to ${peer} for`);
    const sealed = await createApplicationMessage(state, new TextEncoder().encode(text), suite);
    consumed.push(...sealed.consumed);
    this.update({ record: group.record, state: sealed.newState }, consumed);
    return encodeEnvelope({
      device: this.self.deviceId,
      groupId: state.groupContext.groupId,
      epoch: Number(state.groupContext.epoch),
      welcome: handshake?.welcome && encodeWelcome(handshake.welcome),
      // Only the owner was in a group just created: nobody needs its commit.
      commit: handshake && !created ? encodeMlsMessage(handshake.commit) : undefined,
      message: encodeMlsMessage({
        version: 'mls10',
        wireformat: 'mls_private_message',
        privateMessage: sealed.privateMessage,
      }),
    });
  }

  /** A group made earlier in this work is not in the copy yet. */
  private outgoingGroupId(peer: string): string | undefined {
    for (const groupId of this.changedGroups) {
      const record = this.groups.get(groupId)?.record;
      if (record?.outgoing && record.peerAddress === peer) return groupId;
    }
    return this.store.groups.outgoingGroup(peer)?.groupId;
  }

  private async newOutgoingGroup(peer: string): Promise<LoadedGroup> {
    const suite = await cipherSuite();
    const own = await generateKeyPackageWithKey(
      credentialOf(this.self),
      defaultCapabilities(),
      defaultLifetime,
      [],
      { signKey: this.self.secretKey, publicKey: this.self.publicKey },
      suite,
    );
    const groupId = randomBytes(16);
    const state = await createGroup(groupId, own.publicPackage, own.privatePackage, [], suite, this.clientConfig);
    const record = {
      groupId: toBase64Url(groupId),
      ownerAddress: this.self.address,
      ownerDevice: this.self.deviceId,
      peerAddress: peer,
      outgoing: true,
      joinedEpoch: 0,
    };
    return { record, state };
  }

  /** One commit that removes the devices no longer wanted and adds the new ones; undefined when none changed. */
  private async commitMembers(
    state: ClientState,
    wanted: readonly MemberDevice[],
  ): Promise<CreateCommitResult | undefined> {
    const { removed, added } = membershipChanges(state, this.self, wanted);
    if (removed.length === 0 && added.length === 0) return undefined;
    const keyPackages = await this.claimKeyPackages(added);
    const proposals: Proposal[] = [
      ...removed.map((member): Proposal => ({ proposalType: 'remove', remove: { removed: member.leafIndex } })),
      ...keyPackages.map((keyPackage): Proposal => ({ proposalType: 'add', add: { keyPackage } })),
    ];
    // The ratchet tree travels in the Welcome (its ratchet_tree extension): a new member needs nothing else.
    return createCommit(
      { state, cipherSuite: await cipherSuite() },
      { extraProposals: proposals, ratchetTreeExtension: true },
    );
  }

  private async claimKeyPackages(devices: readonly MemberDevice[]): Promise<KeyPackage[]> {
    const byAddress = new Map<string, MemberDevice[]>();
    for (const device of devices) byAddress.set(device.address, [...(byAddress.get(device.address) ?? []), device]);
    const keyPackages: KeyPackage[] = [];
    for (const [address, wanted] of byAddress) {
      const claimed = await this.directory.claim(
        address,
        wanted.map((device) => device.deviceId),
      );
      for (const device of wanted) {
        const match = claimed.find((entry) => sameDevice(entry, device));
        if (!match) throw new MissingKeyPackageError(device);
        keyPackages.push(match.keyPackage);
      }
    }
    return keyPackages;
  }

  // --- receiving -----------------------------------------------------------------------------------------------

  /** Opens a received envelope; envelopes that waited for the handshake it carries are tried again after it. */
  async open(incoming: IncomingEnvelope): Promise<OpenResult> {
    const envelope = decodeEnvelope(incoming.content);
    if (!envelope) return undecryptable('tampered').result;
    const attempt = await this.attempt(incoming, envelope);
    if (attempt.result.kind === 'pending') this.keepPending(incoming, envelope);
    if (attempt.handshake) await this.retryPendingOf(toBase64Url(envelope.groupId));
    return this.settled.get(incoming.messageId) ?? attempt.result;
  }

  /** Tries every waiting envelope again (the key directory may answer now). */
  async retryAllPending(): Promise<void> {
    const groupIds = new Set([
      ...this.store.groups.pendingGroupIds(),
      ...[...this.pendingAdded.values()].map((pending) => pending.groupId),
    ]);
    for (const groupId of groupIds) await this.retryPendingOf(groupId);
  }

  private async attempt(incoming: IncomingEnvelope, envelope: Envelope): Promise<Attempt> {
    this.credentialRefused = false;
    try {
      return await this.openEnvelope(incoming, envelope);
    } catch (error) {
      if (error instanceof DirectoryUnavailableError) return { result: PENDING, handshake: false };
      if (this.credentialRefused) return undecryptable('not-a-member');
      if (error instanceof Error && error.message === REPLAYED_GENERATION) return undecryptable('replayed');
      return undecryptable('tampered');
    }
  }

  private async openEnvelope(incoming: IncomingEnvelope, envelope: Envelope): Promise<Attempt> {
    const owner: DeviceAddress = { address: incoming.fromUserId, deviceId: envelope.device };
    // This device keeps the text of what it sends; MLS does not let a sender open its own messages.
    if (sameDevice(owner, this.self)) return undecryptable('before-this-device');
    const conversation = {
      peer: peerOf(incoming, this.self.address),
      members: [incoming.fromUserId, incoming.toUserId],
    };
    const groupId = toBase64Url(envelope.groupId);
    let group = this.load(groupId);
    if (group && !belongsTo(group.record, owner, conversation.peer)) return undecryptable('not-a-member');
    let handshake = false;
    const removed = group?.state.groupActiveState.kind === 'removedFromGroup';
    if (envelope.welcome && (!group || removed)) {
      const joined = await this.join(envelope.welcome, owner, conversation);
      if ('result' in joined) return joined;
      if (joined.group) {
        group = joined.group;
        handshake = true;
      }
    } else if (group && envelope.commit && !removed) {
      const commit = await this.processCommit(group, envelope.commit, owner);
      if (commit.result) return { result: commit.result, handshake: false };
      group = commit.group;
      handshake = commit.processed;
    }
    if (!group) return { result: this.withoutGroup(incoming), handshake };
    const opened = await this.openMessage(group, envelope, owner);
    return { result: opened, handshake };
  }

  /** Joins by a Welcome to one of this device's key packages; `group` undefined when it names none of them. */
  private async join(
    encoded: Uint8Array,
    owner: DeviceAddress,
    conversation: { peer: string; members: string[] },
  ): Promise<Attempt | { group?: LoadedGroup }> {
    const message = decodeMls(encoded);
    if (message?.wireformat !== 'mls_welcome') return undecryptable('tampered');
    const ours = this.ownKeyPackageIn(message.welcome);
    if (!ours) return {};
    const keyPackage = decodeMls(ours.stored.keyPackage);
    if (keyPackage?.wireformat !== 'mls_key_package') throw new Error(`key package ${ours.ref} is not readable`);
    const state = await joinGroup(
      message.welcome,
      keyPackage.keyPackage,
      {
        initPrivateKey: ours.stored.initPrivateKey,
        hpkePrivateKey: ours.stored.hpkePrivateKey,
        signaturePrivateKey: this.self.secretKey,
      },
      emptyPskIndex,
      await cipherSuite(),
      undefined,
      undefined,
      this.clientConfig,
    );
    // A sender group is made by its owner (leaf 0) and holds only the devices of the conversation's two people.
    const members = membersOf(state);
    const foreign = members.some((member) => !conversation.members.includes(member.address));
    if (leafOf(state, owner) !== 0 || foreign) return undecryptable('not-a-member');
    this.usedKeyPackages.add(ours.ref);
    const group: LoadedGroup = {
      record: {
        groupId: toBase64Url(state.groupContext.groupId),
        ownerAddress: owner.address,
        ownerDevice: owner.deviceId,
        peerAddress: conversation.peer,
        outgoing: false,
        joinedEpoch: Number(state.groupContext.epoch),
      },
      state,
    };
    this.update(group, []);
    return { group };
  }

  private ownKeyPackageIn(welcome: Welcome) {
    for (const secret of welcome.secrets) {
      const ref = toBase64Url(secret.newMember);
      const stored = this.store.deviceKeys.keyPackage(ref);
      if (stored && !(this.usedKeyPackages.has(ref) && !stored.lastResort)) return { ref, stored };
    }
    return undefined;
  }

  /** The owner's commit, when it is the next one for this state: commits apply in order, one epoch each. */
  private async processCommit(
    group: LoadedGroup,
    encoded: Uint8Array,
    owner: DeviceAddress,
  ): Promise<{ group: LoadedGroup; processed: boolean; result?: OpenResult }> {
    const commit = privateMessageOf(encoded);
    if (!commit) return { group, processed: false, result: undecryptable('tampered').result };
    const epoch = group.state.groupContext.epoch;
    if (commit.epoch < epoch) return { group, processed: false };
    if (commit.epoch > epoch) return { group, processed: false, result: PENDING };
    const ownerLeaf = leafOf(group.state, owner);
    const ownLeaf = group.state.privatePath.leafIndex;
    const seen = { verdict: 'not-the-owner' as 'accept' | 'not-the-owner' | 'removes-this-device' };
    const processed = await processPrivateMessage(
      group.state,
      commit,
      emptyPskIndex,
      await cipherSuite(),
      (incoming) => {
        if (incoming.kind !== 'commit' || incoming.senderLeafIndex !== ownerLeaf) return 'reject';
        const removesThisDevice = incoming.proposals.some(
          ({ proposal }) => proposal.proposalType === 'remove' && proposal.remove.removed === ownLeaf,
        );
        seen.verdict = removesThisDevice ? 'removes-this-device' : 'accept';
        return seen.verdict === 'accept' ? 'accept' : 'reject';
      },
    );
    // ts-mls misses its own removal when the same commit adds a device into the leaf it frees (an identity reset of
    // this very device): the removal is noted here instead of being processed.
    if (seen.verdict === 'removes-this-device') {
      const removed: LoadedGroup = {
        record: group.record,
        state: { ...group.state, groupActiveState: { kind: 'removedFromGroup' } },
      };
      this.update(removed, []);
      return { group: removed, processed: true };
    }
    if (processed.kind !== 'newState' || seen.verdict !== 'accept' || processed.actionTaken !== 'accept') {
      return { group, processed: false, result: undecryptable('not-a-member').result };
    }
    const updated = { record: group.record, state: processed.newState };
    this.update(updated, processed.consumed);
    return { group: updated, processed: true };
  }

  private async openMessage(group: LoadedGroup, envelope: Envelope, owner: DeviceAddress): Promise<OpenResult> {
    if (group.state.groupActiveState.kind === 'removedFromGroup') return undecryptable('not-a-member').result;
    const message = privateMessageOf(envelope.message);
    if (!message || Number(message.epoch) !== envelope.epoch || toBase64Url(message.groupId) !== group.record.groupId) {
      return undecryptable('tampered').result;
    }
    const epoch = group.state.groupContext.epoch;
    if (message.epoch > epoch) return PENDING;
    if (message.epoch < BigInt(group.record.joinedEpoch)) return undecryptable('before-this-device').result;
    if (message.epoch < epoch && !group.state.historicalReceiverData.has(message.epoch)) {
      return undecryptable('expired').result;
    }
    const processed = await processPrivateMessage(
      group.state,
      message,
      emptyPskIndex,
      await cipherSuite(),
      () => 'reject',
    );
    if (processed.kind !== 'applicationMessage') return undecryptable('tampered').result;
    if (applicationSenderLeaf(group.state, processed.newState, message.epoch) !== leafOf(group.state, owner)) {
      return undecryptable('not-a-member').result;
    }
    this.update({ record: group.record, state: processed.newState }, processed.consumed);
    return { kind: 'opened', text: new TextDecoder().decode(processed.message) };
  }

  /** No state for the group and no Welcome for this device in the envelope. */
  private withoutGroup(incoming: IncomingEnvelope): OpenResult {
    if (!this.self.canJoin) return undecryptable('unknown-group').result;
    if (this.self.joinedAt !== null && incoming.createdAt < this.self.joinedAt) {
      return undecryptable('before-this-device').result;
    }
    // Its Welcome may still be on the way (an earlier envelope that arrives later).
    return PENDING;
  }

  // --- pending envelopes ---------------------------------------------------------------------------------------

  private keepPending(incoming: IncomingEnvelope, envelope: Envelope): void {
    if (this.isStoredPending(incoming.messageId)) return;
    this.pendingAdded.set(incoming.messageId, {
      messageId: incoming.messageId,
      groupId: toBase64Url(envelope.groupId),
      epoch: envelope.epoch,
      fromUserId: incoming.fromUserId,
      toUserId: incoming.toUserId,
      createdAt: incoming.createdAt,
      envelope: incoming.content,
    });
  }

  private isStoredPending(messageId: string): boolean {
    return !this.pendingRemoved.has(messageId) && this.store.groups.isPending(messageId);
  }

  /** Until a round opens nothing more: one opened envelope may carry the commit the next one waits for. */
  private async retryPendingOf(groupId: string): Promise<void> {
    for (;;) {
      let progressed = false;
      for (const pending of this.pendingOf(groupId)) {
        const envelope = decodeEnvelope(pending.envelope);
        const attempt = envelope
          ? await this.attempt({ ...pending, content: pending.envelope }, envelope)
          : undecryptable('tampered');
        if (attempt.result.kind === 'pending') continue;
        this.pendingAdded.delete(pending.messageId);
        this.pendingRemoved.add(pending.messageId);
        this.settled.set(pending.messageId, attempt.result);
        progressed = true;
      }
      if (!progressed) return;
    }
  }

  private pendingOf(groupId: string): PendingEnvelope[] {
    const stored = this.store.groups
      .pendingOf(groupId)
      .filter((pending) => !this.pendingRemoved.has(pending.messageId));
    const added = [...this.pendingAdded.values()].filter((pending) => pending.groupId === groupId);
    return [...stored, ...added].sort((a, b) => a.epoch - b.epoch);
  }

  // --- state ---------------------------------------------------------------------------------------------------

  private load(groupId: string | undefined): LoadedGroup | undefined {
    if (groupId === undefined) return undefined;
    if (!this.groups.has(groupId)) {
      const stored = this.store.groups.group(groupId);
      this.statesRead.set(groupId, stored?.state ?? null);
      this.groups.set(groupId, this.decode(stored) ?? null);
    }
    return this.groups.get(groupId) ?? undefined;
  }

  /** ts-mls does not save the client config with the state: it is given again on every load. */
  private decode(stored: StoredGroup | undefined): LoadedGroup | undefined {
    if (!stored) return undefined;
    const { state: encoded, ...record } = stored;
    const decoded = decodeGroupState(encoded, 0)?.[0];
    if (!decoded) throw new Error(`the state of group ${stored.groupId} is not readable`);
    return { record, state: { ...decoded, clientConfig: this.clientConfig } };
  }

  private update(group: LoadedGroup, consumed: readonly Uint8Array[]): void {
    if (!this.statesRead.has(group.record.groupId)) this.statesRead.set(group.record.groupId, null);
    this.groups.set(group.record.groupId, group);
    this.changedGroups.add(group.record.groupId);
    this.consumed.push(...consumed);
  }

  /**
   * Writes every change; run it in the transaction that stores what this work produced. Throws
   * `ConcurrentGroupChangeError` when a group is no longer as this work read it.
   */
  persist(updatedAt: string): void {
    for (const groupId of this.changedGroups) this.checkUnchangedElsewhere(groupId);
    for (const groupId of this.changedGroups) {
      const group = this.groups.get(groupId);
      if (group) this.store.groups.save({ ...group.record, state: encodeGroupState(group.state) }, updatedAt);
    }
    for (const ref of this.usedKeyPackages) this.store.deviceKeys.consumeKeyPackage(ref);
    for (const messageId of this.pendingRemoved) this.store.groups.removePending(messageId);
    for (const pending of this.pendingAdded.values()) this.store.groups.addPending(pending);
  }

  private checkUnchangedElsewhere(groupId: string): void {
    const read = this.statesRead.get(groupId) ?? null;
    const now = this.store.groups.group(groupId)?.state ?? null;
    const record = this.groups.get(groupId)?.record;
    const otherOutgoing = record?.outgoing && this.store.groups.outgoingGroup(record.peerAddress);
    const unchanged = read === null || now === null ? read === now : sameBytes(read, now);
    if (!unchanged || (otherOutgoing && otherOutgoing.groupId !== groupId))
      throw new ConcurrentGroupChangeError(groupId);
  }

  /** After the transaction committed: the secrets that are no longer needed are overwritten in memory. */
  forgetConsumedSecrets(): void {
    for (const secret of this.consumed.splice(0)) zeroOutUint8Array(secret);
  }
}

function belongsTo(record: LoadedGroup['record'], owner: DeviceAddress, peer: string): boolean {
  return (
    !record.outgoing &&
    record.ownerAddress === owner.address &&
    record.ownerDevice === owner.deviceId &&
    record.peerAddress === peer
  );
}

function peerOf(incoming: IncomingEnvelope, viewer: string): string {
  return incoming.fromUserId === viewer ? incoming.toUserId : incoming.fromUserId;
}

function encodeWelcome(welcome: Welcome): Uint8Array {
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome });
}

/** An MLS message that is exactly these bytes; undefined for anything else. */
function decodeMls(bytes: Uint8Array): MLSMessage | undefined {
  try {
    const decoded = decodeMlsMessage(bytes, 0);
    return decoded && decoded[1] === bytes.length ? decoded[0] : undefined;
  } catch {
    return undefined;
  }
}

function privateMessageOf(bytes: Uint8Array): PrivateMessage | undefined {
  const message = decodeMls(bytes);
  return message?.wireformat === 'mls_private_message' ? message.privateMessage : undefined;
}
