import type { LocalDatabase } from '../storage/local-database.ts';
import type { OutboxEntry, OutboxOperation, OutboxState } from '../model.ts';

interface OutboxRow {
  id: number;
  kind: string;
  payload: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: string;
}

export class OutboxStore {
  constructor(private readonly db: LocalDatabase) {}

  enqueue(operation: OutboxOperation, createdAt: string): OutboxEntry {
    const { kind, ...payload } = operation;
    this.db.run('INSERT INTO outbox (kind, payload, created_at) VALUES (?, ?, ?)', [
      kind,
      JSON.stringify(payload),
      createdAt,
    ]);
    const row = this.db.get<OutboxRow>('SELECT * FROM outbox WHERE id = last_insert_rowid()');
    return toEntry(requireRow(row));
  }

  /** The oldest pending operation: the outbox is replayed strictly in order. */
  head(): OutboxEntry | undefined {
    const row = this.db.get<OutboxRow>(`SELECT * FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1`);
    return row ? toEntry(row) : undefined;
  }

  /**
   * Up to `limit` pending operations from the head on, in order, leaving out `viewer`'s sends to `heldPeers` that are
   * not sealed yet: they wait (an unacknowledged key change) while the rest of the outbox goes.
   */
  pendingFromHead(limit: number, held: { viewer: string; peers: readonly string[] } | null = null): OutboxEntry[] {
    if (!held || held.peers.length === 0) {
      return this.db
        .all<OutboxRow>(`SELECT * FROM outbox WHERE state = 'pending' ORDER BY id LIMIT ?`, [limit])
        .map(toEntry);
    }
    return this.db
      .all<OutboxRow>(
        `SELECT o.* FROM outbox o WHERE o.state = 'pending' AND NOT (o.kind = 'send' AND o.envelope IS NULL AND EXISTS (
           SELECT 1 FROM messages m WHERE m.from_user_id = ? AND m.client_message_id = json_extract(o.payload, '$.clientMessageId')
             AND m.to_user_id IN (SELECT value FROM json_each(?))))
         ORDER BY o.id LIMIT ?`,
        [held.viewer, JSON.stringify(held.peers), limit],
      )
      .map(toEntry);
  }

  /** The envelope a send was sealed into: a retry sends it again, never a new one. */
  envelopeOf(id: number): string | null {
    return this.db.get<{ envelope: string | null }>('SELECT envelope FROM outbox WHERE id = ?', [id])?.envelope ?? null;
  }

  saveEnvelope(id: number, envelope: string): void {
    this.db.run('UPDATE outbox SET envelope = ? WHERE id = ?', [envelope, id]);
  }

  /** Done: the server has applied it. */
  remove(id: number): void {
    this.db.run('DELETE FROM outbox WHERE id = ?', [id]);
  }

  scheduleRetry(id: number, nextAttemptAt: number, error: string): void {
    this.db.run('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?', [
      nextAttemptAt,
      error,
      id,
    ]);
  }

  markFailed(id: number, error: string): void {
    this.db.run(`UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`, [
      error,
      id,
    ]);
  }

  /** Puts a failed operation back in line (at its original place) to be tried again at once. */
  retry(id: number): boolean {
    return (
      this.db.run(`UPDATE outbox SET state = 'pending', next_attempt_at = 0 WHERE id = ? AND state = 'failed'`, [id])
        .changes > 0
    );
  }

  find(id: number): OutboxEntry | undefined {
    const row = this.db.get<OutboxRow>('SELECT * FROM outbox WHERE id = ?', [id]);
    return row ? toEntry(row) : undefined;
  }

  /** The failed send of a message (failed entries are few: the server refused them for good). */
  failedSend(clientMessageId: string): OutboxEntry | undefined {
    return this.db
      .all<OutboxRow>(`SELECT * FROM outbox WHERE state = 'failed' AND kind = 'send' ORDER BY id`)
      .map(toEntry)
      .find((entry) => entry.operation.kind === 'send' && entry.operation.clientMessageId === clientMessageId);
  }

  list(): OutboxEntry[] {
    return this.db.all<OutboxRow>('SELECT * FROM outbox ORDER BY id').map(toEntry);
  }

  pendingCount(): number {
    return this.db.get<{ n: number }>(`SELECT count(*) AS n FROM outbox WHERE state = 'pending'`)?.n ?? 0;
  }
}

function requireRow(row: OutboxRow | undefined): OutboxRow {
  if (!row) throw new Error('outbox row expected');
  return row;
}

function toEntry(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    operation: { kind: row.kind, ...JSON.parse(row.payload) } as OutboxOperation,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
  };
}
