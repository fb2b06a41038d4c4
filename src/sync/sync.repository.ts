import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { preparedStatement, runPrepared } from '../database/prepared-statement';
import { DELIVERY_JOIN, MESSAGE_WITH_DELIVERY_COLUMNS } from '../messages/messages.repository';
import { MessageRow } from '../messages/message.response';
import { SyncEventType } from './sync-event.entity';

/**
 * A user's events after a seq, with the current state of the messages they name. The page's seqs come first, from the
 * primary key alone (an index-only scan), and only those events are then read. The planner guesses how many events
 * follow a cursor from the seqs of all users, most of whose streams are short; asked in one piece for a long stream
 * (a client catching up) it chose to read, join and sort every later event to keep 100 (10 ms instead of 1 ms).
 */
export const PAGE_SQL = preparedStatement(
  'sync_page',
  `
SELECT e.seq AS "eventSeq", e.type, e.data, ${MESSAGE_WITH_DELIVERY_COLUMNS}
FROM sync_events e
LEFT JOIN friend_messages m ON m.id = e.message_id
${DELIVERY_JOIN}
WHERE e.user_id = $1
  AND e.seq = ANY (ARRAY(SELECT seq FROM sync_events WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3))
ORDER BY e.seq`,
);

/** A row of PAGE_SQL: an event, with its message's columns (null for an event without one). */
export type PageRow = MessageRow & {
  eventSeq: string;
  type: SyncEventType;
  data: Record<string, unknown> | null;
};

/**
 * A message event as PAGE_SQL reads it, from the message as the statement that appended the event wrote it (with its
 * delivery state, if staged): what a stream writes without reading (see SyncBus.notify).
 */
export function messageEventRow(seq: string, message: MessageRow): PageRow {
  return { ...message, eventSeq: seq, type: 'message', data: null };
}

/**
 * The reads of the change streams. Their writes are SyncEventsWriter's (and appendEventsSql's, in other features'
 * statements), which other features call inside their own transactions.
 */
@Injectable()
export class SyncRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** `rows` events of `userId`'s stream after the seq `after` (see PAGE_SQL). */
  page(userId: string, after: number, rows: number): Promise<PageRow[]> {
    return runPrepared(this.dataSource, PAGE_SQL, [userId, after, rows]);
  }
}
