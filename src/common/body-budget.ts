import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/**
 * The request body bytes this process holds in memory at once, across all requests (MYLIFE_BODY_BUDGET). Each
 * body limit alone is not enough: a handful of concurrent 16 MiB federation bodies, each legal on its own, would
 * together take more memory than a node has. Bytes are counted as they arrive, not as a request announces them, so
 * that a client announcing a large body and sending nothing holds nothing.
 */
@Injectable()
export class BodyBudget {
  private held = 0;
  readonly capacity: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.capacity = config.bodyBudgetBytes;
  }

  /** Takes `bytes` from the budget, or answers false (and takes nothing) when they do not fit. */
  tryTake(bytes: number): boolean {
    if (this.held + bytes > this.capacity) return false;
    this.held += bytes;
    return true;
  }

  giveBack(bytes: number): void {
    this.held -= bytes;
  }

  get bytesHeld(): number {
    return this.held;
  }
}
