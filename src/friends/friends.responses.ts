import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { localpartOf } from '../common/address';
import { FriendInviteEntity, INVITE_STATUSES, InviteStatus } from './friend-invite.entity';
import { FriendshipEntity } from './friendship.entity';

export class InviteResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() fromUserId: string;
  @ApiProperty() toUserId: string;
  @ApiProperty({ enum: INVITE_STATUSES }) status: InviteStatus;
  @ApiPropertyOptional({ nullable: true, type: String }) message: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) respondedAt: string | null;
}

export class InviteEnvelope {
  @ApiProperty() ok: boolean;
  @ApiProperty({ type: InviteResponse }) invite: InviteResponse;
}

export class InviteListResponse {
  @ApiProperty() userId: string;
  @ApiProperty({ type: [InviteResponse] }) incoming: InviteResponse[];
  @ApiProperty({ type: [InviteResponse] }) outgoing: InviteResponse[];
}

export class FriendResponse {
  @ApiProperty() userId: string;
  @ApiProperty() friendUserId: string;
  @ApiProperty({ enum: ['accepted'] }) status: 'accepted';
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) sourceInviteId: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) displayName: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'the friend’s localpart' }) handle: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) avatarUrl: string | null;
}

export class FriendListResponse {
  @ApiProperty() userId: string;
  @ApiProperty({ type: [FriendResponse] }) friends: FriendResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as `cursor` for the next page' }) nextCursor:
    string | null;
}

export function toInviteResponse(invite: FriendInviteEntity): InviteResponse {
  return {
    id: invite.id,
    fromUserId: invite.fromUserId,
    toUserId: invite.toUserId,
    status: invite.status,
    message: invite.message,
    createdAt: invite.createdAt.toISOString(),
    updatedAt: invite.updatedAt.toISOString(),
    respondedAt: invite.respondedAt?.toISOString() ?? null,
  };
}

export function toFriendResponse(friendship: FriendshipEntity, displayName: string | null): FriendResponse {
  return {
    userId: friendship.userId,
    friendUserId: friendship.friendUserId,
    status: 'accepted',
    sourceInviteId: friendship.sourceInviteId,
    createdAt: friendship.createdAt.toISOString(),
    updatedAt: friendship.updatedAt.toISOString(),
    displayName,
    handle: localpartOf(friendship.friendUserId),
    avatarUrl: null,
  };
}
