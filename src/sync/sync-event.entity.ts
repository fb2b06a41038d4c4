import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const SYNC_EVENT_TYPES = ['message', 'message.read', 'message.delivery', 'invite', 'friendship'] as const;
export type SyncEventType = (typeof SYNC_EVENT_TYPES)[number];

/**
 * The per-user change stream. Readers order by (txId, seq) and only see transactions older than every transaction
 * still running (see SyncService), so a cursor never skips an event that commits late.
 */
@Entity({ name: 'sync_events' })
@Index('sync_events_user_position_idx', ['userId', 'txId', 'seq'])
export class SyncEventEntity {
  @PrimaryColumn({ type: 'bigint', generated: 'increment' })
  seq: string;

  /** pg_current_xact_id() of the writing transaction, as bigint; always set by the INSERT (see sync-events.sql.ts). */
  @Column({ name: 'tx_id', type: 'bigint' })
  txId: string;

  @Column({ name: 'user_id', type: 'varchar', length: 320 })
  userId: string;

  @Column({ type: 'varchar', length: 32 })
  type: SyncEventType;

  /** For `message` events: the message, read at sync time. */
  @Column({ name: 'message_id', type: 'uuid', nullable: true })
  messageId: string | null;

  /** For the other events: their payload as it was when the event was written. */
  @Column({ type: 'jsonb', nullable: true })
  data: Record<string, unknown> | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
