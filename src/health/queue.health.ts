import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Queue } from 'bullmq';
import { QUEUES } from '../queue/queues';

/** The queue is healthy when its backend (Redis or Postgres) answers a job count. */
@Injectable()
export class QueueHealthIndicator {
  constructor(
    @InjectQueue(QUEUES.federationDelivery) private readonly queue: Queue,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
  ) {}

  pingCheck(key: string) {
    return this.indicators.check(key).attempt(async () => {
      await this.queue.getJobCounts('waiting');
    });
  }
}
