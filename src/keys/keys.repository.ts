import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DeviceKeyEntity } from './device-key.entity';
import { DirectoryDevice, KeyDirectoryCacheEntity } from './key-directory-cache.entity';
import { ClaimedRow } from './keys.responses';

/**
 * One package per device of $1 (those named in $2, all when null; never the device of token $3), in one statement:
 * each device's oldest single-use package is locked, skipping those a concurrent claim holds (it takes the next one),
 * and deleted as it is returned, so that no package is ever handed out twice. A device whose supply is empty gets its
 * last-resort package, which is never deleted; a device with neither is left out. MATERIALIZED: each device's pick
 * runs exactly once, never again per row of a join.
 */
const CLAIM_SQL = `
WITH devices AS MATERIALIZED (
  SELECT device_id, identity_key, last_resort_key_package FROM device_keys
  WHERE user_id = $1 AND ($2::varchar[] IS NULL OR device_id = ANY ($2)) AND token_id IS DISTINCT FROM $3::uuid
), picked AS MATERIALIZED (
  SELECT (SELECT q.id FROM key_packages q WHERE q.user_id = $1 AND q.device_id = d.device_id
          ORDER BY q.id LIMIT 1 FOR UPDATE SKIP LOCKED) AS id
  FROM devices d
), taken AS (
  DELETE FROM key_packages p USING picked WHERE p.id = picked.id
  RETURNING p.device_id, p.key_package
)
SELECT d.device_id AS "deviceId", d.identity_key AS "identityKey",
  COALESCE(t.key_package, d.last_resort_key_package) AS "keyPackage", t.key_package IS NULL AS "lastResort"
FROM devices d LEFT JOIN taken t USING (device_id)
WHERE t.key_package IS NOT NULL OR d.last_resort_key_package IS NOT NULL
ORDER BY d.device_id`;

/** The key directory's tables: devices, their key packages, and other servers' answers. */
@Injectable()
export class KeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Serialises the changes to one user's device set (publication, removal) until the transaction ends. */
  async lockUser(manager: EntityManager, userId: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`keys ${userId}`]);
  }

  /** The user's devices, by device id. */
  devices(userId: string, manager: EntityManager = this.dataSource.manager): Promise<DeviceKeyEntity[]> {
    return manager.getRepository(DeviceKeyEntity).find({ where: { userId }, order: { deviceId: 'ASC' } });
  }

  async insertDevice(
    manager: EntityManager,
    device: Pick<DeviceKeyEntity, 'userId' | 'deviceId' | 'tokenId' | 'identityKey'>,
  ): Promise<void> {
    await manager.getRepository(DeviceKeyEntity).insert(device);
  }

  /** A new identity key for the device: the packages made with the old one are no use to anyone. */
  async resetIdentity(manager: EntityManager, userId: string, deviceId: string, identityKey: Buffer): Promise<void> {
    await manager.query('DELETE FROM key_packages WHERE user_id = $1 AND device_id = $2', [userId, deviceId]);
    await manager
      .getRepository(DeviceKeyEntity)
      .update({ userId, deviceId }, { identityKey, lastResortKeyPackage: null, updatedAt: () => 'now()' });
  }

  async setLastResort(manager: EntityManager, userId: string, deviceId: string, keyPackage: Buffer): Promise<void> {
    await manager.getRepository(DeviceKeyEntity).update({ userId, deviceId }, { lastResortKeyPackage: keyPackage });
  }

  async addPackages(manager: EntityManager, userId: string, deviceId: string, packages: Buffer[]): Promise<void> {
    if (packages.length === 0) return;
    await manager.query(
      `INSERT INTO key_packages (user_id, device_id, key_package) SELECT $1, $2, unnest($3::bytea[])`,
      [userId, deviceId, packages],
    );
  }

  async countPackages(manager: EntityManager, userId: string, deviceId: string): Promise<number> {
    const [row]: { count: string }[] = await manager.query(
      'SELECT count(*) FROM key_packages WHERE user_id = $1 AND device_id = $2',
      [userId, deviceId],
    );
    return Number(row.count);
  }

  /** Deletes the devices published with these tokens (their packages go with them); answers whose they were. */
  async removeDevicesOfTokens(
    manager: EntityManager,
    tokenIds: string[],
  ): Promise<{ userId: string; deviceId: string }[]> {
    if (tokenIds.length === 0) return [];
    const [rows]: [{ userId: string; deviceId: string }[], number] = await manager.query(
      `DELETE FROM device_keys WHERE token_id = ANY ($1::uuid[]) RETURNING user_id AS "userId", device_id AS "deviceId"`,
      [tokenIds],
    );
    return rows;
  }

  /** See CLAIM_SQL. */
  claim(userId: string, deviceIds: string[] | null, exceptTokenId: string | null): Promise<ClaimedRow[]> {
    return this.dataSource.query(CLAIM_SQL, [userId, deviceIds, exceptTokenId]);
  }

  /** The devices another server published for `address`, when fetched less than `maxAgeMs` ago. */
  async cached(address: string, maxAgeMs: number): Promise<DirectoryDevice[] | null> {
    const row = await this.dataSource
      .getRepository(KeyDirectoryCacheEntity)
      .createQueryBuilder('cache')
      .where('cache.address = :address', { address })
      .andWhere("cache.fetchedAt > now() - :maxAgeMs * interval '1 millisecond'", { maxAgeMs })
      .getOne();
    return row?.devices ?? null;
  }

  async cache(address: string, devices: DirectoryDevice[]): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO key_directory_cache (address, devices, fetched_at) VALUES ($1, $2, now())
       ON CONFLICT (address) DO UPDATE SET devices = EXCLUDED.devices, fetched_at = EXCLUDED.fetched_at`,
      [address, JSON.stringify(devices)],
    );
  }

  async dropCached(manager: EntityManager, address: string): Promise<void> {
    await manager.delete(KeyDirectoryCacheEntity, { address });
  }
}
