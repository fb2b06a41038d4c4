import {
  ApiError,
  type ConversationSecurity,
  type Invite,
  KeyChangeBlockedError,
  LocalValidationError,
  type MyLifeClient,
  type OutboxEntry,
  type OwnKeys,
  NotLoggedInError,
  ServerUnreachableError,
  type Session,
  serverOf,
} from '@mylife/client';
import type {
  ConnectionStatus,
  Contact,
  Conversation,
  Device,
  Messenger,
  MessengerChange,
  RefusedAction,
} from './messenger.ts';
import { MessengerError } from './messenger.ts';

export interface LocalMessengerOptions {
  client: MyLifeClient;
  /** The node that served this app: `http://localhost:8787`. */
  origin: string;
  /** How this browser is named in the user's device list. */
  deviceName: string;
  /** Erases the local copy (logout). */
  erase?: () => Promise<void>;
  /** Why the copy cannot be saved now, or null (see `ConnectionStatus.storageError`); `storageChanged()` tells. */
  storageError?: () => string | null;
}

/**
 * How often, at most, a conversation that is not (yet) encrypted asks the node for the friend's keys again when it is
 * opened: a friend who sets up keys later is announced by a sync event (the client's `security` event), but a friend's
 * server that gains a key directory is not.
 */
const KEY_LOOKUP_INTERVAL_MS = 60_000;

/** The Messenger of the tab that owns the local copy: straight onto the client library. */
export class LocalMessenger implements Messenger {
  private readonly listeners = new Set<(change: MessengerChange) => void>();
  private readonly client: MyLifeClient;
  /** The node's name once it told it (it does not change while the app runs). */
  private knownServerName: string | null = null;
  /** When this tab last asked the node for each friend's keys (cleared when the connection changes). */
  private readonly keyLookups = new Map<string, number>();

  constructor(private readonly options: LocalMessengerOptions) {
    this.client = options.client;
    const data = () => this.notify('data');
    this.client.on('message-received', data);
    this.client.on('message-status', data);
    this.client.on('invite', data);
    this.client.on('friendship', data);
    this.client.on('friend-names', data);
    this.client.on('operation-refused', data);
    this.client.on('security', () => this.notify('security'));
    this.client.on('connection', () => {
      // Back online (or gone): a lookup that failed meanwhile is due again.
      this.keyLookups.clear();
      this.notify('connection');
    });
  }

  /** Starts the background sync when a session exists. */
  start(): void {
    if (this.client.session()?.accessToken) this.client.startLive();
  }

  async session(): Promise<Session | undefined> {
    return this.client.session();
  }

  async serverName(): Promise<string | null> {
    const session = this.client.session();
    if (session) return serverOf(session.userAddress);
    this.knownServerName ??= await this.client.serverName(this.options.origin).catch(() => null);
    return this.knownServerName;
  }

  async login(identity: string, password: string): Promise<Session> {
    const trimmed = identity.trim();
    // Unknown when the node cannot be reached: the login itself then says so.
    const name = trimmed.includes('@') ? await this.serverName() : null;
    if (name && serverOf(trimmed).toLowerCase() !== name) {
      throw new MessengerError(
        'invalid',
        `${trimmed} lives on ${serverOf(trimmed)}: open its own web app to log in there.`,
      );
    }
    const session = await translate(() =>
      this.client.login({
        serverUrl: this.options.origin,
        username: trimmed,
        password,
        deviceName: this.options.deviceName,
      }),
    );
    this.client.startLive();
    this.notify('session');
    return session;
  }

  async logout(): Promise<void> {
    // The copy is erased below, its outbox with it: what is queued (a message waiting out a backoff, a read mark)
    // goes to the node first, while the token still works. Offline, this fails at once and the logout goes on.
    await this.client.flushOutbox({ force: true }).catch(() => undefined);
    await this.client.logout();
    await this.options.erase?.();
    this.notify('session');
  }

  async devices(): Promise<Device[]> {
    return translate(() => this.client.devices());
  }

  async revokeDevice(id: string): Promise<void> {
    await translate(() => this.client.revokeDevice(id));
    this.notify('data');
  }

  async conversations(): Promise<Conversation[]> {
    return this.client.inbox().map((summary) => ({
      peerUserId: summary.peerUserId,
      displayName: summary.displayName,
      lastMessageAt: summary.lastMessageAt,
      lastMessageContent: summary.lastMessageContent,
      lastMessageFromUserId: summary.lastMessageFromUserId,
      lastMessageEncryption: summary.lastMessageEncryption,
      unreadCount: summary.unreadCount,
    }));
  }

  async thread(peer: string, options: { limit?: number; beforeLocalId?: number } = {}) {
    return translate(async () => this.client.thread(peer, options));
  }

  async contacts(): Promise<Contact[]> {
    return this.client
      .friends()
      .map((friend) => ({ address: friend.friendUserId, displayName: friend.displayName, since: friend.since }));
  }

  async invites() {
    return this.client.invites();
  }

  async sendMessage(to: string, content: string) {
    const message = await translate(async () => this.client.sendMessage(to, content));
    this.notify('data');
    return message;
  }

  async markRead(messageIds: readonly string[]): Promise<void> {
    const marked = await translate(async () => this.client.markReadMany(messageIds));
    if (marked.length > 0) this.notify('data');
  }

  async retryMessage(localId: number): Promise<void> {
    await translate(async () => this.client.retryMessage(localId));
    this.notify('data');
  }

  async discardMessage(localId: number): Promise<void> {
    await translate(async () => this.client.discardMessage(localId));
    this.notify('data');
  }

  async invite(address: string, message?: string) {
    return this.changing(() => this.client.invite(address, message?.trim() ? message.trim() : null));
  }

  async acceptInvite(id: string) {
    return this.changing(() => this.client.acceptInvite(id));
  }

  async declineInvite(id: string) {
    return this.changing(() => this.client.declineInvite(id));
  }

  async revokeInvite(id: string) {
    return this.changing(() => this.client.revokeInvite(id));
  }

  async removeFriend(address: string): Promise<void> {
    await this.changing(() => this.client.removeFriend(address));
  }

  async refusedActions(): Promise<RefusedAction[]> {
    const invites = new Map(this.client.invites().map((invite) => [invite.id, invite]));
    return this.client.outbox().flatMap((entry) => {
      if (entry.state !== 'failed') return [];
      const refused = refusedActionOf(entry, invites, this.client.session()?.userAddress);
      return refused ? [refused] : [];
    });
  }

  async dismissRefusedAction(id: number): Promise<void> {
    if (this.client.discardOperation(id)) this.notify('data');
  }

  async conversationSecurity(peer: string): Promise<ConversationSecurity> {
    const known = this.client.conversationSecurity(peer);
    const lastLookup = this.keyLookups.get(peer);
    if (known.state === 'encrypted' || (lastLookup !== undefined && Date.now() - lastLookup < KEY_LOOKUP_INTERVAL_MS)) {
      return known;
    }
    this.keyLookups.set(peer, Date.now());
    // Offline, or the friend's server cannot be reached: the local copy's answer stands ("unknown" says so).
    return this.client.refreshSecurity(peer).catch(() => known);
  }

  async safetyNumber(peer: string) {
    return translate(() => this.client.safetyNumber(peer));
  }

  async markVerified(peer: string): Promise<ConversationSecurity> {
    return translate(async () => this.client.markVerified(peer));
  }

  async acknowledgeKeyChange(peer: string): Promise<ConversationSecurity> {
    return translate(async () => this.client.acknowledgeKeyChange(peer));
  }

  async ownKeys(): Promise<OwnKeys> {
    return translate(() => this.client.ownKeys());
  }

  async resetKeys(): Promise<OwnKeys> {
    const keys = await translate(() => this.client.resetKeys());
    // The safety number with every friend changed (the library tells only friends' key changes): a Security dialog
    // open in another tab reads it again.
    this.notify('security');
    return keys;
  }

  async connection(): Promise<ConnectionStatus> {
    const storageError = this.options.storageError?.();
    return { ...this.client.connectionStatus(), ...(storageError ? { storageError } : {}) };
  }

  /** Saving the copy started or stopped failing: `connection()` says so. */
  storageChanged(): void {
    this.notify('connection');
  }

  subscribe(listener: (change: MessengerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async changing<T>(action: () => T): Promise<T> {
    const result = await translate(async () => action());
    this.notify('data');
    return result;
  }

  private notify(change: MessengerChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

/** A failed outbox entry as the UI tells it; sends (shown on their message) and read receipts are not told. */
export function refusedActionOf(
  entry: OutboxEntry,
  invites: ReadonlyMap<string, Invite>,
  viewer: string | undefined,
): RefusedAction | null {
  const { operation } = entry;
  const told = { id: entry.id, reason: entry.lastError ?? '', at: entry.createdAt };
  switch (operation.kind) {
    case 'send':
    case 'read':
      return null;
    case 'invite':
      return { ...told, kind: 'invite', address: operation.toUserId, inviteId: operation.inviteId, inviteStatus: null };
    case 'unfriend':
      return { ...told, kind: 'unfriend', address: operation.friendUserId, inviteId: null, inviteStatus: null };
    case 'accept':
    case 'decline':
    case 'revoke': {
      const invite = invites.get(operation.inviteId);
      const other = invite && (invite.fromUserId === viewer ? invite.toUserId : invite.fromUserId);
      return {
        ...told,
        kind: operation.kind,
        address: other ?? null,
        inviteId: operation.inviteId,
        inviteStatus: invite?.status ?? null,
      };
    }
  }
}

/** The client library's errors as the UI's one error type. */
export async function translate<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw toMessengerError(error);
  }
}

export function toMessengerError(error: unknown): MessengerError {
  if (error instanceof MessengerError) return error;
  if (error instanceof KeyChangeBlockedError) return new MessengerError('key-changed', error.message);
  if (error instanceof ServerUnreachableError) return new MessengerError('unreachable', error.message);
  if (error instanceof LocalValidationError) return new MessengerError('invalid', error.message);
  if (error instanceof NotLoggedInError) return new MessengerError('unauthorized', error.message);
  if (error instanceof ApiError) {
    return new MessengerError(
      error.isUnauthorized ? 'unauthorized' : 'refused',
      error.message,
      error.status,
      error.retryAfterSeconds,
    );
  }
  throw error;
}
