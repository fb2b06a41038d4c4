import { Inject, Injectable } from '@nestjs/common';
import { retryAfterSeconds, tooManyRequests } from '../common/http-exception.filter';
import { RateLimitStore } from '../common/rate-limit-store';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

const HOUR_MS = 60 * 60 * 1000;
/** All users of one peer server together may claim this many times what one user may. */
const PEER_SERVER_FACTOR = 10;

interface Counter {
  key: string;
  limit: number;
  refusal: string;
}

/**
 * Claims of key packages per hour (MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR): each package is single-use, so unlimited claims
 * would exhaust a user's supply and leave everyone on the last-resort package. Counted per claiming user, and on the
 * federation endpoint per peer server as well. A refused claim gives its place back.
 */
@Injectable()
export class KeyClaimLimit {
  constructor(
    @Inject(RateLimitStore) private readonly store: RateLimitStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A claim by `user` (any address); 429 with Retry-After past the limit. */
  async admitUser(user: string): Promise<void> {
    await this.admit([this.userCounter(user)]);
  }

  /** A claim that `server` forwards for its user `requester`. */
  async admitPeer(server: string, requester: string): Promise<void> {
    const limit = this.config.keyClaimLimitPerHour * PEER_SERVER_FACTOR;
    await this.admit([
      this.userCounter(requester),
      { key: `key-claims:server:${server}`, limit, refusal: `too many key package claims from ${server}` },
    ]);
  }

  private userCounter(user: string): Counter {
    return {
      key: `key-claims:user:${user}`,
      limit: this.config.keyClaimLimitPerHour,
      refusal: 'too many key package claims',
    };
  }

  private async admit(counters: Counter[]): Promise<void> {
    const keys = counters.map((counter) => counter.key);
    const counts = await this.store.hit(keys, HOUR_MS);
    const over = counters.findIndex((counter, index) => counts[index].hits > counter.limit);
    if (over === -1) return;
    await this.store.takeBack(keys);
    const retryAfter = retryAfterSeconds(counts[over].remainingMs);
    const { refusal, limit } = counters[over];
    throw tooManyRequests(`${refusal}: at most ${limit} per hour; try again in ${retryAfter} s`, retryAfter);
  }
}
