import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { LRUCache } from 'lru-cache';
import { destinationVerdict } from './delivery-request';
import { DestinationEntity } from './destination.entity';
import { FederationHttpClient } from './http/federation-http.client';
import { OutboxPosition, OutboxService } from './outbox.service';
import { WELL_KNOWN_PATH } from './peer-directory';
import { PeerHeaders, quotaLeft, RatePolicy, ratePolicy, retryAfterMs } from './peer-rate-limit';

const PROBE_EVERY_MS = 500;
const HEALTH_MEMORY_MS = 1000;
const PROBE_LEASE_MS = 15_000;
const FLUSH_PAGE = 500;

/** Any outcome of a delivery ends a probe made of one: the next probe may start when the backoff runs out. */
const ENDS_PROBE_DELIVERY = `probe_claimed_until = CASE WHEN d.probe_outbox_id IS NOT NULL THEN NULL
           ELSE d.probe_claimed_until END,
         probe_outbox_id = NULL`;

/** Why a delivery to a destination must wait, and until when. */
export interface DeliveryWait {
  until: Date;
  /**
   * `recovery`: the destination is failing, and only its recovery (a probe, any sign of life) lets deliveries go;
   * `until` is when the probe knocks. `throttled`: the peer asked us to come back at `until`. `slot`: the delivery's
   * turn within the peer's announced quota (reserved for it, unless the caller would not wait).
   */
  reason: 'recovery' | 'throttled' | 'slot';
}

/** What a delivery presents to {@link DestinationHealth.admit}. */
export interface DeliveryTicket {
  /** The outbox row it would send: the one a probe may let through to a backed-off plain peer. */
  outboxId?: string;
  /** A turn in the peer's quota reserved for it earlier (epoch ms). */
  slotAt?: number;
  /** False: only a turn free now is taken (a drain, or the dispatch endpoint, stops instead of waiting). */
  mayWait?: boolean;
}

type DestinationState = Pick<
  DestinationEntity,
  'consecutiveFailures' | 'retryAt' | 'probeOutboxId' | 'probeClaimedUntil' | 'rateLimit'
>;

/**
 * One health state per destination server, not per message: after a failure the whole destination waits
 * (exponential backoff with jitter, capped), so a dead server gets one probe at a time instead of a flood. Only an
 * answer that shows that the peer takes deliveries ends that: its /.well-known document, a delivery it took, a signed
 * request from it. A peer that publishes no document (a plain MyLife node answers 401 there) is probed with a delivery.
 * A peer that asks us to come back later (429, 503) is waited for as a whole until its `Retry-After`, and a peer that
 * announces its quota (`RateLimit-Policy`) gets its requests paced within it.
 */
@Injectable()
export class DestinationHealth implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DestinationHealth');
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  /**
   * When this process last found each destination open (healthy, not throttled, no quota). A delivery asks before
   * every attempt; within a second the answer is taken from here (another process's failure is seen at most that late).
   */
  private readonly confirmedOpen = new Map<string, number>();
  /** When this process last told each destination's state of a sign of life: one write per second at most. */
  private readonly lastSeenAlive = new LRUCache<string, number>({ max: 10_000 });
  /** The quota each destination last announced to this process, so that only a change is written. */
  private readonly quotas = new LRUCache<string, RatePolicy>({ max: 10_000 });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(OutboxService) private readonly outbox: OutboxService,
    @Inject(FederationHttpClient) private readonly http: FederationHttpClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.probeDue(), PROBE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Every destination with the number of rows waiting for it, by server name. */
  list(): Promise<(DestinationEntity & { pending: number })[]> {
    return this.dataSource.query(
      `SELECT d.server, d.capabilities, d.consecutive_failures AS "consecutiveFailures", d.retry_at AS "retryAt",
         d.last_error AS "lastError", d.last_success_at AS "lastSuccessAt", d.last_failure_at AS "lastFailureAt",
         d.well_known_fetched_at AS "wellKnownFetchedAt",
         (SELECT count(*)::int FROM federation_message_outbox o WHERE o.recipient_server = d.server AND o.status = 'pending') AS pending
       FROM federation_destinations d ORDER BY d.server`,
    );
  }

  /**
   * Null when a delivery to `server` may go now; otherwise why and until when it waits. A failing destination stays
   * closed after its backoff runs out until a probe (or any sign of life) finds it taking deliveries: only the probe
   * knocks on a dead server's door, and for a plain peer the probe is the delivery it lets through.
   */
  async admit(server: string, ticket: DeliveryTicket = {}): Promise<DeliveryWait | null> {
    if (Date.now() - (this.confirmedOpen.get(server) ?? 0) < HEALTH_MEMORY_MS) return null;
    const state = await this.state(server);
    const wait = this.waitOf(state, ticket.outboxId);
    if (wait || !state?.rateLimit) {
      if (!wait) this.confirmedOpen.set(server, Date.now());
      return wait;
    }
    // A turn reserved before the peer last said that its window was used up (a 429, `remaining=0`) was counted in a
    // bucket emptied since: it takes a turn again. Every turn reserved after that falls at or after retry_at.
    if (ticket.slotAt !== undefined && ticket.slotAt >= (state.retryAt?.getTime() ?? 0)) {
      return ticket.slotAt <= Date.now() ? null : { until: new Date(ticket.slotAt), reason: 'slot' };
    }
    return this.takeTurn(server, ticket.mayWait ?? true);
  }

  /** Whether a delivery (of `outboxId`) may go now as far as failures and throttling go; reserves nothing. */
  async isOpen(server: string, outboxId?: string): Promise<boolean> {
    return !this.waitOf(await this.state(server), outboxId);
  }

  private state(server: string): Promise<DestinationState | null> {
    return this.dataSource.getRepository(DestinationEntity).findOne({
      where: { server },
      select: {
        server: true,
        consecutiveFailures: true,
        retryAt: true,
        probeOutboxId: true,
        probeClaimedUntil: true,
        rateLimit: true,
      },
    });
  }

  private waitOf(state: DestinationState | null, outboxId: string | undefined): DeliveryWait | null {
    if (!state) return null;
    const now = Date.now();
    const retryAt = state.retryAt && state.retryAt.getTime() > now ? state.retryAt : null;
    if (state.consecutiveFailures === 0) return retryAt ? { until: retryAt, reason: 'throttled' } : null;
    if (retryAt) return { until: retryAt, reason: 'recovery' };
    const probing = (state.probeClaimedUntil?.getTime() ?? 0) > now;
    const isTheProbe = outboxId !== undefined && probing && state.probeOutboxId === outboxId;
    return isTheProbe ? null : { until: new Date(now), reason: 'recovery' };
  }

  /**
   * A turn within the peer's quota, by the generic cell rate algorithm: one request per window/limit on average, up to
   * `limit` at once after a quiet window. `pace_at` is the time at which the bucket would be empty; a turn is due
   * `window - window/limit` before it. Taking a turn in the future reserves it (the job waits for it and then goes).
   */
  private async takeTurn(server: string, mayWait: boolean): Promise<DeliveryWait | null> {
    const [turn]: { slot: Date; reserved: boolean }[] = await this.dataSource.query(
      `WITH d AS (
         SELECT server, GREATEST(pace_at, now()) AS tat, rate_window_ms::float8 / rate_limit AS step,
           rate_window_ms::float8 AS window_ms
         FROM federation_destinations WHERE server = $1 AND rate_limit > 0
         FOR UPDATE
       ), turn AS (
         SELECT server, tat, step, GREATEST(now(), tat - (window_ms - step) * interval '1 millisecond') AS slot FROM d
       ), reserved AS (
         UPDATE federation_destinations f SET pace_at = turn.tat + turn.step * interval '1 millisecond'
         FROM turn WHERE f.server = turn.server AND ($2 OR turn.slot <= now())
         RETURNING f.server
       )
       SELECT slot, EXISTS (SELECT 1 FROM reserved) AS reserved FROM turn`,
      [server, mayWait],
    );
    if (!turn || (turn.reserved && turn.slot.getTime() <= Date.now())) return null;
    return { until: turn.slot, reason: 'slot' };
  }

  /**
   * What a peer's answer says of its quota: a new `RateLimit-Policy` is kept; what is left of its window holds the
   * pacing bucket at least that full (requests made before the policy was known, or by others, count too); and a
   * window used up (`remaining=0`) makes the destination wait for its reset, as a 429 would, so that no request is
   * sent only to be refused.
   */
  async noteQuota(server: string, headers: PeerHeaders): Promise<void> {
    const policy = ratePolicy(headers);
    const left = quotaLeft(headers);
    const known = this.quotas.get(server);
    const changed = policy !== null && (known?.limit !== policy.limit || known.windowMs !== policy.windowMs);
    if (!changed && left === null) return;
    if (policy) this.quotas.set(server, policy);
    this.confirmedOpen.delete(server);
    if (changed) {
      await this.dataSource.query(
        `UPDATE federation_destinations SET rate_limit = $2, rate_window_ms = $3, updated_at = now() WHERE server = $1`,
        [server, policy.limit, policy.windowMs],
      );
    }
    if (left === null) return;
    if (left.remaining === 0) {
      await this.waitUntilQuotaResets(server, left.resetMs);
      return;
    }
    // The bucket holding `limit - remaining` turns lets `remaining` go at once and then one per window/limit.
    await this.dataSource.query(
      `UPDATE federation_destinations d SET pace_at = held.at
       FROM (SELECT server, now() + (rate_limit - LEAST($2, rate_limit))
           * (rate_window_ms::float8 / rate_limit) * interval '1 millisecond' AS at
         FROM federation_destinations WHERE server = $1 AND rate_limit > 0) AS held
       WHERE d.server = held.server AND (d.pace_at IS NULL OR d.pace_at < held.at)`,
      [server, left.remaining],
    );
  }

  /**
   * The peer's window is used up for `resetMs` (capped at the give-up age, as a `Retry-After` is): nothing goes before
   * then, and paced requests resume after it.
   */
  private async waitUntilQuotaResets(server: string, resetMs: number): Promise<void> {
    const [rows]: [{ retryAt: Date }[], number] = await this.dataSource.query(
      `UPDATE federation_destinations SET retry_at = GREATEST(retry_at, now() + $2::float8 * interval '1 millisecond'),
         updated_at = now()
       WHERE server = $1
       RETURNING retry_at AS "retryAt"`,
      [server, Math.min(resetMs, this.config.federation.giveUpAfterMs)],
    );
    if (rows[0]) await this.emptyBucketUntil(server, '$2::timestamptz', [rows[0].retryAt]);
  }

  /** Paced requests resume at `until` (an SQL expression), one per window/limit: the peer's window starts afresh. */
  private async emptyBucketUntil(server: string, until: string, params: unknown[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE federation_destinations SET pace_at = GREATEST(pace_at,
         ${until} + (rate_window_ms - rate_window_ms::float8 / rate_limit) * interval '1 millisecond')
       WHERE server = $1 AND rate_limit > 0`,
      [server, ...params],
    );
  }

  /**
   * A delivery failed for a reason of the destination (unreachable, 5xx, timeout). Only a failure outside a backoff
   * window lengthens it: many messages failing at once count as one failure. Answers until when it waits.
   */
  async recordFailure(server: string, error: string): Promise<Date> {
    this.confirmedOpen.delete(server);
    const { backoffBaseMs, backoffMaxMs } = this.config.federation;
    const [{ retryAt }]: { retryAt: Date }[] = await this.dataSource.query(
      `INSERT INTO federation_destinations AS d (server, consecutive_failures, retry_at, last_error, last_failure_at)
       VALUES ($1, 1, now() + ($2::float8 * (0.75 + random() * 0.5)) * interval '1 millisecond', $4, now())
       ON CONFLICT (server) DO UPDATE SET
         consecutive_failures = CASE WHEN d.retry_at IS NULL OR d.retry_at <= now()
           THEN d.consecutive_failures + 1 ELSE d.consecutive_failures END,
         retry_at = CASE WHEN d.retry_at IS NULL OR d.retry_at <= now()
           THEN now() + (LEAST($3::float8, $2::float8 * power(2, d.consecutive_failures)) * (0.75 + random() * 0.5))
             * interval '1 millisecond'
           ELSE d.retry_at END,
         ${ENDS_PROBE_DELIVERY},
         last_error = $4, last_failure_at = now(), updated_at = now()
       RETURNING retry_at AS "retryAt"`,
      [server, backoffBaseMs, backoffMaxMs, error.slice(0, 2000)],
    );
    return retryAt;
  }

  /**
   * The peer asked us to come back later (429, 503): the whole destination waits for `Retry-After` (at least the
   * backoff base, at most the give-up age), and paced requests resume after it. Without a `Retry-After` it is backed off as a failing one.
   * Answers until when it waits. No message spends an attempt on it.
   */
  async recordThrottle(server: string, retryAfterMs: number | null, error: string): Promise<Date> {
    if (retryAfterMs === null) return this.recordFailure(server, error);
    this.confirmedOpen.delete(server);
    const { backoffBaseMs, giveUpAfterMs } = this.config.federation;
    // `Retry-After: 0` (or a date already past) would send the next request at once, and its 429 the one after.
    const waitMs = Math.min(Math.max(retryAfterMs, backoffBaseMs), giveUpAfterMs);
    const [{ retryAt }]: { retryAt: Date }[] = await this.dataSource.query(
      `INSERT INTO federation_destinations AS d (server, retry_at, last_error, last_failure_at)
       VALUES ($1, now() + $2::float8 * interval '1 millisecond', $3, now())
       ON CONFLICT (server) DO UPDATE SET retry_at = GREATEST(d.retry_at, EXCLUDED.retry_at),
         ${ENDS_PROBE_DELIVERY},
         last_error = EXCLUDED.last_error, last_failure_at = now(), updated_at = now()
       RETURNING retry_at AS "retryAt"`,
      [server, waitMs, error.slice(0, 2000)],
    );
    await this.emptyBucketUntil(server, '$2::timestamptz', [retryAt]);
    return retryAt;
  }

  /** A delivery to `server` went through: written every time (lastSuccessAt); if it was failing, it has recovered. */
  delivered(server: string): void {
    this.succeeded(server, true).catch((error: unknown) =>
      this.logger.warn(`flush of ${server} failed: ${String(error)}`),
    );
  }

  /**
   * A sign of life from `server` (a signed request from it, or its answer judging a delivery): it is up. Runs in the
   * background of the caller, which a recovery's flush would otherwise hold up.
   */
  seenAlive(server: string): void {
    if (Date.now() - (this.lastSeenAlive.get(server) ?? 0) < HEALTH_MEMORY_MS) return;
    this.lastSeenAlive.set(server, Date.now());
    this.succeeded(server, false).catch((error: unknown) =>
      this.logger.warn(`flush of ${server} failed: ${String(error)}`),
    );
  }

  /** The destination takes deliveries: healthy again, and if it had been failing, flush its queue. */
  async recordSuccess(server: string): Promise<void> {
    await this.succeeded(server, false);
  }

  private async succeeded(server: string, delivered: boolean): Promise<void> {
    const [rows]: [{ recovered: boolean }[], number] = await this.dataSource.query(
      `WITH before AS (
         SELECT server, consecutive_failures AS failures FROM federation_destinations WHERE server = $1 FOR UPDATE
       )
       UPDATE federation_destinations d SET consecutive_failures = 0,
         retry_at = CASE WHEN b.failures > 0 THEN NULL ELSE d.retry_at END,
         last_error = CASE WHEN b.failures > 0 THEN NULL ELSE d.last_error END,
         ${ENDS_PROBE_DELIVERY},
         last_success_at = now(), updated_at = now()
       FROM before b WHERE d.server = b.server AND ($2 OR b.failures > 0)
       RETURNING b.failures > 0 AS recovered`,
      [server, delivered],
    );
    if (rows[0]?.recovered) {
      this.logger.log(`${server} answers again: delivering what waited for it`);
      await this.flush(server);
    }
  }

  /** Every pending row of `server` gets its job now, oldest first: delayed jobs are promoted, lost ones re-created. */
  async flush(server: string): Promise<number> {
    let flushed = 0;
    let after: OutboxPosition | undefined;
    for (;;) {
      const rows = await this.outbox.pendingIds(server, FLUSH_PAGE, after);
      await this.outbox.wake(server, rows);
      flushed += rows.length;
      if (rows.length < FLUSH_PAGE) return flushed;
      after = rows[rows.length - 1];
    }
  }

  /** Probes failing destinations whose backoff has run out and that have something to deliver; one process each. */
  private async probeDue(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const [due]: [{ server: string }[], number] = await this.dataSource.query(
        `UPDATE federation_destinations d SET probe_claimed_until = now() + $1 * interval '1 millisecond'
         WHERE consecutive_failures > 0 AND retry_at IS NOT NULL AND retry_at <= now()
           AND (probe_claimed_until IS NULL OR probe_claimed_until < now())
           -- Only a row that a probe could send (as OutboxService.oldestPending finds it): one waiting for a
           -- friendship or a peer's Retry-After would leave the probe nothing to do but knock again at the next tick.
           AND EXISTS (SELECT 1 FROM federation_message_outbox o WHERE o.recipient_server = d.server
             AND o.status = 'pending' AND o.next_attempt_at <= now()
             AND (o.claimed_until IS NULL OR o.claimed_until < now()))
         RETURNING server`,
        [PROBE_LEASE_MS],
      );
      await Promise.all(due.map(({ server }) => this.probe(server)));
    } catch (error) {
      this.logger.debug(`probe round failed: ${String(error)}`);
    } finally {
      this.probing = false;
    }
  }

  /**
   * GET of the peer's /.well-known: its document (naming it) shows that it takes deliveries. An answer without one (a
   * plain node answers 401: it has no such route) shows only that something answers: then the oldest due delivery
   * goes as the probe, and its outcome decides.
   */
  private async probe(server: string): Promise<void> {
    let delivering = false;
    try {
      const response = await this.http.send(server, 'GET', WELL_KNOWN_PATH);
      const verdict = destinationVerdict(response.status);
      const answer = `probe: ${server}/.well-known answered ${response.status}`;
      if (verdict === 'failing') await this.recordFailure(server, answer);
      else if (verdict === 'throttled') await this.recordThrottle(server, retryAfterMs(response.headers), answer);
      else if (verdict === 'delivered' && (response.json as { server?: unknown } | null)?.server === server)
        await this.recordSuccess(server);
      else delivering = await this.probeWithDelivery(server);
    } catch (error) {
      await this.recordFailure(server, `probe: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      if (!delivering) {
        await this.dataSource.query('UPDATE federation_destinations SET probe_claimed_until = NULL WHERE server = $1', [
          server,
        ]);
      }
    }
  }

  /** Lets the oldest due row through as the probe (DeliveryProcessor asks {@link admit}); false when none is due. */
  private async probeWithDelivery(server: string): Promise<boolean> {
    const oldest = await this.outbox.oldestPending(server);
    if (!oldest) return false;
    // The lease covers the delivery (a peer key fetch and the request); its outcome ends it sooner.
    const leaseMs = 2 * this.config.federation.timeoutMs + PROBE_LEASE_MS;
    await this.dataSource.query(
      `UPDATE federation_destinations SET probe_outbox_id = $2,
         probe_claimed_until = now() + $3 * interval '1 millisecond'
       WHERE server = $1`,
      [server, oldest.id, leaseMs],
    );
    await this.outbox.wake(server, [oldest]);
    return true;
  }
}
