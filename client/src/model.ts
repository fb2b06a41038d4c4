export type ContentType = 'text/plain' | 'application/e2ee+ciphertext';

/** How a message to someone on another server is getting there, as the sender's node reports it. */
export type DeliveryStatus = 'pending' | 'sent' | 'acked' | 'failed';

/** draft: not to be sent yet; queued: waiting in the outbox; sent: the home node stored it; failed: refused for good. */
export type MessageStatus = 'draft' | 'queued' | 'sent' | 'received' | 'failed';

export interface LocalMessage {
  /** This device's row number; the only id a draft or a queued message has. */
  localId: number;
  /** The server's id, once the server has the message. */
  id: string | null;
  /** The home node's order of the message in its conversation (larger is later), once the node has it. */
  seq: number | null;
  clientMessageId: string;
  fromUserId: string;
  toUserId: string;
  /** The other person of the conversation. */
  peerUserId: string;
  contentType: ContentType;
  content: string;
  /** The server's time once known, this device's time before. */
  createdAt: string;
  readAt: string | null;
  status: MessageStatus;
  /**
   * Delivery to the recipient's node, for a message sent to another server (null otherwise): `pending` →
   * `sent` (that node stored it) → `acked` (a device of the recipient fetched it), or `failed`.
   */
  deliveryStatus: DeliveryStatus | null;
  deliveryAttempts: number | null;
  lastDeliveryError: string | null;
  /** Why the server refused the message, when `status` is `failed`. */
  error: string | null;
}

/** A message as the server sends it (`POST /api/messages`, sync `message` events). */
export interface ServerMessage {
  id: string;
  /** Servers from before per-conversation order do not send it. */
  seq?: number;
  clientMessageId: string;
  fromUserId: string;
  toUserId: string;
  contentType: ContentType;
  content: string;
  createdAt: string;
  readAt: string | null;
  deliveryStatus?: DeliveryStatus | null;
  deliveryAttempts?: number | null;
  lastDeliveryError?: string | null;
}

/** The `message.delivery` sync event. */
export interface DeliveryUpdate {
  messageId: string;
  deliveryStatus: DeliveryStatus;
  deliveryAttempts: number | null;
  lastDeliveryError: string | null;
}

export type InviteStatus = 'pending' | 'accepted' | 'declined' | 'revoked';

export interface Invite {
  id: string;
  fromUserId: string;
  toUserId: string;
  status: InviteStatus;
  message: string | null;
  createdAt: string;
  updatedAt: string;
  respondedAt: string | null;
}

export interface Friend {
  friendUserId: string;
  /** The name the friend's node gives them; null when unknown (a user of another server, or not fetched yet). */
  displayName: string | null;
  sourceInviteId: string | null;
  since: string;
}

export interface Session {
  serverUrl: string;
  userAddress: string;
  displayName: string | null;
  accessToken: string | null;
  expiresAt: string | null;
  deviceName: string;
}

export interface ConversationSummary {
  peerUserId: string;
  /** The friend's display name; null when unknown or when the peer is no longer a friend. */
  displayName: string | null;
  lastMessageAt: string;
  lastMessageContent: string;
  lastMessageContentType: ContentType;
  lastMessageFromUserId: string;
  lastMessageStatus: MessageStatus;
  unreadCount: number;
}

export type InviteAnswer = 'accept' | 'decline' | 'revoke';

/** What the outbox replays to the server, in order. Each carries what makes a repeat harmless. */
export type OutboxOperation =
  | { kind: 'send'; clientMessageId: string }
  | { kind: 'read'; messageId: string }
  | { kind: 'invite'; inviteId: string; toUserId: string; message: string | null }
  | { kind: InviteAnswer; inviteId: string }
  | { kind: 'unfriend'; friendUserId: string };

export type OutboxState = 'pending' | 'failed';

export interface OutboxEntry {
  id: number;
  operation: OutboxOperation;
  state: OutboxState;
  attempts: number;
  /** Milliseconds since the epoch; 0 when it may go at once. */
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: string;
}
