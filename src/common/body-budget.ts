import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/**
 * The share of the budget one client address may hold: a quarter, so that a client (or a peer server) can still send
 * one full federation batch under the default budget, and no single address can take the whole budget from the rest.
 */
export const HOLDER_SHARE = 1 / 4;

/** The signed federation inbox's limit: a batch carries up to 500 messages of up to 64 KiB (senders keep to 8 MiB). */
export const LARGEST_BODY_BYTES = 16 * 1024 * 1024;

/**
 * The request body bytes this process holds in memory at once, across all requests (MYLIFE_BODY_BUDGET). Each
 * body limit alone is not enough: a handful of concurrent 16 MiB federation bodies, each legal on its own, would
 * together take more memory than a node has. Bytes are counted as they arrive, not as a request announces them, so
 * that a client announcing a large body and sending nothing holds nothing. Each holder (a client address) may hold
 * at most {@link HOLDER_SHARE} of it, and a body must arrive within MYLIFE_BODY_TIMEOUT, so that one client cannot
 * keep everyone else's bodies out by sending most of its own and stalling.
 */
@Injectable()
export class BodyBudget {
  private held = 0;
  private readonly heldBy = new Map<string, number>();
  readonly capacity: number;
  /** The most one holder may hold at once. */
  readonly holderShare: number;
  readonly timeoutMs: number;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'bodyBudgetBytes' | 'bodyTimeoutMs'>) {
    this.capacity = config.bodyBudgetBytes;
    this.holderShare = Math.floor(config.bodyBudgetBytes * HOLDER_SHARE);
    this.timeoutMs = config.bodyTimeoutMs;
    if (this.holderShare < LARGEST_BODY_BYTES) {
      // A peer's batch above the share is refused with 413, which its sender takes as final for every message in it.
      new Logger('BodyBudget').warn(
        `MYLIFE_BODY_BUDGET gives one client address ${this.holderShare} bytes: federation batches larger than that ` +
          `are refused (413); 64mb or more takes every batch a MyLife peer sends`,
      );
    }
  }

  /**
   * Takes `bytes` from the budget for `holder`, or answers why not (and takes nothing): the whole budget is spent
   * (`busy`), or this holder holds its share already (`share`).
   */
  tryTake(holder: string, bytes: number): 'taken' | 'busy' | 'share' {
    const ofHolder = this.heldBy.get(holder) ?? 0;
    if (ofHolder + bytes > this.holderShare) return 'share';
    if (this.held + bytes > this.capacity) return 'busy';
    this.held += bytes;
    this.heldBy.set(holder, ofHolder + bytes);
    return 'taken';
  }

  giveBack(holder: string, bytes: number): void {
    if (bytes === 0) return;
    this.held -= bytes;
    const left = (this.heldBy.get(holder) ?? 0) - bytes;
    if (left > 0) this.heldBy.set(holder, left);
    else this.heldBy.delete(holder);
  }

  get bytesHeld(): number {
    return this.held;
  }
}
