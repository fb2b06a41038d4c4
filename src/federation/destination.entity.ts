import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export interface PeerKey {
  id: string;
  publicKey: string;
  notAfter: string | null;
}

/** What a peer takes in one message's content; a limit it does not name is left to the peer to enforce. */
export interface PeerLimits {
  /** In UTF-16 code units, as JavaScript's `length` counts (a plain MyLife node's 8,000). */
  maxContentChars?: number;
  /** In bytes of UTF-8. */
  maxContentBytes?: number;
  /** Messages in one inbox batch (capability `batch`). */
  maxBatchMessages?: number;
}

/**
 * One row per peer server: what it publishes (keys, capabilities) and how deliveries to it are going. The delivery
 * state is a mirror of the destination's job (its failures, when it runs next), for operators: nothing reads it to
 * decide when to send.
 */
@Entity({ name: 'federation_destinations' })
export class DestinationEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  server: string;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  keys: PeerKey[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  capabilities: string[];

  @Column({ type: 'jsonb', default: () => "'{}'" })
  limits: PeerLimits;

  @Column({ name: 'well_known_fetched_at', type: 'timestamptz', nullable: true })
  wellKnownFetchedAt: Date | null;

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures: number;

  /** When the destination's job runs next, while it backs off or waits for the peer's Retry-After. */
  @Column({ name: 'retry_at', type: 'timestamptz', nullable: true })
  retryAt: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null;

  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
