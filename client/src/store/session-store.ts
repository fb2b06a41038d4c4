import type { LocalDatabase } from '../storage/local-database.ts';
import type { Session } from '../model.ts';

interface SessionRow {
  server_url: string;
  user_address: string;
  display_name: string | null;
  access_token: string | null;
  expires_at: string | null;
  device_name: string;
}

/** Who this copy belongs to, and how far it has synced. */
export class SessionStore {
  constructor(private readonly db: LocalDatabase) {}

  get(): Session | undefined {
    const row = this.db.get<SessionRow>('SELECT * FROM session WHERE id = 1');
    if (!row) return undefined;
    return {
      serverUrl: row.server_url,
      userAddress: row.user_address,
      displayName: row.display_name,
      accessToken: row.access_token,
      expiresAt: row.expires_at,
      deviceName: row.device_name,
    };
  }

  save(session: Session): void {
    this.db.run(
      `INSERT INTO session (id, server_url, user_address, display_name, access_token, expires_at, device_name)
       VALUES (1, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET server_url = excluded.server_url, user_address = excluded.user_address,
         display_name = excluded.display_name, access_token = excluded.access_token,
         expires_at = excluded.expires_at, device_name = excluded.device_name`,
      [
        session.serverUrl,
        session.userAddress,
        session.displayName,
        session.accessToken,
        session.expiresAt,
        session.deviceName,
      ],
    );
  }

  /** Forgets the token but keeps who this copy belongs to, so its messages stay readable offline. */
  clearToken(): void {
    this.db.run('UPDATE session SET access_token = NULL, expires_at = NULL WHERE id = 1');
  }

  cursor(): string | null {
    return this.db.get<{ cursor: string | null }>('SELECT cursor FROM sync_state WHERE id = 1')?.cursor ?? null;
  }

  saveCursor(cursor: string, at: string): void {
    this.db.run(
      `INSERT INTO sync_state (id, cursor, last_synced_at) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET cursor = excluded.cursor, last_synced_at = excluded.last_synced_at`,
      [cursor, at],
    );
  }

  /** When friends' names were last taken from the server (ms); null when the next sync round should take them. */
  friendNamesRefreshedAt(): number | null {
    return (
      this.db.get<{ at: number | null }>('SELECT friends_refreshed_at AS at FROM sync_state WHERE id = 1')?.at ?? null
    );
  }

  /** `null` asks the next sync round to take the names from the server. */
  saveFriendNamesRefreshedAt(at: number | null): void {
    this.db.run(
      `INSERT INTO sync_state (id, friends_refreshed_at) VALUES (1, ?)
       ON CONFLICT (id) DO UPDATE SET friends_refreshed_at = excluded.friends_refreshed_at`,
      [at],
    );
  }

  lastSyncedAt(): string | null {
    return this.db.get<{ at: string | null }>('SELECT last_synced_at AS at FROM sync_state WHERE id = 1')?.at ?? null;
  }
}
