import type { LocalDatabase } from '../storage/local-database.ts';
import type {
  ContentType,
  ConversationSummary,
  MessageEncryption,
  UndecryptableReason,
  DeliveryStatus,
  DeliveryUpdate,
  LocalMessage,
  MessageStatus,
  ServerMessage,
} from '../model.ts';

interface MessageRow {
  local_id: number;
  id: string | null;
  seq: number | null;
  sort_seq: number;
  client_message_id: string;
  from_user_id: string;
  to_user_id: string;
  peer_user_id: string;
  content_type: ContentType;
  content: string;
  created_at: string;
  read_at: string | null;
  status: MessageStatus;
  delivery_status: DeliveryStatus | null;
  delivery_attempts: number | null;
  last_delivery_error: string | null;
  error: string | null;
  encryption: MessageEncryption;
  undecryptable_reason: UndecryptableReason | null;
}

type Delivery = Pick<LocalMessage, 'deliveryStatus' | 'deliveryAttempts' | 'lastDeliveryError'>;

/**
 * Where a message the server has not numbered goes in its thread: just after the latest numbered one. The highest
 * sort_seq is the highest seq or a row placed after it; the first numbered row from the top is the highest seq.
 */
const PLACE_AFTER_LATEST = `COALESCE((SELECT seq FROM messages WHERE peer_user_id = ? AND seq IS NOT NULL
  ORDER BY sort_seq DESC, created_at DESC, local_id DESC LIMIT 1), 0) + 0.5`;

/** The statuses of a message the node does not have: only this device's own messages are ever in them. */
const UNSENT: ReadonlySet<MessageStatus> = new Set(['draft', 'queued', 'failed']);

export interface NewLocalMessage {
  clientMessageId: string;
  fromUserId: string;
  toUserId: string;
  contentType: ContentType;
  content: string;
  createdAt: string;
  status: 'draft' | 'queued';
  encryption: MessageEncryption;
}

/** What this device reads in a server's message: its content, or what was opened from its envelope. */
export interface MessageReading {
  contentType: ContentType;
  content: string;
  encryption: MessageEncryption;
  undecryptableReason: UndecryptableReason | null;
}

/** What storing a server message did, so that user interfaces hear about real changes only. */
export type StoredMessageChange =
  | { kind: 'inserted'; message: LocalMessage }
  | { kind: 'updated'; message: LocalMessage; previousStatus: MessageStatus; previousReadAt: string | null }
  | { kind: 'unchanged'; message: LocalMessage };

export interface ThreadPage {
  /** In the home node's order (seq), oldest first; messages not on the server yet after those known before them. */
  messages: LocalMessage[];
  hasMore: boolean;
}

export class MessageStore {
  constructor(private readonly db: LocalDatabase) {}

  insertLocal(message: NewLocalMessage): LocalMessage {
    this.db.run(
      `INSERT INTO messages (client_message_id, from_user_id, to_user_id, peer_user_id, content_type, content,
         created_at, status, encryption, sort_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ${PLACE_AFTER_LATEST})`,
      [
        message.clientMessageId,
        message.fromUserId,
        message.toUserId,
        message.toUserId,
        message.contentType,
        message.content,
        message.createdAt,
        message.status,
        message.encryption,
        message.toUserId,
      ],
    );
    return this.requireByClientMessageId(message.fromUserId, message.clientMessageId);
  }

  /**
   * Stores a message the server has, whoever sent it. A message is the same message when its server id or its
   * sender's clientMessageId matches, so a reply to a retried send, a sync event and another device's copy all land
   * on one row. `reading` is what a new row holds; a known row keeps what this device already reads in it.
   */
  storeFromServer(
    message: ServerMessage,
    viewer: string,
    reading: MessageReading = readingOf(message),
  ): StoredMessageChange {
    const existing =
      this.findByServerId(message.id) ?? this.findByClientMessageId(message.fromUserId, message.clientMessageId);
    const status: MessageStatus = message.fromUserId === viewer ? 'sent' : 'received';
    if (!existing) {
      this.insertFromServer(message, viewer, status, reading);
      return { kind: 'inserted', message: this.requireByServerId(message.id) };
    }
    // The server's read time wins over this device's optimistic one.
    const readAt = message.readAt ?? existing.readAt;
    const seq = message.seq ?? existing.seq;
    const delivery = message.deliveryStatus ? deliveryOf(message) : existing;
    // The server spells addresses as their servers do (`Carol@b` typed, `carol@b` stored): its spelling wins, or one
    // conversation would be shown as two.
    const peer = peerOf(message, viewer);
    const unchanged =
      existing.id === message.id &&
      existing.fromUserId === message.fromUserId &&
      existing.toUserId === message.toUserId &&
      existing.seq === seq &&
      existing.status === status &&
      existing.readAt === readAt &&
      existing.createdAt === message.createdAt &&
      sameDelivery(existing, delivery);
    if (unchanged) return { kind: 'unchanged', message: existing };
    this.db.run(
      `UPDATE messages SET id = ?, seq = ?, sort_seq = COALESCE(?, sort_seq), from_user_id = ?, to_user_id = ?,
         peer_user_id = ?, status = ?, created_at = ?, read_at = ?, delivery_status = ?, delivery_attempts = ?,
         last_delivery_error = ?, error = NULL
       WHERE local_id = ?`,
      [
        message.id,
        seq,
        seq,
        message.fromUserId,
        message.toUserId,
        peer,
        status,
        message.createdAt,
        readAt,
        delivery.deliveryStatus,
        delivery.deliveryAttempts,
        delivery.lastDeliveryError,
        existing.localId,
      ],
    );
    return {
      kind: 'updated',
      message: this.requireByServerId(message.id),
      previousStatus: existing.status,
      previousReadAt: existing.readAt,
    };
  }

  /**
   * The node numbered some of this device's messages (the changes of one run of answers or sync events): this
   * device's messages written after one of them and not on the server yet go just after it, so that they keep the
   * order in which they were written. A burst queued together sits at one place until the node numbers it; without
   * this, the messages still queued would sort before the one just numbered ("198, 200, 199" for a moment). Per run,
   * not per message: a run of 500 answers moves each message still queued once, not 500 times.
   */
  keepUnsentAfterNumbered(changes: readonly StoredMessageChange[]): void {
    const numberedByPeer = new Map<string, LocalMessage[]>();
    for (const change of changes) {
      if (change.kind !== 'updated' || !UNSENT.has(change.previousStatus) || change.message.seq === null) continue;
      const peer = change.message.peerUserId;
      if (!numberedByPeer.has(peer)) numberedByPeer.set(peer, []);
      numberedByPeer.get(peer)!.push(change.message);
    }
    for (const [peer, numbered] of numberedByPeer) {
      numbered.sort((a, b) => a.localId - b.localId);
      let floor = -Infinity;
      for (const [index, message] of numbered.entries()) {
        floor = Math.max(floor, message.seq! + 0.5);
        // The unsent messages written after this one and before the next one numbered in this run.
        const until = numbered[index + 1]?.localId ?? Number.MAX_SAFE_INTEGER;
        this.db.run(
          `UPDATE messages SET sort_seq = ? WHERE peer_user_id = ? AND id IS NULL AND local_id > ? AND local_id < ?
             AND sort_seq < ?`,
          [floor, peer, message.localId, until, floor],
        );
      }
    }
  }

  /** How this device's own message goes: decided when the outbox seals it, or sends it as it is. */
  setEncryption(localId: number, encryption: MessageEncryption): void {
    this.db.run('UPDATE messages SET encryption = ? WHERE local_id = ?', [encryption, localId]);
  }

  /** A pending message opened, or turned out never to open. */
  applyReading(messageId: string, reading: MessageReading): void {
    this.db.run(
      `UPDATE messages SET content_type = ?, content = ?, encryption = ?, undecryptable_reason = ? WHERE id = ?`,
      [reading.contentType, reading.content, reading.encryption, reading.undecryptableReason, messageId],
    );
  }

  /** This device got a new identity: what waited for its old groups can never open. */
  markPendingUndecryptable(reason: UndecryptableReason): void {
    this.db.run(
      `UPDATE messages SET encryption = 'undecryptable', undecryptable_reason = ? WHERE encryption = 'pending' AND id IS NOT NULL`,
      [reason],
    );
  }

  markFailed(localId: number, error: string): void {
    this.db.run(`UPDATE messages SET status = 'failed', error = ? WHERE local_id = ?`, [error, localId]);
  }

  /** Only a row the server never had (no server id): the server's messages are changed by sync alone. */
  deleteUnsent(localId: number): void {
    this.db.run('DELETE FROM messages WHERE local_id = ? AND id IS NULL', [localId]);
  }

  markQueued(localId: number): void {
    this.db.run(`UPDATE messages SET status = 'queued', error = NULL WHERE local_id = ?`, [localId]);
  }

  /** Sets `readAt` when it is not set yet; the first time wins, as on the server. Returns whether it changed. */
  markRead(messageId: string, readAt: string): boolean {
    return (
      this.db.run('UPDATE messages SET read_at = ? WHERE id = ? AND read_at IS NULL', [readAt, messageId]).changes > 0
    );
  }

  /** A `message.delivery` event; returns whether anything changed. */
  setDelivery(update: DeliveryUpdate): boolean {
    return (
      this.db.run(
        `UPDATE messages SET delivery_status = ?, delivery_attempts = ?, last_delivery_error = ?
         WHERE id = ? AND (delivery_status, delivery_attempts, last_delivery_error) IS NOT (?, ?, ?)`,
        [
          update.deliveryStatus,
          update.deliveryAttempts,
          update.lastDeliveryError,
          update.messageId,
          update.deliveryStatus,
          update.deliveryAttempts,
          update.lastDeliveryError,
        ],
      ).changes > 0
    );
  }

  findByServerId(id: string): LocalMessage | undefined {
    return toLocalMessage(this.db.get<MessageRow>('SELECT * FROM messages WHERE id = ?', [id]));
  }

  findByLocalId(localId: number): LocalMessage | undefined {
    return toLocalMessage(this.db.get<MessageRow>('SELECT * FROM messages WHERE local_id = ?', [localId]));
  }

  findByClientMessageId(fromUserId: string, clientMessageId: string): LocalMessage | undefined {
    return toLocalMessage(
      this.db.get<MessageRow>('SELECT * FROM messages WHERE from_user_id = ? AND client_message_id = ?', [
        fromUserId,
        clientMessageId,
      ]),
    );
  }

  /** The latest `limit` messages with `peer`, or those just before `beforeLocalId`; oldest first. */
  thread(peer: string, limit: number, beforeLocalId?: number): ThreadPage {
    const before =
      beforeLocalId === undefined
        ? undefined
        : this.db.get<MessageRow>('SELECT * FROM messages WHERE local_id = ?', [beforeLocalId]);
    const rows = before
      ? this.db.all<MessageRow>(
          `SELECT * FROM messages WHERE peer_user_id = ? AND (sort_seq, created_at, local_id) < (?, ?, ?)
           ORDER BY sort_seq DESC, created_at DESC, local_id DESC LIMIT ?`,
          [peer, before.sort_seq, before.created_at, before.local_id, limit + 1],
        )
      : this.db.all<MessageRow>(
          `SELECT * FROM messages WHERE peer_user_id = ?
           ORDER BY sort_seq DESC, created_at DESC, local_id DESC LIMIT ?`,
          [peer, limit + 1],
        );
    return { messages: rows.slice(0, limit).reverse().map(requireLocalMessage), hasMore: rows.length > limit };
  }

  /** One line per conversation, most recent first. */
  conversations(): ConversationSummary[] {
    return this.db
      .all<MessageRow & { unread_count: number; friend_display_name: string | null }>(
        `SELECT m.*, (SELECT count(*) FROM messages u
                      WHERE u.peer_user_id = m.peer_user_id AND u.status = 'received' AND u.read_at IS NULL) AS unread_count,
                f.display_name AS friend_display_name
         FROM messages m LEFT JOIN friends f ON f.friend_user_id = m.peer_user_id
         WHERE m.local_id = (SELECT l.local_id FROM messages l WHERE l.peer_user_id = m.peer_user_id
                             ORDER BY l.sort_seq DESC, l.created_at DESC, l.local_id DESC LIMIT 1)
         ORDER BY m.created_at DESC, m.local_id DESC`,
      )
      .map((row) => ({
        peerUserId: row.peer_user_id,
        displayName: row.friend_display_name,
        lastMessageAt: row.created_at,
        lastMessageContent: row.content,
        lastMessageContentType: row.content_type,
        lastMessageFromUserId: row.from_user_id,
        lastMessageStatus: row.status,
        lastMessageEncryption: row.encryption,
        unreadCount: row.unread_count,
      }));
  }

  /** Every message, in a stable order: for comparing two copies. */
  all(): LocalMessage[] {
    return this.db.all<MessageRow>('SELECT * FROM messages ORDER BY created_at, local_id').map(requireLocalMessage);
  }

  count(): number {
    return this.db.get<{ n: number }>('SELECT count(*) AS n FROM messages')?.n ?? 0;
  }

  private insertFromServer(
    message: ServerMessage,
    viewer: string,
    status: MessageStatus,
    reading: MessageReading,
  ): void {
    const peer = peerOf(message, viewer);
    const delivery = deliveryOf(message);
    this.db.run(
      `INSERT INTO messages (id, seq, sort_seq, client_message_id, from_user_id, to_user_id, peer_user_id,
         content_type, content, created_at, read_at, status, delivery_status, delivery_attempts, last_delivery_error,
         encryption, undecryptable_reason)
       VALUES (?, ?, COALESCE(?, ${PLACE_AFTER_LATEST}), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        message.id,
        message.seq ?? null,
        message.seq ?? null,
        peer,
        message.clientMessageId,
        message.fromUserId,
        message.toUserId,
        peer,
        reading.contentType,
        reading.content,
        message.createdAt,
        message.readAt,
        status,
        delivery.deliveryStatus,
        delivery.deliveryAttempts,
        delivery.lastDeliveryError,
        reading.encryption,
        reading.undecryptableReason,
      ],
    );
  }

  private requireByServerId(id: string): LocalMessage {
    return requireLocalMessage(this.db.get<MessageRow>('SELECT * FROM messages WHERE id = ?', [id]));
  }

  private requireByClientMessageId(fromUserId: string, clientMessageId: string): LocalMessage {
    const message = this.findByClientMessageId(fromUserId, clientMessageId);
    if (!message) throw new Error(`message ${clientMessageId} from ${fromUserId} is not stored`);
    return message;
  }
}

/** The other person of a message's conversation, seen from `viewer`. */
function peerOf(message: ServerMessage, viewer: string): string {
  return message.fromUserId === viewer ? message.toUserId : message.fromUserId;
}

function toLocalMessage(row: MessageRow | undefined): LocalMessage | undefined {
  return row ? requireLocalMessage(row) : undefined;
}

function requireLocalMessage(row: MessageRow | undefined): LocalMessage {
  if (!row) throw new Error('message row expected');
  return {
    localId: row.local_id,
    id: row.id,
    seq: row.seq,
    clientMessageId: row.client_message_id,
    fromUserId: row.from_user_id,
    toUserId: row.to_user_id,
    peerUserId: row.peer_user_id,
    contentType: row.content_type,
    content: row.content,
    createdAt: row.created_at,
    readAt: row.read_at,
    status: row.status,
    deliveryStatus: row.delivery_status,
    deliveryAttempts: row.delivery_attempts,
    lastDeliveryError: row.last_delivery_error,
    error: row.error,
    encryption: row.encryption,
    undecryptableReason: row.undecryptable_reason,
  };
}

/**
 * A server message read as it is. A ciphertext reaches here only when nothing could try to open it (a bug, or a copy
 * written before this version): it is never shown as text.
 */
function readingOf(message: ServerMessage): MessageReading {
  if (message.contentType === 'application/e2ee+ciphertext') {
    return {
      contentType: message.contentType,
      content: '',
      encryption: 'undecryptable',
      undecryptableReason: 'unknown-group',
    };
  }
  return { contentType: message.contentType, content: message.content, encryption: 'plain', undecryptableReason: null };
}

function deliveryOf(message: ServerMessage): Delivery {
  return message.deliveryStatus
    ? {
        deliveryStatus: message.deliveryStatus,
        deliveryAttempts: message.deliveryAttempts ?? 0,
        lastDeliveryError: message.lastDeliveryError ?? null,
      }
    : { deliveryStatus: null, deliveryAttempts: null, lastDeliveryError: null };
}

function sameDelivery(a: Delivery, b: Delivery): boolean {
  return (
    a.deliveryStatus === b.deliveryStatus &&
    a.deliveryAttempts === b.deliveryAttempts &&
    a.lastDeliveryError === b.lastDeliveryError
  );
}
