import { Inject, Injectable } from '@nestjs/common';
import { retryAfterSeconds, tooManyRequests } from '../common/http-exception.filter';
import { RateLimitStore, WindowCount } from '../common/rate-limit-store';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
// An address the account logged in from stays exempt from the account-wide ceiling for this long after its last
// success.
const KNOWN_ADDRESS_MS = 30 * 24 * 60 * 60 * 1000;

/** A login whose password is about to be checked; a success gives its place in the counts back. */
export interface LoginAttempt {
  succeeded(): Promise<void>;
}

/**
 * Failed logins, counted per account (every spelling of a name counts as the account it names; see `loginName`):
 * `loginMaxFailures` per window from one client address, and `loginAccountMaxFailures` from all addresses together,
 * against guessing spread over many addresses. Once the account-wide ceiling is reached, only addresses the account
 * has logged in from before may still try (within their own limit), so that strangers guessing elsewhere do not lock
 * the owner out at home. An attempt is counted before its password is checked (so parallel guesses cannot all slip
 * under the limit) and taken back when it succeeds or is refused: the counts are of wrong passwords only.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(RateLimitStore) private readonly store: RateLimitStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Counts an attempt at `account` from `clientAddress`; 429 with Retry-After when it must not be tried now. */
  async begin(account: string, clientAddress: string): Promise<LoginAttempt> {
    // Names come from the request as typed (bar trimming): escaped, so that any text makes a key both stores keep.
    const name = encodeURIComponent(account.toWellFormed());
    const fromAddress = `login-failures:${clientAddress}/${name}`;
    const overall = `login-failures:*/${name}`;
    const known = `login-known:${clientAddress}/${name}`;
    const counted = [fromAddress, overall];
    const [addressCount, overallCount] = await this.store.hit(counted, LOGIN_WINDOW_MS);
    let refusal: WindowCount | null = null;
    if (addressCount.hits > this.config.loginMaxFailures) refusal = addressCount;
    else if (overallCount.hits > this.config.loginAccountMaxFailures && (await this.store.count(known)) === 0) {
      refusal = overallCount;
    }
    if (refusal) {
      await this.store.takeBack(counted);
      throw tooManyRequests(
        'too many login attempts; wait a few minutes and try again',
        retryAfterSeconds(refusal.remainingMs),
      );
    }
    return {
      succeeded: async () => {
        await this.store.takeBack(counted);
        await this.store.mark(known, KNOWN_ADDRESS_MS);
      },
    };
  }
}
