import { MigrationInterface, QueryRunner } from 'typeorm';

/** Counters of the login limits (and any later limit) for nodes without Redis; see src/common/rate-limit-store.ts. */
export class RateLimitCounters1764265000000 implements MigrationInterface {
  name = 'RateLimitCounters1764265000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "rate_limit_counters" ("key" text NOT NULL, "hits" integer NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "rate_limit_counters_pkey" PRIMARY KEY ("key"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "rate_limit_counters_expires_at_idx" ON "rate_limit_counters" ("expires_at") `,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."rate_limit_counters_expires_at_idx"`);
    await queryRunner.query(`DROP TABLE "rate_limit_counters"`);
  }
}
