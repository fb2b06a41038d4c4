import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const INVITE_STATUSES = ['pending', 'accepted', 'declined', 'revoked'] as const;
export type InviteStatus = (typeof INVITE_STATUSES)[number];

/** A friend request between two addresses; on a federated pair, both nodes keep a copy with the same id. */
@Entity({ name: 'friend_invites' })
@Index('friend_invites_pending_pair_key', ['fromUserId', 'toUserId'], { unique: true, where: "status = 'pending'" })
@Index('friend_invites_to_user_idx', ['toUserId', 'createdAt'])
@Index('friend_invites_from_user_idx', ['fromUserId', 'createdAt'])
export class FriendInviteEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'from_user_id', type: 'varchar', length: 320 })
  fromUserId: string;

  @Column({ name: 'to_user_id', type: 'varchar', length: 320 })
  toUserId: string;

  @Column({ type: 'varchar', length: 16 })
  status: InviteStatus;

  @Column({ type: 'text', nullable: true })
  message: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'responded_at', type: 'timestamptz', nullable: true })
  respondedAt: Date | null;
}
