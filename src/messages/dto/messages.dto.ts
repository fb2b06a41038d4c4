import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { CONTENT_TYPES, ContentType } from '../message.entity';
import {
  ActingUserField,
  ContractActorFields,
  CursorField,
  IsTimestamp,
  LimitField,
  NestedObjects,
} from '../../common/request-fields';

export const MAX_CONTENT_BYTES = 64 * 1024;

const CLIENT_MESSAGE_ID = /^[\x21-\x7e]{1,128}$/;
const CLIENT_MESSAGE_ID_RULE = { message: 'clientMessageId must be 1-128 printable ASCII characters without spaces' };

/** What every message a user sends carries, alone or in a batch. */
class MessageFields {
  @ApiProperty({ description: 'a friend: username of this node or full address `user@server`', example: 'bob' })
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  toUserId: string;

  @ApiProperty({ description: `1 character to ${MAX_CONTENT_BYTES} bytes of UTF-8 (413 beyond)` })
  @IsString()
  @MinLength(1)
  content: string;

  @ApiPropertyOptional({ enum: CONTENT_TYPES, default: 'text/plain' })
  @IsOptional()
  @IsIn(CONTENT_TYPES)
  contentType?: ContentType;
}

export class SendMessageDto extends IntersectionType(ContractActorFields, MessageFields) {
  @ActingUserField()
  fromUserId?: string;

  @ApiPropertyOptional({
    maxLength: 128,
    nullable: true,
    type: String,
    description: 'idempotency key, unique per sender: repeating it returns the original message (200)',
  })
  @IsOptional()
  @IsString()
  @Matches(CLIENT_MESSAGE_ID, CLIENT_MESSAGE_ID_RULE)
  clientMessageId?: string | null;
}

export class ListMessagesQuery extends ContractActorFields {
  @ApiProperty({ description: 'the friend whose conversation to list' })
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  friendUserId: string;

  @ActingUserField()
  viewerUserId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'the page of messages just before this message' })
  @IsOptional()
  @IsUUID()
  before?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'the page of messages just after this message' })
  @IsOptional()
  @IsUUID()
  after?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'messages created after this time (MyLife contract)' })
  @IsOptional()
  @IsTimestamp()
  since?: string;

  @LimitField(50)
  limit?: number;
}

export class InboxQuery extends ContractActorFields {
  @ActingUserField()
  viewerUserId?: string;

  @CursorField()
  cursor?: string;

  @LimitField(50)
  limit?: number;
}

export class MarkReadDto extends ContractActorFields {
  @ActingUserField()
  viewerUserId?: string;
}

export const MAX_BATCH_MESSAGES = 500;

export class BatchMessageDto extends MessageFields {
  @ApiProperty({ maxLength: 128, description: 'required in a batch: it names the message in the results' })
  @IsString()
  @Matches(CLIENT_MESSAGE_ID, CLIENT_MESSAGE_ID_RULE)
  clientMessageId: string;
}

export class SendBatchDto {
  @ApiProperty({ type: [BatchMessageDto], minItems: 1, maxItems: MAX_BATCH_MESSAGES })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_MESSAGES)
  @NestedObjects(() => BatchMessageDto)
  messages: BatchMessageDto[];
}
