import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { serverOf } from '../common/address';
import { FriendDelivery, FriendNotice } from '../friends/friend-delivery.port';
import { OutboxService } from './outbox.service';
import { RemoteTargetCheck } from './remote-target-check';

/** Friends' port to other servers (FriendDelivery): each notice is an outbox row to the other party's server. */
@Injectable()
export class FederatedFriendDelivery extends FriendDelivery {
  constructor(
    @Inject(OutboxService) private readonly outbox: OutboxService,
    @Inject(RemoteTargetCheck) private readonly targets: RemoteTargetCheck,
  ) {
    super();
  }

  assertDeliverable(recipient: string): Promise<string> {
    return this.targets.assertDeliverable(recipient);
  }

  async stage(manager: EntityManager, notices: FriendNotice[]): Promise<() => Promise<void>> {
    const staged = await this.outbox.stage(
      manager,
      notices.map(({ kind, recipient, payload }) => ({ kind, recipientServer: serverOf(recipient), payload })),
    );
    return () => this.outbox.dispatch(staged);
  }
}
