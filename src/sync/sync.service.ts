import { Inject, Injectable } from '@nestjs/common';
import { serverOf } from '../common/address';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { pageOf, rowsForPage } from '../common/pagination';
import { FetchedMessage, MessageDelivery } from '../messages/message-delivery.port';
import { toMessageResponse } from '../messages/message.response';
import { SyncEventType } from './sync-event.entity';
import { PageRow, SyncRepository } from './sync.repository';

export interface SyncEventResponse {
  /** The stream position just after this event: resume from it (`since`, or SSE `Last-Event-ID`). */
  cursor: string;
  type: SyncEventType;
  data: Record<string, unknown>;
}

export interface SyncPage {
  events: SyncEventResponse[];
  cursor: string;
  hasMore: boolean;
}

/** The seq of the last event seen; 0 before the first. */
export type Position = number;
export const START_OF_STREAM: Position = 0;

/** A page for a user, and the messages on it that came from other servers (to acknowledge once it is written). */
export interface ReadPage {
  page: SyncPage;
  fetchedFromAfar: FetchedMessage[];
}

/** Whether events with these seqs (in order) come right after `after`, each after the one before: no gap, no repeat. */
export function followsWithoutGap(after: Position, seqs: number[]): boolean {
  return seqs.length > 0 && seqs.every((seq, i) => seq === after + i + 1);
}

@Injectable()
export class SyncService {
  constructor(
    @Inject(SyncRepository) private readonly events: SyncRepository,
    @Inject(MessageDelivery) private readonly delivery: MessageDelivery,
  ) {}

  parseCursor(cursor: string | undefined, field = 'since'): Position {
    return cursor ? decodeCursor(cursor, ['number'], field)[0] : START_OF_STREAM;
  }

  /** A page of the user's events; messages from other servers on it are acknowledged to their senders first. */
  async page(userId: string, after: Position, limit: number): Promise<SyncPage> {
    const { page, fetchedFromAfar } = await this.read(userId, after, limit);
    await this.acknowledgeFetched(userId, fetchedFromAfar);
    return page;
  }

  /**
   * A page without acknowledging anything yet, and the ids of messages on it that came from other servers: a stream
   * writes the page first and acknowledges after, so the receipt's round trip is not in the message's way.
   */
  async read(userId: string, after: Position, limit: number): Promise<ReadPage> {
    const rows = await this.events.page(userId, after, rowsForPage(limit));
    const { items, hasMore } = pageOf(rows, limit);
    return this.render(userId, after, items, hasMore);
  }

  /**
   * Events a statement just committed (SyncBus's `committed`), as {@link read} would answer them, when they are the
   * very next ones after `after`; null when they are not (a gap, or already read), for the caller to read instead.
   */
  follow(userId: string, after: Position, committed: PageRow[]): ReadPage | null {
    const seqs = committed.map((row) => Number(row.eventSeq));
    return followsWithoutGap(after, seqs) ? this.render(userId, after, committed, false) : null;
  }

  private render(userId: string, after: Position, rows: PageRow[], hasMore: boolean): ReadPage {
    const events = rows.map((row) => ({
      cursor: encodeCursor([Number(row.eventSeq)]),
      type: row.type,
      data: row.type === 'message' ? { ...toMessageResponse(row) } : (row.data ?? {}),
    }));
    const fetchedFromAfar = rows
      .filter(
        (row) => row.type === 'message' && row.toUserId === userId && serverOf(row.fromUserId) !== serverOf(userId),
      )
      .map((row) => ({ id: row.id, fromUserId: row.fromUserId }));
    const page = { events, cursor: events.at(-1)?.cursor ?? encodeCursor([after]), hasMore };
    return { page, fetchedFromAfar };
  }

  /** Delivery receipts for messages the user's device now holds (see MessageDelivery.messagesFetched). */
  async acknowledgeFetched(userId: string, messages: FetchedMessage[]): Promise<void> {
    if (messages.length > 0) await this.delivery.messagesFetched(userId, messages);
  }
}
