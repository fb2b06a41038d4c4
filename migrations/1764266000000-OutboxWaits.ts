import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbox rows wait from `waiting_since` (an operator's retry starts the give-up age afresh), and remember a release
 * that came while they were being sent (`released_in_flight`).
 */
export class OutboxWaits1764266000000 implements MigrationInterface {
  name = 'OutboxWaits1764266000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "federation_message_outbox" ADD "waiting_since" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`,
    );
    await queryRunner.query(`UPDATE "federation_message_outbox" SET "waiting_since" = "created_at"`);
    await queryRunner.query(
      `ALTER TABLE "federation_message_outbox" ADD "released_in_flight" boolean NOT NULL DEFAULT false`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "federation_message_outbox" DROP COLUMN "released_in_flight"`);
    await queryRunner.query(`ALTER TABLE "federation_message_outbox" DROP COLUMN "waiting_since"`);
  }
}
