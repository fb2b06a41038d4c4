import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A counter of a fixed window (see PostgresRateLimitStore); a row whose window has closed counts as absent. */
@Entity({ name: 'rate_limit_counters' })
export class RateLimitCounterEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'rate_limit_counters_pkey' })
  key: string;

  @Column({ type: 'integer' })
  hits: number;

  @Index('rate_limit_counters_expires_at_idx')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
