import { MigrationInterface, QueryRunner } from 'typeorm';

export class Federation1764230000000 implements MigrationInterface {
  name = 'Federation1764230000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "federation_destinations" ("server" character varying(255) NOT NULL, "keys" jsonb NOT NULL DEFAULT '[]', "capabilities" jsonb NOT NULL DEFAULT '[]', "well_known_fetched_at" TIMESTAMP WITH TIME ZONE, "consecutive_failures" integer NOT NULL DEFAULT '0', "retry_at" TIMESTAMP WITH TIME ZONE, "probe_claimed_until" TIMESTAMP WITH TIME ZONE, "last_error" text, "last_success_at" TIMESTAMP WITH TIME ZONE, "last_failure_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_55cdd12faa2972b8daf3491a65b" PRIMARY KEY ("server"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "federation_inbox_receipts" ("sender_server" character varying(255) NOT NULL, "client_message_id" character varying(128) NOT NULL, "from_user_id" character varying(320) NOT NULL, "message_id" uuid NOT NULL, "remote_message_id" character varying(128), "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "fetched_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_40840b6e7772b6fe40e81405687" PRIMARY KEY ("sender_server", "client_message_id", "from_user_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "federation_inbox_receipts_message_idx" ON "federation_inbox_receipts" ("message_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "federation_inbox_transactions" ("sender_server" character varying(255) NOT NULL, "transaction_id" character varying(128) NOT NULL, "response" jsonb NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1a75223ffae9a9691605798fdce" PRIMARY KEY ("sender_server", "transaction_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "federation_message_outbox" ("id" uuid NOT NULL, "kind" character varying(32) NOT NULL, "message_id" uuid, "recipient_server" character varying(255) NOT NULL, "payload" jsonb, "status" character varying(16) NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "claimed_until" TIMESTAMP WITH TIME ZONE, "last_error" text, "last_http_status" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "sent_at" TIMESTAMP WITH TIME ZONE, "acked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_86483fef3005274b0a2dd76b0ac" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "federation_outbox_message_idx" ON "federation_message_outbox" ("message_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "federation_outbox_due_idx" ON "federation_message_outbox" ("status", "next_attempt_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "federation_outbox_destination_idx" ON "federation_message_outbox" ("recipient_server", "status", "created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "federation_server_keys" ("id" character varying(64) NOT NULL, "private_key" bytea NOT NULL, "public_key" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "not_after" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_7e101231f4010392a8821a9afb4" PRIMARY KEY ("id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'federation_server_keys',
      'federation_message_outbox',
      'federation_inbox_transactions',
      'federation_inbox_receipts',
      'federation_destinations',
    ]) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
