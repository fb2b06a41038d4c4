import type {
  ConnectionState,
  ConversationSecurity,
  Invite,
  InviteStatus,
  LocalMessage,
  OwnKeys,
  SafetyNumber,
  Session,
  ThreadPage,
} from '@mylife/client';

/** A conversation in the inbox: the client library's summary and how to name the other person. */
export interface Conversation {
  peerUserId: string;
  /** The friend's display name when their node told us one; the UI falls back to the address. */
  displayName: string | null;
  lastMessageAt: string;
  lastMessageContent: string;
  lastMessageFromUserId: string;
  /** An undecryptable or still pending last message has no text to preview (`lastMessageContent` is empty). */
  lastMessageEncryption: LocalMessage['encryption'];
  unreadCount: number;
}

export interface Contact {
  address: string;
  displayName: string | null;
  since: string;
}

/** A logged-in device of the user (one access token on the node). */
export interface Device {
  id: string;
  deviceName: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  /** This browser's own token. */
  current: boolean;
}

/**
 * Something the person did that the node refused for good, after it was accepted here (the app works offline, so an
 * invite or an unfriend is checked by the node later): an invite to no one, an answer to a withdrawn invite.
 * A refused message is not one of these: it shows as failed in its conversation.
 */
export interface RefusedAction {
  /** Its place in the outbox. */
  id: number;
  kind: 'invite' | 'accept' | 'decline' | 'revoke' | 'unfriend';
  /** Who it was about (the invitee, the inviter, the friend); null when this device no longer knows. */
  address: string | null;
  /** The invite it was, or answered; null for an unfriend. */
  inviteId: string | null;
  /** That invite's status as this device now knows it (the node's, after the refusal); null when unknown. */
  inviteStatus: InviteStatus | null;
  /** The node's reason, fit to show. */
  reason: string;
  /** When the person did it. */
  at: string;
}

export interface ConnectionStatus {
  state: ConnectionState;
  /** Why the app is offline: the node cannot be reached, or the session needs a new login. */
  reason?: string;
  /** True when the node refused the token: the UI asks for the password again. */
  loginNeeded: boolean;
  /**
   * Why the copy cannot be saved on this device now (storage full, access denied); absent while saves succeed. What
   * changed since the last save lives in this tab's memory only: it is lost if the browser ends the tab.
   */
  storageError?: string;
}

/**
 * What went wrong, in words the UI can show as they are, and a kind the UI can act on. Crosses tabs as plain data.
 * - `unreachable`: no answer from the node (down, offline);
 * - `invalid`: refused on this device before anything was sent (an empty message, a malformed address);
 * - `refused`: the node answered no (wrong password, not friends, too long); `status` is its HTTP status;
 * - `unauthorized`: the session is no longer valid;
 * - `key-changed`: the friend's keys changed and the person has not acknowledged it yet: nothing is sent in that
 *   conversation until they do (the conversation shows the change, not this error).
 */
export class MessengerError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'invalid' | 'refused' | 'unauthorized' | 'key-changed',
    message: string,
    readonly status: number | null = null,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'MessengerError';
  }
}

/**
 * What changed, so that views re-read only what they show. `security`: a conversation's encryption state, its
 * verification or a key change (the client library's `security` event); the safety number may differ since.
 */
export const MESSENGER_CHANGES = ['session', 'data', 'connection', 'security'] as const;
export type MessengerChange = (typeof MESSENGER_CHANGES)[number];

/**
 * Everything the UI does, asynchronous so that it works the same in the tab that owns the local copy (calls go
 * straight to the client library) and in other tabs of the same browser (calls go to the owner tab). Reads come
 * from the local copy; actions are written locally first and return at once, online or not, except where the node
 * itself must answer (login, devices).
 */
export interface Messenger {
  /** The session this browser has, also when offline; undefined before the first login. */
  session(): Promise<Session | undefined>;
  /**
   * The name of this node's addresses (`alice@<name>`), as the node publishes it: not always the page's host (a node
   * opened by its LAN address or another name). Asked of the node once, then kept; null while it cannot be reached.
   */
  serverName(): Promise<string | null>;
  /** `identity` is a username or an address of this node (`alice` or `alice@node.example`). */
  login(identity: string, password: string): Promise<Session>;
  /** Revokes this browser's token when the node can be reached; the local copy is erased. */
  logout(): Promise<void>;
  devices(): Promise<Device[]>;
  revokeDevice(id: string): Promise<void>;

  conversations(): Promise<Conversation[]>;
  /** Oldest first; `beforeLocalId` pages back from the oldest message shown. */
  thread(peer: string, options?: { limit?: number; beforeLocalId?: number }): Promise<ThreadPage>;
  contacts(): Promise<Contact[]>;
  /** Pending invites both ways, and answered ones of the last days, newest first. */
  invites(): Promise<Invite[]>;

  sendMessage(to: string, content: string): Promise<LocalMessage>;
  /** Received messages (server ids) seen on screen; the node tells their senders. */
  markRead(messageIds: readonly string[]): Promise<void>;
  /** A message the node refused: try again, or give it up. */
  retryMessage(localId: number): Promise<void>;
  discardMessage(localId: number): Promise<void>;

  invite(address: string, message?: string): Promise<Invite>;
  acceptInvite(id: string): Promise<Invite>;
  declineInvite(id: string): Promise<Invite>;
  revokeInvite(id: string): Promise<Invite>;
  removeFriend(address: string): Promise<void>;
  /** Invites, answers and unfriends the node refused, oldest first; they stay until dismissed. */
  refusedActions(): Promise<RefusedAction[]>;
  /** The person has read why: the refused action is forgotten (nothing is sent). */
  dismissRefusedAction(id: number): Promise<void>;

  /**
   * Whether the conversation with `peer` is end-to-end encrypted, verified, or blocked by a key change, from the local
   * copy; the friend's keys are asked of the node when this tab has not seen the conversation encrypted yet.
   */
  conversationSecurity(peer: string): Promise<ConversationSecurity>;
  /** The 60 digits (12 groups of 5) and the QR payload that the friend's device shows too when all is well. */
  safetyNumber(peer: string): Promise<SafetyNumber>;
  /** The person compared the safety number with the friend's: it stays verified until the friend's keys change. */
  markVerified(peer: string): Promise<ConversationSecurity>;
  /** The person has seen that the friend's keys changed: sending in that conversation works again. */
  acknowledgeKeyChange(peer: string): Promise<ConversationSecurity>;
  /** This device's key fingerprint, and the user's devices that have keys. */
  ownKeys(): Promise<OwnKeys>;
  /** A new identity key for this device, published: every friend sees a key change. */
  resetKeys(): Promise<OwnKeys>;

  connection(): Promise<ConnectionStatus>;
  /** Called after every committed change; returns the unsubscribe function. */
  subscribe(listener: (change: MessengerChange) => void): () => void;
}
