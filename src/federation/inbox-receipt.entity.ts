import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Replay protection for inbound deliveries, keyed by (sender server, client message id) as existing MyLife nodes do,
 * plus the sender: two users of one server may pick the same client id. Written in the message's transaction.
 */
@Entity({ name: 'federation_inbox_receipts' })
@Index('federation_inbox_receipts_message_idx', ['messageId'])
export class InboxReceiptEntity {
  @PrimaryColumn({ name: 'sender_server', type: 'varchar', length: 255 })
  senderServer: string;

  @PrimaryColumn({ name: 'client_message_id', type: 'varchar', length: 128 })
  clientMessageId: string;

  @PrimaryColumn({ name: 'from_user_id', type: 'varchar', length: 320 })
  fromUserId: string;

  @Column({ name: 'message_id', type: 'uuid' })
  messageId: string;

  /** The id the sender's node gave the message, when it was not a UUID we could keep. */
  @Column({ name: 'remote_message_id', type: 'varchar', length: 128, nullable: true })
  remoteMessageId: string | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  /** When a device of the recipient first fetched the message; the delivery receipt is sent once, then. */
  @Column({ name: 'fetched_at', type: 'timestamptz', nullable: true })
  fetchedAt: Date | null;
}
