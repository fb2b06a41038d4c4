import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A device of another server's user, as that server published it. */
export interface DirectoryDevice {
  deviceId: string;
  identityKey: string;
  updatedAt: string;
}

/**
 * Another server's answer to a key directory query, kept briefly (KEY_DIRECTORY_CACHE_MS) so that a client opening
 * conversations does not cost the peer a request each; a key change notice from that server drops it at once.
 */
@Entity({ name: 'key_directory_cache' })
export class KeyDirectoryCacheEntity {
  @PrimaryColumn({ type: 'varchar', length: 320, primaryKeyConstraintName: 'key_directory_cache_pkey' })
  address: string;

  @Column({ type: 'jsonb' })
  devices: DirectoryDevice[];

  @Column({ name: 'fetched_at', type: 'timestamptz' })
  fetchedAt: Date;
}
