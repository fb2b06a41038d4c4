export type ContentType = 'text/plain' | 'application/e2ee+ciphertext';

/** How a message to someone on another server is getting there, as the sender's node reports it. */
export type DeliveryStatus = 'pending' | 'sent' | 'acked' | 'failed';

/**
 * How a message travels. `e2ee`: sealed end to end (MLS); `plain`: readable by the servers (a friend without keys, a
 * server without a key directory, or a message from before encryption); `pending`: received, waiting for the
 * handshake before it (or, for a message of this device not sent yet, for the friend's keys to be looked up);
 * `undecryptable`: it can never be opened here (see `UndecryptableReason`), and its `content` is ''.
 */
export type MessageEncryption = 'e2ee' | 'plain' | 'pending' | 'undecryptable';

/**
 * `before-this-device`: sent before this device could read it (a new device reads only what is sent after it joined);
 * `tampered`: altered, or not an envelope at all; `replayed`: a copy of a message already opened; `not-a-member`: not
 * sealed by the device it names, or sealed for a group this device is not in; `unknown-group`: sealed for a group this
 * device can never join (it has no keys on the server); `expired`: it came after its keys were deleted (forward secrecy:
 * more than 16 membership changes late).
 */
export type UndecryptableReason =
  'before-this-device' | 'tampered' | 'replayed' | 'not-a-member' | 'unknown-group' | 'expired';

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
  /** `application/e2ee+ciphertext` only while the message is not opened (pending or undecryptable). */
  contentType: ContentType;
  /** The text; '' while the message is pending or undecryptable: a ciphertext is never shown as text. */
  content: string;
  encryption: MessageEncryption;
  /** Why it cannot be opened, when `encryption` is `undecryptable`. */
  undecryptableReason: UndecryptableReason | null;
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
  /** `pending` or `undecryptable`: `lastMessageContent` is '' and there is nothing to preview. */
  lastMessageEncryption: MessageEncryption;
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

/** `unknown` until the friend's keys were looked up once. */
export type EncryptionState = 'encrypted' | 'not-encrypted' | 'unknown';

/** Why a conversation is not encrypted. */
export type NotEncryptedReason =
  | 'peer-has-no-keys'
  | 'peer-server-has-no-key-directory'
  /** This user's own server has no key directory: no conversation can be encrypted. */
  | 'own-server-has-no-key-directory';

export interface ConversationSecurity {
  peer: string;
  state: EncryptionState;
  /** Why it is not encrypted; null when it is (or not known yet). */
  reason: NotEncryptedReason | null;
  /** The person compared the safety number and marked it verified; dropped by a key change. */
  verified: boolean;
  /** The friend's keys changed (a device added or removed, an identity reset) and nobody acknowledged it yet. */
  keyChanged: boolean;
  /** `!keyChanged`: sending in this conversation waits until the change is acknowledged. */
  canSend: boolean;
}

export interface SafetyNumber {
  peer: string;
  /** 60 digits in 12 groups of 5, space separated: the same on both sides. */
  digits: string;
  /** `mylife-safety:1:<addressA>:<fingerprintA hex>:<addressB>:<fingerprintB hex>`, lower address first. */
  qrPayload: string;
  verified: boolean;
}

export interface OwnKeys {
  deviceId: string;
  /** This device's identity key, hex in groups of four. */
  fingerprint: string;
  /** The user's devices with keys, as the server lists them (this one included once published). */
  devices: { deviceId: string; fingerprint: string; current: boolean }[];
}
