import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { appendEventsSql } from '../sync/sync-events.writer';
import { ConversationSummaryEntity } from './conversation-summary.entity';
import { MessageDelivery, MessageStatementParts } from './message-delivery.port';
import { ContentType, MessageEntity } from './message.entity';
import { MessageRow } from './message.response';
import { Page, pageOf, rowsForPage } from '../common/pagination';
import { PreparedStatement, preparedStatement, runPrepared } from '../database/prepared-statement';

export interface NewMessage {
  id: string;
  clientMessageId: string;
  fromUserId: string;
  toUserId: string;
  conversationKey: string;
  contentType: ContentType;
  content: string;
  /** The sender's time for a message from another server; now otherwise. */
  createdAt?: Date;
  /** A message from another server whose id is not a UUID keeps that id here (in its replay receipt). */
  remoteMessageId?: string | null;
}

/** What became of each message offered to {@link MessagesRepository.insertMany}, by its index. */
export type InsertOutcome =
  /**
   * `outbox`: the delivery staged for a message to another server; `events`: the events appended to the streams of
   * its local parties.
   */
  | {
      kind: 'inserted';
      message: MessageRow;
      outbox?: { id: string; recipientServer: string };
      events: { userId: string; seq: string }[];
    }
  /** Friends, but nothing inserted: the sender already used this client id (or a peer reused a message id). */
  | { kind: 'not-inserted' }
  | { kind: 'not-friends' };

const MESSAGE_COLUMNS = `m.id, m.seq, m.client_message_id AS "clientMessageId", m.from_user_id AS "fromUserId",
  m.to_user_id AS "toUserId", m.content_type AS "contentType", m.content, m.created_at AS "createdAt",
  m.read_at AS "readAt"`;

/** A message with its delivery state when it went to another server (outbox row of kind `message`). */
export const MESSAGE_WITH_DELIVERY_COLUMNS = `${MESSAGE_COLUMNS}, o.status AS "deliveryStatus",
  o.attempts AS "deliveryAttempts", o.last_error AS "lastDeliveryError"`;
export const DELIVERY_JOIN = `LEFT JOIN federation_message_outbox o ON o.message_id = m.id AND o.kind = 'message'`;

/**
 * Messages, their inbox rows and their sync events in one statement (one round trip, one implicit transaction),
 * for one message or a batch. Each message needs the friendship row of its local party (the sender when the sender
 * is ours, else the recipient), held FOR KEY SHARE so that an unfriend cannot slip between check and insert. Any
 * unique violation (the same client id again, or a peer reusing a message id) inserts nothing for that message.
 * Inbox rows are upserted once per conversation side, in owner order, so crossing writers cannot deadlock; the last
 * message only moves forward (a statement that took an older seq may commit second). A message to another server
 * gets its federation outbox row in the same statement: it is always on its way once stored, and the hot rows
 * (inbox row, stream head) are held for one round trip instead of a transaction's four. Likewise, messages from
 * another server ($11, its name) get their replay receipts in the same statement. Those two parts are federation's
 * (`parts`, from the MessageDelivery port), as the stream's are sync's: federation owns its tables and the rows.
 * Answers four lists: the messages that had a friendship (by their place in the input), those inserted, their outbox
 * rows and their stream events.
 */
const insertMessagesSql = (parts: MessageStatementParts): PreparedStatement =>
  preparedStatement(
    'messages_insert',
    `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[],
    $7::text[], $8::timestamptz[], $10::varchar[])
    WITH ORDINALITY AS t(id, client_message_id, from_user_id, to_user_id, conversation_key, content_type, content,
      created_at, remote_message_id, ord)
), allowed AS (
  SELECT t.* FROM input t
  JOIN friendships f
    ON f.user_id = CASE WHEN t.from_user_id = ANY($9::varchar[]) THEN t.from_user_id ELSE t.to_user_id END
   AND f.friend_user_id = CASE WHEN t.from_user_id = ANY($9::varchar[]) THEN t.to_user_id ELSE t.from_user_id END
  ORDER BY t.ord
  FOR KEY SHARE OF f
), inserted AS (
  INSERT INTO friend_messages (id, client_message_id, from_user_id, to_user_id, conversation_key, content_type, content,
    created_at)
  SELECT id, client_message_id, from_user_id, to_user_id, conversation_key, content_type, content,
    COALESCE(created_at, now())
  FROM allowed ORDER BY ord
  ON CONFLICT DO NOTHING
  RETURNING *
), sides AS (
  SELECT o.owner, o.friend, i.id, i.seq, i.created_at, i.content, i.content_type, (o.owner = i.to_user_id)::int AS unread
  FROM inserted i
  CROSS JOIN LATERAL (VALUES (i.from_user_id, i.to_user_id), (i.to_user_id, i.from_user_id)) AS o(owner, friend)
  WHERE o.owner = ANY($9::varchar[])
), summary_rows AS (
  SELECT DISTINCT ON (owner, friend) owner, friend, id, seq, created_at, content, content_type,
    sum(unread) OVER (PARTITION BY owner, friend) AS unread
  FROM sides ORDER BY owner, friend, seq DESC
), summaries AS (
  INSERT INTO conversation_summaries AS s (owner_user_id, friend_user_id, last_message_id, last_message_seq,
    last_message_at, last_message_content, last_message_content_type, unread_count)
  SELECT owner, friend, id, seq, created_at, content, content_type, unread FROM summary_rows ORDER BY owner, friend
  ON CONFLICT (owner_user_id, friend_user_id) DO UPDATE SET
    unread_count = s.unread_count + EXCLUDED.unread_count,
    last_message_id = CASE WHEN EXCLUDED.last_message_seq > s.last_message_seq THEN EXCLUDED.last_message_id ELSE s.last_message_id END,
    last_message_at = CASE WHEN EXCLUDED.last_message_seq > s.last_message_seq THEN EXCLUDED.last_message_at ELSE s.last_message_at END,
    last_message_content = CASE WHEN EXCLUDED.last_message_seq > s.last_message_seq THEN EXCLUDED.last_message_content ELSE s.last_message_content END,
    last_message_content_type = CASE WHEN EXCLUDED.last_message_seq > s.last_message_seq THEN EXCLUDED.last_message_content_type ELSE s.last_message_content_type END,
    last_message_seq = GREATEST(s.last_message_seq, EXCLUDED.last_message_seq)
), message_events AS (
  SELECT owner AS user_id, 'message'::varchar AS type, id AS message_id, NULL::jsonb AS data, seq AS ord FROM sides
),${appendEventsSql('message_events')},${parts.stageMessagesSql('inserted', '$9::varchar[]')},
received AS (
  -- Messages from another server ($11, its name), for their replay receipts.
  SELECT i.id AS message_id, i.client_message_id, i.from_user_id, t.remote_message_id
  FROM inserted i JOIN input t ON t.id = i.id
  WHERE $11::varchar IS NOT NULL
),${parts.recordReceivedSql('received', '$11::varchar')}
-- Four lists instead of joins: the planner takes each of these CTEs for one row and joined them by nested loops,
-- quadratic in the batch (60 of the 100 ms a batch of 500 took).
SELECT 'allowed' AS part, ord, NULL::uuid AS id, NULL::bigint AS seq, NULL::varchar AS "clientMessageId",
  NULL::varchar AS "fromUserId", NULL::varchar AS "toUserId", NULL::varchar AS "contentType", NULL::text AS content,
  NULL::timestamptz AS "createdAt", NULL::timestamptz AS "readAt", NULL::uuid AS "outboxId",
  NULL::varchar AS "outboxServer", NULL::varchar AS "eventUserId", NULL::bigint AS "eventSeq"
FROM allowed
UNION ALL
SELECT 'inserted', NULL, id, seq, client_message_id, from_user_id, to_user_id, content_type, content, created_at,
  read_at, NULL, NULL, NULL, NULL
FROM inserted
UNION ALL
SELECT 'outbox', NULL, message_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, id, recipient_server, NULL, NULL
FROM inserted_outbox
UNION ALL
SELECT 'event', NULL, message_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, user_id, seq
FROM message_events_appended`,
  );

/** A `message.read` event's payload, from a read message `u`; times as the API writes them (ISO, milliseconds). */
const READ_EVENT_DATA = `jsonb_build_object('messageId', u.id, 'fromUserId', u.from_user_id, 'toUserId', u.to_user_id,
  'readAt', to_char(u.read_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;

/**
 * Marks a message read by its recipient, lowers the recipient's unread count and tells both sides' streams, in one
 * statement; returns nothing when the message was already read.
 */
const MARK_READ_SQL = preparedStatement(
  'messages_mark_read',
  `
WITH updated AS (
  UPDATE friend_messages SET read_at = now() WHERE id = $1 AND to_user_id = $2 AND read_at IS NULL
  RETURNING *
), summary AS (
  UPDATE conversation_summaries s SET unread_count = GREATEST(s.unread_count - 1, 0)
  FROM updated u WHERE s.owner_user_id = u.to_user_id AND s.friend_user_id = u.from_user_id
), read_events AS (
  SELECT owner AS user_id, 'message.read'::varchar AS type, NULL::uuid AS message_id,
    ${READ_EVENT_DATA} AS data, 1::bigint AS ord
  FROM updated u CROSS JOIN unnest($3::varchar[]) AS owner
),${appendEventsSql('read_events')}
SELECT ${MESSAGE_COLUMNS} FROM updated m`,
);

/**
 * Read receipts from the recipients' server: sets readAt on our copies of messages our users sent, and tells the
 * senders' streams. Returns the senders whose stream changed.
 */
const APPLY_REMOTE_READS_SQL = preparedStatement(
  'messages_remote_reads',
  `
WITH r AS (
  -- One probe of the (sender, client id) key per receipt: as a join, the planner read the whole table.
  SELECT m.id, r.read_at
  FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[])
    AS r(client_message_id, from_user_id, to_user_id, read_at)
  CROSS JOIN LATERAL (
    SELECT id FROM friend_messages m
    WHERE m.from_user_id = r.from_user_id AND m.client_message_id = r.client_message_id AND m.to_user_id = r.to_user_id
    LIMIT 1
  ) AS m
), updated AS (
  UPDATE friend_messages m SET read_at = r.read_at FROM r
  WHERE m.id = r.id AND m.read_at IS NULL
  RETURNING m.id, m.from_user_id, m.to_user_id, m.read_at
), remote_read_events AS (
  SELECT u.from_user_id AS user_id, 'message.read'::varchar AS type, NULL::uuid AS message_id,
    ${READ_EVENT_DATA} AS data,
    row_number() OVER () AS ord
  FROM updated u
),${appendEventsSql('remote_read_events')}
SELECT DISTINCT from_user_id AS "fromUserId" FROM updated`,
);

type ThreadPageShape = 'latest' | 'before' | 'after' | 'since';

function threadPageShape(position: { beforeSeq?: string; afterSeq?: string; since?: Date }): ThreadPageShape {
  if (position.beforeSeq) return 'before';
  if (position.afterSeq) return 'after';
  return position.since ? 'since' : 'latest';
}

/**
 * A conversation's page ($1 its key, $2 the row count, $3 the position): newest first for `latest` and `before`,
 * oldest first otherwise. Clients see times at millisecond precision, so `since` compares at that precision and
 * excludes the message it names.
 */
export const THREAD_PAGE_SQL: Record<ThreadPageShape, PreparedStatement> = {
  latest: threadPage('latest', '', 'DESC'),
  before: threadPage('before', 'AND m.seq < $3', 'DESC'),
  after: threadPage('after', 'AND m.seq > $3', 'ASC'),
  since: threadPage('since', "AND date_trunc('milliseconds', m.created_at) > $3", 'ASC'),
};

function threadPage(shape: ThreadPageShape, condition: string, order: 'ASC' | 'DESC'): PreparedStatement {
  return preparedStatement(
    `messages_thread_${shape}`,
    `SELECT ${MESSAGE_WITH_DELIVERY_COLUMNS} FROM friend_messages m ${DELIVERY_JOIN}
     WHERE m.conversation_key = $1 ${condition} ORDER BY m.seq ${order} LIMIT $2`,
  );
}

const INBOX_COLUMNS = `s.owner_user_id AS "ownerUserId", s.friend_user_id AS "friendUserId",
  s.last_message_id AS "lastMessageId", s.last_message_seq AS "lastMessageSeq", s.last_message_at AS "lastMessageAt",
  s.last_message_content AS "lastMessageContent", s.last_message_content_type AS "lastMessageContentType",
  s.unread_count AS "unreadCount"`;

/** A user's inbox page, most recent conversation first ($1 the owner, $2 the row count, $3 a seq to go below). */
export const INBOX_PAGE_SQL = {
  latest: preparedStatement(
    'messages_inbox_latest',
    `SELECT ${INBOX_COLUMNS} FROM conversation_summaries s WHERE s.owner_user_id = $1
     ORDER BY s.last_message_seq DESC LIMIT $2`,
  ),
  before: preparedStatement(
    'messages_inbox_before',
    `SELECT ${INBOX_COLUMNS} FROM conversation_summaries s WHERE s.owner_user_id = $1 AND s.last_message_seq < $3
     ORDER BY s.last_message_seq DESC LIMIT $2`,
  ),
};

/**
 * A row of INSERT_MESSAGES_SQL's answer: an allowed message (`ord`), an inserted one, or its outbox row or stream event
 * (`id`).
 */
type InsertedPart = MessageRow & {
  part: 'allowed' | 'inserted' | 'outbox' | 'event';
  ord: string | null;
  outboxId: string | null;
  outboxServer: string | null;
  eventUserId: string | null;
  eventSeq: string | null;
};

/** The SQL of the messages feature, in one place. */
@Injectable()
export class MessagesRepository {
  private readonly insertStatement: PreparedStatement;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MessageDelivery) delivery: MessageDelivery,
  ) {
    this.insertStatement = insertMessagesSql(delivery.statementParts);
  }

  /**
   * Stores messages (see INSERT_MESSAGES_SQL); `localUsers` are the users of this node among all their parties, and
   * `receiptsFrom` the server that sent them, if another. Returns one outcome per message, in order.
   */
  async insertMany(
    messages: NewMessage[],
    localUsers: string[],
    receiptsFrom: string | null = null,
  ): Promise<InsertOutcome[]> {
    if (messages.length === 0) return [];
    const column = <K extends keyof NewMessage>(key: K) => messages.map((message) => message[key] ?? null);
    const rows: InsertedPart[] = await runPrepared(this.dataSource, this.insertStatement, [
      column('id'),
      column('clientMessageId'),
      column('fromUserId'),
      column('toUserId'),
      column('conversationKey'),
      column('contentType'),
      column('content'),
      column('createdAt'),
      localUsers,
      column('remoteMessageId'),
      receiptsFrom,
    ]);
    const outcomes: InsertOutcome[] = messages.map(() => ({ kind: 'not-friends' }));
    const byPart = (part: InsertedPart['part']) => rows.filter((row) => row.part === part);
    // Of the allowed messages sharing an id, the first is the one the statement inserted (in order; the rest conflict).
    const indexById = new Map<string, number>();
    for (const { ord } of byPart('allowed').sort((a, b) => Number(a.ord) - Number(b.ord))) {
      const index = Number(ord) - 1;
      outcomes[index] = { kind: 'not-inserted' };
      if (!indexById.has(messages[index].id)) indexById.set(messages[index].id, index);
    }
    for (const { id, seq, clientMessageId, fromUserId, toUserId, contentType, content, createdAt, readAt } of byPart(
      'inserted',
    )) {
      const message = { id, seq, clientMessageId, fromUserId, toUserId, contentType, content, createdAt, readAt };
      outcomes[indexById.get(id)!] = { kind: 'inserted', message, events: [] };
    }
    for (const { id, outboxId, outboxServer } of byPart('outbox')) {
      const outcome = outcomes[indexById.get(id)!];
      if (outcome.kind === 'inserted') outcome.outbox = { id: outboxId!, recipientServer: outboxServer! };
    }
    for (const { id, eventUserId, eventSeq } of byPart('event')) {
      const outcome = outcomes[indexById.get(id)!];
      if (outcome.kind === 'inserted') outcome.events.push({ userId: eventUserId!, seq: eventSeq! });
    }
    return outcomes;
  }

  /** The stored messages with these (sender, client id) pairs. */
  findBySenderAndClientIds(keys: { fromUserId: string; clientMessageId: string }[]): Promise<MessageEntity[]> {
    if (keys.length === 0) return Promise.resolve([]);
    // One probe of the unique key per pair; as a join, the planner would rather read the whole table.
    return this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .where(
        `m.id = ANY (ARRAY(SELECT found.id FROM unnest(:froms::varchar[], :clientIds::varchar[]) AS k(from_user_id, client_message_id)
           CROSS JOIN LATERAL (SELECT id FROM friend_messages f
             WHERE f.from_user_id = k.from_user_id AND f.client_message_id = k.client_message_id LIMIT 1) AS found))`,
        { froms: keys.map((key) => key.fromUserId), clientIds: keys.map((key) => key.clientMessageId) },
      )
      .getMany();
  }

  findById(id: string): Promise<MessageEntity | null> {
    return this.dataSource.getRepository(MessageEntity).findOneBy({ id });
  }

  /**
   * A page of one conversation in chronological order: the latest messages, or those just before / after a seq, or
   * those created after a time.
   */
  async page(
    key: string,
    position: { beforeSeq?: string; afterSeq?: string; since?: Date },
    limit: number,
  ): Promise<Page<MessageRow>> {
    const ascending = position.afterSeq !== undefined || position.since !== undefined;
    const shape = threadPageShape(position);
    const at = position.beforeSeq ?? position.afterSeq ?? position.since;
    const rows: MessageRow[] = await runPrepared(
      this.dataSource,
      THREAD_PAGE_SQL[shape],
      shape === 'latest' ? [key, rowsForPage(limit)] : [key, rowsForPage(limit), at],
    );
    const { items, hasMore } = pageOf(rows, limit);
    return { items: ascending ? items : items.reverse(), hasMore };
  }

  /** A user's conversations, most recent first, below `beforeSeq`: `rows` of them (see rowsForPage). */
  inbox(owner: string, beforeSeq: number | undefined, rows: number): Promise<ConversationSummaryEntity[]> {
    return runPrepared(
      this.dataSource,
      beforeSeq === undefined ? INBOX_PAGE_SQL.latest : INBOX_PAGE_SQL.before,
      beforeSeq === undefined ? [owner, rows] : [owner, rows, beforeSeq],
    );
  }

  async applyRemoteReads(
    reads: { clientMessageId: string; fromUserId: string; toUserId: string; readAt: Date }[],
  ): Promise<string[]> {
    if (reads.length === 0) return [];
    const rows: { fromUserId: string }[] = await runPrepared(this.dataSource, APPLY_REMOTE_READS_SQL, [
      reads.map((read) => read.clientMessageId),
      reads.map((read) => read.fromUserId),
      reads.map((read) => read.toUserId),
      reads.map((read) => read.readAt),
    ]);
    return rows.map((row) => row.fromUserId);
  }

  /**
   * Marks the message read (MARK_READ_SQL): null when it was read already. `alongside`, when given, runs in the same
   * transaction with the read message; without it the read is one statement.
   */
  async markRead<T>(
    messageId: string,
    recipient: string,
    localUsers: string[],
    alongside?: (manager: EntityManager, read: MessageRow) => Promise<T>,
  ): Promise<{ read: MessageRow | null; alongside?: T }> {
    const mark = async (manager: EntityManager) => {
      const rows: MessageRow[] = await runPrepared(manager, MARK_READ_SQL, [messageId, recipient, localUsers]);
      const read = rows[0] ?? null;
      return { read, alongside: read && alongside ? await alongside(manager, read) : undefined };
    };
    return alongside ? this.dataSource.transaction(mark) : mark(this.dataSource.manager);
  }
}
