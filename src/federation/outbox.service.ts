import { InjectQueue } from '@nestjs/bullmq';
import { BadRequestException, ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JobsOptions, Queue } from 'bullmq';
import { LRUCache } from 'lru-cache';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { serverOf } from '../common/address';
import { newId } from '../common/ids';
import { FetchedMessage } from '../messages/message-delivery.port';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FEDERATION_DELIVERY_JOB, FederationDeliveryJob, promoteIfDelayed, QUEUES } from '../queue/queues';
import { SyncBus } from '../sync/sync-bus';
import { appendEventsSql, NewSyncEvent, SyncEventsWriter } from '../sync/sync-events.writer';
import { WireMessage } from './delivery-request';
import { RemoteDeliveryItem, StagedDelivery } from './outbox-items';
import { requestDeadlineMs } from './http/federation-http.client';
import { OutboxEntity, OutboxKind, OutboxStatus } from './outbox.entity';
import { PeerDirectory } from './peer-directory';
import { RemoteTargetCheck } from './remote-target-check';
import { preparedStatement, runPrepared } from '../database/prepared-statement';

/** A `message.delivery` event's payload, from a row with message_id, status, attempts and last_error. */
const DELIVERY_EVENT_DATA = `jsonb_build_object('messageId', message_id, 'deliveryStatus', status,
  'deliveryAttempts', attempts, 'lastDeliveryError', last_error)`;

/**
 * One attempt's outcome on each row, in one statement, releasing the rows. An outcome that spends no attempt (the peer
 * asked us to come back later) leaves the count as it was. Rows already acked (a receipt can overtake
 * the 2xx) stay acked. Message rows that became sent or failed are told to their sender's stream; answers the senders.
 */
const RECORD_ATTEMPT_SQL = preparedStatement(
  'outbox_record_attempt',
  `
WITH outcome AS (
  -- The arrays reach unnest through a subquery the planner keeps apart (OFFSET 0). Planned with the values, unnest
  -- is estimated at the arrays' length (often 1 row), without them at 100 rows: a plan made with the values then
  -- always looked cheaper than the generic one, and the statement was planned again on every run (≈0.5 ms).
  SELECT u.* FROM (SELECT $1::uuid[] AS a, $2::varchar[] AS b, $3::int[] AS c, $4::text[] AS d,
      $5::timestamptz[] AS e, $6::boolean[] AS f, $7::boolean[] AS g OFFSET 0) AS p
    CROSS JOIN LATERAL unnest(p.a, p.b, p.c, p.d, p.e, p.f, p.g)
      AS u(id, status, http_status, error, next_attempt_at, counted, released_by_friend)
), locked AS (
  -- Rows are locked in id order, as the receipts statement does, so the two cannot deadlock.
  SELECT o.id FROM federation_message_outbox o WHERE o.id = ANY (ARRAY(SELECT id FROM outcome)) ORDER BY o.id
  FOR UPDATE OF o
), updated AS (
  UPDATE federation_message_outbox o SET
    status = CASE WHEN o.status = 'pending' THEN u.status ELSE o.status END,
    attempts = o.attempts + CASE WHEN u.counted THEN 1 ELSE 0 END,
    last_error = u.error,
    last_http_status = u.http_status,
    -- A wait for a friendship that a message from the recipient ended while this attempt was under way.
    next_attempt_at = CASE WHEN u.released_by_friend AND o.released_in_flight THEN now()
      ELSE COALESCE(u.next_attempt_at, o.next_attempt_at) END,
    released_in_flight = false,
    sent_at = CASE WHEN u.status = 'sent' THEN now() ELSE o.sent_at END,
    claimed_until = NULL,
    updated_at = now()
  FROM outcome u
  -- The count is a one-time condition: the rows are locked (above, in order) before the update touches any.
  WHERE o.id = u.id AND (SELECT count(*) FROM locked) >= 0
  RETURNING o.id, o.status, o.attempts, o.last_error, o.message_id
), settled AS (
  SELECT u.*, m.from_user_id FROM updated u
  CROSS JOIN LATERAL (SELECT from_user_id FROM friend_messages m WHERE m.id = u.message_id LIMIT 1) AS m
  WHERE u.status <> 'pending'
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
  -- The arrays reach unnest through a subquery kept apart, so that the generic plan is used (see outbox_record_attempt).
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
  -- Rows are locked in id order, as the attempt statement does, so the two cannot deadlock.
  SELECT o.id FROM federation_message_outbox o
  WHERE o.id = ANY (ARRAY(SELECT id FROM found)) AND o.status IN ('pending', 'sent', 'failed')
  ORDER BY o.id
  FOR UPDATE OF o
), acked AS (
  -- The locked rows are still pending, sent or failed (a last attempt can time out after the peer stored the
  -- message: its recipient's device has it now): the lock re-checked that, and we hold them. No join with the lists
  -- above: with = ANY beside it, the planner probed the whole id list for every row (quadratic in the receipts).
  UPDATE federation_message_outbox o SET status = 'acked', acked_at = now(), claimed_until = NULL, updated_at = now()
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

/** Receipts in one `receipts` row of the outbox. */
const RECEIPTS_PER_ROW = 500;

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
RETURNING id, recipient_server AS "recipientServer"`,
);

/** What a lease leaves over an attempt's bounded waits, for the statements around them. */
const LEASE_MARGIN_MS = 30_000;
export const MAX_BATCH = 100;
/** Receipts in one request to a peer (its inbox takes up to 1,000): several receipts rows travel together. */
export const MAX_RECEIPTS_PER_REQUEST = 1000;
/** What a row counts for in a claim's capacity: one message, or the number of receipts it carries. */
const rowWeight = (table = '') =>
  `CASE WHEN ${table}kind = 'receipts' THEN jsonb_array_length(${table}payload->'receipts') ELSE 1 END`;

/** See {@link OutboxService.claim}; answers the claimed rows oldest first. */
const CLAIM_SQL = preparedStatement(
  'outbox_claim',
  `
WITH own AS (
  -- Waits (briefly) rather than skipping when another claim has the row locked: that claim may leave it out, and
  -- then it is this job's to send. After the wait the row is seen as that claim left it (leased or not).
  SELECT id, ${rowWeight()} AS weight FROM federation_message_outbox
  -- A row is never sent before its next_attempt_at: a recovery's flush wakes every row's job, also those of rows
  -- that wait for a friendship or for the peer's Retry-After.
  WHERE id = $1 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < now()) AND next_attempt_at <= now()
  FOR UPDATE
), candidates AS (
  -- Rows another claim is taking are skipped, so that concurrent workers take disjoint batches. A batch of messages
  -- shares one created_at: their seq (the order the sender's node gave them) keeps them in order on the wire, since
  -- the peer numbers them as they arrive.
  SELECT o.id, o.created_at, m.seq, ${rowWeight('o.')} AS weight
  FROM federation_message_outbox o LEFT JOIN friend_messages m ON m.id = o.message_id
  WHERE EXISTS (SELECT 1 FROM own) AND o.status = 'pending' AND (o.claimed_until IS NULL OR o.claimed_until < now())
    AND o.kind = $5 AND o.recipient_server = $2 AND o.next_attempt_at <= now() AND o.id <> $1
  ORDER BY o.created_at, m.seq, o.id
  LIMIT $3 - 1
  FOR UPDATE OF o SKIP LOCKED
), picked AS (
  SELECT id FROM (SELECT id, sum(weight) OVER (ORDER BY created_at, seq, id) AS running FROM candidates) AS c
  WHERE running <= $3 - (SELECT weight FROM own)
), claimed AS (
  UPDATE federation_message_outbox o SET claimed_until = now() + $4 * interval '1 millisecond'
  WHERE o.id IN (SELECT id FROM own UNION ALL SELECT id FROM picked)
  RETURNING o.id, o.kind, o.message_id, o.recipient_server, o.payload, o.attempts, o.created_at, o.waiting_since
)
SELECT c.id, c.kind, c.message_id AS "messageId", c.recipient_server AS "recipientServer", c.payload, c.attempts,
  c.created_at AS "createdAt", c.waiting_since AS "waitingSince", m.client_message_id AS "clientMessageId", m.from_user_id AS "fromUserId",
  m.to_user_id AS "toUserId", m.content_type AS "contentType", m.content, m.created_at AS "wireCreatedAt"
FROM claimed c LEFT JOIN friend_messages m ON m.id = c.message_id
ORDER BY c.created_at, m.seq, c.id`,
);

/** What a delivery job knows of its row: enough to claim it. */
export type OutboxTarget = Pick<OutboxEntity, 'id' | 'kind' | 'recipientServer'>;

/** A leased row; a message row carries its message as it goes on the wire. */
export type ClaimedRow = OutboxEntity & { message: WireMessage | null };

export interface ReceiptItem {
  type: 'delivered' | 'read';
  clientMessageId: string;
  fromUserId: string;
  toUserId: string;
  at: string;
}

/** A place in the outbox's order: created_at as Postgres text (microseconds kept) and the row id. */
export interface OutboxPosition {
  createdAt: string;
  id: string;
}

export interface AttemptOutcome {
  status: Extract<OutboxStatus, 'sent' | 'failed' | 'pending'>;
  httpStatus: number | null;
  error: string | null;
  /** For `pending`: when to try again. */
  nextAttemptAt?: Date;
  /** False when the peer asked us to come back later (429, 503, a friendship not recorded yet): no attempt is spent. */
  countsAsAttempt?: boolean;
  /** The wait is for a friendship: a message from the recipient ends it (see {@link OutboxService.releaseWaitingFor}). */
  releasedByFriend?: boolean;
}

/**
 * The federation outbox: rows staged in the writer's transaction, BullMQ jobs that mirror them, and every attempt's
 * outcome written back. Message rows' state changes reach the sender's sync stream as `message.delivery` events.
 */
@Injectable()
export class OutboxService {
  private readonly logger = new Logger('FederationOutbox');
  /**
   * How long a claim holds its rows; a crashed worker's rows are picked up again after it. It outlasts an attempt
   * with a small body; a big body extends it (holdLease).
   */
  private get claimLeaseMs(): number {
    return Math.max(60_000, this.attemptMs(0));
  }
  /** Rows this process saw sent: their jobs (after a batch took them) end without asking the database. */
  private readonly settled = new LRUCache<string, true>({ max: 10_000 });
  /**
   * Per destination, until when the receipts job this process last scheduled waits: rows staged before then are
   * committed before its claim, which takes them (and its drain, any beyond one request). They need no job of their own.
   */
  private readonly receiptsJobWaitsUntil = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QUEUES.federationDelivery) private readonly queue: Queue<FederationDeliveryJob>,
    @Inject(SyncEventsWriter) private readonly syncEvents: SyncEventsWriter,
    @Inject(SyncBus) private readonly syncBus: SyncBus,
    @Inject(PeerDirectory) private readonly peers: PeerDirectory,
    @Inject(RemoteTargetCheck) private readonly targets: RemoteTargetCheck,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  assertDeliverable(recipient: string, content?: string): Promise<string> {
    return this.targets.assertDeliverable(recipient, content);
  }

  canonicalAddress(address: string): Promise<string> {
    return this.targets.canonicalAddress(address);
  }

  /**
   * The BullMQ job of one outbox row: named after the row, and naming its server and kind so that the worker can
   * claim it straight away. Every place that schedules a row builds its job here.
   */
  deliveryJob(row: OutboxTarget, delayMs = 0) {
    const { maxAttempts, backoffBaseMs } = this.config.federation;
    const opts: JobsOptions = {
      jobId: row.id,
      delay: delayMs,
      attempts: maxAttempts,
      backoff: { type: 'exponential', delay: backoffBaseMs, jitter: 0.5 },
      removeOnComplete: true,
      // The row is the source of truth; a failed job kept in the queue would block the reconciler's re-enqueue.
      removeOnFail: true,
    };
    const data: FederationDeliveryJob = { outboxId: row.id, server: row.recipientServer, kind: row.kind };
    return { name: FEDERATION_DELIVERY_JOB, data, opts };
  }

  async stage(manager: EntityManager, items: RemoteDeliveryItem[]): Promise<StagedDelivery[]> {
    if (items.length === 0) return [];
    const staged = items.map((item) => ({ id: newId(), kind: item.kind, recipientServer: item.recipientServer }));
    await manager.query(
      `INSERT INTO federation_message_outbox (id, kind, recipient_server, message_id, payload, status)
       SELECT *, 'pending' FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::uuid[], $5::jsonb[])`,
      [
        staged.map((delivery) => delivery.id),
        items.map((item) => item.kind),
        items.map((item) => item.recipientServer),
        items.map((item) => (item.kind === 'message' ? item.messageId : null)),
        items.map((item) => (item.kind === 'message' ? null : JSON.stringify(item.payload))),
      ],
    );
    return staged;
  }

  /**
   * Schedules the staged rows. Messages to a peer known to take batches get one job per batch-load (named after its
   * first row): that job's claim takes the oldest pending messages to the peer, these included, so a burst does not
   * cost a job per message. Every other row gets its own job. A queue that is down only delays them: the reconciler
   * enqueues any pending row from the table.
   */
  async dispatch(staged: StagedDelivery[]): Promise<void> {
    if (staged.length === 0) return;
    const scheduled: StagedDelivery[] = [];
    const batched = new Map<string, StagedDelivery[]>();
    const receipts: StagedDelivery[] = [];
    for (const delivery of staged) {
      if (delivery.kind === 'message' && this.peers.known(delivery.recipientServer)?.capabilities.includes('batch')) {
        const rows = batched.get(delivery.recipientServer) ?? [];
        batched.set(delivery.recipientServer, rows);
        rows.push(delivery);
      } else if (delivery.kind === 'receipts') {
        receipts.push(delivery);
      } else {
        scheduled.push(delivery);
      }
    }
    for (const rows of batched.values()) {
      for (let start = 0; start < rows.length; start += MAX_BATCH) scheduled.push(rows[start]);
    }
    // A receipts row waits a moment: the receipts of messages fetched or read one by one (each SSE page stages a
    // row) then travel in one request instead of one each, and only the first row of the window needs a job.
    const { receiptsGatherMs } = this.config.federation;
    const now = Date.now();
    const opened: string[] = [];
    for (const delivery of receipts) {
      const server = delivery.recipientServer;
      if ((this.receiptsJobWaitsUntil.get(server) ?? 0) > now) continue;
      this.receiptsJobWaitsUntil.set(server, now + receiptsGatherMs);
      opened.push(server);
      scheduled.push(delivery);
    }
    try {
      await this.queue.addBulk(
        scheduled.map((row) => this.deliveryJob(row, row.kind === 'receipts' ? receiptsGatherMs : 0)),
      );
    } catch (error) {
      // No job waits for these windows: the next receipts row opens one again.
      for (const server of opened) this.receiptsJobWaitsUntil.delete(server);
      this.logger.warn(`could not enqueue ${scheduled.length} deliveries now (the reconciler will): ${String(error)}`);
    }
  }

  /** Marks the messages fetched and stages their delivery receipts (MESSAGES_FETCHED_SQL), then dispatches them. */
  async messagesFetched(viewer: string, messages: FetchedMessage[]): Promise<void> {
    const senders = new Set(messages.map((message) => serverOf(message.fromUserId)));
    const withoutReceipts = [...senders].filter((server) => !this.takesReceipts(server));
    const staged: Omit<StagedDelivery, 'kind'>[] = await runPrepared(this.dataSource, MESSAGES_FETCHED_SQL, [
      messages.map((message) => message.id),
      withoutReceipts,
      viewer,
      new Date().toISOString(),
    ]);
    await this.dispatch(staged.map((row) => ({ ...row, kind: 'receipts' as const })));
  }

  /** The read receipt of one message, in the caller's transaction (none for a server that takes no receipts). */
  stageReadReceipt(
    manager: EntityManager,
    message: { fromUserId: string; toUserId: string; clientMessageId: string; readAt: Date | null },
  ): Promise<StagedDelivery[]> {
    const server = serverOf(message.fromUserId);
    if (!this.takesReceipts(server)) return Promise.resolve([]);
    const receipt: ReceiptItem = {
      type: 'read',
      clientMessageId: message.clientMessageId,
      fromUserId: message.fromUserId,
      toUserId: message.toUserId,
      at: (message.readAt ?? new Date()).toISOString(),
    };
    return this.stage(manager, [{ kind: 'receipts', recipientServer: server, payload: { receipts: [receipt] } }]);
  }

  /** False for a server this process knows to take no receipts (a plain MyLife node); one not known yet may. */
  private takesReceipts(server: string): boolean {
    const known = this.peers.known(server);
    return !known || known.capabilities.includes('receipts');
  }

  /**
   * Rows for operators, newest first, `limit` after the position `before`, and the position of the last row when more
   * follow. Positions keep created_at to the microsecond: the rows one statement stages share it.
   */
  async list(
    filter: { status?: OutboxStatus; server?: string },
    before: OutboxPosition | null,
    limit: number,
  ): Promise<{ items: OutboxEntity[]; next: OutboxPosition | null }> {
    const query = this.dataSource
      .getRepository(OutboxEntity)
      .createQueryBuilder('o')
      .addSelect('o.created_at::text', 'position_created_at')
      .orderBy('o.createdAt', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .limit(limit + 1);
    if (filter.status) query.andWhere('o.status = :status', { status: filter.status });
    if (filter.server) query.andWhere('o.recipientServer = :server', { server: filter.server });
    if (before) query.andWhere('(o.createdAt, o.id) < (CAST(:createdAt AS timestamptz), :id)', before);
    const { entities, raw } = await query.getRawAndEntities<{ position_created_at: string }>().catch((error) => {
      // A cursor's time that only looks like one (2026-02-30): Postgres refuses it as a data exception.
      if (before && error instanceof QueryFailedError && String(error.driverError?.code).startsWith('22')) {
        throw new BadRequestException('cursor is not a cursor this server issued');
      }
      throw error;
    });
    const items = entities.slice(0, limit);
    const last = items.at(-1);
    const next =
      entities.length > limit && last ? { createdAt: raw[items.length - 1].position_created_at, id: last.id } : null;
    return { items, next };
  }

  /** A failed row starts over with a fresh set of attempts and waits afresh: 404 when unknown, 409 unless it failed. */
  async retry(id: string): Promise<OutboxEntity> {
    const row = await this.dataSource.transaction(async (manager) => {
      const [updated]: [
        {
          id: string;
          kind: OutboxKind;
          recipient_server: string;
          message_id: string | null;
          attempts: number;
          last_error: string | null;
          from_user_id: string | null;
        }[],
        number,
      ] = await manager.query(
        `UPDATE federation_message_outbox o SET status = 'pending', attempts = 0, next_attempt_at = now(),
             waiting_since = now(), released_in_flight = false, claimed_until = NULL, updated_at = now()
           WHERE id = $1 AND status = 'failed'
           RETURNING id, kind, recipient_server, message_id, attempts, last_error,
             (SELECT from_user_id FROM friend_messages m WHERE m.id = o.message_id) AS from_user_id`,
        [id],
      );
      if (updated.length === 0) {
        const exists = await manager.getRepository(OutboxEntity).existsBy({ id });
        throw exists
          ? new ConflictException(`outbox row ${id} has not failed; only failed rows can be retried`)
          : new NotFoundException(`no outbox row ${id}`);
      }
      const [retried] = updated;
      if (retried.message_id)
        await this.syncEvents.append(manager, [toDeliveryEvent({ ...retried, status: 'pending' })]);
      return retried;
    });
    // Pending again: a row this process saw sent (a later failed outcome can have overwritten that) is no longer settled.
    this.settled.delete(id);
    if (row.from_user_id) await this.syncBus.notify([row.from_user_id]);
    // The failed job keeps its id in the queue; remove it so that the new one is not taken for a duplicate.
    await (await this.queue.getJob(id))?.remove().catch(() => undefined);
    await this.dispatch([{ id, kind: row.kind, recipientServer: row.recipient_server }]);
    return (await this.findById(id))!;
  }

  /**
   * Every row's job runs now: delayed jobs are promoted, lost or finished ones created again (a job id that BullMQ
   * still holds as completed or failed would be taken for a duplicate).
   */
  async wake(server: string, rows: { id: string; kind: OutboxKind }[]): Promise<void> {
    for (const { id, kind } of rows) {
      const job = await this.queue.getJob(id);
      const state = job ? await job.getState() : 'missing';
      // The job may have left the delayed state since (a job that saw the recovery promotes itself).
      if (state === 'delayed') await promoteIfDelayed(job!);
      else if (state === 'missing' || state === 'unknown' || state === 'completed' || state === 'failed') {
        await job?.remove().catch(() => undefined);
        const { name, data, opts } = this.deliveryJob({ id, recipientServer: server, kind });
        await this.queue.add(name, data, opts);
      }
    }
  }

  /**
   * A message or receipt from `friends` (users of `server`) arrived: messages to them that wait (a peer without
   * federated invites refused them before its operator recorded the friendship) are sent now. Peers with federated
   * invites never make messages wait so: for them this costs nothing. A row being sent meanwhile is marked, so that a
   * 403 it gets (the peer may have answered before it recorded the friendship) does not make it wait.
   */
  async releaseWaitingFor(server: string, friends: string[]): Promise<void> {
    if (friends.length === 0 || this.peers.known(server)?.capabilities.includes('invites')) return;
    const [released]: [{ id: string; kind: OutboxKind; inFlight: boolean }[], number] = await this.dataSource.query(
      `UPDATE federation_message_outbox o SET next_attempt_at = LEAST(o.next_attempt_at, now()),
         released_in_flight = COALESCE(o.claimed_until > now(), false), updated_at = now()
       FROM friend_messages m
       WHERE o.recipient_server = $1 AND o.status = 'pending' AND o.kind = 'message'
         AND (o.next_attempt_at > now() OR o.claimed_until > now())
         AND m.id = o.message_id AND m.to_user_id = ANY ($2::varchar[])
       RETURNING o.id, o.kind, o.released_in_flight AS "inFlight"`,
      [server, [...new Set(friends)]],
    );
    await this.wake(
      server,
      released.filter((row) => !row.inFlight),
    );
  }

  /** The oldest row (of `kind`, when given) to `server` that is due and held by no worker. */
  oldestPending(server: string, kind?: OutboxKind): Promise<OutboxEntity | null> {
    return this.dataSource
      .getRepository(OutboxEntity)
      .createQueryBuilder('o')
      .where("o.recipientServer = :server AND o.status = 'pending'", { server })
      .andWhere(kind ? 'o.kind = :kind' : 'TRUE', { kind })
      .andWhere('(o.claimedUntil IS NULL OR o.claimedUntil < now()) AND o.nextAttemptAt <= now()')
      .orderBy('o.createdAt', 'ASC')
      .limit(1)
      .getOne();
  }

  findById(id: string): Promise<OutboxEntity | null> {
    return this.dataSource.getRepository(OutboxEntity).findOneBy({ id });
  }

  /**
   * Leases rows for one request: the given row, plus the oldest other pending rows of its kind to the same server
   * while they fit in `capacity` (messages count one each, receipts rows their receipts), or nothing when another
   * worker holds the given row. Rows leased by another worker are skipped, so two workers never send the same row at
   * once. Message rows come with their message as it goes on the wire.
   */
  async claim(row: OutboxTarget, capacity: number): Promise<ClaimedRow[]> {
    const claimed: (OutboxEntity & { wireCreatedAt: Date | null } & Omit<WireMessage, 'id' | 'createdAt'>)[] =
      await runPrepared(this.dataSource, CLAIM_SQL, [
        row.id,
        row.recipientServer,
        capacity,
        this.claimLeaseMs,
        row.kind,
      ]);
    return claimed.map(({ wireCreatedAt, clientMessageId, fromUserId, toUserId, contentType, content, ...outbox }) => ({
      ...outbox,
      message:
        outbox.messageId && wireCreatedAt
          ? {
              id: outbox.messageId,
              clientMessageId,
              fromUserId,
              toUserId,
              contentType,
              content,
              createdAt: wireCreatedAt.toISOString(),
              senderServer: this.config.federationServer,
            }
          : null,
    }));
  }

  /**
   * How long an attempt with a body of `bodyBytes` may hold its rows: a peer key fetch and the request, each within
   * its deadline, and the statements around them.
   */
  private attemptMs(bodyBytes: number): number {
    const { timeoutMs } = this.config.federation;
    return timeoutMs + requestDeadlineMs(timeoutMs, bodyBytes) + LEASE_MARGIN_MS;
  }

  /**
   * Keeps claimed rows leased while a request with a body of `bodyBytes` may last, when that outlasts their claim's
   * lease (a big body on a slow uplink); otherwise costs nothing.
   */
  async holdLease(ids: string[], bodyBytes: number): Promise<void> {
    const ms = this.attemptMs(bodyBytes);
    if (ms > this.claimLeaseMs) await this.lease(ids, ms);
  }

  /** Gives leased rows back without an attempt: pending and due as they were, for the next claim. */
  release(ids: string[]): Promise<void> {
    return this.lease(ids, null);
  }

  /** Leases pending rows for `ms` from now, or releases them (null). */
  private async lease(ids: string[], ms: number | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE federation_message_outbox SET claimed_until = now() + $2::float8 * interval '1 millisecond',
         updated_at = now()
       WHERE id = ANY ($1::uuid[]) AND status = 'pending'`,
      [ids, ms],
    );
  }

  /**
   * Writes one attempt's outcome on each row and releases it. Rows already acked (a receipt can overtake the 2xx)
   * stay acked. Message rows that became sent or failed are told to their sender's stream.
   */
  async recordAttempt(outcomes: Map<string, AttemptOutcome>): Promise<void> {
    if (outcomes.size === 0) return;
    const list = [...outcomes.values()];
    const rows: { from_user_id: string | null }[] = await runPrepared(this.dataSource, RECORD_ATTEMPT_SQL, [
      [...outcomes.keys()],
      list.map((outcome) => outcome.status),
      list.map((outcome) => outcome.httpStatus),
      list.map((outcome) => outcome.error),
      list.map((outcome) => outcome.nextAttemptAt ?? null),
      list.map((outcome) => outcome.countsAsAttempt !== false),
      list.map((outcome) => outcome.releasedByFriend === true),
    ]);
    // Only `sent` is final for good: a failed row may be retried by an operator.
    for (const [id, outcome] of outcomes) if (outcome.status === 'sent') this.settled.set(id, true);
    await this.syncBus.notify(rows.map((row) => row.from_user_id!).filter(Boolean));
  }

  isSettled(id: string): boolean {
    return this.settled.has(id);
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
   * Pending rows to a server, oldest first, a page after `after`. The position is (created_at as text, id): a whole
   * batch shares one created_at, and a JS Date would cut it to milliseconds.
   */
  async pendingIds(
    server: string,
    limit: number,
    after?: OutboxPosition,
  ): Promise<(OutboxPosition & { kind: OutboxKind })[]> {
    return this.dataSource.query(
      `SELECT id, created_at::text AS "createdAt", kind FROM federation_message_outbox
       WHERE status = 'pending' AND recipient_server = $1 AND (claimed_until IS NULL OR claimed_until < now())
         AND (created_at, id) > (COALESCE($3::timestamptz, '-infinity'), COALESCE($4::uuid, '00000000-0000-0000-0000-000000000000'))
       ORDER BY created_at, id LIMIT $2`,
      [server, limit, after?.createdAt ?? null, after?.id ?? null],
    );
  }
}

function toDeliveryEvent(row: {
  status: OutboxStatus;
  attempts: number;
  last_error: string | null;
  message_id: string | null;
  from_user_id: string | null;
}): NewSyncEvent {
  return {
    userId: row.from_user_id!,
    type: 'message.delivery',
    data: {
      messageId: row.message_id,
      deliveryStatus: row.status,
      deliveryAttempts: row.attempts,
      lastDeliveryError: row.last_error,
    },
  };
}
