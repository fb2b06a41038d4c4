import { ApiError } from '../api/api-error.ts';
import { ServerUnreachableError } from '../api/http-transport.ts';
import type { MyLifeApi, SendMessageRequest } from '../api/mylife-api.ts';
import type { ClientEvent } from '../client-events.ts';
import type {
  ContentType,
  Invite,
  InviteAnswer,
  InviteStatus,
  LocalMessage,
  MessageEncryption,
  OutboxEntry,
  OutboxOperation,
  ServerMessage,
} from '../model.ts';
import type { LocalStore } from '../store/local-store.ts';
import type { StoredMessageChange } from '../store/message-store.ts';
import { type BackoffPolicy, DEFAULT_BACKOFF, retryDelayMs } from './backoff.ts';
import { noticesFor } from './event-applier.ts';
import type { MessageSender, SendOutcome } from './message-sender.ts';

export type FlushStop =
  | { reason: 'unreachable' | 'server-error'; error: string; nextAttemptAt: number }
  | { reason: 'unauthorized'; error: string }
  | { reason: 'backoff'; nextAttemptAt: number };

export interface FlushReport {
  /** Operations the server applied during this flush. */
  applied: number;
  /** Operations the server refused for good during this flush. */
  failed: number;
  /** Pending operations left. */
  pending: number;
  /** Why the flush ended before the outbox was empty; null when it is empty. */
  stoppedBy: FlushStop | null;
}

export interface FlushHooks {
  /**
   * Called once the server has answered an operation with success, before the answer is written locally. A crash
   * here is the worst moment for a client (the server has it, the device does not know); tests stop the process here.
   */
  afterServerAnswer?(entry: OutboxEntry): void | Promise<void>;
}

export interface FlushOptions {
  /** Ignore backoff: a person asked for a sync now. */
  force?: boolean;
}

/** A queued send and its message. */
export interface QueuedSend {
  entry: OutboxEntry;
  message: LocalMessage;
}

/**
 * What a queued send becomes: a request (sealed end to end, or as it is), `held` (its conversation waits for a key
 * change to be acknowledged), refused for good, or to be tried again later.
 */
export type PreparedSend =
  | { kind: 'ready'; request: SendMessageRequest }
  | { kind: 'held' }
  | { kind: 'refused'; error: ApiError }
  | { kind: 'retry'; error: Error };

/** Turns queued messages into what goes on the wire (the end-to-end encryption). */
export interface SendPreparation {
  /** Friends whose messages wait in the outbox: an unacknowledged key change. */
  heldPeers(): string[];
  /**
   * The preparation of one flush: what it looks up on the network (the key sets) serves every run of sends of that
   * flush. Nothing is asked of the network before the first `prepare`.
   */
  forFlush(api: MyLifeApi, viewer: string): FlushPreparation;
}

export interface FlushPreparation {
  /**
   * One answer per send, in order, up to and including the first `retry`. What it sealed is stored (the envelope in
   * the outbox row, with the group state) before it returns, so that a retry sends the same envelope.
   */
  prepare(sends: readonly QueuedSend[]): Promise<PreparedSend[]>;
}

export interface OutboxFlusherDependencies {
  store: LocalStore;
  sender: MessageSender;
  preparation: SendPreparation;
  emit: (events: readonly ClientEvent[]) => void;
  now?: () => number;
  random?: () => number;
  backoff?: BackoffPolicy;
  hooks?: FlushHooks;
}

type StepResult = { stop: FlushStop | null; applied: number; failed: number };

/** A send prepared for the wire, with its local message (whose encryption is what the request carries). */
type ReadySend = { entry: OutboxEntry; localId: number; request: SendMessageRequest };

const ENCRYPTION_OF: Record<ContentType, MessageEncryption> = {
  'text/plain': 'plain',
  'application/e2ee+ciphertext': 'e2ee',
};

const TARGET_STATUS: Record<InviteAnswer, InviteStatus> = {
  accept: 'accepted',
  decline: 'declined',
  revoke: 'revoked',
};

/** Replays the outbox to the server strictly in order, one operation (or one run of sends) at a time. */
export class OutboxFlusher {
  private readonly store: LocalStore;
  private readonly sender: MessageSender;
  private readonly preparation: SendPreparation;
  private readonly emit: (events: readonly ClientEvent[]) => void;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  private readonly hooks: FlushHooks;

  constructor(dependencies: OutboxFlusherDependencies) {
    this.store = dependencies.store;
    this.sender = dependencies.sender;
    this.preparation = dependencies.preparation;
    this.emit = dependencies.emit;
    this.now = dependencies.now ?? Date.now;
    this.random = dependencies.random ?? Math.random;
    this.backoff = dependencies.backoff ?? DEFAULT_BACKOFF;
    this.hooks = dependencies.hooks ?? {};
  }

  async flush(api: MyLifeApi, viewer: string, options: FlushOptions = {}): Promise<FlushReport> {
    const report: FlushReport = { applied: 0, failed: 0, pending: 0, stoppedBy: null };
    let stuckHead: number | null = null;
    const preparation = this.preparation.forFlush(api, viewer);
    for (;;) {
      const batch = this.nextBatch(viewer);
      const head = batch[0];
      // A run that was all held comes back only if the held peers changed meanwhile: never loop on it.
      if (!head || head.id === stuckHead) break;
      if (!options.force && head.nextAttemptAt > this.now()) {
        report.stoppedBy = { reason: 'backoff', nextAttemptAt: head.nextAttemptAt };
        break;
      }
      const step =
        head.operation.kind === 'send'
          ? await this.flushSends(api, viewer, batch, preparation)
          : await this.flushOperation(api, viewer, head);
      report.applied += step.applied;
      report.failed += step.failed;
      stuckHead = step.applied + step.failed === 0 ? head.id : null;
      if (step.stop) {
        report.stoppedBy = step.stop;
        break;
      }
    }
    report.pending = this.store.outbox.pendingCount();
    return report;
  }

  /** The head, and the sends right after it when it is a send, so that a batch sender gets whole runs. */
  private nextBatch(viewer: string): OutboxEntry[] {
    const held = { viewer, peers: this.preparation.heldPeers() };
    const candidates = this.store.outbox.pendingFromHead(this.sender.maxBatchSize, held);
    if (candidates[0]?.operation.kind !== 'send') return candidates.slice(0, 1);
    const run = candidates.findIndex((entry) => entry.operation.kind !== 'send');
    return run === -1 ? candidates : candidates.slice(0, run);
  }

  /** Prepares the run (sealing what is to be encrypted), then sends what is ready and records the answers. */
  private async flushSends(
    api: MyLifeApi,
    viewer: string,
    batch: OutboxEntry[],
    preparation: FlushPreparation,
  ): Promise<StepResult> {
    const sends: QueuedSend[] = [];
    for (const entry of batch) {
      const { clientMessageId } = entry.operation as Extract<OutboxOperation, { kind: 'send' }>;
      const message = this.store.messages.findByClientMessageId(viewer, clientMessageId);
      if (message) sends.push({ entry, message });
      else this.store.outbox.remove(entry.id);
    }
    if (sends.length === 0) return { stop: null, applied: 0, failed: 0 };
    const prepared = await preparation.prepare(sends);
    const ready: ReadySend[] = [];
    let failed = 0;
    for (const [index, outcome] of prepared.entries()) {
      const { entry, message } = sends[index]!;
      if (outcome.kind === 'ready') ready.push({ entry, localId: message.localId, request: outcome.request });
      if (outcome.kind === 'refused') {
        this.recordRefusedSend(entry, viewer, message.clientMessageId, outcome.error);
        failed += 1;
      }
      if (outcome.kind !== 'retry') continue;
      const sent = await this.sendReady(api, viewer, ready);
      if (sent.stop) return { ...sent, failed: sent.failed + failed };
      return { ...this.failedAttempt(entry, outcome.error), applied: sent.applied, failed: sent.failed + failed };
    }
    const sent = await this.sendReady(api, viewer, ready);
    return { ...sent, failed: sent.failed + failed };
  }

  private async sendReady(api: MyLifeApi, viewer: string, ready: readonly ReadySend[]): Promise<StepResult> {
    if (ready.length === 0) return { stop: null, applied: 0, failed: 0 };
    const entries = ready.map((item) => item.entry);
    const requests = ready.map((item) => item.request);
    let outcomes: SendOutcome[];
    try {
      outcomes = await this.sender.send(api, requests);
    } catch (error) {
      return this.failedAttempt(entries[0]!, error);
    }
    const result: StepResult = { stop: null, applied: 0, failed: 0 };
    let stored: { send: ReadySend; message: ServerMessage }[] = [];
    // The server's answers to a run of stored sends are written in one local transaction: one commit (a sync of the
    // file) per batch instead of per message.
    const writeStored = () => {
      if (stored.length === 0) return;
      const run = stored;
      stored = [];
      this.emit(
        this.store.transaction(() => {
          const changes = run.map(({ send, message }) => this.recordStoredSend(send, message, viewer));
          this.store.messages.keepUnsentAfterNumbered(changes);
          return changes.flatMap(noticesFor);
        }),
      );
      result.applied += run.length;
    };
    for (const [index, outcome] of outcomes.entries()) {
      const entry = entries[index]!;
      if (outcome.kind === 'stored') {
        await this.hooks.afterServerAnswer?.(entry);
        stored.push({ send: ready[index]!, message: outcome.message });
        continue;
      }
      writeStored();
      if (outcome.kind === 'retry')
        return { ...this.failedAttempt(entry, outcome.error), applied: result.applied, failed: result.failed };
      this.recordRefusedSend(entry, viewer, requests[index]!.clientMessageId, outcome.error);
      result.failed += 1;
    }
    writeStored();
    return result;
  }

  /** In the caller's transaction. The message went as the request carried it: sealed end to end, or readable. */
  private recordStoredSend(send: ReadySend, message: ServerMessage, viewer: string): StoredMessageChange {
    this.store.outbox.remove(send.entry.id);
    this.store.messages.setEncryption(send.localId, ENCRYPTION_OF[send.request.contentType]);
    return this.store.messages.storeFromServer(message, viewer);
  }

  private recordRefusedSend(entry: OutboxEntry, viewer: string, clientMessageId: string, error: ApiError): void {
    this.emit(
      this.store.transaction(() => {
        this.store.outbox.markFailed(entry.id, error.message);
        const before = this.store.messages.findByClientMessageId(viewer, clientMessageId);
        if (!before) return [];
        this.store.messages.markFailed(before.localId, error.message);
        const message = this.store.messages.findByLocalId(before.localId)!;
        return [{ type: 'message-status', message, previousStatus: before.status, previousReadAt: before.readAt }];
      }),
    );
  }

  private async flushOperation(api: MyLifeApi, viewer: string, entry: OutboxEntry): Promise<StepResult> {
    let record: () => ClientEvent[];
    try {
      record = await this.perform(api, viewer, entry.operation);
    } catch (error) {
      if (!(error instanceof ApiError && error.isPermanent)) return this.failedAttempt(entry, error);
      if (isUnfriendOfNoFriend(entry.operation, error)) {
        // Not friends on the server (the other person, or another device, ended it first): what was asked holds.
        record = this.unfriended(entry.operation.friendUserId);
      } else {
        const onServer = await this.inviteOnServerAfterRefusal(api, entry.operation, error);
        if (!onServer || !isAnswerApplied(entry.operation, onServer)) {
          this.recordRefusedOperation(entry, error, onServer);
          return { stop: null, applied: 0, failed: 1 };
        }
        record = () => this.storeInvite(onServer);
      }
    }
    await this.hooks.afterServerAnswer?.(entry);
    this.emit(
      this.store.transaction(() => {
        this.store.outbox.remove(entry.id);
        return record();
      }),
    );
    return { stop: null, applied: 1, failed: 0 };
  }

  /** Calls the server; returns what to write locally once it answered. */
  private async perform(api: MyLifeApi, viewer: string, operation: OutboxOperation): Promise<() => ClientEvent[]> {
    switch (operation.kind) {
      case 'send':
        throw new Error('sends go through the message sender');
      case 'read': {
        const { message } = await api.markRead(operation.messageId);
        return () => noticesFor(this.store.messages.storeFromServer(message, viewer));
      }
      case 'invite': {
        const { invite } = await api.invite(operation.inviteId, operation.toUserId, operation.message);
        return () => {
          // Inviting someone who had already invited us accepts their invite: the server answers with that one.
          if (invite.id !== operation.inviteId) this.store.social.deleteInvite(operation.inviteId);
          return this.storeInvite(invite);
        };
      }
      case 'accept':
      case 'decline':
      case 'revoke': {
        const { invite } = await api.answerInvite(operation.inviteId, operation.kind);
        return () => this.storeInvite(invite);
      }
      case 'unfriend': {
        await api.unfriend(operation.friendUserId);
        return this.unfriended(operation.friendUserId);
      }
    }
  }

  /**
   * An answer to an invite is refused (404) once the invite is no longer pending, which is also what a repeat after
   * a crash sees when the first answer went through. The invite as the server has it tells which case this is.
   */
  private async inviteOnServerAfterRefusal(
    api: MyLifeApi,
    operation: OutboxOperation,
    error: ApiError,
  ): Promise<Invite | null> {
    if (error.status !== 404 || !isInviteAnswer(operation)) return null;
    try {
      const { incoming, outgoing } = await api.listInvites();
      return [...incoming, ...outgoing].find((invite) => invite.id === operation.inviteId) ?? null;
    } catch {
      return null;
    }
  }

  /** The server's word replaces what this device assumed when the person acted. */
  private recordRefusedOperation(entry: OutboxEntry, error: ApiError, inviteOnServer: Invite | null): void {
    this.emit(
      this.store.transaction(() => {
        this.store.outbox.markFailed(entry.id, error.message);
        if (entry.operation.kind === 'invite') this.store.social.deleteInvite(entry.operation.inviteId);
        const refused: ClientEvent = { type: 'operation-refused', entry: this.store.outbox.find(entry.id)! };
        return [...(inviteOnServer ? this.storeInvite(inviteOnServer) : []), refused];
      }),
    );
  }

  private unfriended(friendUserId: string): () => ClientEvent[] {
    return () =>
      this.store.social.removeFriend(friendUserId) ? [{ type: 'friendship', friendUserId, status: 'removed' }] : [];
  }

  private storeInvite(invite: Invite): ClientEvent[] {
    return this.store.social.storeInvite(invite) ? [{ type: 'invite', invite }] : [];
  }

  private failedAttempt(entry: OutboxEntry, error: unknown): StepResult {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ApiError && error.isUnauthorized) {
      return { stop: { reason: 'unauthorized', error: message }, applied: 0, failed: 0 };
    }
    const nextAttemptAt = this.now() + retryDelayMs(entry.attempts + 1, this.backoff, this.random);
    this.store.outbox.scheduleRetry(entry.id, nextAttemptAt, message);
    const reason = error instanceof ServerUnreachableError ? 'unreachable' : 'server-error';
    return { stop: { reason, error: message, nextAttemptAt }, applied: 0, failed: 0 };
  }
}

function isInviteAnswer(operation: OutboxOperation): operation is Extract<OutboxOperation, { kind: InviteAnswer }> {
  return operation.kind === 'accept' || operation.kind === 'decline' || operation.kind === 'revoke';
}

function isUnfriendOfNoFriend(
  operation: OutboxOperation,
  error: ApiError,
): operation is Extract<OutboxOperation, { kind: 'unfriend' }> {
  return operation.kind === 'unfriend' && error.status === 404;
}

function isAnswerApplied(operation: OutboxOperation, invite: Invite): boolean {
  return isInviteAnswer(operation) && invite.status === TARGET_STATUS[operation.kind];
}
