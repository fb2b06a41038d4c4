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
}

/**
 * One row per peer server: what it publishes (keys, capabilities) and how deliveries to it are going. A failing
 * destination is backed off as a whole, not message by message.
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

  /** While set and in the future, nothing is sent; the prober tries the peer at this time. */
  @Column({ name: 'retry_at', type: 'timestamptz', nullable: true })
  retryAt: Date | null;

  @Column({ name: 'probe_claimed_until', type: 'timestamptz', nullable: true })
  probeClaimedUntil: Date | null;

  /**
   * For a peer that publishes no document (a plain MyLife node), the probe is a delivery: the pending row it lets
   * through while the destination is backed off.
   */
  @Column({ name: 'probe_outbox_id', type: 'uuid', nullable: true })
  probeOutboxId: string | null;

  /** The peer's announced quota (`RateLimit-Policy`): at most `rate_limit` requests per `rate_window_ms`. */
  @Column({ name: 'rate_limit', type: 'integer', nullable: true })
  rateLimit: number | null;

  @Column({ name: 'rate_window_ms', type: 'integer', nullable: true })
  rateWindowMs: number | null;

  /** The pacing clock of a peer with a quota (GCRA's theoretical arrival time): see DestinationHealth.admit. */
  @Column({ name: 'pace_at', type: 'timestamptz', nullable: true })
  paceAt: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null;

  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
