import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * One direction of an accepted friendship: `userId` is a user of this node, `friendUserId` any address. A local pair
 * has two rows; a federated pair has one row on each node.
 */
@Entity({ name: 'friendships' })
@Index('friendships_friend_user_idx', ['friendUserId'])
export class FriendshipEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 320 })
  userId: string;

  @PrimaryColumn({ name: 'friend_user_id', type: 'varchar', length: 320 })
  friendUserId: string;

  @Column({ name: 'source_invite_id', type: 'uuid', nullable: true })
  sourceInviteId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
