import type { LocalDatabase } from '../storage/local-database.ts';

/** This device's identity: its Ed25519 key pair is the MLS signature key of every group it is in. */
export interface DeviceIdentity {
  deviceId: string;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  /** Whether the user's server has a key directory: null until it was asked. */
  serverHasDirectory: boolean | null;
  /** The server has this identity (a PUT /api/keys of it succeeded since the last login). */
  published: boolean;
  /** The server's time of this device's keys: messages older than it were sent before this device could read them. */
  joinedAt: string | null;
  /** When the server last said how many key packages remain (ms). */
  packagesCheckedAt: number | null;
}

/** A key package of this device, with the private keys that open a Welcome made from it. */
export interface StoredKeyPackage {
  /** The MLS KeyPackageRef, base64url: how a Welcome names the key package it was sealed to. */
  ref: string;
  /** The key package as an MLS message (public). */
  keyPackage: Uint8Array;
  initPrivateKey: Uint8Array;
  hpkePrivateKey: Uint8Array;
  lastResort: boolean;
}

interface IdentityRow {
  device_id: string;
  public_key: Uint8Array;
  secret_key: Uint8Array;
  server_has_directory: number | null;
  published: number;
  joined_at: string | null;
  packages_checked_at: number | null;
}

interface KeyPackageRow {
  ref: string;
  key_package: Uint8Array;
  init_private_key: Uint8Array;
  hpke_private_key: Uint8Array;
  last_resort: number;
}

export class DeviceKeyStore {
  constructor(private readonly db: LocalDatabase) {}

  identity(): DeviceIdentity | undefined {
    const row = this.db.get<IdentityRow>('SELECT * FROM e2ee_identity WHERE id = 1');
    if (!row) return undefined;
    return {
      deviceId: row.device_id,
      publicKey: toBytes(row.public_key),
      secretKey: toBytes(row.secret_key),
      serverHasDirectory: row.server_has_directory === null ? null : row.server_has_directory === 1,
      published: row.published === 1,
      joinedAt: row.joined_at,
      packagesCheckedAt: row.packages_checked_at,
    };
  }

  /** A new identity replaces the old one and every key package made with it. */
  saveIdentity(identity: Pick<DeviceIdentity, 'deviceId' | 'publicKey' | 'secretKey'>, createdAt: string): void {
    this.db.run('DELETE FROM e2ee_key_packages');
    this.db.run(
      `INSERT INTO e2ee_identity (id, device_id, public_key, secret_key, created_at) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET device_id = excluded.device_id, public_key = excluded.public_key,
         secret_key = excluded.secret_key, created_at = excluded.created_at, published = 0, joined_at = NULL,
         packages_checked_at = NULL`,
      [identity.deviceId, identity.publicKey, identity.secretKey, createdAt],
    );
  }

  /** A new login: the server holds this device's keys again only once they are published with the new token. */
  markUnpublished(): void {
    this.db.run('UPDATE e2ee_identity SET published = 0, server_has_directory = NULL WHERE id = 1');
  }

  markServerWithoutDirectory(checkedAt: number): void {
    this.db.run('UPDATE e2ee_identity SET server_has_directory = 0, packages_checked_at = ? WHERE id = 1', [checkedAt]);
  }

  /** The server answered a PUT: every package sent is published. */
  markPublished(refs: readonly string[], checkedAt: number): void {
    this.db.run(
      'UPDATE e2ee_identity SET server_has_directory = 1, published = 1, packages_checked_at = ? WHERE id = 1',
      [checkedAt],
    );
    for (const ref of refs) this.db.run('UPDATE e2ee_key_packages SET published = 1 WHERE ref = ?', [ref]);
  }

  saveJoinedAt(joinedAt: string): void {
    this.db.run('UPDATE e2ee_identity SET joined_at = ? WHERE id = 1', [joinedAt]);
  }

  addKeyPackages(packages: readonly StoredKeyPackage[], createdAt: string): void {
    for (const entry of packages) {
      this.db.run(
        `INSERT INTO e2ee_key_packages (ref, key_package, init_private_key, hpke_private_key, last_resort, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [entry.ref, entry.keyPackage, entry.initPrivateKey, entry.hpkePrivateKey, entry.lastResort ? 1 : 0, createdAt],
      );
    }
  }

  /** The packages the server has not been given yet, single-use ones first. */
  unpublishedKeyPackages(): StoredKeyPackage[] {
    return this.db
      .all<KeyPackageRow>('SELECT * FROM e2ee_key_packages WHERE published = 0 ORDER BY last_resort, ref')
      .map(toKeyPackage);
  }

  lastResortKeyPackage(): StoredKeyPackage | undefined {
    const row = this.db.get<KeyPackageRow>('SELECT * FROM e2ee_key_packages WHERE last_resort = 1');
    return row ? toKeyPackage(row) : undefined;
  }

  keyPackage(ref: string): StoredKeyPackage | undefined {
    const row = this.db.get<KeyPackageRow>('SELECT * FROM e2ee_key_packages WHERE ref = ?', [ref]);
    return row ? toKeyPackage(row) : undefined;
  }

  /** A single-use package is deleted once a Welcome used it; the last-resort one stays. */
  consumeKeyPackage(ref: string): void {
    this.db.run('DELETE FROM e2ee_key_packages WHERE ref = ? AND last_resort = 0', [ref]);
  }

  erase(): void {
    this.db.run('DELETE FROM e2ee_key_packages');
    this.db.run('DELETE FROM e2ee_identity');
  }
}

function toKeyPackage(row: KeyPackageRow): StoredKeyPackage {
  return {
    ref: row.ref,
    keyPackage: toBytes(row.key_package),
    initPrivateKey: toBytes(row.init_private_key),
    hpkePrivateKey: toBytes(row.hpke_private_key),
    lastResort: row.last_resort === 1,
  };
}

/** better-sqlite3 gives Buffers: a plain Uint8Array is what ts-mls and the browser build expect. */
export function toBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
}
