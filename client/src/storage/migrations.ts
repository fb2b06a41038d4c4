import type { LocalDatabase } from './local-database.ts';

export interface LocalMigration {
  version: number;
  name: string;
  sql: string;
}

/** Append only: a shipped migration never changes, because copies of this schema live on users' devices. */
export const LOCAL_MIGRATIONS: readonly LocalMigration[] = [
  {
    version: 1,
    name: 'initial local schema',
    sql: `
CREATE TABLE session (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  server_url TEXT NOT NULL,
  user_address TEXT NOT NULL,
  display_name TEXT,
  access_token TEXT,
  expires_at TEXT,
  device_name TEXT NOT NULL
);

CREATE TABLE sync_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  cursor TEXT,
  last_synced_at TEXT
);

CREATE TABLE messages (
  local_id INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT UNIQUE,
  client_message_id TEXT NOT NULL,
  from_user_id TEXT NOT NULL,
  to_user_id TEXT NOT NULL,
  peer_user_id TEXT NOT NULL,
  content_type TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at TEXT NOT NULL,
  read_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('draft', 'queued', 'sent', 'received', 'failed')),
  delivery_status TEXT,
  error TEXT,
  UNIQUE (from_user_id, client_message_id)
);
CREATE INDEX messages_by_thread ON messages (peer_user_id, created_at, local_id);
CREATE INDEX messages_unread ON messages (peer_user_id) WHERE status = 'received' AND read_at IS NULL;

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';

CREATE TABLE friends (
  friend_user_id TEXT PRIMARY KEY,
  source_invite_id TEXT,
  since TEXT NOT NULL
);

CREATE TABLE invites (
  id TEXT PRIMARY KEY,
  from_user_id TEXT NOT NULL,
  to_user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  message TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  responded_at TEXT
);
`,
  },
  {
    version: 2,
    name: 'message order (seq) and delivery details',
    // `sort_seq` is the thread order: the server's seq once known; a message not on the server yet sits just after
    // the latest message known when it was written. The cursor starts over so that a replay of the stream (every
    // write is an upsert) fills seq and the delivery details in for the messages already here.
    sql: `
ALTER TABLE messages ADD COLUMN seq INTEGER;
ALTER TABLE messages ADD COLUMN sort_seq REAL NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN delivery_attempts INTEGER;
ALTER TABLE messages ADD COLUMN last_delivery_error TEXT;
DROP INDEX messages_by_thread;
CREATE INDEX messages_by_thread ON messages (peer_user_id, sort_seq, created_at, local_id);
UPDATE sync_state SET cursor = NULL;
`,
  },
  {
    version: 3,
    name: 'latest numbered message of a thread by index',
    // Placing a new message after the latest numbered one walked past every queued (unnumbered) message of the
    // thread: a burst of sends queued offline cost quadratic time.
    sql: `
CREATE INDEX messages_numbered ON messages (peer_user_id, sort_seq, created_at, local_id) WHERE seq IS NOT NULL;
`,
  },
  {
    version: 4,
    name: 'display names of friends',
    // `friends_refreshed_at` (ms) is when the names were last taken from GET /api/friends; NULL asks the next sync
    // round for them (a copy from before this migration, a login, a friendship event without the name).
    sql: `
ALTER TABLE friends ADD COLUMN display_name TEXT;
ALTER TABLE sync_state ADD COLUMN friends_refreshed_at INTEGER;
`,
  },
  {
    version: 5,
    name: "this device's unsent messages by thread",
    // When the node numbers one of this device's messages, the ones written after it and still unsent move after it:
    // found by this index without walking the thread's numbered messages.
    sql: `
CREATE INDEX messages_unsent ON messages (peer_user_id, local_id) WHERE id IS NULL;
`,
  },
];

/** Brings the local schema up to date; each migration commits with its version, so an interrupted run resumes. */
export function migrateLocalDatabase(
  db: LocalDatabase,
  migrations: readonly LocalMigration[] = LOCAL_MIGRATIONS,
): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS local_schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    db.all<{ version: number }>('SELECT version FROM local_schema_migrations').map((row) => row.version),
  );
  const newlyApplied: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.run('INSERT INTO local_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
    });
    newlyApplied.push(migration.version);
  }
  return newlyApplied;
}
