import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Logger } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { newId } from '../common/ids';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FriendsService } from '../friends/friends.service';
import { DestinationJob, FEDERATION_WAKE_JOB, QUEUES } from '../queue/queues';
import { SyncBus } from '../sync/sync-bus';
import { deliveryRequest, messagesPerRequest, REQUIRED_CAPABILITY, rowsWithinBodyLimit } from './delivery-request';
import { DeliveryQueue, destinationBackoff, DestinationRetry } from './delivery-queue';
import { backoffMs, Decision, decide, NextStep, RequestOutcome, RowUpdate } from './delivery-state';
import { FederationAuth, NoPeerSecretError } from './federation-auth';
import {
  peerErrorMessage,
  PeerForbiddenError,
  PeerResponse,
  PeerUnreachableError,
} from './http/federation-http.client';
import { OutboxKind } from './outbox.entity';
import { OutboxRepository, RequestRow } from './outbox.repository';
import { PeerDirectory, PeerInfo } from './peer-directory';
import { quotaLeft, retryAfterMs } from './peer-rate-limit';

const READY_CHECK_MS = 1000;
/** The lock of a running job; BullMQ renews it every half, and a run at most once a second before a request. */
const LOCK_MS = 10_000;
/** How often a run makes sure that it still holds its job (see DeliveryProcessor.lockCheck). */
const LOCK_CHECK_EVERY_MS = 1000;
/** How long one run may drain before its job goes to the end of the queue. */
const RUN_BUDGET_MS = 30_000;
/** Runs at once per process: a run waits for its destination's network, not for this CPU. */
const CONCURRENCY = 16;
/**
 * How long a worker's run that sent what was due waits for more (see DeliveryQueue.lingerFor), while at most half the
 * process's runs are taken: a conversation's next message is often that close.
 */
const LINGER_MS = 250;
/**
 * Within a run, receipts go at most this often: a burst of messages read on a device is acknowledged in a few
 * requests, not one each (a receipt is the sender's tick, not their message). The first receipts of a run go at once,
 * and in a busy worker (as for LINGER_MS) receipts do not wait.
 */
const RECEIPTS_EVERY_MS = 250;

/** What one run may spend, how it checks that it still holds its job, and whether it waits for more when done. */
interface RunBudget {
  rows: number;
  until: number;
  stillOurs: () => Promise<boolean>;
  lingers: boolean;
}
/** Rows settled at once when no request can leave (the peer cannot be looked up). */
const ROWS_WITHOUT_REQUEST = 500;

/** One request of a run: its kind, its outcome and the write-back of that outcome, for the run to start. */
interface NextRequest {
  kind: OutboxKind;
  decision: Decision;
  writeBack: (tally: Tally) => Promise<void>;
}

/** What a run did to the rows it carried. */
export interface Tally {
  processed: number;
  sent: number;
  failed: number;
  retried: number;
  /** Rows this run held by a wait of their own: it looks up when the earliest hold ends. */
  held: number;
}
export const newTally = (): Tally => ({ processed: 0, sent: 0, failed: 0, retried: 0, held: 0 });

/** What one run of a destination's job did, and what the job does next. */
export interface DrainResult {
  /**
   * `done`: nothing is due (rows may be held until `heldUntil`); `more`: the run stopped at its budget; `lost`: the
   * run no longer holds its job, and stopped.
   */
  next: NextStep | { kind: 'done'; heldUntil: Date | null } | { kind: 'more' } | { kind: 'lost' };
  failures: number;
  tally: Tally;
}

interface BatchResult {
  clientMessageId?: unknown;
  fromUserId?: unknown;
  statusCode?: unknown;
  error?: unknown;
}

/**
 * The one job of a destination server: sends its due outbox rows, one request at a time, oldest first, and writes
 * each request's outcome back (delivery-state's `decide`). The destination's schedule is this job's: BullMQ retries it
 * with backoff when the destination fails, and it waits (without spending an attempt) when the peer asks for it.
 */
@Processor(QUEUES.federationDelivery, {
  concurrency: CONCURRENCY,
  // A node killed mid-run leaves its jobs active, and a destination's one job blocks its new deliveries until it comes
  // back: a short lock (renewed every 5 s, and by a run at most once a second) and a check every 5 s bring it back within ≈15 s.
  lockDuration: LOCK_MS,
  stalledInterval: 5_000,
  maxStalledCount: 1000,
  settings: { backoffStrategy: destinationBackoff },
})
export class DeliveryProcessor extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger('FederationDelivery');
  private stopping = false;
  /** Runs of the worker going on in this process. */
  private running = 0;

  constructor(
    @Inject(OutboxRepository) private readonly outbox: OutboxRepository,
    @Inject(DeliveryQueue) private readonly deliveries: DeliveryQueue,
    @Inject(PeerDirectory) private readonly peers: PeerDirectory,
    @Inject(FederationAuth) private readonly auth: FederationAuth,
    @Inject(FriendsService) private readonly friends: FriendsService,
    @Inject(SyncBus) private readonly syncBus: SyncBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  /**
   * @nestjs/bullmq closes the worker gracefully after this hook, which waits for the queue backend and never returns
   * when Redis is down. In that case close it forcibly first (BullMQ then reuses that close); a job cut short comes
   * back when its lock runs out.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.deliveries.endLingering();
    let timer: NodeJS.Timeout | undefined;
    const ready = this.worker.waitUntilReady().then(
      () => true,
      () => false,
    );
    const gaveUp = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), READY_CHECK_MS)));
    const reachable = await Promise.race([ready, gaveUp]);
    clearTimeout(timer);
    if (!reachable) await this.worker.close(true);
  }

  /** Without a listener BullMQ prints these as unhandled errors with their stacks. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    // A stopping node's connections close under its worker (the embedded PostgreSQL stops right after): expected.
    if (this.stopping) return this.logger.debug(`queue worker while stopping: ${error.message}`);
    // E.g. Redis lost a job's keys (flushed, or restarted without persistence): the reconciler schedules it again.
    this.logger.warn(`queue worker: ${error.message}`);
  }

  /**
   * A row committed while the job was finishing found it running and added nothing: once the job is gone, it is
   * looked for, and the destination gets a job again.
   */
  @OnWorkerEvent('completed')
  onCompleted(job: Job<DestinationJob>): void {
    void this.rescheduleIfDue(job.data.server);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<DestinationJob> | undefined): void {
    if (job) void this.rescheduleIfDue(job.data.server);
  }

  async rescheduleIfDue(server: string | undefined): Promise<void> {
    try {
      if (server && (await this.outbox.hasDue(server))) await this.deliveries.schedule([server]);
    } catch (error) {
      this.logger.warn(`could not look for deliveries to ${server} (the reconciler will): ${String(error)}`);
    }
  }

  async process(job: Job<DestinationJob>, token?: string): Promise<DrainResult | void> {
    this.running++;
    try {
      return await this.run(job, token, Infinity, newTally(), true);
    } finally {
      this.running--;
    }
  }

  /**
   * Whether this run still holds its job: renews the job's lock, and answers false when another run may have taken it
   * (the lock ran out: Redis lost it, or this process stalled), so that two runs never go on sending to one server.
   */
  private async holdsLock(job: Job<DestinationJob>, token: string | undefined): Promise<boolean> {
    if (!token) return true;
    try {
      return (await job.extendLock(token, LOCK_MS)) > 0;
    } catch {
      return false;
    }
  }

  /**
   * Whether the run still holds its job, asked before each request but renewed at most once a second: the lock was
   * taken when the run began and lasts 10 s, and a Redis round trip before every request sat on every message's path.
   * A run that lost its job goes on for a second at most; a request sent twice that way is answered as a replay.
   */
  private lockCheck(job: Job<DestinationJob>, token: string | undefined): () => Promise<boolean> {
    let checkedAt = Date.now();
    return async () => {
      if (Date.now() - checkedAt < LOCK_CHECK_EVERY_MS) return true;
      checkedAt = Date.now();
      return this.holdsLock(job, token);
    };
  }

  /** One run of a destination's job, by the worker or by the dispatch endpoint; moves the job on as its outcome says. */
  async run(
    job: Job<DestinationJob>,
    token: string | undefined,
    budget = Infinity,
    tally: Tally = newTally(),
    lingers = false,
  ): Promise<DrainResult | void> {
    if (job.data.outboxId) return this.scheduleLegacy(job.data.outboxId);
    const { server } = job.data;
    if (job.name === FEDERATION_WAKE_JOB) return this.runWakeTimer(job, token);
    const result = await this.drain(server, job.data.failures ?? 0, tally, {
      rows: budget,
      until: Date.now() + RUN_BUDGET_MS,
      stillOurs: this.lockCheck(job, token),
      lingers,
    });
    const { next, failures } = result;
    switch (next.kind) {
      case 'done':
        if (next.heldUntil) await this.deliveries.wakeAt(server, next.heldUntil);
        return result;
      case 'more':
      case 'continue':
        return result;
      case 'lost':
        // Rows handed to this run while it waited (no job was added for them) go with the job's new holder, or, when
        // Redis lost the job, with a job added now.
        await this.rescheduleIfDue(server);
        return result;
      case 'wait':
        return this.delay(job, token, next.until, { server, failures, delayedFor: 'peer' });
      case 'retry':
        await job.updateData({ server, failures, delayedFor: 'failures' });
        throw new DestinationRetry(next.error, next.delayMs);
    }
  }

  /** The job waits until `until` without spending an attempt. */
  private async delay(
    job: Job<DestinationJob>,
    token: string | undefined,
    until: Date,
    data: DestinationJob,
  ): Promise<never> {
    await job.updateData(data);
    await job.moveToDelayed(until.getTime(), token);
    throw new DelayedError();
  }

  /** A job queued by a version with one job per outbox row: its row's destination gets its job. */
  private async scheduleLegacy(outboxId: string): Promise<void> {
    const row = await this.outbox.findById(outboxId);
    if (row?.status === 'pending') await this.deliveries.schedule([row.recipientServer]);
  }

  /**
   * Sends the destination's due rows, one request at a time, until none is due, the destination fails or asks us to
   * wait, or the run's budget is spent (`more`: the job goes back to the end of the queue, so that a busy destination
   * does not keep a worker slot from the others). Before each request the run makes sure it still holds its job.
   */
  async drain(server: string, failures: number, tally: Tally, budget: RunBudget): Promise<DrainResult> {
    const result = (next: DrainResult['next']): DrainResult => ({ next, failures, tally });
    // The previous request's outcome, being written back while the next request goes: the peer answered after it
    // stored that request, so the next one cannot overtake it, and the write-back is off the path of every message.
    let writing: { ids: string[]; done: Promise<unknown> } | null = null;
    const written = async () => {
      const error = await writing?.done;
      writing = null;
      if (error) throw error;
    };
    // When the run last sent, and until when its receipts wait for more (RECEIPTS_EVERY_MS).
    let sentAt = 0;
    let receiptsAfter = 0;
    for (;;) {
      try {
        if (tally.processed >= budget.rows || Date.now() >= budget.until) {
          await written();
          return result({ kind: 'more' });
        }
        if (!(await budget.stillOurs())) {
          await written();
          return result({ kind: 'lost' });
        }
        const scheduled = this.deliveries.timesScheduled(server);
        // Receipts wait out their pause only where the run could wait anyway: never when the worker's slots are needed.
        const withReceipts = !this.mayWait(budget) || Date.now() >= receiptsAfter;
        const request = await this.nextRequest(server, failures, writing?.ids ?? [], withReceipts);
        await written();
        if (!request && this.deliveries.timesScheduled(server) !== scheduled) continue;
        if (!request && !withReceipts) {
          await this.deliveries.lingerFor(server, receiptsAfter - Date.now(), false);
          continue;
        }
        if (!request) {
          const lingerMs = sentAt + LINGER_MS - Date.now();
          if (lingerMs <= 0 || !this.mayWait(budget)) {
            return result({ kind: 'done', heldUntil: await this.earliestHold(server, tally) });
          }
          // Scheduled again, or one last look when the wait is over: another process's rows found this job running.
          if (!(await this.deliveries.lingerFor(server, lingerMs))) sentAt = 0;
          continue;
        }
        sentAt = Date.now();
        if (request.kind === 'receipts') receiptsAfter = sentAt + RECEIPTS_EVERY_MS;
        const { decision } = request;
        // Settled now, so that an error is a value until it is awaited (an unawaited rejection ends the process).
        writing = {
          ids: [...decision.rows.keys()],
          done: request.writeBack(tally).then(
            () => null,
            (error) => error,
          ),
        };
        failures = decision.failures;
        if (decision.next.kind !== 'continue') {
          await written();
          return result(decision.next);
        }
      } catch (error) {
        // A bug, or the database gone mid-run: the job retries with the destination's backoff, the rows as they were.
        await writing?.done;
        const message = error instanceof Error ? error.message : String(error);
        this.logger.error(`delivery to ${server} broke: ${error instanceof Error ? error.stack : message}`);
        failures += 1;
        return result({ kind: 'retry', delayMs: this.backoff(failures), error: `internal error: ${message}` });
      }
    }
  }

  /**
   * One request of a run (rows in `excluded` are being written back, and are not due again), with its outcome and the
   * write-back of that outcome, for the caller to start; null when nothing is due.
   */
  private async nextRequest(
    server: string,
    failures: number,
    excluded: string[],
    withReceipts: boolean,
  ): Promise<NextRequest | null> {
    let peer: PeerInfo;
    try {
      peer = await this.peers.peer(server);
    } catch (error) {
      // No request leaves, so the outcome holds for a batch's worth of rows at once: a forbidden destination's
      // backlog fails in batches, not one row per statement.
      const rows = await this.outbox.nextRequest(server, ROWS_WITHOUT_REQUEST, excluded, withReceipts);
      if (rows.length === 0) return null;
      return this.request(server, rows, this.decide(rows, failedRequest(error), failures, new Date()));
    }
    const rows = await this.outbox.nextRequest(server, messagesPerRequest(peer), excluded, withReceipts);
    if (rows.length === 0) return null;
    const capability = REQUIRED_CAPABILITY[rows[0].kind];
    if (capability && !peer.capabilities.includes(capability)) {
      const update = await this.withoutCapability(rows[0], server);
      const decision: Decision = { rows: new Map([[rows[0].id, update]]), next: { kind: 'continue' }, failures };
      return this.request(server, rows, decision, false);
    }
    const sending = rowsWithinBodyLimit(rows.map((row) => this.onTheWire(row)));
    const { outcome, quotaResetsAt } = await this.send(server, sending, peer);
    // Waits count from the answer (a Retry-After does), not from when the request left.
    let decision = this.decide(sending, outcome, failures, new Date());
    // A peer whose window is used up would refuse the next request: wait for its reset instead.
    if (decision.next.kind === 'continue' && quotaResetsAt) {
      decision = {
        ...decision,
        next: { kind: 'wait', until: quotaResetsAt, error: 'the peer’s request quota is used up' },
      };
    }
    return this.request(server, rows, decision);
  }

  /**
   * A request's kind and outcome, and the write-back of that outcome. The rows' start is the database's clock, as the
   * release of a held row (`released_at`) is. `requestLeft`: see {@link apply}.
   */
  private request(server: string, rows: RequestRow[], decision: Decision, requestLeft = true): NextRequest {
    const { kind, startedAt } = rows[0];
    return { kind, decision, writeBack: (tally) => this.apply(server, decision, startedAt, tally, requestLeft) };
  }

  /** Whether a worker's run may wait for more rows or pause its receipts: not when stopping, nor in a busy worker. */
  private mayWait(budget: RunBudget): boolean {
    return budget.lingers && !this.stopping && this.running <= CONCURRENCY / 2;
  }

  private backoff(failures: number): number {
    const { backoffBaseMs, backoffMaxMs, giveUpAfterMs } = this.config.federation;
    return backoffMs(failures, { backoffBaseMs, backoffMaxMs, giveUpAfterMs }, Math.random());
  }

  /**
   * When the earliest hold of the destination's rows ends, if this run held any: rows held by earlier runs have their
   * wake timer already (see {@link runWakeTimer}).
   */
  private earliestHold(server: string, tally: Tally): Promise<Date | null> {
    return tally.held > 0 ? this.outbox.earliestHold(server) : Promise.resolve(null);
  }

  /**
   * A wake timer fired: the destination's job runs, and the timer waits again for the holds that end later (the
   * reconciler schedules any it misses: a hold set while this runs).
   */
  private async runWakeTimer(job: Job<DestinationJob>, token: string | undefined): Promise<void> {
    await this.outbox.endExpiredHolds(job.data.server);
    await this.deliveries.schedule([job.data.server]);
    const next = await this.outbox.earliestHold(job.data.server);
    if (next) await this.delay(job, token, next, { server: job.data.server, at: next.getTime() });
  }

  private onTheWire(row: RequestRow) {
    const message = row.message ? { ...row.message, senderServer: this.config.federationServer } : null;
    return { ...row, message };
  }

  private decide(rows: RequestRow[], outcome: RequestOutcome, failures: number, now: Date): Decision {
    const { backoffBaseMs, backoffMaxMs, giveUpAfterMs } = this.config.federation;
    return decide(rows, outcome, {
      failures,
      now,
      policy: { backoffBaseMs, backoffMaxMs, giveUpAfterMs },
      random: Math.random(),
    });
  }

  /**
   * Writes a decision on its rows and the destination's mirror, and tells the senders of settled messages.
   * `requestLeft`: false when rows were settled here without a request, which tells nothing of the peer's health.
   */
  private async apply(
    server: string,
    decision: Decision,
    startedAt: Date,
    tally: Tally,
    requestLeft = true,
  ): Promise<void> {
    const { next } = decision;
    const nextRunAt =
      next.kind === 'wait' ? next.until : next.kind === 'retry' ? new Date(Date.now() + next.delayMs) : new Date();
    const senders = await this.outbox.record(decision.rows, nextRunAt, startedAt, {
      server,
      failures: decision.failures,
      retryAt: next.kind === 'continue' ? null : nextRunAt,
      error: next.kind === 'continue' ? null : next.error,
      delivered: requestLeft && [...decision.rows.values()].some((update) => update.status === 'sent'),
    });
    for (const update of decision.rows.values()) {
      tally.processed++;
      if (update.status === 'sent') tally.sent++;
      else if (update.status === 'failed') tally.failed++;
      else tally.retried++;
      if (update.heldUntil) tally.held++;
    }
    await this.syncBus.notify(senders.filter(Boolean));
  }

  /** One signed request for `rows` and how it ended; the answer's quota, when it says the window is used up. */
  private async send(
    server: string,
    rows: (RequestRow & { message: ReturnType<DeliveryProcessor['onTheWire']>['message'] })[],
    peer: PeerInfo,
  ): Promise<{ outcome: RequestOutcome; quotaResetsAt: Date | null }> {
    const request = deliveryRequest(rows, newId());
    const body = Buffer.from(JSON.stringify(request.body));
    let response: PeerResponse;
    try {
      response = await this.auth.post(server, request.path, body);
    } catch (error) {
      return { outcome: failedRequest(error, this.logger, server), quotaResetsAt: null };
    }
    // The peer's keys may have changed since we cached them: the next attempt signs with fresh ones.
    if (response.status === 401) await this.peers.peer(server, { refresh: true }).catch(() => undefined);
    const results = request.body.transactionId && response.status < 300 ? batchResults(response, rows) : undefined;
    const left = quotaLeft(response.headers);
    return {
      outcome: {
        kind: 'answered',
        status: response.status,
        reason: peerErrorMessage(response),
        retryAfterMs: retryAfterMs(response.headers),
        peerTakesInvites: peer.capabilities.includes('invites'),
        rowStatus: results,
      },
      quotaResetsAt: left?.remaining === 0 ? new Date(Date.now() + left.resetMs) : null,
    };
  }

  /**
   * A plain MyLife node takes only messages: it keeps its own friend list, so an invite to one of its users cannot
   * travel. Our user's invite is then their consent and the friendship is recorded on this side (the peer enforces its
   * own list when our messages arrive); an unfriend has nothing to tell it, nor has a key change (a server without a key
   * directory has no encrypted conversations). Anything else cannot be delivered.
   */
  private async withoutCapability(row: RequestRow, server: string): Promise<RowUpdate> {
    const note = `${server} announces no ${REQUIRED_CAPABILITY[row.kind]} capability (a plain MyLife node)`;
    const settled = (status: 'sent' | 'failed', error: string): RowUpdate => ({
      status,
      attempts: row.attempts,
      lastError: error,
      lastHttpStatus: null,
      heldUntil: null,
      heldForFriendship: false,
    });
    // Only a server we share a secret with is a plain MyLife node; any other web server answers 404 too.
    if (row.kind === 'invite' && !this.peers.sharesSecretWith(server)) {
      return settled(
        'failed',
        `${server} publishes no MyLife federation document and MYLIFE_FEDERATION_SHARED_KEYS has no entry for it`,
      );
    }
    if (row.kind === 'invite') {
      const invite = row.payload as { id: string; fromUserId: string; toUserId: string };
      await this.friends.applyRemoteAnswer({ ...invite, status: 'accepted' }, server);
      return settled('sent', `${note}: accepted on this node`);
    }
    if (row.kind === 'unfriend' || row.kind === 'key-change') return settled('sent', note);
    return settled('failed', note);
  }
}

/** A request that got no answer: refused by our own policy (for good), or the peer could not be reached. */
function failedRequest(error: unknown, logger?: Logger, server?: string): RequestOutcome {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof PeerForbiddenError || error instanceof NoPeerSecretError)
    return { kind: 'forbidden', error: message };
  if (logger && !(error instanceof PeerUnreachableError)) logger.warn(`delivery to ${server} failed: ${message}`);
  return { kind: 'unreachable', error: message };
}

/** Each message's own result in a batch answer, by row id (undefined: the answer left it out). */
function batchResults(
  response: PeerResponse,
  rows: RequestRow[],
): Map<string, { status: number; reason: string } | undefined> | undefined {
  const results = (response.json as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return undefined;
  const byMessage = new Map(
    (results as BatchResult[])
      .filter((result) => typeof result?.clientMessageId === 'string' && typeof result.fromUserId === 'string')
      .map((result) => [`${String(result.fromUserId)} ${String(result.clientMessageId)}`, result]),
  );
  return new Map(
    rows.map((row) => {
      const result = row.message
        ? byMessage.get(`${row.message.fromUserId} ${row.message.clientMessageId}`)
        : undefined;
      if (!result) return [row.id, undefined];
      const status = typeof result.statusCode === 'number' ? result.statusCode : 200;
      return [row.id, { status, reason: typeof result.error === 'string' ? result.error : '' }];
    }),
  );
}
