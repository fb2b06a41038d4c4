import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One device's published identity: an Ed25519 public key (the device's MLS signature key) and its last-resort key
 * package. `userId` is the owner's address, a user of this node. The device lives as long as the access token that
 * published it (`tokenId`): revoking the token deletes the device (KeysRevocation).
 */
@Entity({ name: 'device_keys' })
@Index('device_keys_token_id_key', ['tokenId'], { unique: true })
export class DeviceKeyEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 320, primaryKeyConstraintName: 'device_keys_pkey' })
  userId: string;

  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 64, primaryKeyConstraintName: 'device_keys_pkey' })
  deviceId: string;

  @Column({ name: 'token_id', type: 'uuid' })
  tokenId: string;

  @Column({ name: 'identity_key', type: 'bytea' })
  identityKey: Buffer;

  /** Handed out when the device's single-use packages are all claimed; never deleted by a claim. */
  @Column({ name: 'last_resort_key_package', type: 'bytea', nullable: true })
  lastResortKeyPackage: Buffer | null;

  /** When the identity key was set: the device's publication or its last identity reset. */
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/** A single-use MLS key package of a device: deleted as it is handed out, so that nobody gets it twice. */
@Entity({ name: 'key_packages' })
@Index('key_packages_device_idx', ['userId', 'deviceId', 'id'])
export class KeyPackageEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'key_packages_pkey' })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 320 })
  userId: string;

  @Column({ name: 'device_id', type: 'varchar', length: 64 })
  deviceId: string;

  @ManyToOne(() => DeviceKeyEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'user_id', referencedColumnName: 'userId', foreignKeyConstraintName: 'key_packages_device_fkey' },
    { name: 'device_id', referencedColumnName: 'deviceId' },
  ])
  device?: DeviceKeyEntity;

  @Column({ name: 'key_package', type: 'bytea' })
  keyPackage: Buffer;
}
