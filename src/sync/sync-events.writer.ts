import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SyncEventType } from './sync-event.entity';
import { preparedStatement, runPrepared } from '../database/prepared-statement';

export interface NewSyncEvent {
  /** The local user whose stream gets the event. */
  userId: string;
  type: SyncEventType;
  messageId?: string;
  data?: Record<string, unknown>;
}

/**
 * Appends rows of `source` (a CTE with columns user_id, type, message_id, data, ord) to their users' streams, as
 * further CTEs of the caller's statement. Each user's head row is advanced (and locked until commit) once, in user
 * order so that two writers never wait on each other in a circle; the events take the seqs just below the new head.
 * `${source}_appended` answers the appended events as (user_id, seq, message_id), for a caller that tells the streams
 * what it wrote (see SyncBus.notify).
 */
export function appendEventsSql(source: string): string {
  return `
  ${source}_counts AS (SELECT user_id, count(*) AS n FROM ${source} GROUP BY user_id),
  ${source}_heads AS (
    INSERT INTO sync_heads AS h (user_id, last_seq)
    SELECT user_id, n FROM ${source}_counts ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET last_seq = h.last_seq + EXCLUDED.last_seq
    RETURNING user_id, last_seq
  ),
  ${source}_appended AS (
    INSERT INTO sync_events (user_id, seq, type, message_id, data)
    SELECT e.user_id, h.last_seq - c.n + row_number() OVER (PARTITION BY e.user_id ORDER BY e.ord),
      e.type, e.message_id, e.data
    FROM ${source} e JOIN ${source}_heads h USING (user_id) JOIN ${source}_counts c USING (user_id)
    RETURNING user_id, seq, message_id
  )`;
}

const APPEND_SQL = preparedStatement(
  'sync_append',
  `
WITH new_events AS (
  SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::uuid[], $4::jsonb[]) WITH ORDINALITY
    AS e(user_id, type, message_id, data, ord)
),${appendEventsSql('new_events')}
SELECT 1`,
);

/** Appends events to users' change streams inside the caller's transaction, in one statement. */
@Injectable()
export class SyncEventsWriter {
  async append(manager: EntityManager, events: NewSyncEvent[]): Promise<void> {
    if (events.length === 0) return;
    await runPrepared(manager, APPEND_SQL, [
      events.map((event) => event.userId),
      events.map((event) => event.type),
      events.map((event) => event.messageId ?? null),
      events.map((event) => (event.data ? JSON.stringify(event.data) : null)),
    ]);
  }
}
