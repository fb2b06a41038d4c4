import type { LocalDatabase } from '../storage/local-database.ts';
import type { ContentType, ConversationSummary, LocalMessage, MessageStatus, ServerMessage } from '../model.ts';

interface MessageRow {
  local_id: number;
  id: string | null;
  client_message_id: string;
  from_user_id: string;
  to_user_id: string;
  peer_user_id: string;
  content_type: ContentType;
  content: string;
  created_at: string;
  read_at: string | null;
  status: MessageStatus;
  delivery_status: string | null;
  error: string | null;
}

export interface NewLocalMessage {
  clientMessageId: string;
  fromUserId: string;
  toUserId: string;
  contentType: ContentType;
  content: string;
  createdAt: string;
  status: 'draft' | 'queued';
}

/** What storing a server message did, so that user interfaces hear about real changes only. */
export type StoredMessageChange =
  | { kind: 'inserted'; message: LocalMessage }
  | { kind: 'updated'; message: LocalMessage; previousStatus: MessageStatus; previousReadAt: string | null }
  | { kind: 'unchanged'; message: LocalMessage };

export interface ThreadPage {
  /** Oldest first. */
  messages: LocalMessage[];
  hasMore: boolean;
}

export class MessageStore {
  constructor(private readonly db: LocalDatabase) {}

  insertLocal(message: NewLocalMessage): LocalMessage {
    this.db.run(
      `INSERT INTO messages (client_message_id, from_user_id, to_user_id, peer_user_id, content_type, content,
         created_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        message.clientMessageId,
        message.fromUserId,
        message.toUserId,
        message.toUserId,
        message.contentType,
        message.content,
        message.createdAt,
        message.status,
      ],
    );
    return this.requireByClientMessageId(message.fromUserId, message.clientMessageId);
  }

  /**
   * Stores a message the server has, whoever sent it. A message is the same message when its server id or its
   * sender's clientMessageId matches, so a reply to a retried send, a sync event and another device's copy all land
   * on one row.
   */
  storeFromServer(message: ServerMessage, viewer: string): StoredMessageChange {
    const existing =
      this.findByServerId(message.id) ?? this.findByClientMessageId(message.fromUserId, message.clientMessageId);
    const status: MessageStatus = message.fromUserId === viewer ? 'sent' : 'received';
    if (!existing) {
      this.insertFromServer(message, viewer, status);
      return { kind: 'inserted', message: this.requireByServerId(message.id) };
    }
    // The server's read time wins over this device's optimistic one.
    const readAt = message.readAt ?? existing.readAt;
    const deliveryStatus = message.deliveryStatus ?? existing.deliveryStatus;
    const unchanged =
      existing.id === message.id &&
      existing.status === status &&
      existing.readAt === readAt &&
      existing.createdAt === message.createdAt &&
      existing.deliveryStatus === deliveryStatus;
    if (unchanged) return { kind: 'unchanged', message: existing };
    this.db.run(
      `UPDATE messages SET id = ?, status = ?, created_at = ?, read_at = ?, delivery_status = ?, error = NULL
       WHERE local_id = ?`,
      [message.id, status, message.createdAt, readAt, deliveryStatus, existing.localId],
    );
    return {
      kind: 'updated',
      message: this.requireByServerId(message.id),
      previousStatus: existing.status,
      previousReadAt: existing.readAt,
    };
  }

  markFailed(localId: number, error: string): void {
    this.db.run(`UPDATE messages SET status = 'failed', error = ? WHERE local_id = ?`, [error, localId]);
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

  setDeliveryStatus(messageId: string, deliveryStatus: string): boolean {
    return (
      this.db.run('UPDATE messages SET delivery_status = ? WHERE id = ? AND delivery_status IS NOT ?', [
        deliveryStatus,
        messageId,
        deliveryStatus,
      ]).changes > 0
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
    const before = beforeLocalId === undefined ? undefined : this.findByLocalId(beforeLocalId);
    const rows = before
      ? this.db.all<MessageRow>(
          `SELECT * FROM messages WHERE peer_user_id = ? AND (created_at, local_id) < (?, ?)
           ORDER BY created_at DESC, local_id DESC LIMIT ?`,
          [peer, before.createdAt, before.localId, limit + 1],
        )
      : this.db.all<MessageRow>(
          'SELECT * FROM messages WHERE peer_user_id = ? ORDER BY created_at DESC, local_id DESC LIMIT ?',
          [peer, limit + 1],
        );
    return { messages: rows.slice(0, limit).reverse().map(requireLocalMessage), hasMore: rows.length > limit };
  }

  /** One line per conversation, most recent first. */
  conversations(): ConversationSummary[] {
    return this.db
      .all<MessageRow & { unread_count: number }>(
        `SELECT m.*, (SELECT count(*) FROM messages u
                      WHERE u.peer_user_id = m.peer_user_id AND u.status = 'received' AND u.read_at IS NULL) AS unread_count
         FROM messages m
         WHERE m.local_id = (SELECT l.local_id FROM messages l WHERE l.peer_user_id = m.peer_user_id
                             ORDER BY l.created_at DESC, l.local_id DESC LIMIT 1)
         ORDER BY m.created_at DESC, m.local_id DESC`,
      )
      .map((row) => ({
        peerUserId: row.peer_user_id,
        lastMessageAt: row.created_at,
        lastMessageContent: row.content,
        lastMessageContentType: row.content_type,
        lastMessageFromUserId: row.from_user_id,
        lastMessageStatus: row.status,
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

  private insertFromServer(message: ServerMessage, viewer: string, status: MessageStatus): void {
    const peer = message.fromUserId === viewer ? message.toUserId : message.fromUserId;
    this.db.run(
      `INSERT INTO messages (id, client_message_id, from_user_id, to_user_id, peer_user_id, content_type, content,
         created_at, read_at, status, delivery_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        message.id,
        message.clientMessageId,
        message.fromUserId,
        message.toUserId,
        peer,
        message.contentType,
        message.content,
        message.createdAt,
        message.readAt,
        status,
        message.deliveryStatus ?? null,
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

function toLocalMessage(row: MessageRow | undefined): LocalMessage | undefined {
  return row ? requireLocalMessage(row) : undefined;
}

function requireLocalMessage(row: MessageRow | undefined): LocalMessage {
  if (!row) throw new Error('message row expected');
  return {
    localId: row.local_id,
    id: row.id,
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
    error: row.error,
  };
}
