import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A batch a peer sent us, by its transaction id: a replay of the whole batch gets the same answer. */
@Entity({ name: 'federation_inbox_transactions' })
export class InboxTransactionEntity {
  @PrimaryColumn({ name: 'sender_server', type: 'varchar', length: 255 })
  senderServer: string;

  @PrimaryColumn({ name: 'transaction_id', type: 'varchar', length: 128 })
  transactionId: string;

  @Column({ type: 'jsonb' })
  response: Record<string, unknown>;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;
}
