import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ConversationSummaryEntity } from './conversation-summary.entity';
import { CONTENT_TYPES, ContentType, MessageEntity } from './message.entity';

export class MessageResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiPropertyOptional({ description: "this node's order of the message in its conversation (larger is later)" })
  seq?: number;
  @ApiProperty({ description: 'idempotency key chosen by the sender (generated when omitted)' })
  clientMessageId: string;
  @ApiProperty({ example: 'alice@a.example' }) fromUserId: string;
  @ApiProperty({ example: 'bob@b.example' }) toUserId: string;
  @ApiProperty({ enum: CONTENT_TYPES }) contentType: ContentType;
  @ApiProperty() content: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) readAt: string | null;
  @ApiPropertyOptional({
    enum: ['pending', 'sent', 'acked', 'failed'],
    nullable: true,
    type: String,
    description: 'for a message you sent to another server: how its delivery is going (null otherwise)',
  })
  deliveryStatus?: DeliveryStatus | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) deliveryAttempts?: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastDeliveryError?: string | null;
}

export type DeliveryStatus = 'pending' | 'sent' | 'acked' | 'failed';

/** Raw rows (from SQL) and entities alike. */
export type MessageRow = Pick<
  MessageEntity,
  'id' | 'clientMessageId' | 'fromUserId' | 'toUserId' | 'contentType' | 'content' | 'createdAt' | 'readAt'
> & {
  seq?: string | number;
  deliveryStatus?: DeliveryStatus | null;
  deliveryAttempts?: number | null;
  lastDeliveryError?: string | null;
};

/** A message to another server as the statement that stored it left it: its delivery staged, not tried yet. */
export function withStagedDelivery(message: MessageRow): MessageRow {
  return { ...message, deliveryStatus: 'pending', deliveryAttempts: 0, lastDeliveryError: null };
}

export function toMessageResponse(message: MessageRow): MessageResponse {
  return {
    id: message.id,
    ...(message.seq !== undefined ? { seq: Number(message.seq) } : {}),
    clientMessageId: message.clientMessageId,
    fromUserId: message.fromUserId,
    toUserId: message.toUserId,
    contentType: message.contentType,
    content: message.content,
    createdAt: message.createdAt.toISOString(),
    readAt: message.readAt?.toISOString() ?? null,
    ...(message.deliveryStatus
      ? {
          deliveryStatus: message.deliveryStatus,
          deliveryAttempts: message.deliveryAttempts ?? 0,
          lastDeliveryError: message.lastDeliveryError ?? null,
        }
      : {}),
  };
}

export class MessageListResponse {
  @ApiProperty({ type: [MessageResponse], description: 'oldest first' }) items: MessageResponse[];
  @ApiProperty({ description: 'more messages exist beyond this page, in the direction asked' }) hasMore: boolean;
}

export class InboxItemResponse {
  @ApiProperty() friendUserId: string;
  @ApiProperty({ format: 'date-time' }) lastMessageAt: string;
  @ApiProperty() lastMessageContent: string;
  @ApiProperty({ enum: CONTENT_TYPES }) lastMessageContentType: ContentType;
  @ApiProperty({ minimum: 0 }) unreadCount: number;
}

export class InboxResponse {
  @ApiProperty({ type: [InboxItemResponse], description: 'most recent conversation first' }) items: InboxItemResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as `cursor` for the next page' }) nextCursor:
    string | null;
}

export class MarkReadResponse {
  @ApiProperty() ok: boolean;
  @ApiProperty({ type: MessageResponse }) message: MessageResponse;
}

export function toInboxItemResponse(summary: ConversationSummaryEntity): InboxItemResponse {
  return {
    friendUserId: summary.friendUserId,
    lastMessageAt: summary.lastMessageAt.toISOString(),
    lastMessageContent: summary.lastMessageContent,
    lastMessageContentType: summary.lastMessageContentType,
    unreadCount: summary.unreadCount,
  };
}

export class BatchResultResponse {
  @ApiProperty() clientMessageId: string;
  @ApiProperty({
    description: 'what POST /api/messages would have answered: 201, 200 (repeat), 400, 403, 404, 409, 413',
  })
  status: number;
  @ApiPropertyOptional({ type: MessageResponse }) message?: MessageResponse;
  @ApiPropertyOptional() error?: string;
}

export class BatchResponse {
  @ApiProperty({ type: [BatchResultResponse], description: 'one result per message, in request order' })
  results: BatchResultResponse[];
}
