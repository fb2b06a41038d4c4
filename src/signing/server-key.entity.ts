import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** This node's X25519 keys. The newest without `notAfter` signs; older ones keep verifying until `notAfter`. */
@Entity({ name: 'federation_server_keys' })
export class ServerKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  /** PKCS#8 DER. Never leaves this table. */
  @Column({ name: 'private_key', type: 'bytea' })
  privateKey: Buffer;

  /** Raw public key, base64url. */
  @Column({ name: 'public_key', type: 'varchar', length: 64 })
  publicKey: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'not_after', type: 'timestamptz', nullable: true })
  notAfter: Date | null;
}
