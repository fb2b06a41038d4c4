import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Logger } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { newId } from '../common/ids';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FriendsService } from '../friends/friends.service';
import { FederationDeliveryJob, promoteIfDelayed, QUEUES } from '../queue/queues';
import {
  deliveryRequest,
  destinationVerdict,
  gaveUpAfterWaiting,
  REQUIRED_CAPABILITY,
  rowsWithinBodyLimit,
  RowVerdict,
  rowVerdict,
} from './delivery-request';
import { DeliveryWait, DestinationHealth } from './destination-health.service';
import { FederationAuth, NoPeerSecretError } from './federation-auth';
import {
  FederationHttpClient,
  peerErrorMessage,
  PeerForbiddenError,
  PeerResponse,
  PeerUnreachableError,
} from './http/federation-http.client';
import {
  AttemptOutcome,
  ClaimedRow,
  MAX_BATCH,
  MAX_RECEIPTS_PER_REQUEST,
  OutboxService,
  OutboxTarget,
} from './outbox.service';
import { isOutboxKind, OutboxEntity, OutboxKind } from './outbox.entity';
import { PeerDirectory, PeerInfo } from './peer-directory';
import { retryAfterMs } from './peer-rate-limit';

const READY_CHECK_MS = 1000;
const MAX_DRAIN_ROUNDS = 50;
/** The shortest wait of a message a peer without federated invites refused (403) before recording the friendship. */
const FRIENDSHIP_WAIT_MIN_MS = 60 * 60 * 1000;

interface BatchResult {
  clientMessageId?: unknown;
  fromUserId?: unknown;
  status?: unknown;
  statusCode?: unknown;
  error?: unknown;
}

/**
 * Delivers one outbox row per job (with the oldest other pending messages to the same server when the peer takes
 * batches, or the other pending receipts to it), mirrors the outcome into the rows, and throws when the row must be
 * tried again so that BullMQ's attempts and backoff apply.
 */
@Processor(QUEUES.federationDelivery, { concurrency: 16 })
export class DeliveryProcessor extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger('FederationDelivery');

  constructor(
    @Inject(OutboxService) private readonly outbox: OutboxService,
    @Inject(DestinationHealth) private readonly health: DestinationHealth,
    @Inject(PeerDirectory) private readonly peers: PeerDirectory,
    @Inject(FederationAuth) private readonly auth: FederationAuth,
    @Inject(FederationHttpClient) private readonly http: FederationHttpClient,
    @Inject(FriendsService) private readonly friends: FriendsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  /**
   * @nestjs/bullmq closes the worker gracefully after this hook, which waits for the queue backend and never returns
   * when Redis is down. In that case close it forcibly first (BullMQ then reuses that close); the leases of rows cut
   * short expire and they are picked up again.
   */
  async beforeApplicationShutdown(): Promise<void> {
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
    // E.g. Redis lost a job's keys (flushed, or restarted without persistence): its outbox row stays pending and the
    // reconciler schedules it again.
    this.logger.warn(`queue worker: ${error.message}`);
  }

  async process(job: Job<FederationDeliveryJob>, token?: string): Promise<void> {
    const { server, kind } = job.data;
    const row = await this.pendingTarget(job.data);
    // A receipts job also stands for the rows staged while it waited (OutboxService.dispatch gives them no job of
    // their own), so it sends those even when its own row went with another request.
    const destination = row?.recipientServer ?? (kind === 'receipts' ? server : undefined);
    if (!destination) return;
    const wait = await this.health.admit(destination, { outboxId: row?.id, slotAt: job.data.slotAt });
    if (wait) return this.postpone(job, token, wait, destination, row?.id);
    // The reserved turn is used now: a retry of this job takes a turn of its own.
    if (job.data.slotAt !== undefined) await job.updateData({ ...job.data, slotAt: undefined });
    if (!row) return this.drainBacklog(destination, 'receipts');
    const { outcome, moreDue } = await this.attempt(row);
    const drain = row.kind === 'message' ? moreDue : row.kind === 'receipts';
    if (outcome?.status !== 'pending' && drain) await this.drainBacklog(destination, row.kind);
    // The row was sent already, another worker holds it, or it is not due yet (a recovery's flush woke it early).
    if (!outcome) return this.waitUntilDue(job, token, row.id);
    if (outcome.status === 'failed') throw new UnrecoverableError(outcome.error ?? 'delivery failed');
    if (outcome.status === 'pending' && outcome.countsAsAttempt === false) {
      // The peer asked us to come back later: BullMQ's attempts are spent only by throwing. A message from the
      // recipient may release the row meanwhile (OutboxService.releaseWaitingFor).
      const until = outcome.nextAttemptAt ?? new Date();
      return this.delayUntil(job, token, until, () => this.waitsStill(row.id));
    }
    if (outcome.status === 'pending') throw new Error(outcome.error ?? 'delivery will be retried');
  }

  /** The job of a row that is pending but not due waits for its next attempt; any other ends. */
  private async waitUntilDue(job: Job<FederationDeliveryJob>, token: string | undefined, id: string): Promise<void> {
    const current = await this.outbox.findById(id);
    if (current?.status !== 'pending' || current.nextAttemptAt.getTime() <= Date.now()) return;
    return this.delayUntil(job, token, current.nextAttemptAt, () => this.waitsStill(id));
  }

  /** Whether the row still waits for a later attempt (a release may have made it due). */
  private async waitsStill(id: string): Promise<boolean> {
    const current = await this.outbox.findById(id);
    return current?.status === 'pending' && current.nextAttemptAt.getTime() > Date.now();
  }

  /**
   * The delivery waits for its destination. A failing one: its recovery promotes this job (DestinationHealth.flush,
   * or a probe that lets this row through), and the delay is only a fallback. A throttled one or a turn in its
   * quota: the job runs when the wait ends.
   */
  private async postpone(
    job: Job<FederationDeliveryJob>,
    token: string | undefined,
    wait: DeliveryWait,
    destination: string,
    outboxId: string | undefined,
  ): Promise<never> {
    switch (wait.reason) {
      case 'recovery':
        return this.delayUntil(
          job,
          token,
          new Date(wait.until.getTime() + this.config.federation.backoffMaxMs),
          async () => !(await this.health.isOpen(destination, outboxId)),
        );
      case 'slot':
        await job.updateData({ ...job.data, slotAt: wait.until.getTime() });
        return this.delayUntil(job, token, wait.until);
      case 'throttled':
        return this.delayUntil(job, token, wait.until);
    }
  }

  /**
   * Moves the job to delayed until `until` without spending an attempt. Whatever should wake it earlier (a recovery's
   * flush, a release) may have come between the decision and the move and seen the job active: `stillWaiting` is
   * asked after the move, and when it says no the job promotes itself, once this run has ended (BullMQ tracks a job's
   * lock by its id: a re-run fetched before this one ended would lose its lock renewal when this one ends).
   */
  private async delayUntil(
    job: Job<FederationDeliveryJob>,
    token: string | undefined,
    until: Date,
    stillWaiting?: () => Promise<boolean>,
  ): Promise<never> {
    await job.moveToDelayed(until.getTime(), token);
    if (stillWaiting && until.getTime() > Date.now() && !(await stillWaiting())) {
      setImmediate(
        () =>
          void promoteIfDelayed(job).catch((error: unknown) =>
            this.logger.warn(`could not promote job ${job.id}, it runs when its delay ends: ${String(error)}`),
          ),
      );
    }
    throw new DelayedError();
  }

  /**
   * The job's row while it is pending, else null. A job that names its row's server and kind claims it straight away
   * (the claim checks that it is pending); one queued without them reads the row first.
   */
  private async pendingTarget({ outboxId, server, kind }: FederationDeliveryJob): Promise<OutboxTarget | null> {
    if (this.outbox.isSettled(outboxId)) return null;
    if (server && isOutboxKind(kind)) return { id: outboxId, recipientServer: server, kind };
    const found = await this.outbox.findById(outboxId);
    return found?.status === 'pending' ? found : null;
  }

  /**
   * Messages to a peer that takes batches are scheduled one job per 100 rows, and a job's claim takes the oldest
   * pending rows, not necessarily those it was scheduled for; receipts rows of one gathering window share one job. So
   * after its request a job keeps sending the destination's oldest due rows of its kind while they go through: no row
   * waits for the reconciler. A message claim that was not full (and sent every row it took) took every message that
   * was due: nothing to drain after it.
   */
  private async drainBacklog(server: string, kind: OutboxKind): Promise<void> {
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      // A paced or throttled destination: the rows left have jobs of their own (or get them from the reconciler).
      if (await this.health.admit(server, { mayWait: false })) return;
      const next = await this.outbox.oldestPending(server, kind);
      if (!next) return;
      const { outcome, moreDue } = await this.attempt(next);
      if (outcome?.status !== 'sent' || (kind === 'message' && !moreDue)) return;
    }
  }

  /** One attempt for `row` (and its batch); returns the outcome of `row` itself. Also used by dispatch. */
  async deliver(row: OutboxTarget): Promise<AttemptOutcome | null> {
    return (await this.attempt(row)).outcome;
  }

  /**
   * {@link deliver}, telling also whether more rows may be due: the claim took as many rows as one request carries,
   * or held some back to stay within one request body.
   */
  private async attempt(row: OutboxTarget): Promise<{ outcome: AttemptOutcome | null; moreDue: boolean }> {
    const outcome = (value: AttemptOutcome | null, moreDue = false) => ({ outcome: value, moreDue });
    const server = row.recipientServer;
    let peer: PeerInfo;
    try {
      peer = await this.peers.peer(server);
    } catch (error) {
      // Only a row still ours to send counts against the destination (its job may come after a batch took it).
      return outcome(
        await this.alone(row, async (claimed) => {
          const failure =
            error instanceof PeerForbiddenError
              ? () => ({ status: 'failed' as const, httpStatus: null, error: error.message })
              : await this.unreachable(server, error);
          return this.settle(row.id, [claimed], failure);
        }),
      );
    }
    const capability = REQUIRED_CAPABILITY[row.kind];
    if (capability && !peer.capabilities.includes(capability))
      return outcome(await this.alone(row, (claimed) => this.withoutCapability(claimed, server)));
    const capacity = this.capacity(row, peer);
    const claimed = await this.outbox.claim(row, capacity);
    if (!claimed.some((candidate) => candidate.id === row.id)) return outcome(null);
    // Rows beyond one request body go back to the queue at once, with no attempt counted; the drain after this
    // request (or the next job) takes them.
    const rows = rowsWithinBodyLimit(claimed);
    if (rows.length < claimed.length) await this.outbox.release(claimed.slice(rows.length).map(({ id }) => id));
    const own = rows.some((sending) => sending.id === row.id) ? row.id : rows[0].id;
    const moreDue = claimed.length >= capacity || rows.length < claimed.length;
    try {
      const sent = await this.sendClaimed(own, rows, server, peer);
      return outcome(own === row.id ? sent : null, moreDue);
    } catch (error) {
      // An unexpected failure (a bug, the database) must not leave the rows leased: record it and retry them.
      this.logger.error(`delivery to ${server} broke: ${error instanceof Error ? error.stack : String(error)}`);
      const message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
      const failed = await this.settle(own, rows, () => ({ status: 'pending', httpStatus: null, error: message }));
      return outcome(own === row.id ? failed : null);
    }
  }

  /** Claims the row by itself and acts on it; null when it is not pending or another worker holds it. */
  private async alone(
    row: OutboxTarget,
    act: (claimed: ClaimedRow) => Promise<AttemptOutcome>,
  ): Promise<AttemptOutcome | null> {
    const [claimed] = await this.outbox.claim(row, 1);
    return claimed?.id === row.id ? act(claimed) : null;
  }

  /** How much one request to this peer carries: a batch of messages, many receipts, or one row. */
  private capacity(row: OutboxTarget, peer: PeerInfo): number {
    if (row.kind === 'receipts') return MAX_RECEIPTS_PER_REQUEST;
    return row.kind === 'message' && peer.capabilities.includes('batch') ? MAX_BATCH : 1;
  }

  /** One signed request for claimed rows (one row, a batch of messages, or gathered receipts), and each row's outcome. */
  private async sendClaimed(
    ownId: string,
    rows: ClaimedRow[],
    server: string,
    peer: PeerInfo,
  ): Promise<AttemptOutcome> {
    const request = deliveryRequest(rows, newId());
    const body = Buffer.from(JSON.stringify(request.body));
    await this.outbox.holdLease(
      rows.map(({ id }) => id),
      body.length,
    );
    let response: PeerResponse;
    try {
      const headers = await this.auth.sign(server, body);
      response = await this.http.send(server, 'POST', request.path, body, headers);
    } catch (error) {
      if (error instanceof PeerForbiddenError || error instanceof NoPeerSecretError) {
        return this.settle(ownId, rows, () => ({ status: 'failed', httpStatus: null, error: error.message }));
      }
      return this.settle(ownId, rows, await this.unreachable(server, error));
    }
    if (response.status === 401) await this.peers.peer(server, { refresh: true }).catch(() => undefined);
    const waitsUntil = await this.tellHealth(server, response);
    const takesInvites = peer.capabilities.includes('invites');
    const results = request.body.transactionId ? batchResults(response) : null;
    return this.settle(ownId, rows, (claimed) => {
      const wire = claimed.message;
      const result = results && wire ? results.get(`${wire.fromUserId} ${wire.clientMessageId}`) : undefined;
      if (results && response.status < 300) {
        if (!result)
          return {
            status: 'pending',
            httpStatus: response.status,
            error: 'no result for this message in the batch answer',
          };
        const code = typeof result.statusCode === 'number' ? result.statusCode : 200;
        const error = typeof result.error === 'string' ? result.error : null;
        return this.outcomeOf(claimed, rowVerdict(code, takesInvites), code, error, waitsUntil);
      }
      const verdict = rowVerdict(response.status, takesInvites);
      return this.outcomeOf(claimed, verdict, response.status, peerErrorMessage(response), waitsUntil);
    });
  }

  /**
   * What the answer says of the destination as a whole; for a peer that asks us to come back later, until when it
   * waits. A delivery's success is told in the background: a recovery's flush (a job for every row that waited) must
   * not hold these rows' lease.
   */
  private async tellHealth(server: string, response: PeerResponse): Promise<Date | null> {
    await this.health.noteQuota(server, response.headers);
    const answer = `${response.status} ${peerErrorMessage(response)}`.trim();
    switch (destinationVerdict(response.status)) {
      case 'delivered':
        this.health.delivered(server);
        return null;
      case 'throttled':
        return this.health.recordThrottle(server, retryAfterMs(response.headers), answer);
      case 'failing':
        await this.health.recordFailure(server, answer);
        return null;
      case 'alive':
        this.health.seenAlive(server);
        return null;
      case 'unknown':
        return null;
    }
  }

  /** A row's outcome from the peer's answer to it. */
  private outcomeOf(
    row: OutboxEntity,
    verdict: RowVerdict,
    status: number,
    reason: string | null,
    waitsUntil: Date | null,
  ): AttemptOutcome {
    const error = `${status} ${reason ?? ''}`.trim();
    switch (verdict) {
      case 'sent':
        return { status: 'sent', httpStatus: status, error: null };
      case 'refused':
        return { status: 'failed', httpStatus: status, error };
      case 'retry':
        return { status: 'pending', httpStatus: status, error };
      case 'later': {
        const nextAttemptAt = waitsUntil ?? new Date(Date.now() + this.config.federation.backoffBaseMs);
        return { status: 'pending', httpStatus: status, error, nextAttemptAt, countsAsAttempt: false };
      }
      case 'awaiting-friendship': {
        const nextAttemptAt = new Date(Date.now() + this.friendshipWaitMs(row));
        const note = `${error} (the peer has not recorded the friendship yet; a message from the recipient sends this at once)`;
        return {
          status: 'pending',
          httpStatus: status,
          error: note,
          nextAttemptAt,
          countsAsAttempt: false,
          releasedByFriend: true,
        };
      }
    }
  }

  /**
   * How long a message refused for want of a friendship waits: as long as it has waited already (so the tries thin
   * out: 1 h, 2 h, 4 h, …), at least an hour, and its last try falls on the give-up age.
   */
  private friendshipWaitMs(row: OutboxEntity): number {
    const age = Date.now() - row.waitingSince.getTime();
    const left = this.config.federation.giveUpAfterMs - age;
    return Math.max(0, Math.min(left, Math.max(FRIENDSHIP_WAIT_MIN_MS, age)));
  }

  /**
   * A plain MyLife node takes only messages: it keeps its own friend list, so an invite to one of its users cannot
   * travel. Our user's invite is then their consent and the friendship is recorded on this side (the peer enforces its
   * own list when our messages arrive); an unfriend has nothing to tell it, nor has a key change (a server without a key
   * directory has no encrypted conversations). Anything else cannot be delivered.
   */
  private async withoutCapability(row: OutboxEntity, server: string): Promise<AttemptOutcome> {
    const note = `${server} announces no ${REQUIRED_CAPABILITY[row.kind]} capability (a plain MyLife node)`;
    // Only a server we share a secret with is a plain MyLife node; any other web server answers 404 too.
    if (row.kind === 'invite' && !this.peers.sharesSecretWith(server)) {
      const refusal = `${server} publishes no MyLife federation document and MYLIFE_FEDERATION_SHARED_KEYS has no entry for it`;
      return this.settle(row.id, [row], () => ({ status: 'failed', httpStatus: null, error: refusal }));
    }
    if (row.kind === 'invite') {
      const invite = row.payload as { id: string; fromUserId: string; toUserId: string };
      await this.friends.applyRemoteAnswer({ ...invite, status: 'accepted' }, server);
      return this.settle(row.id, [row], () => ({
        status: 'sent',
        httpStatus: null,
        error: `${note}: accepted on this node`,
      }));
    }
    if (row.kind === 'unfriend' || row.kind === 'key-change')
      return this.settle(row.id, [row], () => ({ status: 'sent', httpStatus: null, error: note }));
    return this.settle(row.id, [row], () => ({ status: 'failed', httpStatus: null, error: note }));
  }

  /**
   * Writes the attempt on every claimed row. A retryable failure past the attempt limit becomes `failed`, and so does
   * any row still waiting at the give-up age (a peer that keeps asking us to come back later).
   */
  private async settle<Row extends OutboxEntity>(
    ownId: string,
    rows: Row[],
    outcomeOf: (row: Row) => AttemptOutcome,
  ): Promise<AttemptOutcome> {
    const { maxAttempts, backoffBaseMs, backoffMaxMs, giveUpAfterMs } = this.config.federation;
    const outcomes = new Map<string, AttemptOutcome>();
    for (const row of rows) {
      let outcome = outcomeOf(row);
      const counted = outcome.countsAsAttempt !== false;
      const attempts = row.attempts + (counted ? 1 : 0);
      const age = Date.now() - row.waitingSince.getTime();
      if (outcome.status === 'pending' && age >= giveUpAfterMs) {
        outcome = { ...outcome, status: 'failed', error: gaveUpAfterWaiting(age, outcome.error) };
      } else if (outcome.status === 'pending' && counted && attempts >= maxAttempts) {
        outcome = { ...outcome, status: 'failed', error: `gave up after ${attempts} attempts: ${outcome.error}` };
      } else if (outcome.status === 'pending' && !outcome.nextAttemptAt) {
        const delay = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempts - 1)) * (0.75 + Math.random() * 0.5);
        outcome = { ...outcome, nextAttemptAt: new Date(Date.now() + delay) };
      }
      outcomes.set(row.id, outcome);
    }
    await this.outbox.recordAttempt(outcomes);
    return outcomes.get(ownId)!;
  }

  /** The destination did not answer: back it off as a whole, and retry these rows. */
  private async unreachable(server: string, error: unknown): Promise<() => AttemptOutcome> {
    const message = error instanceof Error ? error.message : String(error);
    await this.health.recordFailure(server, message);
    if (!(error instanceof PeerUnreachableError)) this.logger.warn(`delivery to ${server} failed: ${message}`);
    return () => ({ status: 'pending', httpStatus: null, error: message });
  }
}

function batchResults(response: PeerResponse): Map<string, BatchResult> | null {
  const results = (response.json as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return null;
  return new Map(
    (results as BatchResult[])
      .filter((result) => typeof result?.clientMessageId === 'string' && typeof result.fromUserId === 'string')
      .map((result) => [`${result.fromUserId} ${result.clientMessageId}`, result]),
  );
}
