import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FederationDeliveryJob, promoteIfDelayed, QUEUES } from '../queue/queues';
import { DestinationEntity } from './destination.entity';
import { FederationHttpClient } from './http/federation-http.client';
import { OutboxPosition, OutboxService } from './outbox.service';
import { WELL_KNOWN_PATH } from './peer-directory';

const PROBE_EVERY_MS = 500;
const HEALTH_MEMORY_MS = 1000;
const PROBE_LEASE_MS = 15_000;
const FLUSH_PAGE = 500;

/**
 * One health state per destination server, not per message: after a failure the whole destination waits
 * (exponential backoff with jitter, capped), so a dead server gets one probe at a time instead of a flood. When a probe
 * succeeds, a delivery succeeds, or a signed request arrives from it, everything waiting for it is sent at once, in
 * order.
 */
@Injectable()
export class DestinationHealth implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DestinationHealth');
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  /**
   * When this process last saw each destination healthy. A delivery asks before every attempt; within a second of a
   * confirmation the answer is taken from here (another process's failure is seen at most that late).
   */
  private readonly confirmedHealthy = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QUEUES.federationDelivery) private readonly queue: Queue<FederationDeliveryJob>,
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
   * Null when `server` is healthy; otherwise until when it is backed off. A failing destination stays closed to
   * deliveries after its backoff runs out, until a probe (or any sign of life) finds it up and flushes it: only the
   * probe knocks on a dead server's door.
   */
  async blockedUntil(server: string): Promise<Date | null> {
    if (Date.now() - (this.confirmedHealthy.get(server) ?? 0) < HEALTH_MEMORY_MS) return null;
    const row = await this.dataSource
      .getRepository(DestinationEntity)
      .findOne({ where: { server }, select: { server: true, retryAt: true, consecutiveFailures: true } });
    if (!row || row.consecutiveFailures === 0) {
      this.confirmedHealthy.set(server, Date.now());
      return null;
    }
    return row.retryAt && row.retryAt.getTime() > Date.now() ? row.retryAt : new Date();
  }

  /**
   * A delivery failed for a reason of the destination (unreachable, 5xx, timeout). Only a failure outside a backoff
   * window lengthens it: many messages failing at once count as one failure.
   */
  async recordFailure(server: string, error: string): Promise<void> {
    this.confirmedHealthy.delete(server);
    const { backoffBaseMs, backoffMaxMs } = this.config.federation;
    await this.dataSource.query(
      `INSERT INTO federation_destinations AS d (server, consecutive_failures, retry_at, last_error, last_failure_at)
       VALUES ($1, 1, now() + ($2::float8 * (0.75 + random() * 0.5)) * interval '1 millisecond', $4, now())
       ON CONFLICT (server) DO UPDATE SET
         consecutive_failures = CASE WHEN d.retry_at IS NULL OR d.retry_at <= now()
           THEN d.consecutive_failures + 1 ELSE d.consecutive_failures END,
         retry_at = CASE WHEN d.retry_at IS NULL OR d.retry_at <= now()
           THEN now() + (LEAST($3::float8, $2::float8 * power(2, d.consecutive_failures)) * (0.75 + random() * 0.5))
             * interval '1 millisecond'
           ELSE d.retry_at END,
         last_error = $4, last_failure_at = now(), updated_at = now()`,
      [server, backoffBaseMs, backoffMaxMs, error.slice(0, 2000)],
    );
  }

  /** The destination answered: healthy again, and if it had been waiting, flush its queue. */
  async recordSuccess(server: string): Promise<void> {
    if (Date.now() - (this.confirmedHealthy.get(server) ?? 0) < HEALTH_MEMORY_MS) return;
    this.confirmedHealthy.set(server, Date.now());
    const [recovered]: [unknown[], number] = await this.dataSource.query(
      `UPDATE federation_destinations SET consecutive_failures = 0, retry_at = NULL, last_error = NULL,
         last_success_at = now(), updated_at = now()
       WHERE server = $1 AND (consecutive_failures > 0 OR retry_at IS NOT NULL)
       RETURNING server`,
      [server],
    );
    if (recovered.length > 0) {
      this.logger.log(`${server} answers again: delivering what waited for it`);
      await this.flush(server);
    }
  }

  /**
   * A sign of life from `server` (a signed request from it, or its answer to ours): it is up. Runs in the background
   * of the caller, which a recovery's flush would otherwise hold up.
   */
  seenAlive(server: string): void {
    this.recordSuccess(server).catch((error: unknown) =>
      this.logger.warn(`flush of ${server} failed: ${String(error)}`),
    );
  }

  /** Every pending row of `server` gets its job now, oldest first: delayed jobs are promoted, lost ones re-created. */
  async flush(server: string): Promise<number> {
    let flushed = 0;
    let after: OutboxPosition | undefined;
    for (;;) {
      const rows = await this.outbox.pendingIds(server, FLUSH_PAGE, after);
      for (const { id, kind } of rows) {
        const job = await this.queue.getJob(id);
        const state = job ? await job.getState() : 'missing';
        // The job may have left the delayed state since (a job that saw the recovery promotes itself).
        if (state === 'delayed') await promoteIfDelayed(job!);
        else if (state === 'missing' || state === 'unknown' || state === 'completed' || state === 'failed') {
          await job?.remove().catch(() => undefined);
          const { name, data, opts } = this.outbox.deliveryJob({ id, recipientServer: server, kind });
          await this.queue.add(name, data, opts);
        }
      }
      flushed += rows.length;
      if (rows.length < FLUSH_PAGE) return flushed;
      after = rows[rows.length - 1];
    }
  }

  /** Probes destinations whose backoff has run out; one process probes each (a lease on the row). */
  private async probeDue(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const [due]: [{ server: string }[], number] = await this.dataSource.query(
        `UPDATE federation_destinations SET probe_claimed_until = now() + $1 * interval '1 millisecond'
         WHERE retry_at IS NOT NULL AND retry_at <= now()
           AND (probe_claimed_until IS NULL OR probe_claimed_until < now())
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

  private async probe(server: string): Promise<void> {
    try {
      const response = await this.http.send(server, 'GET', WELL_KNOWN_PATH);
      if (response.status >= 500) throw new Error(`answered ${response.status}`);
      await this.recordSuccess(server);
    } catch (error) {
      await this.recordFailure(server, `probe: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await this.dataSource.query('UPDATE federation_destinations SET probe_claimed_until = NULL WHERE server = $1', [
        server,
      ]);
    }
  }
}
