import { Column, Entity, PrimaryColumn } from 'typeorm';

export const SYNC_EVENT_TYPES = [
  'message',
  'message.read',
  'message.delivery',
  'invite',
  'friendship',
  'keys',
] as const;
export type SyncEventType = (typeof SYNC_EVENT_TYPES)[number];

/**
 * The per-user change stream. `seq` counts each user's events; it is taken from the user's SyncHead row, whose lock is
 * held until commit, so a user's events commit in seq order and a cursor can never pass an event still to come.
 */
@Entity({ name: 'sync_events' })
export class SyncEventEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 320 })
  userId: string;

  @PrimaryColumn({ type: 'bigint' })
  seq: string;

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

/** The last seq of each user's stream; writers lock it (in user order) until they commit. */
@Entity({ name: 'sync_heads' })
export class SyncHeadEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 320 })
  userId: string;

  @Column({ name: 'last_seq', type: 'bigint' })
  lastSeq: string;
}
