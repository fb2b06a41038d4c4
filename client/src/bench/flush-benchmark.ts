import type { HttpRequest, HttpResponse, HttpStream, HttpTransport } from '../api/http-transport.ts';
import { FetchTransport } from '../api/http-transport.ts';
import { MyLifeClient } from '../mylife-client.ts';
import { BetterSqlite3Database } from '../storage/better-sqlite3-database.ts';
import type { LocalDatabase } from '../storage/local-database.ts';
import { BatchPostMessageSender } from '../sync/batch-post-message-sender.ts';

export interface FlushBenchmarkOptions {
  serverUrl: string;
  username: string;
  password: string;
  /** Who the messages go to (`bob` or `bob@server`); a friend already, or every message is refused (and counted). */
  peer: string;
  /** How many messages to queue and flush. */
  count: number;
  /** The text of message `index`; `bench <index>` by default. */
  content?: (index: number) => string;
  /** The login's device name (the server keeps one token per device name); `mylife-bench` by default. */
  deviceName?: string;
  /** The local copy; a fresh in-memory better-sqlite3 database by default (closed afterwards either way). */
  database?: LocalDatabase;
  transport?: HttpTransport;
  /** Messages per batch request, 1–500 (500 by default). */
  maxBatchSize?: number;
}

export interface FlushBenchmarkResult {
  count: number;
  /** Writing the messages and their outbox rows to the local copy (`sendMessage` each). */
  queueMs: number;
  /** Flushing the outbox to the server until it is empty or the server stops it; no pull. */
  flushMs: number;
  sent: number;
  failed: number;
  /** Left in the outbox when the flush stopped early (server error, unreachable). */
  pending: number;
  /** HTTP requests of the flush. */
  batchRequests: number;
  singleRequests: number;
  /** False when the server has no batch endpoint and each message went on its own POST. */
  batched: boolean;
  /** Why the flush stopped early, or the first refusal; null when all went. */
  firstError: string | null;
}

/**
 * Logs in, queues `count` messages to `peer` locally, then flushes them with the batch sender, timing both. Made for
 * bench scripts: `const { queueMs, flushMs } = await benchmarkOutboxFlush({ serverUrl, username, password, peer,
 * count: 10_000 })`.
 */
export async function benchmarkOutboxFlush(options: FlushBenchmarkOptions): Promise<FlushBenchmarkResult> {
  const transport = new CountingTransport(options.transport ?? new FetchTransport());
  const client = new MyLifeClient({
    database: options.database ?? new BetterSqlite3Database(':memory:'),
    transport,
    messageSender: new BatchPostMessageSender({ maxBatchSize: options.maxBatchSize }),
  });
  try {
    await client.login({
      serverUrl: options.serverUrl,
      username: options.username,
      password: options.password,
      deviceName: options.deviceName ?? 'mylife-bench',
    });
    const content = options.content ?? ((index: number) => `bench ${index}`);

    const queueStart = performance.now();
    for (let index = 0; index < options.count; index++) client.sendMessage(options.peer, content(index));
    const queueMs = performance.now() - queueStart;

    transport.reset();
    const flushStart = performance.now();
    const report = await client.flushOutbox({ force: true });
    const flushMs = performance.now() - flushStart;

    const stop = report.stoppedBy;
    const refusal = client.outbox().find((entry) => entry.state === 'failed')?.lastError ?? null;
    return {
      count: options.count,
      queueMs,
      flushMs,
      sent: report.applied,
      failed: report.failed,
      pending: report.pending,
      batchRequests: transport.posts('/api/messages/batch'),
      singleRequests: transport.posts('/api/messages'),
      batched: transport.posts('/api/messages') === 0,
      firstError: stop && 'error' in stop ? stop.error : refusal,
    };
  } finally {
    await client.close();
  }
}

/** Counts the POSTs of each path, passing everything through. */
class CountingTransport implements HttpTransport {
  private counts = new Map<string, number>();

  constructor(private readonly inner: HttpTransport) {}

  send(request: HttpRequest): Promise<HttpResponse> {
    if (request.method === 'POST') {
      const path = new URL(request.url).pathname;
      this.counts.set(path, (this.counts.get(path) ?? 0) + 1);
    }
    return this.inner.send(request);
  }

  stream(request: HttpRequest): Promise<HttpStream> {
    return this.inner.stream(request);
  }

  /** POSTs to paths ending in `suffix`, so that a server under a path prefix counts too. */
  posts(suffix: string): number {
    let total = 0;
    for (const [path, count] of this.counts) if (path.endsWith(suffix)) total += count;
    return total;
  }

  reset(): void {
    this.counts = new Map();
  }
}
