import { MigrationInterface, QueryRunner } from 'typeorm';

/** The key directory of end-to-end encryption (src/keys): devices' identity keys, their key packages, peers' answers. */
export class KeyDirectory1764267000000 implements MigrationInterface {
  name = 'KeyDirectory1764267000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "device_keys" ("user_id" character varying(320) NOT NULL, "device_id" character varying(64) NOT NULL, "token_id" uuid NOT NULL, "identity_key" bytea NOT NULL, "last_resort_key_package" bytea, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "device_keys_pkey" PRIMARY KEY ("user_id", "device_id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "device_keys_token_id_key" ON "device_keys" ("token_id") `);
    await queryRunner.query(
      `CREATE TABLE "key_packages" ("id" BIGSERIAL NOT NULL, "user_id" character varying(320) NOT NULL, "device_id" character varying(64) NOT NULL, "key_package" bytea NOT NULL, CONSTRAINT "key_packages_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "key_packages_device_idx" ON "key_packages" ("user_id", "device_id", "id") `);
    await queryRunner.query(
      `CREATE TABLE "key_directory_cache" ("address" character varying(320) NOT NULL, "devices" jsonb NOT NULL, "fetched_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "key_directory_cache_pkey" PRIMARY KEY ("address"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "key_packages" ADD CONSTRAINT "key_packages_device_fkey" FOREIGN KEY ("user_id", "device_id") REFERENCES "device_keys"("user_id","device_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "key_packages" DROP CONSTRAINT "key_packages_device_fkey"`);
    await queryRunner.query(`DROP TABLE "key_directory_cache"`);
    await queryRunner.query(`DROP INDEX "public"."key_packages_device_idx"`);
    await queryRunner.query(`DROP TABLE "key_packages"`);
    await queryRunner.query(`DROP INDEX "public"."device_keys_token_id_key"`);
    await queryRunner.query(`DROP TABLE "device_keys"`);
  }
}
