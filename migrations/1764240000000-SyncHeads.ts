import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sync streams move from (transaction id, global seq) positions to per-user seqs taken from a locked head row, so
 * that one user's events commit in seq order without depending on transactions elsewhere in the Postgres cluster.
 * Existing events are renumbered per user in their old order; cursors handed out before restart from the beginning.
 */
export class SyncHeads1764240000000 implements MigrationInterface {
  name = 'SyncHeads1764240000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "sync_heads" ("user_id" character varying(320) NOT NULL, "last_seq" bigint NOT NULL, CONSTRAINT "PK_4247c1fa478fb4c1773292dd258" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(`
      CREATE TABLE "sync_events_per_user" (
        "user_id" character varying(320) NOT NULL,
        "seq" bigint NOT NULL,
        "type" character varying(32) NOT NULL,
        "message_id" uuid,
        "data" jsonb,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      INSERT INTO "sync_events_per_user" (user_id, seq, type, message_id, data, created_at)
      SELECT user_id, row_number() OVER (PARTITION BY user_id ORDER BY tx_id, seq), type, message_id, data, created_at
      FROM "sync_events"`);
    await queryRunner.query(
      `INSERT INTO "sync_heads" (user_id, last_seq) SELECT user_id, max(seq) FROM "sync_events_per_user" GROUP BY user_id`,
    );
    await queryRunner.query(`DROP TABLE "sync_events"`);
    await queryRunner.query(`ALTER TABLE "sync_events_per_user" RENAME TO "sync_events"`);
    await queryRunner.query(
      `ALTER TABLE "sync_events" ADD CONSTRAINT "PK_7e159893091ae4181d4354fb2a4" PRIMARY KEY ("user_id", "seq")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sync_events" RENAME TO "sync_events_per_user"`);
    await queryRunner.query(`
      CREATE TABLE "sync_events" (
        "seq" BIGSERIAL NOT NULL,
        "tx_id" bigint NOT NULL,
        "user_id" character varying(320) NOT NULL,
        "type" character varying(32) NOT NULL,
        "message_id" uuid,
        "data" jsonb,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_4cdebd405371298e6c855281bae" PRIMARY KEY ("seq")
      )`);
    await queryRunner.query(`
      INSERT INTO "sync_events" (tx_id, user_id, type, message_id, data, created_at)
      SELECT 0, user_id, type, message_id, data, created_at FROM "sync_events_per_user" ORDER BY user_id, seq`);
    await queryRunner.query(
      `CREATE INDEX "sync_events_user_position_idx" ON "sync_events" ("user_id", "tx_id", "seq")`,
    );
    await queryRunner.query(`DROP TABLE "sync_events_per_user"`);
    await queryRunner.query(`DROP TABLE "sync_heads"`);
  }
}
