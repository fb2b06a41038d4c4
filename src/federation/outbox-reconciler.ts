import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SyncBus } from '../sync/sync-bus';
import { DeliveryQueue } from './delivery-queue';
import { gaveUpAfterWaiting, RowUpdate } from './delivery-state';
import { OutboxRepository } from './outbox.repository';

const PAGE = 1000;
/** Rows younger than this are still being scheduled by the request that made them. */
const GRACE_MS = 2000;

/**
 * The outbox is the source of truth, the queue only its schedule: at boot and every MYLIFE_FEDERATION_RECONCILE_MS,
 * every destination with rows due gets its job (a no-op while it has one; it comes back after Redis lost it), and
 * rows that waited past the give-up age without a request to fail them fail now.
 */
@Injectable()
export class OutboxReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('OutboxReconciler');
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    @Inject(OutboxRepository) private readonly outbox: OutboxRepository,
    @Inject(DeliveryQueue) private readonly deliveries: DeliveryQueue,
    @Inject(SyncBus) private readonly syncBus: SyncBus,
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

  /** Returns the destinations offered to the queue. */
  async reconcile(): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    try {
      await this.giveUpOnStale();
      await this.outbox.endExpiredHolds();
      const servers = await this.outbox.destinationsWithDue(GRACE_MS);
      await this.deliveries.schedule(servers);
      return servers;
    } catch (error) {
      this.logger.warn(`reconcile failed (will try again): ${error instanceof Error ? error.message : String(error)}`);
      return [];
    } finally {
      this.running = false;
    }
  }

  private async giveUpOnStale(): Promise<void> {
    const { giveUpAfterMs, timeoutMs, reconcileMs } = this.config.federation;
    // A row's last try falls on its give-up age, and that request fails it if it must: leave it the time to.
    const stale = await this.outbox.stale(giveUpAfterMs + 2 * timeoutMs + reconcileMs, PAGE);
    if (stale.length === 0) return;
    const now = Date.now();
    const updates = new Map<string, RowUpdate>(
      stale.map((row) => [
        row.id,
        {
          status: 'failed',
          attempts: row.attempts,
          lastError: gaveUpAfterWaiting(now - row.waitingSince.getTime(), row.lastError),
          lastHttpStatus: row.lastHttpStatus,
          heldUntil: null,
          heldForFriendship: false,
        },
      ]),
    );
    await this.syncBus.notify(await this.outbox.record(updates, new Date(now), new Date(now)));
    this.logger.warn(`gave up on ${stale.length} deliveries that waited past MYLIFE_FEDERATION_GIVE_UP_AFTER`);
  }
}
