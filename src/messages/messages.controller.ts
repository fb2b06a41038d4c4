import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../auth/auth.decorators';
import { AuthenticatedUser } from '../auth/authenticated-user';
import { assertActingUser } from '../auth/same-user';
import { RequiresFriendship } from '../friends/accepted-friendship.guard';
import { InboxQuery, ListMessagesQuery, MarkReadDto, SendBatchDto, SendMessageDto } from './dto/messages.dto';
import { MessageCounterpartResolver } from './message-counterpart.resolver';
import {
  BatchResponse,
  InboxResponse,
  MarkReadResponse,
  MessageListResponse,
  MessageResponse,
  toInboxItemResponse,
  toMessageResponse,
} from './message.response';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('api/messages')
export class MessagesController {
  constructor(@Inject(MessagesService) private readonly messages: MessagesService) {}

  @Post()
  @RequiresFriendship({ body: 'toUserId' })
  @ApiCreatedResponse({
    type: MessageResponse,
    description: 'stored (201), or the original for a repeated clientMessageId (200)',
  })
  @ApiForbiddenResponse({ description: 'not accepted friends' })
  @ApiConflictResponse({ description: 'clientMessageId already used for another message' })
  @ApiPayloadTooLargeResponse({ description: 'content over 64 KiB' })
  async send(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: SendMessageDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MessageResponse> {
    assertActingUser(body.fromUserId, user, 'fromUserId');
    const { message, created } = await this.messages.send(user.address, body);
    response.status(created ? 201 : 200);
    return toMessageResponse(message);
  }

  @Post('batch')
  @HttpCode(200)
  @ApiOkResponse({ type: BatchResponse, description: 'up to 500 messages in one request, each with its own result' })
  async sendBatch(@CurrentUser() user: AuthenticatedUser, @Body() body: SendBatchDto): Promise<BatchResponse> {
    const outcomes = await this.messages.sendMany(user.address, body.messages);
    return {
      results: outcomes.map((outcome, i) => ({
        clientMessageId: body.messages[i].clientMessageId,
        status: outcome.status,
        ...(outcome.message ? { message: toMessageResponse(outcome.message) } : { error: outcome.error }),
      })),
    };
  }

  @Get()
  @RequiresFriendship({ query: 'friendUserId' })
  @ApiOkResponse({ type: MessageListResponse })
  @ApiForbiddenResponse({ description: 'not accepted friends' })
  async thread(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListMessagesQuery,
  ): Promise<MessageListResponse> {
    assertActingUser(query.viewerUserId, user, 'viewerUserId');
    const page = await this.messages.thread(user.address, query.friendUserId, query, query.limit ?? 50);
    return { items: page.items.map(toMessageResponse), hasMore: page.hasMore };
  }

  @Get('inbox')
  @ApiOkResponse({ type: InboxResponse })
  async inbox(@CurrentUser() user: AuthenticatedUser, @Query() query: InboxQuery): Promise<InboxResponse> {
    assertActingUser(query.viewerUserId, user, 'viewerUserId');
    const page = await this.messages.inbox(user.address, query.cursor, query.limit ?? 50);
    return { items: page.items.map(toInboxItemResponse), nextCursor: page.nextCursor };
  }

  @Post(':messageId/read')
  @HttpCode(200)
  @RequiresFriendship({ resolver: MessageCounterpartResolver })
  @ApiOkResponse({ type: MarkReadResponse })
  @ApiForbiddenResponse({ description: 'not the recipient, or not accepted friends' })
  async markRead(
    @CurrentUser() user: AuthenticatedUser,
    @Param('messageId') messageId: string,
    @Body() body: MarkReadDto,
  ): Promise<MarkReadResponse> {
    assertActingUser(body.viewerUserId, user, 'viewerUserId');
    return { ok: true, message: toMessageResponse(await this.messages.markRead(user.address, messageId)) };
  }
}
