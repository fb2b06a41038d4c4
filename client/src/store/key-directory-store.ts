import type { DirectoryDevice } from '../e2ee/key-set.ts';
import type { LocalDatabase } from '../storage/local-database.ts';

export type DirectoryStatus = 'keys' | 'no-keys' | 'no-key-directory';

/** A person's devices as their server last listed them, and what this user made of them. */
export interface DirectoryEntry {
  address: string;
  status: DirectoryStatus;
  devices: DirectoryDevice[];
  /** ms */
  fetchedAt: number;
  /** A `keys` sync event said the set changed: look it up again before relying on it. */
  stale: boolean;
  /** The key set (`keySetOf`) the user accepted; a different current set is a key change. */
  acknowledgedKeys: string;
  keyChanged: boolean;
  verified: boolean;
}

interface DirectoryRow {
  address: string;
  status: DirectoryStatus;
  devices: string;
  fetched_at: number;
  stale: number;
  acknowledged_keys: string;
  key_changed: number;
  verified: number;
}

export class KeyDirectoryStore {
  constructor(private readonly db: LocalDatabase) {}

  entry(address: string): DirectoryEntry | undefined {
    const row = this.db.get<DirectoryRow>('SELECT * FROM e2ee_directory WHERE address = ?', [address]);
    return row ? toEntry(row) : undefined;
  }

  save(entry: DirectoryEntry): void {
    this.db.run(
      `INSERT INTO e2ee_directory (address, status, devices, fetched_at, stale, acknowledged_keys, key_changed, verified)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (address) DO UPDATE SET status = excluded.status, devices = excluded.devices,
         fetched_at = excluded.fetched_at, stale = excluded.stale, acknowledged_keys = excluded.acknowledged_keys,
         key_changed = excluded.key_changed, verified = excluded.verified`,
      [
        entry.address,
        entry.status,
        JSON.stringify(entry.devices),
        entry.fetchedAt,
        entry.stale ? 1 : 0,
        entry.acknowledgedKeys,
        entry.keyChanged ? 1 : 0,
        entry.verified ? 1 : 0,
      ],
    );
  }

  /** Every device of the entry is remembered with its key, also after it leaves the directory. */
  rememberPublishedKeys(address: string, devices: readonly DirectoryDevice[]): void {
    for (const device of devices) {
      this.db.run(
        `INSERT INTO e2ee_published_keys (address, device_id, identity_key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
        [address, device.deviceId, device.identityKey],
      );
    }
  }

  wasPublished(address: string, deviceId: string, identityKey: string): boolean {
    return (
      this.db.get('SELECT 1 FROM e2ee_published_keys WHERE address = ? AND device_id = ? AND identity_key = ?', [
        address,
        deviceId,
        identityKey,
      ]) !== undefined
    );
  }

  /** A `keys` sync event: the next look-up goes to the server. Returns whether the address was known. */
  markStale(address: string): boolean {
    return this.db.run('UPDATE e2ee_directory SET stale = 1 WHERE address = ?', [address]).changes > 0;
  }

  staleAddresses(): string[] {
    return this.db.all<{ address: string }>('SELECT address FROM e2ee_directory WHERE stale = 1').map((r) => r.address);
  }

  /** Friends with an unacknowledged key change: sending to them waits. */
  keyChangedAddresses(): string[] {
    return this.db
      .all<{ address: string }>('SELECT address FROM e2ee_directory WHERE key_changed = 1')
      .map((r) => r.address);
  }
}

function toEntry(row: DirectoryRow): DirectoryEntry {
  return {
    address: row.address,
    status: row.status,
    devices: JSON.parse(row.devices) as DirectoryDevice[],
    fetchedAt: row.fetched_at,
    stale: row.stale === 1,
    acknowledgedKeys: row.acknowledged_keys,
    keyChanged: row.key_changed === 1,
    verified: row.verified === 1,
  };
}
