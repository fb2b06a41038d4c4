import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SyncEventType } from './sync-event.entity';

export interface NewSyncEvent {
  /** The local user whose stream gets the event. */
  userId: string;
  type: SyncEventType;
  messageId?: string;
  data?: Record<string, unknown>;
}

/** The writing transaction's id as bigint: readers order and gate events by it (see SyncService). */
export const CURRENT_TX_ID_SQL = 'pg_current_xact_id()::text::bigint';

/** Appends events to users' change streams inside the caller's transaction, in one statement. */
@Injectable()
export class SyncEventsWriter {
  async append(manager: EntityManager, events: NewSyncEvent[]): Promise<void> {
    if (events.length === 0) return;
    await manager.query(
      `INSERT INTO sync_events (tx_id, user_id, type, message_id, data)
       SELECT ${CURRENT_TX_ID_SQL}, e.user_id, e.type, e.message_id, e.data
       FROM unnest($1::text[], $2::text[], $3::uuid[], $4::jsonb[]) AS e(user_id, type, message_id, data)`,
      [
        events.map((event) => event.userId),
        events.map((event) => event.type),
        events.map((event) => event.messageId ?? null),
        events.map((event) => (event.data ? JSON.stringify(event.data) : null)),
      ],
    );
  }
}
