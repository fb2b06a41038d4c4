import { MigrationInterface, QueryRunner } from 'typeorm';

export class FriendsMessagesSync1764220000000 implements MigrationInterface {
  name = 'FriendsMessagesSync1764220000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "friend_invites" (
        "id" uuid NOT NULL,
        "from_user_id" character varying(320) NOT NULL,
        "to_user_id" character varying(320) NOT NULL,
        "status" character varying(16) NOT NULL,
        "message" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "responded_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_47c45fe0d331031ea3993b64da3" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "friend_invites_from_user_idx" ON "friend_invites" ("from_user_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "friend_invites_to_user_idx" ON "friend_invites" ("to_user_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "friend_invites_pending_pair_key" ON "friend_invites" ("from_user_id", "to_user_id") WHERE status = 'pending'`,
    );
    await queryRunner.query(`
      CREATE TABLE "friendships" (
        "user_id" character varying(320) NOT NULL,
        "friend_user_id" character varying(320) NOT NULL,
        "source_invite_id" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_1a8e20e4fd9a7889d91cf6b591b" PRIMARY KEY ("user_id", "friend_user_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "conversation_summaries" (
        "owner_user_id" character varying(320) NOT NULL,
        "friend_user_id" character varying(320) NOT NULL,
        "last_message_id" uuid NOT NULL,
        "last_message_seq" bigint NOT NULL,
        "last_message_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "last_message_content" text NOT NULL,
        "last_message_content_type" character varying(64) NOT NULL,
        "unread_count" integer NOT NULL DEFAULT '0',
        CONSTRAINT "PK_6131ca2302ff73cbd058b67c014" PRIMARY KEY ("owner_user_id", "friend_user_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "conversation_summaries_owner_recent_idx" ON "conversation_summaries" ("owner_user_id", "last_message_seq")`,
    );
    await queryRunner.query(`
      CREATE TABLE "friend_messages" (
        "id" uuid NOT NULL,
        "seq" BIGSERIAL NOT NULL,
        "client_message_id" character varying(128) NOT NULL,
        "from_user_id" character varying(320) NOT NULL,
        "to_user_id" character varying(320) NOT NULL,
        "conversation_key" character varying(641) NOT NULL,
        "content_type" character varying(64) NOT NULL,
        "content" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "read_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_07e383a744e50d8334494cc848e" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "friend_messages_conversation_idx" ON "friend_messages" ("conversation_key", "seq")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "friend_messages_sender_client_id_key" ON "friend_messages" ("from_user_id", "client_message_id")`,
    );
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
    await queryRunner.query(
      `CREATE INDEX "sync_events_user_position_idx" ON "sync_events" ("user_id", "tx_id", "seq")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['sync_events', 'friend_messages', 'conversation_summaries', 'friendships', 'friend_invites']) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
