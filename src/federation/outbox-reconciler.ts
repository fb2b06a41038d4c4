import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FederationDeliveryJob, QUEUES } from '../queue/queues';
import { gaveUpAfterWaiting } from './delivery-request';
import { OutboxPosition, OutboxService } from './outbox.service';
import { OutboxKind } from './outbox.entity';

const PAGE = 1000;
// Rows younger than this (plus the receipts gathering window) are still being enqueued by the request that made
// them, or wait for the job of their receipts window.
const GRACE_MS = 2000;

/**
 * The outbox is the source of truth: at boot and every MYLIFE_FEDERATION_RECONCILE_MS, each pending row that no
 * worker holds gets its job again, and rows that waited past the give-up age fail for good. BullMQ ignores a job id it already has, so live jobs are untouched and only lost
 * ones (Redis flushed or restarted without persistence) come back. Destinations in backoff are left to their flush.
 */
@Injectable()
export class OutboxReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('OutboxReconciler');
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QUEUES.federationDelivery) private readonly queue: Queue<FederationDeliveryJob>,
    @Inject(OutboxService) private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.reconcile();
    this.timer = setInterval(() => void this.reconcile(), this.config.federation.reconcileMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Returns how many rows were offered to the queue. */
  async reconcile(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let offered = 0;
    try {
      await this.giveUpOnStale();
      let after: OutboxPosition = { createdAt: '-infinity', id: '00000000-0000-0000-0000-000000000000' };
      for (;;) {
        const rows: (OutboxPosition & { nextAttemptAt: Date; server: string; kind: OutboxKind })[] =
          await this.dataSource.query(
            `SELECT o.id, o.created_at::text AS "createdAt", o.next_attempt_at AS "nextAttemptAt",
             o.recipient_server AS server, o.kind
           FROM federation_message_outbox o
           LEFT JOIN federation_destinations d ON d.server = o.recipient_server
           WHERE o.status = 'pending' AND (o.claimed_until IS NULL OR o.claimed_until < now())
             AND o.created_at < now() - $1 * interval '1 millisecond'
             AND (o.created_at, o.id) > ($2::timestamptz, $3::uuid)
             AND (d.retry_at IS NULL OR d.retry_at <= now())
           ORDER BY o.created_at, o.id LIMIT $4`,
            [GRACE_MS + this.config.federation.receiptsGatherMs, after.createdAt, after.id, PAGE],
          );
        if (rows.length === 0) break;
        const now = Date.now();
        await this.queue.addBulk(
          rows.map((row) =>
            this.outbox.deliveryJob(
              { id: row.id, recipientServer: row.server, kind: row.kind },
              Math.max(0, row.nextAttemptAt.getTime() - now),
            ),
          ),
        );
        offered += rows.length;
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1];
      }
    } catch (error) {
      this.logger.warn(`reconcile failed (will try again): ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.running = false;
    }
    return offered;
  }

  /**
   * Rows still pending at the give-up age fail: a destination down for days, or a peer that keeps asking us to come
   * back later, gets no attempt that could fail them. They are leased first, so that no worker sends one meanwhile.
   */
  private async giveUpOnStale(): Promise<void> {
    const [stale]: [{ id: string; lastError: string | null; lastHttpStatus: number | null }[], number] =
      await this.dataSource.query(
        `UPDATE federation_message_outbox o SET claimed_until = now() + interval '1 minute'
         WHERE o.id IN (
           SELECT id FROM federation_message_outbox
           WHERE status = 'pending' AND waiting_since < now() - $1 * interval '1 millisecond'
             AND (claimed_until IS NULL OR claimed_until < now())
           LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING o.id, o.last_error AS "lastError", o.last_http_status AS "lastHttpStatus"`,
        [this.config.federation.giveUpAfterMs, PAGE],
      );
    if (stale.length === 0) return;
    const { giveUpAfterMs } = this.config.federation;
    await this.outbox.recordAttempt(
      new Map(
        stale.map((row) => [
          row.id,
          {
            status: 'failed',
            httpStatus: row.lastHttpStatus,
            error: gaveUpAfterWaiting(giveUpAfterMs, row.lastError),
            countsAsAttempt: false,
          },
        ]),
      ),
    );
    this.logger.warn(`gave up on ${stale.length} deliveries that waited past MYLIFE_FEDERATION_GIVE_UP_AFTER`);
  }
}
