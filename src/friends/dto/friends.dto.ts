import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { INVITE_STATUSES, InviteStatus } from '../friend-invite.entity';
import { ActingUserField, ContractActorFields, CursorField, LimitField } from '../../common/request-fields';

const ADDRESS_DOC = 'a username of this node or a full address `user@server`';

export class CreateInviteDto extends ContractActorFields {
  @ApiProperty({ description: ADDRESS_DOC, example: 'bob' })
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  toUserId: string;

  @ActingUserField()
  fromUserId?: string;

  @ApiPropertyOptional({ nullable: true, maxLength: 1000, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  message?: string | null;

  @ApiPropertyOptional({ format: 'uuid', description: 'client-chosen invite id; repeating it returns the same invite' })
  @IsOptional()
  @IsUUID()
  id?: string;
}

export class AnswerInviteDto extends ContractActorFields {
  @ActingUserField()
  actorUserId?: string;
}

export class ListInvitesQuery extends ContractActorFields {
  @ActingUserField()
  userId?: string;

  @ApiPropertyOptional({ enum: ['incoming', 'outgoing', 'both'], default: 'both' })
  @IsOptional()
  @IsIn(['incoming', 'outgoing', 'both'])
  direction?: 'incoming' | 'outgoing' | 'both';

  @ApiPropertyOptional({ description: 'comma-separated statuses, e.g. `pending,accepted`', example: 'pending' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((status) => status.trim()) : value))
  @IsIn(INVITE_STATUSES, {
    each: true,
    message: `status must be a comma-separated list of ${INVITE_STATUSES.join(', ')}`,
  })
  status?: InviteStatus[];

  @LimitField(100, 200, 'per direction, newest first')
  limit?: number;
}

export class ListFriendsQuery extends ContractActorFields {
  @ActingUserField()
  userId?: string;

  @CursorField()
  cursor?: string;

  @LimitField(100)
  limit?: number;
}

export class UnfriendDto extends ContractActorFields {
  @ApiProperty({ description: ADDRESS_DOC })
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  friendUserId: string;

  @ActingUserField()
  userId?: string;
}
