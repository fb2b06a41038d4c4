import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { KeyChangeDelivery } from '../keys/key-change-delivery.port';
import { KeyChange } from '../keys/key-material';
import { OutboxService } from './outbox.service';

/** Keys' port to other servers (KeyChangeDelivery): a `key-change` outbox row per server. */
@Injectable()
export class FederatedKeyChangeDelivery extends KeyChangeDelivery {
  constructor(@Inject(OutboxService) private readonly outbox: OutboxService) {
    super();
  }

  async stage(manager: EntityManager, notices: { server: string; change: KeyChange }[]): Promise<() => Promise<void>> {
    const staged = await this.outbox.stage(
      manager,
      notices.map(({ server, change }) => ({
        kind: 'key-change' as const,
        recipientServer: server,
        payload: { ...change },
      })),
    );
    return () => this.outbox.dispatch(staged);
  }
}
