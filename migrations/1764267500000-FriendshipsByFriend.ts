import { MigrationInterface, QueryRunner } from 'typeorm';

/** Finds the local friends of an address (FriendsService.localFriendsOf: a key change notice from another server). */
export class FriendshipsByFriend1764267500000 implements MigrationInterface {
  name = 'FriendshipsByFriend1764267500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "friendships_friend_user_idx" ON "friendships" ("friend_user_id") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."friendships_friend_user_idx"`);
  }
}
