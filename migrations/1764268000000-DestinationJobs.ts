import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One delivery job per destination (docs/design-notes.md, "Delivery"): no leases on outbox rows, no probes or pacing
 * clock on destinations. A row's own wait (a friendship not recorded yet) is `held_until`; a release by a message from
 * the recipient is `released_at`.
 */
export class DestinationJobs1764268000000 implements MigrationInterface {
  name = 'DestinationJobs1764268000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "federation_message_outbox" ADD "held_until" TIMESTAMP WITH TIME ZONE,
         ADD "released_at" TIMESTAMP WITH TIME ZONE`,
    );
    // Rows that waited for a later attempt keep waiting as long, now as a hold of their own.
    await queryRunner.query(
      `UPDATE "federation_message_outbox" SET "held_until" = "next_attempt_at"
       WHERE "status" = 'pending' AND "next_attempt_at" > now()`,
    );
    await queryRunner.query(`DROP INDEX "public"."federation_outbox_due_idx"`);
    await queryRunner.query(
      `ALTER TABLE "federation_message_outbox" DROP COLUMN "claimed_until", DROP COLUMN "released_in_flight"`,
    );
    // A destination's due rows in order (the next request, and whether any is due), the holds that end, and the
    // rows that may pass the give-up age: each on pending rows only, never on the sent and acked history.
    await queryRunner.query(
      `CREATE INDEX "federation_outbox_due_idx" ON "federation_message_outbox" ("recipient_server", "created_at", "id")
       WHERE status = 'pending' AND held_until IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "federation_outbox_held_idx" ON "federation_message_outbox" ("held_until")
       WHERE status = 'pending' AND held_until IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "federation_outbox_waiting_idx" ON "federation_message_outbox" ("waiting_since")
       WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `ALTER TABLE "federation_destinations" DROP COLUMN "probe_claimed_until", DROP COLUMN "probe_outbox_id",
         DROP COLUMN "rate_limit", DROP COLUMN "rate_window_ms", DROP COLUMN "pace_at"`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "federation_destinations" ADD "probe_claimed_until" TIMESTAMP WITH TIME ZONE, ADD "probe_outbox_id" uuid,
         ADD "rate_limit" integer, ADD "rate_window_ms" integer, ADD "pace_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `ALTER TABLE "federation_message_outbox" ADD "claimed_until" TIMESTAMP WITH TIME ZONE,
         ADD "released_in_flight" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `UPDATE "federation_message_outbox" SET "next_attempt_at" = "held_until" WHERE "held_until" > "next_attempt_at"`,
    );
    await queryRunner.query(`DROP INDEX "public"."federation_outbox_waiting_idx"`);
    await queryRunner.query(`DROP INDEX "public"."federation_outbox_held_idx"`);
    await queryRunner.query(`DROP INDEX "public"."federation_outbox_due_idx"`);
    await queryRunner.query(
      `CREATE INDEX "federation_outbox_due_idx" ON "federation_message_outbox" ("next_attempt_at") WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `ALTER TABLE "federation_message_outbox" DROP COLUMN "released_at", DROP COLUMN "held_until"`,
    );
  }
}
