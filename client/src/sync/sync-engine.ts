import { ApiError } from '../api/api-error.ts';
import { type HttpTransport, ServerUnreachableError } from '../api/http-transport.ts';
import { MyLifeApi, type SyncEvent } from '../api/mylife-api.ts';
import type { ClientEvent, ClientEventEmitter, ConnectionState } from '../client-events.ts';
import type { LocalStore } from '../store/local-store.ts';
import { retryDelayMs } from './backoff.ts';
import { applySyncEvents, OutdatedReadingsError, type PageReadings } from './event-applier.ts';
import { FriendNames } from './friend-names.ts';
import { type FlushOptions, type FlushReport, OutboxFlusher } from './outbox-flusher.ts';
import { parseServerSentEvents } from './server-sent-events.ts';
import { SerialLock, Waker } from './timing.ts';

export interface SyncReport {
  /** The server answered: the outbox was flushed as far as it could be and the copy is up to date. */
  online: boolean;
  /** The session is missing, expired or revoked: log in again. */
  needsLogin: boolean;
  flush: FlushReport;
  /** Sync events written by this run. */
  pulledEvents: number;
  /** Why the client is offline, when it is. */
  error: string | null;
}

export interface SyncEngineTiming {
  /** Largest page asked of `/api/sync` (the server allows 1–1000). */
  pageSize: number;
  /** How often to pull when the live stream is not available, and the longest wait for a node that cannot be reached. */
  pollIntervalMs: number;
  /**
   * The first wait before trying again a node that could not be reached: then doubling up to `pollIntervalMs`, each
   * with jitter (half fixed, half random), so that a short outage is over for the person soon after it is over.
   */
  offlineRetryBaseMs: number;
  /** The server sends a heartbeat every 15 s: this much silence means the stream is dead. */
  streamIdleTimeoutMs: number;
  /** Wait before reconnecting a stream that ended. */
  reconnectDelayMs: number;
  /** How often friends' display names are taken from `GET /api/friends` when nothing asked for them sooner. */
  friendNamesRefreshMs: number;
}

export const DEFAULT_SYNC_TIMING: SyncEngineTiming = {
  pageSize: 1000,
  pollIntervalMs: 30_000,
  offlineRetryBaseMs: 2_000,
  streamIdleTimeoutMs: 45_000,
  reconnectDelayMs: 1_000,
  friendNamesRefreshMs: 5 * 60_000,
};

/** The end-to-end encryption's part in a sync round. None of it throws for the network: the round reports that. */
export interface SyncEncryption {
  /** Before the flush: this device's keys published and topped up when due. */
  beforeRound(api: MyLifeApi, viewer: string): Promise<void>;
  /** Opens a page's encrypted messages, before the page is applied. */
  open(api: MyLifeApi, viewer: string, events: readonly SyncEvent[]): Promise<PageReadings>;
  /** After events were applied: key sets that `keys` events made stale are looked up, what waited is tried again. */
  afterApply(api: MyLifeApi, viewer: string): Promise<ClientEvent[]>;
}

/** A page opened while another process on the copy changed its groups is opened again, a few times at most. */
const MAX_PAGE_OPENINGS = 3;

export class NotLoggedInError extends Error {
  constructor() {
    super('not logged in: run login first');
    this.name = 'NotLoggedInError';
  }
}

interface Connection {
  api: MyLifeApi;
  viewer: string;
}

/** Keeps the local copy and the server in step: flush the outbox, pull changes, then follow the live stream. */
export class SyncEngine {
  private readonly lock = new SerialLock();
  private readonly waker = new Waker();
  private state: ConnectionState = 'offline';
  private offlineReason: string | undefined;
  private loginNeeded = false;
  private liveLoop: Promise<void> | null = null;
  private streamAbort: AbortController | null = null;
  private stopped = true;
  private readonly friendNames: FriendNames;

  constructor(
    private readonly store: LocalStore,
    private readonly transport: HttpTransport,
    private readonly flusher: OutboxFlusher,
    private readonly encryption: SyncEncryption,
    private readonly events: ClientEventEmitter,
    private readonly timing: SyncEngineTiming = DEFAULT_SYNC_TIMING,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.friendNames = new FriendNames(
      store,
      { refreshMs: timing.friendNamesRefreshMs, retryMs: timing.pollIntervalMs },
      now,
    );
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** `loginNeeded`: the server refused the token (or there is none), until a sync gets through again or a login. */
  get connectionStatus(): { state: ConnectionState; reason?: string; loginNeeded: boolean } {
    return {
      state: this.state,
      ...(this.offlineReason ? { reason: this.offlineReason } : {}),
      loginNeeded: this.loginNeeded,
    };
  }

  /** One round: flush the outbox, then pull until the server has nothing more. Never throws for the network. */
  syncOnce(options: FlushOptions = {}): Promise<SyncReport> {
    return this.lock.run(() => this.flushAndPull(this.connect(), options));
  }

  /** Only the outbox, without pulling: what is queued goes to the server (benchmarks, "send now" buttons). */
  flushOutbox(options: FlushOptions = {}): Promise<FlushReport> {
    return this.lock.run(async () => {
      const { api, viewer } = this.connect();
      return this.flusher.flush(api, viewer, options);
    });
  }

  /** Syncs, then follows `/api/events` (polling when it is not available) until `stop()`. */
  start(): void {
    if (this.liveLoop) return;
    this.stopped = false;
    this.liveLoop = this.runLive().finally(() => {
      this.liveLoop = null;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.streamAbort?.abort();
    this.waker.wake();
    await this.liveLoop;
  }

  /**
   * A new login: the refusal of the old token is no longer news, and the live loop (waiting out a poll interval after
   * the refusal, or following a stream with the old token) syncs with the new one at once.
   */
  loggedIn(): void {
    this.setState(this.state);
    if (!this.liveLoop) return;
    this.streamAbort?.abort();
    this.waker.wake();
  }

  /** The server refused the token on a call outside the sync (the device list, say): the same as a refused sync. */
  tokenRefused(error: ApiError): void {
    this.reportOffline(error);
    this.streamAbort?.abort();
  }

  /** Something was queued: send it now rather than at the next poll. */
  nudge(): void {
    if (this.stopped) return;
    if (this.streamAbort) void this.lock.run(() => this.flushOnly(this.connect())).catch(() => undefined);
    else this.waker.wake();
  }

  private async runLive(): Promise<void> {
    let streamAvailable = true;
    let failedRounds = 0;
    while (!this.stopped) {
      const report = await this.syncOnce().catch((error: unknown) => this.offlineReport(error));
      if (this.stopped) break;
      failedRounds = report.online ? 0 : failedRounds + 1;
      if (report.online && streamAvailable) {
        streamAvailable = await this.followStream(this.connect());
        if (!this.stopped) await this.waker.sleep(this.timing.reconnectDelayMs);
        continue;
      }
      await this.waker.sleep(this.nextPollDelay(report, failedRounds));
    }
    this.setState('offline', 'stopped', this.loginNeeded);
  }

  /**
   * A poll interval when the node answers without a stream, or refused the token (only a login helps, and it wakes
   * the loop); while it cannot be reached, a backoff from `offlineRetryBaseMs` up to the poll interval. Sooner when
   * an outbox retry is due.
   */
  private nextPollDelay(report: SyncReport, failedRounds: number): number {
    const delay =
      report.online || report.needsLogin
        ? this.timing.pollIntervalMs
        : retryDelayMs(
            failedRounds,
            { baseDelayMs: this.timing.offlineRetryBaseMs, maxDelayMs: this.timing.pollIntervalMs },
            this.random,
          );
    const stop = report.flush.stoppedBy;
    if (stop && 'nextAttemptAt' in stop) return Math.min(delay, Math.max(0, stop.nextAttemptAt - this.now()));
    return delay;
  }

  /**
   * Applies stream events as they come, each with its cursor. Returns false when the server has no stream
   * (an error other than the network or the session), so the caller falls back to polling.
   */
  private async followStream(connection: Connection): Promise<boolean> {
    const abort = new AbortController();
    this.streamAbort = abort;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const resetIdleTimer = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => abort.abort(), this.timing.streamIdleTimeoutMs);
    };
    try {
      resetIdleTimer();
      const stream = await connection.api.openEvents(this.store.session.cursor(), abort.signal);
      this.setState('online');
      // Something may have been queued between the pull and the stream opening.
      if (this.store.outbox.pendingCount() > 0) this.nudge();
      for await (const sse of parseServerSentEvents(touching(stream.chunks, resetIdleTimer))) {
        if (!sse.id) continue;
        const event: SyncEvent = { cursor: sse.id, type: sse.event, data: JSON.parse(sse.data) };
        await this.lock.run(async () => {
          await this.apply(connection, [event], event.cursor);
          await this.refreshFriendNames(connection);
        });
      }
      return true;
    } catch (error) {
      if (abort.signal.aborted) return true;
      if (error instanceof ApiError && !error.isUnauthorized) return false;
      this.reportOffline(error);
      return true;
    } finally {
      clearTimeout(idleTimer);
      this.streamAbort = null;
    }
  }

  private async flushAndPull(connection: Connection, options: FlushOptions): Promise<SyncReport> {
    // A refused token stays news through the round that tries it again: no "logged out" banner blinking per poll.
    this.setState('syncing', undefined, this.loginNeeded);
    await this.encryption.beforeRound(connection.api, connection.viewer);
    const flush = await this.flusher.flush(connection.api, connection.viewer, options);
    const stop = flush.stoppedBy;
    if (stop?.reason === 'unreachable' || stop?.reason === 'unauthorized') {
      this.setState('offline', stop.error, stop.reason === 'unauthorized');
      return { online: false, needsLogin: stop.reason === 'unauthorized', flush, pulledEvents: 0, error: stop.error };
    }
    try {
      const pulledEvents = await this.pull(connection);
      this.setState('online');
      await this.refreshFriendNames(connection);
      return { online: true, needsLogin: false, flush, pulledEvents, error: null };
    } catch (error) {
      return { ...this.offlineReport(error), flush };
    }
  }

  private async flushOnly(connection: Connection): Promise<void> {
    const flush = await this.flusher.flush(connection.api, connection.viewer);
    const stop = flush.stoppedBy;
    if (stop && 'nextAttemptAt' in stop) this.scheduleFlush(stop.nextAttemptAt);
    // A node keeps the stream of a revoked token open: the refused flush is the news, and the live loop's next
    // round (after the stream is cut) finds the same and polls until a new login.
    if (stop?.reason === 'unauthorized') {
      this.setState('offline', stop.error, true);
      this.streamAbort?.abort();
    }
  }

  private async refreshFriendNames(connection: Connection): Promise<void> {
    if (this.friendNames.due()) this.events.emitAll(await this.friendNames.refresh(connection.api));
  }

  private scheduleFlush(at: number): void {
    setTimeout(() => this.nudge(), Math.max(0, at - this.now())).unref?.();
  }

  private async pull(connection: Connection): Promise<number> {
    let pulled = 0;
    let next = connection.api.sync(this.store.session.cursor(), this.timing.pageSize);
    for (;;) {
      const page = await next;
      if (page.hasMore) {
        // The next page is asked for before this one is written, so that the server reads it meanwhile; a page
        // asked for and never written is asked for again from the stored cursor.
        next = connection.api.sync(page.cursor, this.timing.pageSize);
        next.catch(() => undefined); // awaited on the next turn; this only keeps a failure from going unhandled
        await new Promise((resolve) => setTimeout(resolve, 0)); // lets the request leave before the local write
      }
      await this.apply(connection, page.events, page.cursor);
      pulled += page.events.length;
      if (!page.hasMore) return pulled;
    }
  }

  /**
   * Encrypted messages are opened first (async), then the events are written in one local transaction. Another process
   * on the same copy may have opened the page meanwhile: then it is opened again (what it wrote is not opened twice).
   */
  private async apply(connection: Connection, events: readonly SyncEvent[], cursor: string): Promise<void> {
    const { api, viewer } = connection;
    for (let attempt = 1; ; attempt++) {
      const readings = await this.encryption.open(api, viewer, events);
      try {
        const now = new Date(this.now()).toISOString();
        this.events.emitAll(applySyncEvents(this.store, viewer, events, cursor, now, readings));
        break;
      } catch (error) {
        if (!(error instanceof OutdatedReadingsError) || attempt >= MAX_PAGE_OPENINGS) throw error;
      }
    }
    this.events.emitAll(await this.encryption.afterApply(api, viewer));
  }

  private connect(): Connection {
    const session = this.store.session.get();
    if (!session?.accessToken) throw new NotLoggedInError();
    return {
      api: new MyLifeApi(this.transport, session.serverUrl, session.accessToken),
      viewer: session.userAddress,
    };
  }

  private offlineReport(error: unknown): SyncReport {
    if (!(error instanceof ServerUnreachableError || error instanceof ApiError || error instanceof NotLoggedInError)) {
      throw error;
    }
    this.reportOffline(error);
    const needsLogin = error instanceof NotLoggedInError || (error instanceof ApiError && error.isUnauthorized);
    return {
      online: false,
      needsLogin,
      flush: { applied: 0, failed: 0, pending: this.store.outbox.pendingCount(), stoppedBy: null },
      pulledEvents: 0,
      error: error.message,
    };
  }

  private reportOffline(error: unknown): void {
    this.setState(
      'offline',
      error instanceof Error ? error.message : String(error),
      error instanceof NotLoggedInError || (error instanceof ApiError && error.isUnauthorized),
    );
  }

  /** Listeners hear every change of the state, of why it is offline, and of whether a login is needed. */
  private setState(state: ConnectionState, reason?: string, loginNeeded = false): void {
    const changed = state !== this.state || reason !== this.offlineReason || loginNeeded !== this.loginNeeded;
    this.state = state;
    this.offlineReason = reason;
    this.loginNeeded = loginNeeded;
    if (changed) this.events.emit({ type: 'connection', state, ...(reason ? { reason } : {}), loginNeeded });
  }
}

/** Passes chunks through, calling `onChunk` for each: heartbeats keep the idle timer from firing. */
async function* touching(chunks: AsyncIterable<string>, onChunk: () => void): AsyncGenerator<string> {
  for await (const chunk of chunks) {
    onChunk();
    yield chunk;
  }
}
