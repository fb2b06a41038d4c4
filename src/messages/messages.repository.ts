import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CURRENT_TX_ID_SQL } from '../sync/sync-events.writer';
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
}

export type InsertOutcome = { kind: 'inserted'; message: MessageRow } | { kind: 'duplicate' } | { kind: 'not-friends' };

const MESSAGE_COLUMNS = `id, seq, client_message_id AS "clientMessageId", from_user_id AS "fromUserId",
  to_user_id AS "toUserId", content_type AS "contentType", content, created_at AS "createdAt", read_at AS "readAt"`;

/**
 * A message, both inbox rows and both sync events in one statement (one round trip, one implicit transaction).
 * The friendship row is held FOR KEY SHARE so that an unfriend cannot slip between the check and the insert.
 * Inbox rows are upserted in owner order, so two messages crossing in one conversation cannot deadlock; the last
 * message only moves forward (a statement that took an older seq may commit second).
 */
const INSERT_MESSAGE_SQL = `
WITH friend AS (
  SELECT 1 FROM friendships WHERE user_id = $3 AND friend_user_id = $4 FOR KEY SHARE
), inserted AS (
  INSERT INTO friend_messages (id, client_message_id, from_user_id, to_user_id, conversation_key, content_type, content)
  SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM friend)
  ON CONFLICT (from_user_id, client_message_id) DO NOTHING
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
), events AS (
  INSERT INTO sync_events (tx_id, user_id, type, message_id)
  SELECT ${CURRENT_TX_ID_SQL}, owner, 'message', i.id FROM inserted i CROSS JOIN unnest($8::varchar[]) AS owner
)
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
), events AS (
  INSERT INTO sync_events (tx_id, user_id, type, data)
  SELECT ${CURRENT_TX_ID_SQL}, owner, 'message.read', jsonb_build_object('messageId', u.id, 'fromUserId', u.from_user_id,
    'toUserId', u.to_user_id, 'readAt', to_char(u.read_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
  FROM updated u CROSS JOIN unnest($3::varchar[]) AS owner
)
SELECT ${MESSAGE_COLUMNS} FROM updated`;

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
    const query = this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .where('m.conversationKey = :key', { key })
      .limit(limit + 1);
    const ascending = position.afterSeq !== undefined || position.since !== undefined;
    if (position.beforeSeq) query.andWhere('m.seq < :before', { before: position.beforeSeq });
    if (position.afterSeq) query.andWhere('m.seq > :after', { after: position.afterSeq });
    // Clients see times at millisecond precision; compare at the same precision so `since` excludes that message.
    if (position.since) query.andWhere("date_trunc('milliseconds', m.createdAt) > :since", { since: position.since });
    query.orderBy('m.seq', ascending ? 'ASC' : 'DESC');
    const rows = await query.getMany();
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

  async markRead(messageId: string, recipient: string, localUsers: string[]): Promise<MessageRow | null> {
    const rows: MessageRow[] = await this.dataSource.query(MARK_READ_SQL, [messageId, recipient, localUsers]);
    return rows[0] ?? null;
  }
}
