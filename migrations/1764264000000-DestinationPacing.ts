import { MigrationInterface, QueryRunner } from 'typeorm';

/** A destination's quota and pacing clock (429 handling), and the row a probe lets through to a plain peer. */
export class DestinationPacing1764264000000 implements MigrationInterface {
  name = 'DestinationPacing1764264000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "federation_destinations" ADD "probe_outbox_id" uuid, ADD "rate_limit" integer,
         ADD "rate_window_ms" integer, ADD "pace_at" TIMESTAMP WITH TIME ZONE`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "federation_destinations" DROP COLUMN "pace_at", DROP COLUMN "rate_window_ms",
         DROP COLUMN "rate_limit", DROP COLUMN "probe_outbox_id"`,
    );
  }
}
