import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { FetchedMessage, MessageDelivery, StagedMessage } from '../messages/message-delivery.port';
import { OutboxService } from './outbox.service';
import { RemoteTargetCheck } from './remote-target-check';

/** Messages' port to other servers (MessageDelivery), on the outbox. */
@Injectable()
export class FederatedMessageDelivery extends MessageDelivery {
  constructor(
    @Inject(OutboxService) private readonly outbox: OutboxService,
    @Inject(RemoteTargetCheck) private readonly targets: RemoteTargetCheck,
  ) {
    super();
  }

  assertDeliverable(recipient: string, content: string): Promise<string> {
    return this.targets.assertDeliverable(recipient, content);
  }

  dispatchMessages(staged: StagedMessage[]): Promise<void> {
    return this.outbox.dispatch(staged.map((row) => ({ ...row, kind: 'message' as const })));
  }

  messagesFetched(viewer: string, messages: FetchedMessage[]): Promise<void> {
    return this.outbox.messagesFetched(viewer, messages);
  }

  async stageReadReceipt(
    manager: EntityManager,
    message: { fromUserId: string; toUserId: string; clientMessageId: string; readAt: Date | null },
  ): Promise<() => Promise<void>> {
    const staged = await this.outbox.stageReadReceipt(manager, message);
    return () => this.outbox.dispatch(staged);
  }
}
