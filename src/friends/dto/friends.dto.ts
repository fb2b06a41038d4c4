import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { INVITE_STATUSES, InviteStatus } from '../friend-invite.entity';

const ADDRESS_DOC = 'a username of this node or a full address `user@server`';

/** Contract fields kept so that existing clients validate; authentication is by bearer token only. */
class ContractActorFields {
  @ApiPropertyOptional({ deprecated: true, description: 'ignored: the bearer token authenticates' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  actorToken?: string;
}

export class CreateInviteDto extends ContractActorFields {
  @ApiProperty({ description: ADDRESS_DOC, example: 'bob' })
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  toUserId: string;

  @ApiPropertyOptional({ description: 'must be the acting user when given' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
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
  @ApiPropertyOptional({ description: 'must be the acting user when given' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  actorUserId?: string;
}

export class ListInvitesQuery extends ContractActorFields {
  @ApiPropertyOptional({ description: 'must be the acting user when given' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
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

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 100, description: 'per direction, newest first' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class ListFriendsQuery extends ContractActorFields {
  @ApiPropertyOptional({ description: 'must be the acting user when given' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  userId?: string;

  @ApiPropertyOptional({ description: 'the `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(400)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class UnfriendDto extends ContractActorFields {
  @ApiProperty({ description: ADDRESS_DOC })
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  friendUserId: string;

  @ApiPropertyOptional({ description: 'must be the acting user when given' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  userId?: string;
}
