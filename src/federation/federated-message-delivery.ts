import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  FetchedMessage,
  MessageDelivery,
  MessageStatementParts,
  StagedMessage,
} from '../messages/message-delivery.port';
import { OutboxService } from './outbox.service';
import { RemoteTargetCheck } from './remote-target-check';

/**
 * Federation's parts of the message statement: the outbox row of each message to another server (it is on its way
 * once stored, and the conversation's hot rows are held for one round trip instead of a transaction's four) and the
 * replay receipts of messages from another server, keyed by (sender server, client message id, sender).
 */
export const MESSAGE_STATEMENT_PARTS: MessageStatementParts = {
  stageMessagesSql: (source, localUsers) => `
  ${source}_outbox AS (
    INSERT INTO federation_message_outbox (id, kind, recipient_server, message_id, status)
    SELECT gen_random_uuid(), 'message', substr(s.to_user_id, strpos(s.to_user_id, '@') + 1), s.id, 'pending'
    FROM ${source} s WHERE NOT (s.to_user_id = ANY(${localUsers}))
    RETURNING id, message_id, recipient_server
  )`,
  recordReceivedSql: (source, senderServer) => `
  ${source}_receipts AS (
    INSERT INTO federation_inbox_receipts (sender_server, client_message_id, from_user_id, message_id, remote_message_id)
    SELECT ${senderServer}, r.client_message_id, r.from_user_id, r.message_id, r.remote_message_id
    FROM ${source} r
    ON CONFLICT DO NOTHING
  )`,
};

/** Messages' port to other servers (MessageDelivery), on the outbox. */
@Injectable()
export class FederatedMessageDelivery extends MessageDelivery {
  readonly statementParts = MESSAGE_STATEMENT_PARTS;

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
