import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The due-row index covers pending rows only. Indexed by status first, it held every sent and acked row too, and the
 * planner, believing few rows were pending or sent (statistics lag behind a new node's tables), intersected it with
 * primary-key lookups: reading 14,000 index entries to ack 1,000 messages.
 */
export class PendingOutboxIndex1764250000000 implements MigrationInterface {
  name = 'PendingOutboxIndex1764250000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."federation_outbox_due_idx"`);
    await queryRunner.query(
      `CREATE INDEX "federation_outbox_due_idx" ON "federation_message_outbox" ("next_attempt_at") WHERE status = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."federation_outbox_due_idx"`);
    await queryRunner.query(
      `CREATE INDEX "federation_outbox_due_idx" ON "federation_message_outbox" ("status", "next_attempt_at") `,
    );
  }
}
