import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a peer takes in one message (`limits` of its well-known document; 8,000 characters for a plain MyLife node,
 * which publishes none), so that content it would refuse is refused at send time.
 */
export class PeerLimits1764263000000 implements MigrationInterface {
  name = 'PeerLimits1764263000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "federation_destinations" ADD "limits" jsonb NOT NULL DEFAULT '{}'`);
    // A fetched document without keys is a plain node's missing one.
    await queryRunner.query(
      `UPDATE "federation_destinations" SET "limits" = '{"maxContentChars": 8000}'
       WHERE "well_known_fetched_at" IS NOT NULL AND "keys" = '[]'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "federation_destinations" DROP COLUMN "limits"`);
  }
}
