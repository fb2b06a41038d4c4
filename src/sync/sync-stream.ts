import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthService } from '../auth/auth.service';
import { FetchedMessage } from '../messages/message-delivery.port';
import { SyncBus } from './sync-bus';
import { PageRow } from './sync.repository';
import { ReadPage, SyncService } from './sync.service';

const HEARTBEAT_MS = 15_000;
const PAGE_SIZE = 500;
// After a notice, an event can stay hidden for a moment while an older, unrelated transaction finishes (see
// SyncService); look again a few times before waiting for the next notice or heartbeat.
const RETRY_DELAYS_MS = [10, 50, 200, 1000];

/** One Server-Sent Events connection: the backlog since the cursor, then each new event as it commits. */
@Injectable()
export class SyncStream implements BeforeApplicationShutdown {
  private readonly openStreams = new Set<Response>();

  constructor(
    @Inject(SyncService) private readonly sync: SyncService,
    @Inject(SyncBus) private readonly bus: SyncBus,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  /**
   * `cursor` is where to start after, `cursorField` where the client gave it (named when it is no cursor of ours).
   * The stream ends when its token (`tokenId`) is revoked or expires, so that a logged-out device hears no more.
   */
  open(
    user: { address: string; tokenId: string },
    cursor: string | undefined,
    cursorField: string,
    request: Request,
    response: Response,
  ): void {
    const userId = user.address;
    let position = this.sync.parseCursor(cursor, cursorField);
    let pumping = false;
    let again = false;
    let closed = false;
    const retries: NodeJS.Timeout[] = [];
    // Messages written to the stream whose delivery receipts could not be staged yet: tried again on the next pump.
    let unacknowledged: FetchedMessage[] = [];

    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // HEAD is answered by this GET route too: its answer is the headers alone, not a stream that never ends.
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    response.write('retry: 2000\n\n');

    /** Writes a page, moves the position past it, then stages the delivery receipts of what it carried. */
    const write = async ({ page, fetchedFromAfar }: ReadPage): Promise<number> => {
      for (const event of page.events) {
        response.write(`id: ${event.cursor}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
      }
      position = this.sync.parseCursor(page.cursor);
      unacknowledged = [...unacknowledged, ...fetchedFromAfar];
      await this.sync.acknowledgeFetched(userId, unacknowledged);
      unacknowledged = [];
      return page.events.length;
    };

    // `committed`: the events a notice carried. Written as they are when they are the very next ones and nothing
    // else is writing (the seq check means never twice, never past a gap); otherwise the stream reads its page.
    const pump = async (afterNotice: boolean, committed?: PageRow[]): Promise<void> => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        let delivered = 0;
        const carried = committed && this.sync.follow(userId, position, committed);
        again = !carried;
        if (carried) delivered += await write(carried);
        while (again && !closed) {
          again = false;
          for (;;) {
            const read = await this.sync.read(userId, position, PAGE_SIZE);
            if (closed) break;
            delivered += await write(read);
            if (!read.page.hasMore) break;
          }
        }
        if (afterNotice && delivered === 0 && !closed) this.scheduleRetries(retries, () => pump(false));
      } catch {
        // The next notice or heartbeat tries again; a broken connection is cleaned up by 'close'.
      } finally {
        pumping = false;
      }
    };

    const unsubscribe = this.bus.onChange((userIds, committed) => {
      if (userIds.includes(userId)) void pump(true, committed?.get(userId));
    });
    const heartbeat = setInterval(() => {
      response.write(': heartbeat\n\n');
      void pump(false);
      // Revoked by another process of the node, or expired: this process heard of no revocation.
      this.auth.isTokenLive(user.tokenId).then(
        (live) => live || response.end(),
        () => undefined, // the database is away for a moment: the next heartbeat asks again
      );
    }, HEARTBEAT_MS);
    const stopListening = this.auth.onTokenRevoked((tokenId) => tokenId === user.tokenId && response.end());
    this.openStreams.add(response);
    // 'close' on the response: after the client left, and also after we ended the stream ourselves.
    response.on('close', () => {
      stopListening();
      this.openStreams.delete(response);
      closed = true;
      unsubscribe();
      clearInterval(heartbeat);
      retries.forEach(clearTimeout);
    });
    void pump(false);
  }

  /** Open streams would keep the HTTP server from closing; clients reconnect elsewhere with Last-Event-ID. */
  beforeApplicationShutdown(): void {
    for (const response of this.openStreams) response.end();
    this.openStreams.clear();
  }

  private scheduleRetries(retries: NodeJS.Timeout[], pump: () => Promise<void>): void {
    retries.forEach(clearTimeout);
    retries.length = 0;
    for (const delay of RETRY_DELAYS_MS) retries.push(setTimeout(() => void pump(), delay));
  }
}
