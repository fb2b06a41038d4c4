import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AccountsService } from '../accounts/accounts.service';
import { CurrentUser } from '../auth/auth.decorators';
import { AuthenticatedUser } from '../auth/authenticated-user';
import { assertActingUser } from '../auth/same-user';
import { AnswerInviteDto, CreateInviteDto, ListFriendsQuery, ListInvitesQuery, UnfriendDto } from './dto/friends.dto';
import {
  FriendListResponse,
  InviteEnvelope,
  InviteListResponse,
  toFriendResponse,
  toInviteResponse,
} from './friends.responses';
import { FriendsService } from './friends.service';

const uuid = new ParseUUIDPipe({ version: undefined });

@ApiTags('friends')
@ApiBearerAuth()
@Controller('api/friends')
export class FriendsController {
  constructor(
    @Inject(FriendsService) private readonly friends: FriendsService,
    @Inject(AccountsService) private readonly accounts: AccountsService,
  ) {}

  @Post('invites')
  @ApiCreatedResponse({ type: InviteEnvelope, description: 'a new invite (201), or the existing one (200)' })
  async invite(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateInviteDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<InviteEnvelope> {
    assertActingUser(body.fromUserId, user, 'fromUserId');
    const { invite, created } = await this.friends.invite(user.address, body.toUserId, body.message ?? null, body.id);
    response.status(created ? 201 : 200);
    return { ok: true, invite: toInviteResponse(invite) };
  }

  @Get('invites')
  @ApiOkResponse({ type: InviteListResponse })
  async listInvites(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListInvitesQuery,
  ): Promise<InviteListResponse> {
    assertActingUser(query.userId, user, 'userId');
    const { incoming, outgoing } = await this.friends.listInvites(
      user.address,
      query.direction ?? 'both',
      query.status,
      query.limit ?? 100,
    );
    return { userId: user.address, incoming: incoming.map(toInviteResponse), outgoing: outgoing.map(toInviteResponse) };
  }

  @Post('invites/:inviteId/accept')
  @HttpCode(200)
  @ApiOkResponse({ type: InviteEnvelope })
  @ApiNotFoundResponse({ description: 'no pending invite with this id addressed to you' })
  accept(@CurrentUser() user: AuthenticatedUser, @Param('inviteId', uuid) id: string, @Body() body: AnswerInviteDto) {
    return this.answer(user, id, body, 'accept');
  }

  @Post('invites/:inviteId/decline')
  @HttpCode(200)
  @ApiOkResponse({ type: InviteEnvelope })
  @ApiNotFoundResponse({ description: 'no pending invite with this id addressed to you' })
  decline(@CurrentUser() user: AuthenticatedUser, @Param('inviteId', uuid) id: string, @Body() body: AnswerInviteDto) {
    return this.answer(user, id, body, 'decline');
  }

  @Post('invites/:inviteId/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: InviteEnvelope })
  @ApiNotFoundResponse({ description: 'no pending invite with this id sent by you' })
  revoke(@CurrentUser() user: AuthenticatedUser, @Param('inviteId', uuid) id: string, @Body() body: AnswerInviteDto) {
    return this.answer(user, id, body, 'revoke');
  }

  @Get()
  @ApiOkResponse({ type: FriendListResponse })
  async listFriends(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListFriendsQuery,
  ): Promise<FriendListResponse> {
    assertActingUser(query.userId, user, 'userId');
    const { items, nextCursor } = await this.friends.listFriends(user.address, query.cursor, query.limit ?? 100);
    const names = await this.accounts.displayNames(items.map((friendship) => friendship.friendUserId));
    return {
      userId: user.address,
      friends: items.map((friendship) => toFriendResponse(friendship, names.get(friendship.friendUserId) ?? null)),
      nextCursor,
    };
  }

  @Delete()
  @ApiOkResponse({ description: '`{ok: true}`; 404 when you are not friends' })
  async unfriend(@CurrentUser() user: AuthenticatedUser, @Body() body: UnfriendDto): Promise<{ ok: true }> {
    assertActingUser(body.userId, user, 'userId');
    await this.friends.unfriend(user.address, body.friendUserId);
    return { ok: true };
  }

  private async answer(
    user: AuthenticatedUser,
    id: string,
    body: AnswerInviteDto,
    answer: 'accept' | 'decline' | 'revoke',
  ): Promise<InviteEnvelope> {
    assertActingUser(body.actorUserId, user, 'actorUserId');
    return { ok: true, invite: toInviteResponse(await this.friends.answer(user.address, id, answer)) };
  }
}
