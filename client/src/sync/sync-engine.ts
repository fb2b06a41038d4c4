import { ApiError } from '../api/api-error.ts';
import { type HttpTransport, ServerUnreachableError } from '../api/http-transport.ts';
import { MyLifeApi, type SyncEvent } from '../api/mylife-api.ts';
import type { ClientEventEmitter, ConnectionState } from '../client-events.ts';
import type { LocalStore } from '../store/local-store.ts';
import { applySyncEvents } from './event-applier.ts';
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
  /** How often to pull when the live stream is not available. */
  pollIntervalMs: number;
  /** The server sends a heartbeat every 15 s: this much silence means the stream is dead. */
  streamIdleTimeoutMs: number;
  /** Wait before reconnecting a stream that ended. */
  reconnectDelayMs: number;
}

export const DEFAULT_SYNC_TIMING: SyncEngineTiming = {
  pageSize: 1000,
  pollIntervalMs: 30_000,
  streamIdleTimeoutMs: 45_000,
  reconnectDelayMs: 1_000,
};

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

  constructor(
    private readonly store: LocalStore,
    private readonly transport: HttpTransport,
    private readonly flusher: OutboxFlusher,
    private readonly events: ClientEventEmitter,
    private readonly timing: SyncEngineTiming = DEFAULT_SYNC_TIMING,
    private readonly now: () => number = Date.now,
  ) {}

  get connectionState(): ConnectionState {
    return this.state;
  }

  get connectionStatus(): { state: ConnectionState; reason?: string; loginNeeded: boolean } {
    return {
      state: this.state,
      ...(this.state === 'offline' && this.offlineReason ? { reason: this.offlineReason } : {}),
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

  /** Something was queued: send it now rather than at the next poll. */
  nudge(): void {
    if (this.stopped) return;
    if (this.streamAbort) void this.lock.run(() => this.flushOnly(this.connect())).catch(() => undefined);
    else this.waker.wake();
  }

  private async runLive(): Promise<void> {
    let streamAvailable = true;
    while (!this.stopped) {
      const report = await this.syncOnce().catch((error: unknown) => this.offlineReport(error));
      if (this.stopped) break;
      if (report.online && streamAvailable) {
        streamAvailable = await this.followStream(this.connect());
        if (!this.stopped) await this.waker.sleep(this.timing.reconnectDelayMs);
        continue;
      }
      await this.waker.sleep(this.nextPollDelay(report));
    }
    this.setState('offline', 'stopped');
  }

  private nextPollDelay(report: SyncReport): number {
    const stop = report.flush.stoppedBy;
    if (stop && 'nextAttemptAt' in stop) {
      return Math.min(this.timing.pollIntervalMs, Math.max(0, stop.nextAttemptAt - this.now()));
    }
    return this.timing.pollIntervalMs;
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
        await this.lock.run(async () => this.apply(connection.viewer, [event], event.cursor));
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
    this.setState('syncing');
    const flush = await this.flusher.flush(connection.api, connection.viewer, options);
    const stop = flush.stoppedBy;
    if (stop?.reason === 'unreachable' || stop?.reason === 'unauthorized') {
      this.loginNeeded = stop.reason === 'unauthorized';
      this.setState('offline', stop.error);
      return { online: false, needsLogin: stop.reason === 'unauthorized', flush, pulledEvents: 0, error: stop.error };
    }
    try {
      const pulledEvents = await this.pull(connection);
      this.setState('online');
      return { online: true, needsLogin: false, flush, pulledEvents, error: null };
    } catch (error) {
      return { ...this.offlineReport(error), flush };
    }
  }

  private async flushOnly(connection: Connection): Promise<void> {
    const flush = await this.flusher.flush(connection.api, connection.viewer);
    const stop = flush.stoppedBy;
    // The node does not close a live stream whose token was revoked: a send refused for the token ends the stream,
    // so that the live loop's next round finds out and reports it (offline, login needed).
    if (stop?.reason === 'unauthorized') this.streamAbort?.abort();
    else if (stop && 'nextAttemptAt' in stop) this.scheduleFlush(stop.nextAttemptAt);
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
      this.apply(connection.viewer, page.events, page.cursor);
      pulled += page.events.length;
      if (!page.hasMore) return pulled;
    }
  }

  private apply(viewer: string, events: readonly SyncEvent[], cursor: string): void {
    const notices = applySyncEvents(this.store, viewer, events, cursor, new Date(this.now()).toISOString());
    this.events.emitAll(notices);
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
    this.loginNeeded = error instanceof NotLoggedInError || (error instanceof ApiError && error.isUnauthorized);
    this.setState('offline', error instanceof Error ? error.message : String(error));
  }

  private setState(state: ConnectionState, reason?: string): void {
    if (state !== 'offline') this.loginNeeded = false;
    this.offlineReason = reason;
    if (state === this.state) return;
    this.state = state;
    this.events.emit({ type: 'connection', state, ...(reason ? { reason } : {}) });
  }
}

/** Passes chunks through, calling `onChunk` for each: heartbeats keep the idle timer from firing. */
async function* touching(chunks: AsyncIterable<string>, onChunk: () => void): AsyncGenerator<string> {
  for await (const chunk of chunks) {
    onChunk();
    yield chunk;
  }
}
