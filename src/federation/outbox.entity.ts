import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const OUTBOX_STATUSES = ['pending', 'sent', 'acked', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** What a row carries to the peer; only `message` rows reach `acked`. */
export const OUTBOX_KINDS = ['message', 'receipts', 'invite', 'invite-answer', 'unfriend', 'key-change'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

export function isOutboxKind(value: unknown): value is OutboxKind {
  return (OUTBOX_KINDS as readonly unknown[]).includes(value);
}

/**
 * Every delivery to another server, durable before any job exists. Its destination's BullMQ job sends it and writes
 * back each attempt; the row mirrors that job's schedule (`next_attempt_at`), and the reconciler schedules the job again
 * from here when the queue loses it.
 */
@Entity({ name: 'federation_message_outbox' })
@Index('federation_outbox_destination_idx', ['recipientServer', 'status', 'createdAt'])
@Index('federation_outbox_message_idx', ['messageId'])
@Index('federation_outbox_due_idx', ['recipientServer', 'createdAt', 'id'], {
  where: "status = 'pending' AND held_until IS NULL",
})
@Index('federation_outbox_held_idx', ['heldUntil'], { where: "status = 'pending' AND held_until IS NOT NULL" })
@Index('federation_outbox_waiting_idx', ['waitingSince'], { where: "status = 'pending'" })
export class OutboxEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  kind: OutboxKind;

  @Column({ name: 'message_id', type: 'uuid', nullable: true })
  messageId: string | null;

  @Column({ name: 'recipient_server', type: 'varchar', length: 255 })
  recipientServer: string;

  /** The request body for kinds other than `message` (a message is read from friend_messages when sent). */
  @Column({ type: 'jsonb', nullable: true })
  payload: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 16 })
  status: OutboxStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** When the destination's job will carry the row next (a mirror of its schedule, or of the row's hold). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  /**
   * The row alone waits until then, whatever its destination does: a plain peer that has not recorded the friendship
   * yet, or a batch answer that refused this message for now.
   */
  @Column({ name: 'held_until', type: 'timestamptz', nullable: true })
  heldUntil: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'last_http_status', type: 'integer', nullable: true })
  lastHttpStatus: number | null;

  /**
   * Since when the row waits to be delivered: its creation, or an operator's retry. The give-up age
   * (MYLIFE_FEDERATION_GIVE_UP_AFTER) and the waits for a friendship count from here.
   */
  @Column({ name: 'waiting_since', type: 'timestamptz', default: () => 'now()' })
  waitingSince: Date;

  /**
   * When a message from the recipient last released the row (OutboxService.releaseWaitingFor): a refusal for want of
   * that friendship from a request that started before then does not hold it.
   */
  @Column({ name: 'released_at', type: 'timestamptz', nullable: true })
  releasedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @Column({ name: 'acked_at', type: 'timestamptz', nullable: true })
  ackedAt: Date | null;
}
