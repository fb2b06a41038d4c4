import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { appendEventsSql } from '../sync/sync-events.writer';
import { ConversationSummaryEntity } from './conversation-summary.entity';
import { ContentType, MessageEntity } from './message.entity';
import { MessageRow } from './message.response';

export interface NewMessage {
  id: string;
  clientMessageId: string;
  fromUserId: string;
  toUserId: string;
  conversationKey: string;
  contentType: ContentType;
  content: string;
  /** Users of this node among sender and recipient: they get an inbox row and a sync event. */
  localUsers: string[];
  /** The sender's time for a message from another server; now otherwise. */
  createdAt?: Date;
}

export type InsertOutcome = { kind: 'inserted'; message: MessageRow } | { kind: 'duplicate' } | { kind: 'not-friends' };

const MESSAGE_COLUMNS = `m.id, m.seq, m.client_message_id AS "clientMessageId", m.from_user_id AS "fromUserId",
  m.to_user_id AS "toUserId", m.content_type AS "contentType", m.content, m.created_at AS "createdAt",
  m.read_at AS "readAt"`;

/** A message with its delivery state when it went to another server (outbox row of kind `message`). */
export const MESSAGE_WITH_DELIVERY_COLUMNS = `${MESSAGE_COLUMNS}, o.status AS "deliveryStatus",
  o.attempts AS "deliveryAttempts", o.last_error AS "lastDeliveryError"`;
export const DELIVERY_JOIN = `LEFT JOIN federation_message_outbox o ON o.message_id = m.id AND o.kind = 'message'`;

/**
 * A message, both inbox rows and both sync events in one statement (one round trip, one implicit transaction).
 * The friendship row of the local party ($9 → $10) is held FOR KEY SHARE so that an unfriend cannot slip between
 * the check and the insert. Any unique violation (the same client id again, or a peer reusing a message id) inserts
 * nothing.
 * Inbox rows are upserted in owner order, so two messages crossing in one conversation cannot deadlock; the last
 * message only moves forward (a statement that took an older seq may commit second).
 */
const INSERT_MESSAGE_SQL = `
WITH friend AS (
  SELECT 1 FROM friendships WHERE user_id = $9 AND friend_user_id = $10 FOR KEY SHARE
), inserted AS (
  INSERT INTO friend_messages (id, client_message_id, from_user_id, to_user_id, conversation_key, content_type, content,
    created_at)
  SELECT $1, $2, $3, $4, $5, $6, $7, COALESCE($11::timestamptz, now()) WHERE EXISTS (SELECT 1 FROM friend)
  ON CONFLICT DO NOTHING
  RETURNING *
), summaries AS (
  INSERT INTO conversation_summaries AS s (owner_user_id, friend_user_id, last_message_id, last_message_seq,
    last_message_at, last_message_content, last_message_content_type, unread_count)
  SELECT o.owner, o.friend, i.id, i.seq, i.created_at, i.content, i.content_type, o.unread
  FROM inserted i CROSS JOIN (VALUES ($3::varchar, $4::varchar, 0), ($4::varchar, $3::varchar, 1)) AS o(owner, friend, unread)
  WHERE o.owner = ANY($8::varchar[])
  ORDER BY o.owner
  ON CONFLICT (owner_user_id, friend_user_id) DO UPDATE SET
    unread_count = s.unread_count + EXCLUDED.unread_count,
    last_message_id = CASE WHEN EXCLUDED.last_message_seq > s.last_message_seq THEN EXCLUDED.last_message_id ELSE s.last_message_id END,
    last_message_at = CASE WHEN EXCLUDED.last_message_seq > s.last_message_seq THEN EXCLUDED.last_message_at ELSE s.last_message_at END,
    last_message_content = CASE WHEN EXCLUDED.last_message_seq > s.last_message_seq THEN EXCLUDED.last_message_content ELSE s.last_message_content END,
    last_message_content_type = CASE WHEN EXCLUDED.last_message_seq > s.last_message_seq THEN EXCLUDED.last_message_content_type ELSE s.last_message_content_type END,
    last_message_seq = GREATEST(s.last_message_seq, EXCLUDED.last_message_seq)
), message_events AS (
  SELECT owner AS user_id, 'message'::varchar AS type, i.id AS message_id, NULL::jsonb AS data, 1::bigint AS ord
  FROM inserted i CROSS JOIN unnest($8::varchar[]) AS owner
),${appendEventsSql('message_events')}
SELECT (SELECT count(*) FROM friend)::int AS friends, i.id, i.seq, i.client_message_id AS "clientMessageId",
  i.from_user_id AS "fromUserId", i.to_user_id AS "toUserId", i.content_type AS "contentType", i.content,
  i.created_at AS "createdAt", i.read_at AS "readAt"
FROM (SELECT 1) AS one LEFT JOIN inserted i ON true`;

/**
 * Marks a message read by its recipient, lowers the recipient's unread count and tells both sides' streams, in one
 * statement; returns nothing when the message was already read.
 */
const MARK_READ_SQL = `
WITH updated AS (
  UPDATE friend_messages SET read_at = now() WHERE id = $1 AND to_user_id = $2 AND read_at IS NULL
  RETURNING *
), summary AS (
  UPDATE conversation_summaries s SET unread_count = GREATEST(s.unread_count - 1, 0)
  FROM updated u WHERE s.owner_user_id = u.to_user_id AND s.friend_user_id = u.from_user_id
), read_events AS (
  SELECT owner AS user_id, 'message.read'::varchar AS type, NULL::uuid AS message_id,
    jsonb_build_object('messageId', u.id, 'fromUserId', u.from_user_id, 'toUserId', u.to_user_id,
      'readAt', to_char(u.read_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) AS data, 1::bigint AS ord
  FROM updated u CROSS JOIN unnest($3::varchar[]) AS owner
),${appendEventsSql('read_events')}
SELECT ${MESSAGE_COLUMNS} FROM updated m`;

/**
 * Read receipts from the recipients' server: sets readAt on our copies of messages our users sent, and tells the
 * senders' streams. Returns the senders whose stream changed.
 */
const APPLY_REMOTE_READS_SQL = `
WITH r AS (
  SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[])
    AS r(client_message_id, from_user_id, to_user_id, read_at)
), updated AS (
  UPDATE friend_messages m SET read_at = r.read_at FROM r
  WHERE m.from_user_id = r.from_user_id AND m.client_message_id = r.client_message_id
    AND m.to_user_id = r.to_user_id AND m.read_at IS NULL
  RETURNING m.id, m.from_user_id, m.to_user_id, m.read_at
), remote_read_events AS (
  SELECT u.from_user_id AS user_id, 'message.read'::varchar AS type, NULL::uuid AS message_id,
    jsonb_build_object('messageId', u.id, 'fromUserId', u.from_user_id, 'toUserId', u.to_user_id,
      'readAt', to_char(u.read_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) AS data,
    row_number() OVER () AS ord
  FROM updated u
),${appendEventsSql('remote_read_events')}
SELECT DISTINCT from_user_id AS "fromUserId" FROM updated`;

/** The SQL of the messages feature, in one place. */
@Injectable()
export class MessagesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(message: NewMessage, manager: EntityManager = this.dataSource.manager): Promise<InsertOutcome> {
    const [row] = await manager.query(INSERT_MESSAGE_SQL, [
      message.id,
      message.clientMessageId,
      message.fromUserId,
      message.toUserId,
      message.conversationKey,
      message.contentType,
      message.content,
      message.localUsers,
      // The local party's friendship: the sender's for an outgoing message, the recipient's for an incoming one.
      message.localUsers.includes(message.fromUserId) ? message.fromUserId : message.toUserId,
      message.localUsers.includes(message.fromUserId) ? message.toUserId : message.fromUserId,
      message.createdAt ?? null,
    ]);
    if (row.friends === 0) return { kind: 'not-friends' };
    if (row.id === null) return { kind: 'duplicate' };
    return { kind: 'inserted', message: row as MessageRow };
  }

  findBySenderAndClientId(fromUserId: string, clientMessageId: string): Promise<MessageEntity | null> {
    return this.dataSource.getRepository(MessageEntity).findOneBy({ fromUserId, clientMessageId });
  }

  findById(id: string): Promise<MessageEntity | null> {
    return this.dataSource.getRepository(MessageEntity).findOneBy({ id });
  }

  /**
   * A page of one conversation in chronological order: the latest messages, or those just before / after a seq, or
   * those created after a time. Fetches one extra row to tell whether more exist.
   */
  async page(key: string, position: { beforeSeq?: string; afterSeq?: string; since?: Date }, limit: number) {
    const ascending = position.afterSeq !== undefined || position.since !== undefined;
    const conditions = ['m.conversation_key = $1'];
    const params: unknown[] = [key];
    if (position.beforeSeq) conditions.push(`m.seq < $${params.push(position.beforeSeq)}`);
    if (position.afterSeq) conditions.push(`m.seq > $${params.push(position.afterSeq)}`);
    // Clients see times at millisecond precision; compare at the same precision so `since` excludes that message.
    if (position.since) conditions.push(`date_trunc('milliseconds', m.created_at) > $${params.push(position.since)}`);
    const rows: MessageRow[] = await this.dataSource.query(
      `SELECT ${MESSAGE_WITH_DELIVERY_COLUMNS} FROM friend_messages m ${DELIVERY_JOIN}
       WHERE ${conditions.join(' AND ')} ORDER BY m.seq ${ascending ? 'ASC' : 'DESC'} LIMIT $${params.push(limit + 1)}`,
      params,
    );
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    return { items: ascending ? page : page.reverse(), hasMore };
  }

  async inbox(owner: string, beforeSeq: number | undefined, limit: number) {
    const query = this.dataSource
      .getRepository(ConversationSummaryEntity)
      .createQueryBuilder('s')
      .where('s.ownerUserId = :owner', { owner })
      .orderBy('s.lastMessageSeq', 'DESC')
      .limit(limit + 1);
    if (beforeSeq !== undefined) query.andWhere('s.lastMessageSeq < :beforeSeq', { beforeSeq });
    const rows = await query.getMany();
    return { items: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async applyRemoteReads(
    manager: EntityManager,
    reads: { clientMessageId: string; fromUserId: string; toUserId: string; readAt: Date }[],
  ): Promise<string[]> {
    if (reads.length === 0) return [];
    const rows: { fromUserId: string }[] = await manager.query(APPLY_REMOTE_READS_SQL, [
      reads.map((read) => read.clientMessageId),
      reads.map((read) => read.fromUserId),
      reads.map((read) => read.toUserId),
      reads.map((read) => read.readAt),
    ]);
    return rows.map((row) => row.fromUserId);
  }

  async markRead(messageId: string, recipient: string, localUsers: string[]): Promise<MessageRow | null> {
    const rows: MessageRow[] = await this.dataSource.query(MARK_READ_SQL, [messageId, recipient, localUsers]);
    return rows[0] ?? null;
  }
}
