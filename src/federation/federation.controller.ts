import { applyDecorators, Body, Controller, Get, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { toInviteResponse } from '../friends/friends.responses';
import { ServerKeysService } from '../signing/server-keys.service';
import { OUR_CAPABILITIES, OUR_LIMITS } from './delivery-request';
import { DispatchService } from './dispatch.service';
import { DispatchKeyGuard } from './dispatch-key.guard';
import {
  DispatchDto,
  InboxBatchDto,
  InboxInviteAnswerDto,
  InboxInviteDto,
  InboxMessageDto,
  InboxReceiptsDto,
  InboxUnfriendDto,
} from './dto/inbox.dto';
import { KeyChangeNoticeDto, PeerKeysClaimDto, PeerKeysQueryDto } from './dto/keys.dto';
import { ClaimResponse, KeyDirectoryResponse } from '../keys/keys.responses';
import { FederatedRequest, FederationSigned } from './federation-signed.guard';
import { InboundService } from './inbound.service';

const SIGNATURE_HEADERS = [
  ApiHeader({ name: 'x-mylife-federation-server', required: true }),
  ApiHeader({
    name: 'x-mylife-federation-timestamp',
    required: true,
    description:
      "ISO-8601, within 30 s (MYLIFE_FEDERATION_MAX_CLOCK_SKEW_MS) of this server's clock; outside: 401 with " +
      '`code: "clock-skew"` and `serverTime` (this server\'s clock, to sign with)',
  }),
  ApiHeader({
    name: 'x-mylife-federation-signature',
    required: true,
    description: 'hex HMAC-SHA256 of `${timestamp}.${rawBody}`',
  }),
  ApiHeader({
    name: 'x-mylife-federation-key-id',
    required: false,
    description: "the sender's key, for derived secrets",
  }),
];
const Signed = () => applyDecorators(...SIGNATURE_HEADERS, FederationSigned());

@ApiTags('federation')
@Controller()
export class FederationController {
  constructor(
    @Inject(InboundService) private readonly inbound: InboundService,
    @Inject(DispatchService) private readonly dispatcher: DispatchService,
    @Inject(ServerKeysService) private readonly serverKeys: ServerKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('.well-known/mylife-federation')
  @ApiOperation({ summary: "this server's name, X25519 keys, federation capabilities and message limits" })
  async wellKnown() {
    return {
      server: this.config.federationServer,
      keys: await this.serverKeys.published(),
      capabilities: OUR_CAPABILITIES,
      limits: OUR_LIMITS,
    };
  }

  @Post('api/federation/inbox/messages')
  @Signed()
  @ApiOperation({ summary: 'a message from another server (201 stored, 200 duplicate with the stored message)' })
  async receiveMessage(
    @Req() request: FederatedRequest,
    @Body() body: InboxMessageDto,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { duplicate, message } = await this.inbound.receiveMessage(request.federationServer, body);
    response.status(duplicate ? 200 : 201);
    return duplicate ? { ok: true, duplicate: true, message } : { ok: true, message };
  }

  @Post('api/federation/inbox/batch')
  @HttpCode(200)
  @Signed()
  @ApiOperation({ summary: 'up to 500 messages in one signed request (capability `batch`, limit `maxBatchMessages`)' })
  receiveBatch(@Req() request: FederatedRequest, @Body() body: InboxBatchDto) {
    return this.inbound.receiveBatch(request.federationServer, body);
  }

  @Post('api/federation/inbox/receipts')
  @HttpCode(200)
  @Signed()
  @ApiOperation({ summary: 'delivery and read receipts for messages this server sent (capability `receipts`)' })
  async receiveReceipts(@Req() request: FederatedRequest, @Body() body: InboxReceiptsDto) {
    return { ok: true, applied: await this.inbound.receiveReceipts(request.federationServer, body.receipts) };
  }

  @Post('api/federation/inbox/hello')
  @HttpCode(204)
  @Signed()
  @ApiOperation({
    summary: 'a server that started again: our deliveries to it, backed off while it was away, resume at once',
  })
  hello(): void {
    // The signature guard takes every signed request as a sign of life; this one carries nothing else.
  }

  @Post('api/federation/inbox/invites')
  @HttpCode(200)
  @Signed()
  @ApiOperation({ summary: 'a friend invite to a user of this server (capability `invites`)' })
  async receiveInvite(@Req() request: FederatedRequest, @Body() body: InboxInviteDto) {
    return { ok: true, invite: toInviteResponse(await this.inbound.receiveInvite(request.federationServer, body)) };
  }

  @Post('api/federation/inbox/invite-answers')
  @HttpCode(200)
  @Signed()
  @ApiOperation({
    summary: 'accept / decline (by the invitee) or revoke (by the inviter) of an invite both servers know',
  })
  async receiveInviteAnswer(@Req() request: FederatedRequest, @Body() body: InboxInviteAnswerDto) {
    return {
      ok: true,
      invite: toInviteResponse(await this.inbound.receiveInviteAnswer(request.federationServer, body)),
    };
  }

  @Post('api/federation/inbox/unfriend')
  @HttpCode(200)
  @Signed()
  @ApiOperation({ summary: 'a user of the signing server ended a friendship with a user of this server' })
  async receiveUnfriend(@Req() request: FederatedRequest, @Body() body: InboxUnfriendDto) {
    await this.inbound.receiveUnfriend(request.federationServer, body.userId, body.friendUserId);
    return { ok: true };
  }

  @Post('api/federation/keys/query')
  @HttpCode(200)
  @Signed()
  @ApiOperation({
    summary: "a user's devices and identity keys, for a friend on the signing server (capability `keys`)",
  })
  @ApiOkResponse({ type: KeyDirectoryResponse })
  queryKeys(@Req() request: FederatedRequest, @Body() body: PeerKeysQueryDto): Promise<KeyDirectoryResponse> {
    return this.inbound.queryKeys(request.federationServer, body);
  }

  @Post('api/federation/keys/claim')
  @HttpCode(200)
  @Signed()
  @ApiOperation({
    summary: 'one key package per device of a user, for a friend on the signing server (capability `keys`)',
  })
  @ApiOkResponse({ type: ClaimResponse })
  claimKeys(@Req() request: FederatedRequest, @Body() body: PeerKeysClaimDto): Promise<ClaimResponse> {
    return this.inbound.claimKeys(request.federationServer, body);
  }

  @Post('api/federation/inbox/key-changes')
  @HttpCode(200)
  @Signed()
  @ApiOperation({ summary: 'a user of the signing server changed their devices or identity keys (capability `keys`)' })
  async receiveKeyChange(@Req() request: FederatedRequest, @Body() body: KeyChangeNoticeDto) {
    await this.inbound.receiveKeyChange(request.federationServer, body);
    return { ok: true };
  }

  @Public()
  @UseGuards(DispatchKeyGuard)
  @Post('api/federation/dispatch')
  @HttpCode(200)
  @ApiHeader({ name: 'x-federation-dispatch-key', required: false })
  @ApiOkResponse({ description: '`{ok, server, processed, sent, retried, failed, skipped}`' })
  @ApiOperation({ summary: 'deliver due outbox rows now (the queue does this by itself; for operators and cron)' })
  dispatch(@Body() body: DispatchDto) {
    return this.dispatcher.dispatchDue(body.limit ?? 50);
  }
}
