import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { preparedStatement, runPrepared } from '../database/prepared-statement';
import { appendEventsSql } from '../sync/sync-events.writer';
import { WireMessage } from './delivery-request';
import { RowUpdate } from './delivery-state';
import { DestinationEntity } from './destination.entity';
import { OutboxEntity, OutboxKind, OutboxStatus } from './outbox.entity';

/** A `message.delivery` event's payload, from a row with message_id, status, attempts and last_error. */
const DELIVERY_EVENT_DATA = `jsonb_build_object('messageId', message_id, 'deliveryStatus', status,
  'deliveryAttempts', attempts, 'lastDeliveryError', last_error)`;

/**
 * Pending and not held by a wait of its own: the destination's job sends it on its next request. A hold that has ended
 * is cleared (endExpiredHolds, by the wake timer and the reconciler), so that this matches an index
 * (federation_outbox_due_idx) instead of filtering every held row on each request.
 */
const due = (alias = '') => `${alias}status = 'pending' AND ${alias}held_until IS NULL`;

/** Receipts in one `receipts` row of the outbox. */
const RECEIPTS_PER_ROW = 500;
/** Receipts in one request to a peer (its inbox takes up to 1,000): several receipts rows travel together. */
export const MAX_RECEIPTS_PER_REQUEST = 1000;

/**
 * The next request's rows for a destination: the oldest due row decides the kind, then the oldest due rows of that
 * kind while they fit: $2 messages (a batch, or one for a peer without batches), receipts rows up to
 * ${MAX_RECEIPTS_PER_REQUEST} receipts, one row of any other kind. Messages of one statement share a created_at: their
 * seq (the order the sender's node gave them) keeps them in order on the wire. Receipts only when $4 (a run paces
 * them). No lock: only the destination's one job sends to it.
 */
const NEXT_REQUEST_SQL = preparedStatement(
  'outbox_next_request',
  `
WITH head AS (
  SELECT kind FROM federation_message_outbox
  WHERE recipient_server = $1 AND ${due()} AND id <> ALL ($3::uuid[]) AND (kind <> 'receipts' OR $4::boolean)
  ORDER BY created_at, id LIMIT 1
), candidates AS (
  SELECT o.id, o.kind, o.message_id, o.payload, o.attempts, o.created_at, o.waiting_since, m.seq,
    CASE WHEN o.kind = 'receipts' THEN jsonb_array_length(o.payload->'receipts') ELSE 1 END AS weight
  FROM federation_message_outbox o LEFT JOIN friend_messages m ON m.id = o.message_id
  WHERE o.recipient_server = $1 AND ${due('o.')} AND o.id <> ALL ($3::uuid[])
    AND o.kind = (SELECT kind FROM head)
  ORDER BY o.created_at, m.seq, o.id
  LIMIT CASE (SELECT kind FROM head) WHEN 'message' THEN $2 WHEN 'receipts' THEN ${MAX_RECEIPTS_PER_REQUEST} ELSE 1 END
), fitting AS (
  SELECT *, sum(weight) OVER (ORDER BY created_at, seq, id) AS running, row_number() OVER (ORDER BY created_at, seq, id) AS n
  FROM candidates
)
SELECT c.id, c.kind, c.message_id AS "messageId", c.payload, c.attempts, c.waiting_since AS "waitingSince",
  now() AS "startedAt",
  m.client_message_id AS "clientMessageId", m.from_user_id AS "fromUserId", m.to_user_id AS "toUserId",
  m.content_type AS "contentType", m.content, m.created_at AS "wireCreatedAt"
FROM fitting c LEFT JOIN friend_messages m ON m.id = c.message_id
WHERE c.n = 1 OR c.kind <> 'receipts' OR c.running <= ${MAX_RECEIPTS_PER_REQUEST}
ORDER BY c.created_at, c.seq, c.id`,
);

/**
 * One request's outcome on each row ($1..$8 as arrays) and on the destination's mirror, in one statement. Rows already acked (a receipt can overtake
 * the 2xx) stay acked. A friendship hold is not kept when a message from the recipient released the row after the
 * request started ($9): the peer may have answered before it recorded the friendship. Message rows that became sent
 * or failed are told to their sender's stream; answers the senders.
 */
const RECORD_SQL = preparedStatement(
  'outbox_record',
  `
WITH outcome AS (
  -- The arrays reach unnest through a subquery the planner keeps apart (OFFSET 0). Planned with the values, unnest
  -- is estimated at the arrays' length (often 1 row), without them at 100 rows: a plan made with the values then
  -- always looked cheaper than the generic one, and the statement was planned again on every run (≈0.5 ms).
  SELECT u.* FROM (SELECT $1::uuid[] AS a, $2::varchar[] AS b, $3::int[] AS c, $4::int[] AS d, $5::text[] AS e,
      $6::timestamptz[] AS f, $7::timestamptz[] AS g, $8::boolean[] AS h OFFSET 0) AS p
    CROSS JOIN LATERAL unnest(p.a, p.b, p.c, p.d, p.e, p.f, p.g, p.h)
      AS u(id, status, attempts, http_status, error, held_until, next_attempt_at, for_friendship)
), locked AS (
  -- Rows are locked in id order, as the receipts statement does, so the two cannot deadlock.
  SELECT o.id FROM federation_message_outbox o WHERE o.id = ANY (ARRAY(SELECT id FROM outcome)) ORDER BY o.id
  FOR UPDATE OF o
), updated AS (
  UPDATE federation_message_outbox o SET
    status = CASE WHEN o.status = 'pending' THEN u.status ELSE o.status END,
    attempts = u.attempts,
    last_error = u.error,
    last_http_status = u.http_status,
    held_until = CASE WHEN u.for_friendship AND o.released_at >= $9::timestamptz THEN NULL ELSE u.held_until END,
    next_attempt_at = CASE WHEN u.for_friendship AND o.released_at >= $9::timestamptz THEN now()
      ELSE COALESCE(u.held_until, u.next_attempt_at) END,
    -- A release is used up by the request that saw it.
    released_at = NULL,
    sent_at = CASE WHEN u.status = 'sent' THEN now() ELSE o.sent_at END,
    updated_at = now()
  FROM outcome u
  -- The count is a one-time condition: the rows are locked (above, in order) before the update touches any. A row
  -- settled meanwhile (acked by a receipt, failed at the give-up age) keeps its state; an acked row still counts the
  -- request that carried it.
  WHERE o.id = u.id AND (SELECT count(*) FROM locked) >= 0
    AND (o.status = 'pending' OR (o.status = 'acked' AND u.status = 'sent'))
  RETURNING o.id, o.status, o.attempts, o.last_error, o.message_id
), mirrored AS (
  -- The destination's row mirrors its job ($10 server, $11 failures, $12 next run while it waits, $13 error,
  -- $14 whether the request delivered anything); none for the reconciler's give-ups ($10 null).
  INSERT INTO federation_destinations AS d (server, consecutive_failures, retry_at, last_error, last_success_at,
    last_failure_at)
  SELECT $10::varchar, $11::int, $12::timestamptz, $13::text, CASE WHEN $14::boolean THEN now() END,
    CASE WHEN $13::text IS NOT NULL THEN now() END
  WHERE $10::varchar IS NOT NULL
  ON CONFLICT (server) DO UPDATE SET consecutive_failures = EXCLUDED.consecutive_failures, retry_at = EXCLUDED.retry_at,
    last_error = CASE WHEN EXCLUDED.consecutive_failures = 0 AND EXCLUDED.last_error IS NULL THEN NULL
      ELSE COALESCE(EXCLUDED.last_error, d.last_error) END,
    last_success_at = COALESCE(EXCLUDED.last_success_at, d.last_success_at),
    last_failure_at = COALESCE(EXCLUDED.last_failure_at, d.last_failure_at), updated_at = now()
), settled AS (
  SELECT u.*, m.from_user_id FROM updated u
  CROSS JOIN LATERAL (SELECT from_user_id FROM friend_messages m WHERE m.id = u.message_id LIMIT 1) AS m
  WHERE u.status IN ('sent', 'failed')
), delivery_events AS (
  SELECT from_user_id AS user_id, 'message.delivery'::varchar AS type, NULL::uuid AS message_id,
    ${DELIVERY_EVENT_DATA} AS data,
    row_number() OVER () AS ord
  FROM settled
),${appendEventsSql('delivery_events')}
SELECT DISTINCT from_user_id FROM settled`,
);

/**
 * Delivery receipts from the recipients' server, in one statement: our message rows become `acked` (a receipt may
 * overtake the 2xx of the delivery itself) and their senders' streams hear of it. Answers the senders.
 */
const ACKNOWLEDGE_SQL = preparedStatement(
  'outbox_acknowledge',
  `
WITH found AS (
  -- From each receipt to its message (one probe of the sender's client-id key) to its outbox row (one probe by
  -- message): LATERAL ... LIMIT 1 keeps that order. As joins, a planner with stale statistics (a new node's tables
  -- fill fast) started from the outbox and probed every receipt for each of its rows: a second per receipt batch.
  SELECT o.id
  -- The arrays reach unnest through a subquery kept apart, so that the generic plan is used (see outbox_record).
  FROM (SELECT $1::varchar[] AS a, $2::varchar[] AS b, $3::varchar[] AS c OFFSET 0) AS p
  CROSS JOIN LATERAL unnest(p.a, p.b, p.c) AS r(client_message_id, from_user_id, to_user_id)
  CROSS JOIN LATERAL (
    SELECT id FROM friend_messages m
    WHERE m.from_user_id = r.from_user_id AND m.client_message_id = r.client_message_id AND m.to_user_id = r.to_user_id
    LIMIT 1
  ) AS m
  CROSS JOIN LATERAL (
    SELECT id FROM federation_message_outbox o WHERE o.message_id = m.id AND o.kind = 'message' LIMIT 1
  ) AS o
), locked AS (
  -- Rows are locked in id order, as the record statement does, so the two cannot deadlock.
  SELECT o.id FROM federation_message_outbox o
  WHERE o.id = ANY (ARRAY(SELECT id FROM found)) AND o.status IN ('pending', 'sent', 'failed')
  ORDER BY o.id
  FOR UPDATE OF o
), acked AS (
  -- The locked rows are still pending, sent or failed (a last attempt can time out after the peer stored the
  -- message: its recipient's device has it now): the lock re-checked that, and we hold them. No join with the lists
  -- above: with = ANY beside it, the planner probed the whole id list for every row (quadratic in the receipts).
  UPDATE federation_message_outbox o SET status = 'acked', acked_at = now(), held_until = NULL, updated_at = now()
  WHERE o.id = ANY (ARRAY(SELECT id FROM locked))
  RETURNING o.status, o.attempts, o.last_error, o.message_id
), acked_events AS (
  SELECT m.from_user_id AS user_id, 'message.delivery'::varchar AS type, NULL::uuid AS message_id,
    ${DELIVERY_EVENT_DATA} AS data,
    row_number() OVER () AS ord
  FROM acked a CROSS JOIN LATERAL (SELECT from_user_id FROM friend_messages m WHERE m.id = a.message_id LIMIT 1) AS m
),${appendEventsSql('acked_events')}
SELECT DISTINCT user_id AS from_user_id FROM acked_events`,
);

/**
 * Messages a device of their recipient ($3) fetched: marks them fetched and stages their delivery receipts, one
 * `receipts` row per sending server and ${RECEIPTS_PER_ROW} receipts, in one statement (no transaction around two).
 * $2: sending servers known to take no receipts (plain MyLife nodes); $4: the receipts' time.
 */
const MESSAGES_FETCHED_SQL = preparedStatement(
  'outbox_messages_fetched',
  `
WITH fetched AS (
  UPDATE federation_inbox_receipts SET fetched_at = now()
  WHERE message_id = ANY ($1::uuid[]) AND fetched_at IS NULL
  RETURNING sender_server, client_message_id, from_user_id
), chunked AS (
  SELECT *, (row_number() OVER (PARTITION BY sender_server ORDER BY client_message_id) - 1) / ${RECEIPTS_PER_ROW} AS chunk
  FROM fetched
  WHERE NOT (sender_server = ANY ($2::varchar[]))
)
INSERT INTO federation_message_outbox (id, kind, recipient_server, payload, status)
SELECT gen_random_uuid(), 'receipts', sender_server,
  jsonb_build_object('receipts', jsonb_agg(jsonb_build_object('type', 'delivered', 'clientMessageId', client_message_id,
    'fromUserId', from_user_id, 'toUserId', $3::varchar, 'at', $4::varchar) ORDER BY client_message_id)),
  'pending'
FROM chunked
GROUP BY sender_server, chunk
RETURNING recipient_server AS "recipientServer"`,
);

/** One row of a request, with its message as it goes on the wire (message rows only). */
export type RequestRow = Pick<OutboxEntity, 'id' | 'kind' | 'messageId' | 'payload' | 'attempts' | 'waitingSince'> & {
  message: Omit<WireMessage, 'senderServer'> | null;
  /** The database's time when the rows were read. */
  startedAt: Date;
};

/** A place in the outbox's order: created_at as Postgres text (microseconds kept) and the row id. */
export interface OutboxPosition {
  createdAt: string;
  id: string;
}

/** What the destination row mirrors of its job: never read to decide anything, shown to operators. */
export interface DestinationMirror {
  failures: number;
  retryAt: Date | null;
  error: string | null;
  delivered: boolean;
}

/** Every statement on federation's tables (outbox, destinations, inbox receipts). */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async stage(
    manager: EntityManager,
    rows: { id: string; kind: OutboxKind; recipientServer: string; messageId: string | null; payload: unknown }[],
  ): Promise<void> {
    await manager.query(
      `INSERT INTO federation_message_outbox (id, kind, recipient_server, message_id, payload, status)
       SELECT *, 'pending' FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::uuid[], $5::jsonb[])`,
      [
        rows.map((row) => row.id),
        rows.map((row) => row.kind),
        rows.map((row) => row.recipientServer),
        rows.map((row) => row.messageId),
        rows.map((row) => (row.payload === null ? null : JSON.stringify(row.payload))),
      ],
    );
  }

  /** Marks the messages fetched and stages their receipts (MESSAGES_FETCHED_SQL); answers each row's destination. */
  messagesFetched(
    messageIds: string[],
    serversWithoutReceipts: string[],
    viewer: string,
    at: string,
  ): Promise<{ recipientServer: string }[]> {
    return runPrepared(this.dataSource, MESSAGES_FETCHED_SQL, [messageIds, serversWithoutReceipts, viewer, at]);
  }

  /**
   * The rows of the destination's next request, but none of `excluded` (rows whose outcome is being written), nor
   * receipts unless `withReceipts`.
   */
  async nextRequest(
    server: string,
    maxMessages: number,
    excluded: string[] = [],
    withReceipts = true,
  ): Promise<RequestRow[]> {
    const rows: (Omit<RequestRow, 'message'> & {
      wireCreatedAt: Date | null;
      clientMessageId: string | null;
      fromUserId: string | null;
      toUserId: string | null;
      contentType: string | null;
      content: string | null;
    })[] = await runPrepared(this.dataSource, NEXT_REQUEST_SQL, [server, maxMessages, excluded, withReceipts]);
    return rows.map(({ wireCreatedAt, clientMessageId, fromUserId, toUserId, contentType, content, ...row }) => ({
      ...row,
      message:
        row.messageId && wireCreatedAt
          ? {
              id: row.messageId,
              clientMessageId: clientMessageId!,
              fromUserId: fromUserId!,
              toUserId: toUserId!,
              contentType: contentType!,
              content: content!,
              createdAt: wireCreatedAt.toISOString(),
            }
          : null,
    }));
  }

  /** When the earliest hold of a pending row to `server` ends, if any row is held. */
  async earliestHold(server: string): Promise<Date | null> {
    const [row]: { until: Date | null }[] = await this.dataSource.query(
      `SELECT min(held_until) AS until FROM federation_message_outbox
       WHERE recipient_server = $1 AND status = 'pending' AND held_until > now()`,
      [server],
    );
    return row?.until ?? null;
  }

  /** Holds that have ended (of `server`'s rows, or of all): their rows are due again. Answers their destinations. */
  async endExpiredHolds(server?: string): Promise<string[]> {
    const [rows]: [{ server: string }[], number] = await this.dataSource.query(
      `UPDATE federation_message_outbox SET held_until = NULL, updated_at = now()
       WHERE status = 'pending' AND held_until <= now() AND ($1::varchar IS NULL OR recipient_server = $1)
       RETURNING recipient_server AS server`,
      [server ?? null],
    );
    return [...new Set(rows.map((row) => row.server))];
  }

  /** Whether anything to `server` is due now. */
  async hasDue(server: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM federation_message_outbox WHERE recipient_server = $1 AND ${due()} LIMIT 1`,
      [server],
    );
    return rows.length > 0;
  }

  /** Destinations with a row due that is older than `graceMs` (younger ones are still being scheduled by their writer). */
  async destinationsWithDue(graceMs: number): Promise<string[]> {
    const rows: { server: string }[] = await this.dataSource.query(
      `SELECT DISTINCT recipient_server AS server FROM federation_message_outbox
       WHERE ${due()} AND created_at < now() - $1 * interval '1 millisecond'`,
      [graceMs],
    );
    return rows.map((row) => row.server);
  }

  /**
   * Writes one request's outcome on its rows and, given `destination`, its mirror ({@link RECORD_SQL}); `nextAttemptAt`
   * is when the destination's job runs again (the mirror of its schedule) for rows not held by a wait of their own.
   * Answers the senders to notify.
   */
  async record(
    updates: Map<string, RowUpdate>,
    nextAttemptAt: Date,
    startedAt: Date,
    destination?: { server: string } & DestinationMirror,
  ): Promise<string[]> {
    if (updates.size === 0 && !destination) return [];
    const list = [...updates.values()];
    const rows: { from_user_id: string }[] = await runPrepared(this.dataSource, RECORD_SQL, [
      [...updates.keys()],
      list.map((update) => update.status),
      list.map((update) => update.attempts),
      list.map((update) => update.lastHttpStatus),
      list.map((update) => update.lastError),
      list.map((update) => update.heldUntil),
      list.map(() => nextAttemptAt),
      list.map((update) => update.heldForFriendship),
      startedAt,
      destination?.server ?? null,
      destination?.failures ?? 0,
      destination?.retryAt ?? null,
      destination?.error?.slice(0, 2000) ?? null,
      destination?.delivered ?? false,
    ]);
    return rows.map((row) => row.from_user_id);
  }

  /** Receipts from the recipient's server: `delivered` acks our message rows. Returns the senders to notify. */
  async acknowledge(receipts: { clientMessageId: string; fromUserId: string; toUserId: string }[]): Promise<string[]> {
    if (receipts.length === 0) return [];
    const rows: { from_user_id: string }[] = await runPrepared(this.dataSource, ACKNOWLEDGE_SQL, [
      receipts.map((receipt) => receipt.clientMessageId),
      receipts.map((receipt) => receipt.fromUserId),
      receipts.map((receipt) => receipt.toUserId),
    ]);
    return rows.map((row) => row.from_user_id);
  }

  /**
   * Messages to `recipients` (users of `server`) that wait for a friendship are due now, and any being sent is marked
   * released (see RECORD_SQL). Answers how many were held.
   */
  async release(server: string, recipients: string[]): Promise<number> {
    const [released]: { held: number }[] = await this.dataSource.query(
      `WITH waiting AS (
         SELECT o.id, o.held_until FROM federation_message_outbox o JOIN friend_messages m ON m.id = o.message_id
         WHERE o.recipient_server = $1 AND o.status = 'pending' AND o.kind = 'message'
           AND m.to_user_id = ANY ($2::varchar[])
         FOR UPDATE OF o
       ), released AS (
         UPDATE federation_message_outbox o SET held_until = NULL, released_at = now(), updated_at = now(),
           next_attempt_at = LEAST(o.next_attempt_at, now())
         FROM waiting w WHERE o.id = w.id
         RETURNING w.held_until
       )
       SELECT count(held_until)::int AS held FROM released`,
      [server, recipients],
    );
    return released.held;
  }

  /** A failed row pending again with a fresh start, or null unless it had failed; answers its sender when a message. */
  async restart(
    manager: EntityManager,
    id: string,
  ): Promise<
    | (Pick<OutboxEntity, 'id' | 'kind' | 'recipientServer' | 'messageId' | 'attempts' | 'lastError'> & {
        fromUserId: string | null;
      })
    | null
  > {
    const [updated]: [
      (Pick<OutboxEntity, 'id' | 'kind' | 'recipientServer' | 'messageId' | 'attempts' | 'lastError'> & {
        fromUserId: string | null;
      })[],
      number,
    ] = await manager.query(
      `UPDATE federation_message_outbox o SET status = 'pending', attempts = 0, next_attempt_at = now(),
           waiting_since = now(), held_until = NULL, updated_at = now()
         WHERE id = $1 AND status = 'failed'
         RETURNING id, kind, recipient_server AS "recipientServer", message_id AS "messageId", attempts,
           last_error AS "lastError",
           (SELECT from_user_id FROM friend_messages m WHERE m.id = o.message_id) AS "fromUserId"`,
      [id],
    );
    return updated[0] ?? null;
  }

  findById(id: string): Promise<OutboxEntity | null> {
    return this.dataSource.getRepository(OutboxEntity).findOneBy({ id });
  }

  /** Rows for operators, newest first, `limit + 1` after `before` (the caller pages). */
  listPage(filter: { status?: OutboxStatus; server?: string }, before: OutboxPosition | null, limit: number) {
    const query = this.dataSource
      .getRepository(OutboxEntity)
      .createQueryBuilder('o')
      .addSelect('o.created_at::text', 'position_created_at')
      // A due row goes with its destination's job, so it is tried when that job runs next: the destination's backoff,
      // which the rows the last request did not carry do not mirror.
      .leftJoin(DestinationEntity, 'd', 'd.server = o.recipient_server')
      .addSelect(
        `CASE WHEN o.status = 'pending' AND o.held_until IS NULL THEN GREATEST(o.next_attempt_at, d.retry_at) END`,
        'planned_attempt',
      )
      .orderBy('o.createdAt', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .limit(limit + 1);
    if (filter.status) query.andWhere('o.status = :status', { status: filter.status });
    if (filter.server) query.andWhere('o.recipientServer = :server', { server: filter.server });
    if (before) query.andWhere('(o.createdAt, o.id) < (CAST(:createdAt AS timestamptz), :id)', before);
    return query.getRawAndEntities<{ position_created_at: string; planned_attempt: Date | null }>();
  }

  /**
   * Rows still pending past the give-up age that no request will carry (their destination's job is gone, or waits for
   * rows ahead of them): answered with their last error, to be failed through {@link record}.
   */
  stale(
    giveUpAfterMs: number,
    limit: number,
  ): Promise<
    (Pick<OutboxEntity, 'id' | 'attempts' | 'lastError' | 'lastHttpStatus' | 'waitingSince'> & {
      recipientServer: string;
    })[]
  > {
    return this.dataSource.query(
      `SELECT id, attempts, last_error AS "lastError", last_http_status AS "lastHttpStatus",
         waiting_since AS "waitingSince", recipient_server AS "recipientServer"
       FROM federation_message_outbox
       WHERE status = 'pending' AND waiting_since < now() - $1 * interval '1 millisecond'
       ORDER BY waiting_since LIMIT $2`,
      [giveUpAfterMs, limit],
    );
  }

  /** Every destination with the number of rows waiting for it, by server name. */
  destinations(): Promise<(DestinationEntity & { pending: number })[]> {
    return this.dataSource.query(
      `SELECT d.server, d.capabilities, d.consecutive_failures AS "consecutiveFailures", d.retry_at AS "retryAt",
         d.last_error AS "lastError", d.last_success_at AS "lastSuccessAt", d.last_failure_at AS "lastFailureAt",
         d.well_known_fetched_at AS "wellKnownFetchedAt",
         (SELECT count(*)::int FROM federation_message_outbox o WHERE o.recipient_server = d.server AND o.status = 'pending') AS pending
       FROM federation_destinations d ORDER BY d.server`,
    );
  }

  /** The states of rows, for the dispatch endpoint's tally. */
  states(ids: string[]): Promise<Pick<OutboxEntity, 'id' | 'status' | 'attempts' | 'updatedAt'>[]> {
    return this.dataSource.query(
      `SELECT id, status, attempts, updated_at AS "updatedAt" FROM federation_message_outbox WHERE id = ANY ($1::uuid[])`,
      [ids],
    );
  }

  /** Due rows, oldest first, for the dispatch endpoint. */
  dueRows(limit: number): Promise<{ id: string; recipientServer: string }[]> {
    return this.dataSource.query(
      `SELECT id, recipient_server AS "recipientServer" FROM federation_message_outbox WHERE ${due()}
       ORDER BY created_at LIMIT $1`,
      [limit],
    );
  }
}
