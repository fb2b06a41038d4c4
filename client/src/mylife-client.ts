import { LocalValidationError, toAddress } from './address.ts';
import { ApiError } from './api/api-error.ts';
import { FetchTransport, type HttpTransport, ServerUnreachableError } from './api/http-transport.ts';
import { type DeviceToken, MyLifeApi } from './api/mylife-api.ts';
import { ClientEventEmitter, type ClientEventMap, type ConnectionState } from './client-events.ts';
import { KeyChangeBlockedError } from './e2ee/conversation-security.ts';
import { EndToEndEncryption } from './e2ee/end-to-end-encryption.ts';
import { decodeEnvelope, E2EE_CONTENT_TYPE } from './e2ee/envelope.ts';
import type {
  ContentType,
  ConversationSecurity,
  ConversationSummary,
  Friend,
  Invite,
  InviteAnswer,
  InviteStatus,
  LocalMessage,
  OutboxEntry,
  OwnKeys,
  SafetyNumber,
  Session,
} from './model.ts';
import type { LocalDatabase } from './storage/local-database.ts';
import { LocalStore } from './store/local-store.ts';
import type { ThreadPage } from './store/message-store.ts';
import type { BackoffPolicy } from './sync/backoff.ts';
import { BatchPostMessageSender } from './sync/batch-post-message-sender.ts';
import type { MessageSender } from './sync/message-sender.ts';
import { type FlushHooks, type FlushOptions, type FlushReport, OutboxFlusher } from './sync/outbox-flusher.ts';
import {
  DEFAULT_SYNC_TIMING,
  NotLoggedInError,
  SyncEngine,
  type SyncEngineTiming,
  type SyncReport,
} from './sync/sync-engine.ts';

/** The server's limit; checked here too so that an oversized message fails at once, offline as well. */
export const MAX_CONTENT_BYTES = 64 * 1024;

export interface MyLifeClientOptions {
  database: LocalDatabase;
  transport?: HttpTransport;
  /**
   * How queued messages reach the server. By default up to 500 per `POST /api/messages/batch`, or one POST each
   * when the server has no batch endpoint.
   */
  messageSender?: MessageSender;
  timing?: Partial<SyncEngineTiming>;
  backoff?: BackoffPolicy;
  hooks?: FlushHooks;
  now?: () => number;
  random?: () => number;
}

export interface LoginOptions {
  serverUrl: string;
  username: string;
  password: string;
  /** The server keeps one live token per device name: give each device its own. */
  deviceName: string;
}

export interface SendOptions {
  contentType?: ContentType;
  /** The idempotency key; a new UUID by default. */
  clientMessageId?: string;
}

/**
 * The local-first client: every action is written to the local copy (and its outbox) and returns at once, online
 * or not; `sync()` or `startLive()` carries it to the server and brings the server's changes back.
 */
export class MyLifeClient {
  private readonly store: LocalStore;
  private readonly transport: HttpTransport;
  private readonly emitter = new ClientEventEmitter();
  private readonly engine: SyncEngine;
  private readonly e2ee: EndToEndEncryption;
  private readonly now: () => number;

  constructor(options: MyLifeClientOptions) {
    this.store = new LocalStore(options.database);
    this.transport = options.transport ?? new FetchTransport();
    this.now = options.now ?? Date.now;
    this.e2ee = new EndToEndEncryption(this.store, this.emitter, this.now);
    const flusher = new OutboxFlusher({
      store: this.store,
      sender: options.messageSender ?? new BatchPostMessageSender(),
      preparation: this.e2ee.outgoing,
      emit: (events) => this.emitter.emitAll(events),
      now: this.now,
      random: options.random,
      backoff: options.backoff,
      hooks: options.hooks,
    });
    const timing = { ...DEFAULT_SYNC_TIMING, ...options.timing };
    this.engine = new SyncEngine(
      this.store,
      this.transport,
      flusher,
      this.e2ee,
      this.emitter,
      timing,
      this.now,
      options.random,
    );
  }

  on<K extends keyof ClientEventMap>(type: K, listener: (event: ClientEventMap[K]) => void): () => void {
    return this.emitter.on(type, listener);
  }

  get connectionState(): ConnectionState {
    return this.engine.connectionState;
  }

  /** The state, why it is offline, and whether the server refused the token (log in again). */
  connectionStatus(): { state: ConnectionState; reason?: string; loginNeeded: boolean } {
    return this.engine.connectionStatus;
  }

  // --- session -------------------------------------------------------------------------------------------------

  /**
   * Needs the server. Logging in as someone else than the copy's owner starts a fresh copy. The device's encryption
   * keys are made on its first login and published (the next sync round tries again if that fails).
   */
  async login(options: LoginOptions): Promise<Session> {
    const serverUrl = checkedServerUrl(options.serverUrl);
    const api = new MyLifeApi(this.transport, serverUrl);
    const response = await api.login(options.username, options.password, options.deviceName);
    const session: Session = {
      serverUrl,
      userAddress: response.user.address,
      displayName: response.user.displayName,
      accessToken: response.accessToken,
      expiresAt: response.expiresAt,
      deviceName: options.deviceName,
    };
    const previous = this.store.session.get();
    if (previous && previous.userAddress !== session.userAddress) this.store.wipeAccountData();
    this.store.transaction(() => {
      this.store.session.save(session);
      // The first sync after a login takes friends' names afresh.
      this.store.session.saveFriendNamesRefreshedAt(null);
    });
    await this.e2ee.loggedIn(api.withToken(response.accessToken), session.userAddress);
    this.engine.loggedIn();
    return session;
  }

  /**
   * Needs the server at `serverUrl`: the name of its addresses (`alice@<name>`), as it publishes it at
   * `/.well-known/mylife-federation`. It need not be the URL's host (a node reached by its LAN address, or behind a
   * proxy); null when the node does not publish one.
   */
  async serverName(serverUrl: string): Promise<string | null> {
    let document: { server?: unknown } | undefined;
    try {
      document = await new MyLifeApi(this.transport, checkedServerUrl(serverUrl)).federationDocument();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
    const server = document?.server;
    return typeof server === 'string' && server ? server.toLowerCase() : null;
  }

  /**
   * Revokes the token on the server when it can be reached, and forgets it here either way, with this device's
   * encryption keys: a new login is a new device.
   */
  async logout(): Promise<{ serverReached: boolean }> {
    await this.engine.stop();
    const session = this.store.session.get();
    let serverReached = false;
    if (session?.accessToken) {
      try {
        await new MyLifeApi(this.transport, session.serverUrl, session.accessToken).logout();
        serverReached = true;
      } catch (error) {
        if (!(error instanceof ServerUnreachableError || error instanceof ApiError)) throw error;
      }
    }
    this.store.session.clearToken();
    this.e2ee.loggedOut();
    return { serverReached };
  }

  session(): Session | undefined {
    return this.store.session.get();
  }

  /** Needs the server: the user's logged-in devices (newest first), this one marked `current`. */
  async devices(): Promise<DeviceToken[]> {
    return (await this.callServer((api) => api.listTokens())).items;
  }

  /**
   * Needs the server: logs another device out (its token stops working at once; 404 for an id that is not a live
   * token of this user). `logout()` is the way out for this device: it also forgets the token here.
   */
  async revokeDevice(id: string): Promise<void> {
    await this.callServer((api) => api.revokeToken(id));
  }

  // --- actions: local first ------------------------------------------------------------------------------------

  /** Throws `KeyChangeBlockedError` while a key change of the friend is not acknowledged. */
  sendMessage(to: string, content: string, options: SendOptions = {}): LocalMessage {
    this.refuseWhileKeyChanged(to);
    const message = this.store.transaction(() => {
      const queued = this.insertMessage(to, content, options, 'queued');
      this.store.outbox.enqueue({ kind: 'send', clientMessageId: queued.clientMessageId }, this.isoNow());
      return queued;
    });
    this.engine.nudge();
    return message;
  }

  /** Kept on this device only, until `sendDraft`. */
  saveDraft(to: string, content: string, options: SendOptions = {}): LocalMessage {
    return this.insertMessage(to, content, options, 'draft');
  }

  sendDraft(localId: number): LocalMessage {
    const draft = this.store.messages.findByLocalId(localId);
    if (draft?.status !== 'draft') throw new LocalValidationError(`no draft ${localId}`);
    this.refuseWhileKeyChanged(draft.toUserId);
    this.store.transaction(() => {
      this.store.messages.markQueued(localId);
      this.store.outbox.enqueue({ kind: 'send', clientMessageId: draft.clientMessageId }, this.isoNow());
    });
    this.engine.nudge();
    return this.store.messages.findByLocalId(localId)!;
  }

  /** Marks a received message read (its server id). */
  markRead(messageId: string): LocalMessage {
    this.markReadMany([messageId]);
    return this.store.messages.findByServerId(messageId)!;
  }

  /**
   * Marks received messages read (server ids) in one local transaction: one outbox `read` each, one nudge. Messages
   * already read are left as they are; an id that is not a received message on this device refuses the whole call
   * before anything is written. Returns the messages this call marked.
   */
  markReadMany(messageIds: readonly string[]): LocalMessage[] {
    const unread = new Map<string, LocalMessage>();
    for (const messageId of messageIds) {
      const message = this.store.messages.findByServerId(messageId);
      if (!message) throw new LocalValidationError(`no message ${messageId} on this device (run sync?)`);
      if (message.status !== 'received') {
        throw new LocalValidationError('only messages you received can be marked read');
      }
      if (!message.readAt) unread.set(messageId, message);
    }
    if (unread.size === 0) return [];
    const now = this.isoNow();
    const marked = this.store.transaction(() =>
      [...unread.keys()].map((messageId) => {
        this.store.messages.markRead(messageId, now);
        this.store.outbox.enqueue({ kind: 'read', messageId }, now);
        return this.store.messages.findByServerId(messageId)!;
      }),
    );
    this.engine.nudge();
    return marked;
  }

  invite(to: string, message: string | null = null): Invite {
    const viewer = this.viewer();
    const toUserId = toAddress(to, viewer);
    if (toUserId === viewer) throw new LocalValidationError('you cannot invite yourself');
    const now = this.isoNow();
    const invite: Invite = {
      id: crypto.randomUUID(),
      fromUserId: viewer,
      toUserId,
      status: 'pending',
      message,
      createdAt: now,
      updatedAt: now,
      respondedAt: null,
    };
    this.store.transaction(() => {
      this.store.social.storeInvite(invite);
      this.store.outbox.enqueue({ kind: 'invite', inviteId: invite.id, toUserId, message }, now);
    });
    this.engine.nudge();
    return invite;
  }

  acceptInvite(id: string): Invite {
    return this.answerInvite(id, 'accept');
  }

  declineInvite(id: string): Invite {
    return this.answerInvite(id, 'decline');
  }

  revokeInvite(id: string): Invite {
    return this.answerInvite(id, 'revoke');
  }

  /** Returns the friend's address. */
  removeFriend(friend: string): string {
    const friendUserId = toAddress(friend, this.viewer());
    this.store.transaction(() => {
      this.store.social.removeFriend(friendUserId);
      this.store.outbox.enqueue({ kind: 'unfriend', friendUserId }, this.isoNow());
    });
    this.engine.nudge();
    return friendUserId;
  }

  /** Puts an operation the server refused back in line, e.g. after becoming friends. */
  retryOperation(outboxId: number): boolean {
    const changed = this.changeFailedOperation(outboxId, (message) => {
      this.store.outbox.retry(outboxId);
      if (message) this.store.messages.markQueued(message.localId);
    });
    if (changed) this.engine.nudge();
    return changed;
  }

  /**
   * Gives up an operation the server refused, e.g. a message to someone who is no longer a friend. A message that
   * never reached the server goes with it; anything the server has is untouched.
   */
  discardOperation(outboxId: number): boolean {
    return this.changeFailedOperation(outboxId, (message) => {
      // A sealed message that carried a handshake takes it along: the next message starts a new group.
      const envelope = this.store.outbox.envelopeOf(outboxId);
      const handshake = envelope ? decodeEnvelope(envelope) : undefined;
      if (message && (handshake?.commit || handshake?.welcome)) this.store.groups.dropOutgoing(message.toUserId);
      this.store.outbox.remove(outboxId);
      if (message?.id === null) this.store.messages.deleteUnsent(message.localId);
    });
  }

  /** `retryOperation` for a message of yours the server refused, by its local id; false when it is not failed. */
  retryMessage(localId: number): boolean {
    const entry = this.failedSendOf(localId);
    return entry ? this.retryOperation(entry.id) : false;
  }

  /** `discardOperation` for a message of yours the server refused, by its local id; false when it is not failed. */
  discardMessage(localId: number): boolean {
    const entry = this.failedSendOf(localId);
    return entry ? this.discardOperation(entry.id) : false;
  }

  // --- end-to-end encryption -----------------------------------------------------------------------------------

  /** From the local copy: whether the conversation is encrypted, verified, or waits for a key change to be acknowledged. */
  conversationSecurity(peer: string): ConversationSecurity {
    return this.e2ee.conversationSecurity(toAddress(peer, this.viewer()));
  }

  /** Needs the server: looks the friend's keys up (a change of them is a key change). */
  refreshSecurity(peer: string): Promise<ConversationSecurity> {
    const address = this.otherPerson(peer);
    return this.callServer((api) => this.e2ee.refreshSecurity(api, this.viewer(), address));
  }

  /** The safety number to compare with the friend: the current keys when the server answers, the last known otherwise. */
  safetyNumber(peer: string): Promise<SafetyNumber> {
    const address = this.otherPerson(peer);
    return this.callServer((api) => this.e2ee.safetyNumber(api, this.viewer(), address));
  }

  /** The person compared the safety number: the conversation is verified (and its current keys accepted). */
  markVerified(peer: string): ConversationSecurity {
    const security = this.e2ee.markVerified(this.otherPerson(peer));
    this.engine.nudge();
    return security;
  }

  /** Accepts the friend's new keys: what waited in the outbox goes. */
  acknowledgeKeyChange(peer: string): ConversationSecurity {
    const security = this.e2ee.acknowledgeKeyChange(this.otherPerson(peer));
    this.engine.nudge();
    return security;
  }

  /** `peer` as an address, refused when it is the user: security is between two people (your own keys: `ownKeys`). */
  private otherPerson(peer: string): string {
    const address = toAddress(peer, this.viewer());
    if (address === this.viewer()) {
      throw new LocalValidationError(`${address} is you: a safety number is between you and a friend`);
    }
    return address;
  }

  /** This device's fingerprint and the user's devices with keys (as the server lists them when it can be reached). */
  ownKeys(): Promise<OwnKeys> {
    return this.callServer((api) => this.e2ee.ownKeys(api, this.viewer()));
  }

  /** Needs the server: a new identity for this device, published at once (friends see a key change). */
  resetKeys(): Promise<OwnKeys> {
    return this.callServer((api) => this.e2ee.resetKeys(api, this.viewer()));
  }

  // --- reads: always local -------------------------------------------------------------------------------------

  friends(): Friend[] {
    return this.store.social.friends();
  }

  invites(status?: InviteStatus): Invite[] {
    return this.store.social.invites(status);
  }

  inbox(): ConversationSummary[] {
    return this.store.messages.conversations();
  }

  thread(peer: string, options: { limit?: number; beforeLocalId?: number } = {}): ThreadPage {
    return this.store.messages.thread(toAddress(peer, this.viewer()), options.limit ?? 50, options.beforeLocalId);
  }

  message(messageId: string): LocalMessage | undefined {
    return this.store.messages.findByServerId(messageId);
  }

  /** Every message on this device (oldest first). */
  allMessages(): LocalMessage[] {
    return this.store.messages.all();
  }

  outbox(): OutboxEntry[] {
    return this.store.outbox.list();
  }

  lastSyncedAt(): string | null {
    return this.store.session.lastSyncedAt();
  }

  // --- sync ----------------------------------------------------------------------------------------------------

  /** Flushes the outbox and pulls every change; reports being offline rather than throwing for it. */
  sync(options: FlushOptions = {}): Promise<SyncReport> {
    return this.engine.syncOnce(options);
  }

  /** Sends what is queued without pulling the server's changes; reports like `sync()` does in `flush`. */
  flushOutbox(options: FlushOptions = {}): Promise<FlushReport> {
    return this.engine.flushOutbox(options);
  }

  /** Keeps syncing in the background (live stream, or polling) until `stopLive()` or `close()`. */
  startLive(): void {
    this.engine.start();
  }

  stopLive(): Promise<void> {
    return this.engine.stop();
  }

  async close(): Promise<void> {
    await this.engine.stop();
    this.store.db.close();
  }

  // --- internals -----------------------------------------------------------------------------------------------

  private answerInvite(id: string, answer: InviteAnswer): Invite {
    const invite = this.store.social.findInvite(id);
    if (!invite) throw new LocalValidationError(`no invite ${id} on this device (run sync?)`);
    const viewer = this.viewer();
    const mine = answer === 'revoke' ? invite.fromUserId === viewer : invite.toUserId === viewer;
    if (!mine) {
      throw new LocalValidationError(
        answer === 'revoke' ? 'only the inviter can revoke' : 'only the invitee can answer',
      );
    }
    if (invite.status !== 'pending') throw new LocalValidationError(`invite ${id} is ${invite.status}, not pending`);
    this.store.transaction(() => {
      this.store.social.setInviteStatus(id, ANSWER_STATUS[answer], this.isoNow());
      this.store.outbox.enqueue({ kind: answer, inviteId: id }, this.isoNow());
    });
    this.engine.nudge();
    return this.store.social.findInvite(id)!;
  }

  /** `change` in one transaction, given the local message of a send; false when the entry is missing or not failed. */
  private changeFailedOperation(outboxId: number, change: (message: LocalMessage | undefined) => void): boolean {
    const entry = this.store.outbox.find(outboxId);
    if (!entry || entry.state !== 'failed') return false;
    const { operation } = entry;
    this.store.transaction(() =>
      change(
        operation.kind === 'send'
          ? this.store.messages.findByClientMessageId(this.viewer(), operation.clientMessageId)
          : undefined,
      ),
    );
    return true;
  }

  private refuseWhileKeyChanged(to: string): void {
    const peer = toAddress(to, this.viewer());
    if (this.e2ee.conversationSecurity(peer).keyChanged) throw new KeyChangeBlockedError(peer);
  }

  private insertMessage(to: string, content: string, options: SendOptions, status: 'draft' | 'queued'): LocalMessage {
    const viewer = this.viewer();
    if (content.length === 0) throw new LocalValidationError('a message needs some content');
    if (options.contentType === E2EE_CONTENT_TYPE) {
      throw new LocalValidationError('the client seals messages itself: send the text (text/plain)');
    }
    if (new TextEncoder().encode(content).length > MAX_CONTENT_BYTES) {
      throw new LocalValidationError(`a message is at most ${MAX_CONTENT_BYTES} bytes of UTF-8`);
    }
    const toUserId = toAddress(to, viewer);
    return this.store.messages.insertLocal({
      clientMessageId: options.clientMessageId ?? crypto.randomUUID(),
      fromUserId: viewer,
      toUserId,
      contentType: options.contentType ?? 'text/plain',
      content,
      createdAt: this.isoNow(),
      status,
      encryption: this.e2ee.encryptionOfNewMessage(toUserId),
    });
  }

  /** The refused send of one of the viewer's messages (a received message may carry the same clientMessageId). */
  private failedSendOf(localId: number): OutboxEntry | undefined {
    const message = this.store.messages.findByLocalId(localId);
    if (message?.status !== 'failed' || message.fromUserId !== this.viewer()) return undefined;
    return this.store.outbox.failedSend(message.clientMessageId);
  }

  /** A call that needs the server now; a refused token tells the connection status too (log in again). */
  private async callServer<T>(call: (api: MyLifeApi) => Promise<T>): Promise<T> {
    const session = this.store.session.get();
    if (!session?.accessToken) throw new NotLoggedInError();
    try {
      return await call(new MyLifeApi(this.transport, session.serverUrl, session.accessToken));
    } catch (error) {
      if (error instanceof ApiError && error.isUnauthorized) this.engine.tokenRefused(error);
      throw error;
    }
  }

  private viewer(): string {
    const session = this.store.session.get();
    if (!session) throw new NotLoggedInError();
    return session.userAddress;
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }
}

/** The URL without a trailing slash; refused on the device unless it is http(s). */
function checkedServerUrl(input: string): string {
  const serverUrl = input.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/i.test(serverUrl) || !URL.canParse(serverUrl)) {
    throw new LocalValidationError(`the server is its http:// or https:// URL (got "${input}")`);
  }
  return serverUrl;
}

const ANSWER_STATUS: Record<InviteAnswer, InviteStatus> = {
  accept: 'accepted',
  decline: 'declined',
  revoke: 'revoked',
};
