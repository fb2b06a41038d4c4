import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { MessageRow, toMessageResponse } from '../messages/message.response';
import { SyncEventType } from './sync-event.entity';

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

type Position = [txId: number, seq: number];
export const START_OF_STREAM: Position = [0, 0];

/**
 * A user's events after a position. Sequences are taken when rows are inserted, not when they commit, so a reader
 * ordering by seq alone could move past an event whose transaction commits late. Events are therefore ordered by
 * (writing transaction id, seq) and shown only once every older transaction has ended (tx id below the snapshot's
 * xmin): an event can never appear behind a cursor already handed out.
 */
const PAGE_SQL = `
SELECT e.tx_id AS "txId", e.seq, e.type, e.data,
  m.id, m.client_message_id AS "clientMessageId", m.from_user_id AS "fromUserId", m.to_user_id AS "toUserId",
  m.content_type AS "contentType", m.content, m.created_at AS "createdAt", m.read_at AS "readAt"
FROM sync_events e
LEFT JOIN friend_messages m ON m.id = e.message_id
WHERE e.user_id = $1
  AND (e.tx_id, e.seq) > ($2::bigint, $3::bigint)
  AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
ORDER BY e.tx_id, e.seq
LIMIT $4`;

type PageRow = MessageRow & { txId: string; seq: string; type: SyncEventType; data: Record<string, unknown> | null };

@Injectable()
export class SyncService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  parseCursor(cursor: string | undefined, field = 'since'): Position {
    return cursor ? (decodeCursor(cursor, ['number', 'number'], field) as Position) : START_OF_STREAM;
  }

  async page(userId: string, after: Position, limit: number): Promise<SyncPage> {
    const rows: PageRow[] = await this.dataSource.query(PAGE_SQL, [userId, after[0], after[1], limit + 1]);
    const events = rows.slice(0, limit).map((row) => ({
      cursor: encodeCursor([Number(row.txId), Number(row.seq)]),
      type: row.type,
      data: row.type === 'message' ? { ...toMessageResponse(row) } : (row.data ?? {}),
    }));
    return { events, cursor: events.at(-1)?.cursor ?? encodeCursor(after), hasMore: rows.length > limit };
  }
}
