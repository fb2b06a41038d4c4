import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { IsTimestamp, NestedObjects } from '../../common/request-fields';
import { CONTENT_TYPES, ContentType } from '../../messages/message.entity';

/** The seed's FederationInboxMessageInput, as existing MyLife nodes send it. */
export class InboxMessageDto {
  @ApiPropertyOptional({ description: "the sender node's message id (kept when it is a UUID)" })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  id?: string;

  @ApiProperty({ maxLength: 128 })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  clientMessageId: string;

  @ApiProperty({ example: 'alice@a.example' })
  @IsString()
  @MaxLength(320)
  fromUserId: string;

  @ApiProperty({ example: 'bob@b.example' })
  @IsString()
  @MaxLength(320)
  toUserId: string;

  @ApiPropertyOptional({ enum: CONTENT_TYPES, default: 'text/plain' })
  @IsOptional()
  @IsIn(CONTENT_TYPES)
  contentType?: ContentType;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  content: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'a time after the message arrives is taken as its arrival' })
  @IsOptional()
  @IsTimestamp()
  createdAt?: string;

  @ApiPropertyOptional({ description: 'must be the signing server when given' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  senderServer?: string;

  @ApiPropertyOptional({ deprecated: true })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  actorToken?: string;
}

/**
 * Messages one inbox batch takes, announced as `limits.maxBatchMessages`; a peer that announces none (an older node)
 * gets batches of {@link LEGACY_BATCH_MESSAGES}.
 */
export const MAX_INBOX_BATCH_MESSAGES = 500;
export const LEGACY_BATCH_MESSAGES = 100;

export class InboxBatchDto {
  @ApiProperty({ description: "the sender's id for this batch: a replay gets the first answer again" })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  transactionId: string;

  @ApiProperty({ type: [InboxMessageDto], minItems: 1, maxItems: MAX_INBOX_BATCH_MESSAGES })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_INBOX_BATCH_MESSAGES)
  @NestedObjects(() => InboxMessageDto)
  messages: InboxMessageDto[];
}

export class ReceiptDto {
  @ApiProperty({ enum: ['delivered', 'read'] })
  @IsIn(['delivered', 'read'])
  type: 'delivered' | 'read';

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  clientMessageId: string;

  @ApiProperty({ description: 'the original sender, a user of the receiving server' })
  @IsString()
  @MaxLength(320)
  fromUserId: string;

  @ApiProperty({ description: 'the recipient, a user of the signing server' })
  @IsString()
  @MaxLength(320)
  toUserId: string;

  @ApiProperty({ format: 'date-time' })
  @IsTimestamp()
  at: string;
}

export class InboxReceiptsDto {
  @ApiProperty({ type: [ReceiptDto], minItems: 1, maxItems: 1000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @NestedObjects(() => ReceiptDto)
  receipts: ReceiptDto[];
}

export class InboxInviteDto {
  @ApiProperty({ format: 'uuid', description: 'the same id on both nodes' })
  @IsUUID()
  id: string;

  @ApiProperty()
  @IsString()
  @MaxLength(320)
  fromUserId: string;

  @ApiProperty()
  @IsString()
  @MaxLength(320)
  toUserId: string;

  @ApiPropertyOptional({ enum: ['pending', 'accepted', 'declined', 'revoked'] })
  @IsOptional()
  @IsIn(['pending', 'accepted', 'declined', 'revoked'])
  status?: 'pending' | 'accepted' | 'declined' | 'revoked';

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  message?: string | null;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsTimestamp()
  createdAt?: string;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String })
  @IsOptional()
  @IsTimestamp()
  respondedAt?: string | null;
}

export class InboxInviteAnswerDto extends InboxInviteDto {
  @ApiProperty({ enum: ['accepted', 'declined', 'revoked'] })
  @IsIn(['accepted', 'declined', 'revoked'])
  declare status: 'accepted' | 'declined' | 'revoked';
}

export class InboxUnfriendDto {
  @ApiProperty({ description: 'the user ending the friendship, of the signing server' })
  @IsString()
  @MaxLength(320)
  userId: string;

  @ApiProperty({ description: 'their former friend, a user of the receiving server' })
  @IsString()
  @MaxLength(320)
  friendUserId: string;
}

export class DispatchDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
