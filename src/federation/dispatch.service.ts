import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { DelayedError, Worker } from 'bullmq';
import { newId } from '../common/ids';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { queueConnection } from '../queue/queue-backend';
import { DestinationJob, QUEUES } from '../queue/queues';
import { DeliveryQueue, destinationBackoff } from './delivery-queue';
import { DeliveryProcessor, newTally } from './delivery.processor';
import { OutboxRepository } from './outbox.repository';

export interface DispatchResult {
  ok: true;
  server: string;
  processed: number;
  sent: number;
  retried: number;
  failed: number;
  skipped: number;
}

/**
 * POST /api/federation/dispatch: due rows delivered in this request, by the destinations' own jobs, taken from the
 * queue as a worker takes them (BullMQ's manual processing): a job that a worker runs, or that waits for its backoff,
 * is not run twice.
 */
@Injectable()
export class DispatchService implements OnModuleDestroy {
  private worker: Worker<DestinationJob> | null = null;

  constructor(
    @Inject(OutboxRepository) private readonly outbox: OutboxRepository,
    @Inject(DeliveryQueue) private readonly deliveries: DeliveryQueue,
    @Inject(DeliveryProcessor) private readonly processor: DeliveryProcessor,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }

  async dispatchDue(limit: number): Promise<DispatchResult> {
    const due = await this.outbox.dueRows(limit);
    const servers = new Set(due.map((row) => row.recipientServer));
    await this.deliveries.schedule(servers);
    const tally = newTally();
    const worker = this.manualWorker();
    const token = newId();
    for (let jobs = 0; jobs < servers.size && tally.processed < limit; jobs++) {
      const job = await worker.getNextJob(token, { block: false });
      if (!job) break;
      try {
        await this.processor.run(job, token, limit - tally.processed, tally);
        await job.moveToCompleted(undefined, token, false);
        await this.processor.rescheduleIfDue(job.data.server);
      } catch (error) {
        // A run whose job was taken from it (its lock ran out) cannot move it on: the one that took it will.
        if (!(error instanceof DelayedError))
          await job.moveToFailed(error as Error, token, false).catch(() => undefined);
      }
    }
    return {
      ok: true,
      server: this.config.federationServer,
      processed: tally.processed,
      sent: tally.sent,
      retried: tally.retried,
      failed: tally.failed,
      skipped: Math.max(0, due.length - tally.processed),
    };
  }

  private manualWorker(): Worker<DestinationJob> {
    this.worker ??= new Worker<DestinationJob>(QUEUES.federationDelivery, null, {
      connection: queueConnection(this.config) as never,
      prefix: this.config.queuePrefix,
      autorun: false,
      settings: { backoffStrategy: destinationBackoff },
    });
    return this.worker;
  }
}
