import { Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';

export interface WindowCount {
  hits: number;
  /** Until the window closes and its count starts again from zero. */
  remainingMs: number;
}

/**
 * Counters of fixed windows shared by every process of the node: Redis when the node has Redis, its own database
 * otherwise (the same choice as the queue). One small interface, so that the node's limits can move to one store.
 */
export abstract class RateLimitStore {
  /** One more hit on each key, in its open window or in a new one of `windowMs`; the counts in the order given. */
  abstract hit(keys: string[], windowMs: number): Promise<WindowCount[]>;

  /** Takes one hit back from each key's open window (never below zero; nothing when the window has closed). */
  abstract takeBack(keys: string[]): Promise<void>;

  /** The hits of the key's open window, 0 when none is open. */
  abstract count(key: string): Promise<number>;

  /** Sets the key to one hit in a window of `windowMs` from now, whatever window it had: each mark pushes it back. */
  abstract mark(key: string, windowMs: number): Promise<void>;
}

// Keys are taken in a fixed order, so that two statements hitting the same pair of keys never wait on each other in a
// circle. Closed windows are deleted now and then rather than by every statement.
const PRUNE_EVERY_MS = 60_000;

export class PostgresRateLimitStore extends RateLimitStore {
  private nextPrune = 0;

  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async hit(keys: string[], windowMs: number): Promise<WindowCount[]> {
    await this.pruneNowAndThen();
    const rows: { key: string; hits: number; remaining_ms: number }[] = await this.dataSource.query(
      `INSERT INTO rate_limit_counters AS counter (key, hits, expires_at)
       SELECT key, 1, now() + $2::float8 * interval '1 millisecond' FROM unnest($1::text[]) AS key ORDER BY key
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN counter.expires_at <= now() THEN 1 ELSE counter.hits + 1 END,
         expires_at = CASE WHEN counter.expires_at <= now() THEN EXCLUDED.expires_at ELSE counter.expires_at END
       RETURNING key, hits, ceil(extract(epoch FROM expires_at - now()) * 1000)::float8 AS remaining_ms`,
      [keys, windowMs],
    );
    const byKey = new Map(rows.map((row) => [row.key, { hits: row.hits, remainingMs: row.remaining_ms }]));
    return keys.map((key) => byKey.get(key)!);
  }

  async takeBack(keys: string[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE rate_limit_counters SET hits = hits - 1 WHERE key = ANY ($1) AND hits > 0 AND expires_at > now()`,
      [keys],
    );
  }

  async count(key: string): Promise<number> {
    const rows: { hits: number }[] = await this.dataSource.query(
      'SELECT hits FROM rate_limit_counters WHERE key = $1 AND expires_at > now()',
      [key],
    );
    return rows[0]?.hits ?? 0;
  }

  async mark(key: string, windowMs: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO rate_limit_counters (key, hits, expires_at) VALUES ($1, 1, now() + $2::float8 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET hits = 1, expires_at = EXCLUDED.expires_at`,
      [key, windowMs],
    );
  }

  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() < this.nextPrune) return;
    this.nextPrune = Date.now() + PRUNE_EVERY_MS;
    await this.dataSource.query('DELETE FROM rate_limit_counters WHERE expires_at <= now()');
  }
}

// Each script runs atomically in Redis: a hit and its window's expiry are one step, whatever other processes do.
const HIT_SCRIPT = `
local counts = {}
for i, key in ipairs(KEYS) do
  local hits = redis.call('INCR', key)
  if hits == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
  counts[i] = {hits, redis.call('PTTL', key)}
end
return counts`;
const TAKE_BACK_SCRIPT = `
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0`;

export class RedisRateLimitStore extends RateLimitStore implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly logger = new Logger('RateLimitStore');

  constructor(
    redisUrl: string,
    private readonly prefix: string,
  ) {
    super();
    this.redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    this.redis.on('error', (error: Error) => this.logger.warn(`redis: ${error.message}`));
  }

  async hit(keys: string[], windowMs: number): Promise<WindowCount[]> {
    const counts = (await this.redis.eval(HIT_SCRIPT, keys.length, ...this.named(keys), windowMs)) as [
      number,
      number,
    ][];
    return counts.map(([hits, remainingMs]) => ({ hits, remainingMs }));
  }

  async takeBack(keys: string[]): Promise<void> {
    await this.redis.eval(TAKE_BACK_SCRIPT, keys.length, ...this.named(keys));
  }

  async count(key: string): Promise<number> {
    return Number((await this.redis.get(this.named([key])[0])) ?? 0);
  }

  async mark(key: string, windowMs: number): Promise<void> {
    await this.redis.set(this.named([key])[0], 1, 'PX', windowMs);
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }

  private named(keys: string[]): string[] {
    return keys.map((key) => `${this.prefix}:limits:${key}`);
  }
}
