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
  {
    version: 6,
    name: 'end-to-end encryption',
    // The device's identity and the private parts of its key packages never leave this copy. Group states are ts-mls's
    // encodeGroupState; an outbox row keeps the envelope it was sealed into, so that a retry resends it and never
    // seals the text again with a used key. e2ee_pending holds envelopes of a later epoch until the handshake before
    // them is processed. e2ee_published_keys remembers every identity key a directory listed for a device: a Welcome
    // made before the device was removed still names it. A message's `encryption` is how it travelled ('plain' for everything before this version).
    sql: `
CREATE TABLE e2ee_identity (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  device_id TEXT NOT NULL,
  public_key BLOB NOT NULL,
  secret_key BLOB NOT NULL,
  created_at TEXT NOT NULL,
  server_has_directory INTEGER,
  published INTEGER NOT NULL DEFAULT 0,
  joined_at TEXT,
  packages_checked_at INTEGER
);

CREATE TABLE e2ee_key_packages (
  ref TEXT PRIMARY KEY,
  key_package BLOB NOT NULL,
  init_private_key BLOB NOT NULL,
  hpke_private_key BLOB NOT NULL,
  last_resort INTEGER NOT NULL DEFAULT 0,
  published INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

CREATE TABLE e2ee_directory (
  address TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('keys', 'no-keys', 'no-key-directory')),
  devices TEXT NOT NULL,
  fetched_at INTEGER NOT NULL,
  stale INTEGER NOT NULL DEFAULT 0,
  acknowledged_keys TEXT NOT NULL,
  key_changed INTEGER NOT NULL DEFAULT 0,
  verified INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE e2ee_published_keys (
  address TEXT NOT NULL,
  device_id TEXT NOT NULL,
  identity_key TEXT NOT NULL,
  PRIMARY KEY (address, device_id, identity_key)
);

CREATE TABLE e2ee_groups (
  group_id TEXT PRIMARY KEY,
  owner_address TEXT NOT NULL,
  owner_device TEXT NOT NULL,
  peer_address TEXT NOT NULL,
  outgoing INTEGER NOT NULL,
  joined_epoch INTEGER NOT NULL,
  state BLOB NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX e2ee_outgoing_group ON e2ee_groups (peer_address) WHERE outgoing = 1;

CREATE TABLE e2ee_pending (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT NOT NULL UNIQUE,
  group_id TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  from_user_id TEXT NOT NULL,
  to_user_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  envelope TEXT NOT NULL
);
CREATE INDEX e2ee_pending_by_group ON e2ee_pending (group_id, epoch, seq);

ALTER TABLE outbox ADD COLUMN envelope TEXT;
ALTER TABLE messages ADD COLUMN encryption TEXT NOT NULL DEFAULT 'plain'
  CHECK (encryption IN ('e2ee', 'plain', 'pending', 'undecryptable'));
ALTER TABLE messages ADD COLUMN undecryptable_reason TEXT;
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
