import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1764216000000 implements MigrationInterface {
  name = 'Foundation1764216000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "users" (
        "id" uuid NOT NULL,
        "username" character varying(64) NOT NULL,
        "display_name" character varying(128) NOT NULL,
        "password_hash" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "users_username_key" ON "users" ("username")`);
    await queryRunner.query(`
      CREATE TABLE "access_tokens" (
        "id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "device_name" character varying(64) NOT NULL,
        "token_hash" bytea NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "last_used_at" TIMESTAMP WITH TIME ZONE,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_65140f59763ff994a0252488166" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "access_tokens_token_hash_key" ON "access_tokens" ("token_hash")`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "access_tokens_user_device_live_key" ON "access_tokens" ("user_id", "device_name") WHERE revoked_at IS NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "access_tokens" ADD CONSTRAINT "access_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "access_tokens"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
