import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DeliveryProcessor } from './delivery.processor';
import { DestinationHealth } from './destination-health.service';
import { OutboxEntity } from './outbox.entity';

export interface DispatchResult {
  ok: true;
  server: string;
  processed: number;
  sent: number;
  retried: number;
  failed: number;
  skipped: number;
}

/** POST /api/federation/dispatch: due rows delivered in this request, with the same code path as the queue. */
@Injectable()
export class DispatchService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DeliveryProcessor) private readonly processor: DeliveryProcessor,
    @Inject(DestinationHealth) private readonly health: DestinationHealth,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async dispatchDue(limit: number): Promise<DispatchResult> {
    const due = await this.dataSource.getRepository(OutboxEntity).query(
      `SELECT id FROM federation_message_outbox
       WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
       ORDER BY created_at LIMIT $1`,
      [limit],
    );
    const result: DispatchResult = {
      ok: true,
      server: this.config.federationServer,
      processed: 0,
      sent: 0,
      retried: 0,
      failed: 0,
      skipped: 0,
    };
    for (const { id } of due as { id: string }[]) {
      const row = await this.dataSource.getRepository(OutboxEntity).findOneBy({ id });
      if (
        row?.status !== 'pending' ||
        (await this.health.admit(row.recipientServer, { outboxId: row.id, mayWait: false }))
      ) {
        result.skipped++;
        continue;
      }
      const outcome = await this.processor.deliver(row);
      if (!outcome) {
        result.skipped++;
        continue;
      }
      result.processed++;
      if (outcome.status === 'sent') result.sent++;
      else if (outcome.status === 'failed') result.failed++;
      else result.retried++;
    }
    return result;
  }
}
