import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, type Job, type JobsOptions, type Queue } from 'bullmq';
import { LRUCache } from 'lru-cache';
import {
  DestinationJob,
  destinationJobId,
  FEDERATION_DELIVERY_JOB,
  FEDERATION_WAKE_JOB,
  QUEUES,
  wakeJobId,
} from '../queue/queues';

/**
 * A destination's job retries for as long as its rows wait (they fail at the give-up age, not after a number of
 * attempts): BullMQ's attempt count is the destination's failure count, which its backoff grows with.
 */
const UNLIMITED_ATTEMPTS = 2 ** 31 - 1;
/** How often a sign of life from one server may look up its job. */
const WAKE_EVERY_MS = 1000;
/** How long a sign of life waits for a running job to settle (its request may take the federation timeout). */
const WAKE_LOOKS = 30;
const WAKE_LOOK_EVERY_MS = 500;

/** Moves a delayed job to waiting; another promotion, or the job's own run, may have come first. */
async function promote(job: Job): Promise<void> {
  try {
    await job.promote();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== ErrorCode.JobNotInState && code !== ErrorCode.JobNotExist) throw error;
  }
}

/** The custom backoff of delivery jobs: the delay the failed run chose (delivery-state's backoffMs) travels on its error. */
export const DESTINATION_BACKOFF = 'destination';

/** A run that failed for a reason of the destination: BullMQ retries the job after `delayMs`. */
export class DestinationRetry extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** A run that failed otherwise (Redis or the database away): 1 s doubling up to a minute. */
export function destinationBackoff(attemptsMade: number, _type: string | undefined, error?: Error): number {
  return error instanceof DestinationRetry
    ? error.delayMs
    : Math.min(60_000, 1000 * 2 ** Math.max(0, attemptsMade - 1));
}

/**
 * The schedule of outbound deliveries: one BullMQ job per destination server, the only clock that decides when it is
 * sent to. Adding a job that exists (waiting, delayed, running) is a no-op; a running job drains what was added.
 */
@Injectable()
export class DeliveryQueue {
  private readonly logger = new Logger('DeliveryQueue');
  private readonly lastWake = new LRUCache<string, number>({ max: 10_000 });
  /** Servers whose sign of life waits for their running job to settle. */
  private readonly waking = new Set<string>();
  /** Servers with a sign of life that came too soon after the last look: looked at again shortly. */
  private readonly lookAgain = new Set<string>();
  /**
   * How often this process scheduled each destination. Adding a job that is running adds nothing, so a run that found
   * nothing due looks again when this moved meanwhile: a message committed while the run was finishing goes with it,
   * not after the run ended and its completion was noticed (a Redis and a database round trip later).
   */
  private readonly schedulings = new LRUCache<string, number>({ max: 10_000 });
  /**
   * Runs of this process that sent what was due and wait a moment for more (see DeliveryProcessor.drain), by server:
   * scheduling their destination hands the rows to them, without the queue.
   */
  private readonly lingering = new Map<string, { wake: () => void; wakesForReceipts: boolean }>();

  constructor(@InjectQueue(QUEUES.federationDelivery) private readonly queue: Queue<DestinationJob>) {}

  static jobOptions(server: string): JobsOptions {
    return {
      jobId: destinationJobId(server),
      attempts: UNLIMITED_ATTEMPTS,
      backoff: { type: DESTINATION_BACKOFF },
      removeOnComplete: true,
      removeOnFail: true,
    };
  }

  /** How many times this process scheduled `server` (see {@link schedulings}). */
  timesScheduled(server: string): number {
    return this.schedulings.get(server) ?? 0;
  }

  /**
   * Makes sure each server has its job. A queue that is down only delays them: the outbox reconciler schedules every
   * destination with rows due. `receiptsOnly`: the new rows are receipts, which a run pacing its receipts sends when
   * its pause ends without being woken for them.
   */
  async schedule(servers: Iterable<string>, receiptsOnly = false): Promise<void> {
    const unique = [...new Set(servers)];
    for (const server of unique) this.schedulings.set(server, this.timesScheduled(server) + 1);
    // A run of this process waiting for its destination takes the rows at once: no Redis round trip, no new run.
    const queued = unique.filter((server) => !this.handOver(server, receiptsOnly));
    if (queued.length === 0) return;
    try {
      await this.queue.addBulk(
        queued.map((server) => ({
          name: FEDERATION_DELIVERY_JOB,
          data: { server },
          opts: DeliveryQueue.jobOptions(server),
        })),
      );
    } catch (error) {
      this.logger.warn(
        `could not schedule deliveries to ${queued.join(', ')} now (the reconciler will): ${String(error)}`,
      );
    }
  }

  /**
   * A run of `server` that sent what was due waits up to `ms` for this process to schedule the destination again;
   * answers whether it did (false when another run of this process waits for it already). Within a burst, the
   * next message then goes without a job's round trips through Redis (add, take, finish) and its database look-up.
   * A run that waits for its receipts' pause to end (`wakesForReceipts` false) is woken only for other rows.
   */
  lingerFor(server: string, ms: number, wakesForReceipts = true): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.lingering.has(server)) {
        setTimeout(() => resolve(false), ms);
        return;
      }
      const timer = setTimeout(() => {
        this.lingering.delete(server);
        resolve(false);
      }, ms);
      const wake = () => {
        clearTimeout(timer);
        this.lingering.delete(server);
        resolve(true);
      };
      this.lingering.set(server, { wake, wakesForReceipts });
    });
  }

  /** Ends every wait of {@link lingerFor}: the node stops. */
  endLingering(): void {
    for (const { wake } of [...this.lingering.values()]) wake();
  }

  private handOver(server: string, receiptsOnly: boolean): boolean {
    const waiting = this.lingering.get(server);
    if (waiting && (waiting.wakesForReceipts || !receiptsOnly)) waiting.wake();
    return waiting !== undefined;
  }

  /**
   * A sign of life from `server`: its job runs now if it backs off after failures. A job that waits for the peer's own
   * Retry-After is left to wait. A job running at that moment (its request to the server may be failing right now) is
   * looked at again a few times, so that the sign of life is not lost to its backoff.
   */
  async wake(server: string): Promise<void> {
    if (this.waking.has(server)) return;
    const sinceLast = Date.now() - (this.lastWake.get(server) ?? 0);
    if (sinceLast < WAKE_EVERY_MS) {
      // Looked a moment ago, maybe before the job failed: one more look when the moment is over.
      if (!this.lookAgain.has(server)) {
        this.lookAgain.add(server);
        const timer = setTimeout(() => {
          this.lookAgain.delete(server);
          this.wake(server).catch(() => undefined);
        }, WAKE_EVERY_MS - sinceLast);
        timer.unref();
      }
      return;
    }
    this.lastWake.set(server, Date.now());
    this.waking.add(server);
    try {
      for (let look = 0; look < WAKE_LOOKS; look++) {
        const job = await this.queue.getJob(destinationJobId(server));
        const state = job ? await job.getState() : 'unknown';
        if (state !== 'active') {
          if (state === 'delayed' && job!.data.delayedFor === 'failures') await promote(job!);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, WAKE_LOOK_EVERY_MS));
      }
    } finally {
      this.waking.delete(server);
    }
  }

  /**
   * Rows to `server` wait for their own reasons until `until`: its job runs then. A timer of its own, not a delay of
   * the destination's job, so that rows that are due meanwhile are not held up with them; one per server, moved
   * earlier when needed.
   */
  async wakeAt(server: string, until: Date): Promise<void> {
    const delay = Math.max(0, until.getTime() - Date.now());
    const timer = await this.queue.getJob(wakeJobId(server));
    if (timer && (await timer.isDelayed()) && (timer.data.at ?? Infinity) > until.getTime()) {
      await timer.updateData({ server, at: until.getTime() });
      await timer.changeDelay(delay).catch(() => undefined);
      return;
    }
    // A timer that fires later than this, or is firing now (it sets itself again for the holds it finds), stays.
    if (timer) return;
    await this.queue.add(
      FEDERATION_WAKE_JOB,
      { server, at: until.getTime() },
      { jobId: wakeJobId(server), delay, removeOnComplete: true, removeOnFail: true },
    );
  }
}
