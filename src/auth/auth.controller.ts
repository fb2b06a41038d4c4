import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AccountsService } from '../accounts/accounts.service';
import { toUserResponse, UserResponse } from '../accounts/user.response';
import { parseAddress } from '../common/address';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { CurrentUser, Public } from './auth.decorators';
import { AccessTokenListResponse, SessionResponse, toAccessTokenResponse, toSessionResponse } from './auth.responses';
import { AuthService } from './auth.service';
import { AuthenticatedUser } from './authenticated-user';
import { CreateSessionDto } from './dto/create-session.dto';

@ApiTags('auth')
@Controller('api')
export class AuthController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('auth/session')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionResponse })
  @ApiUnauthorizedResponse({ description: 'wrong username or password' })
  @ApiTooManyRequestsResponse({ description: 'too many login attempts for this username from this address' })
  async createSession(@Body() body: CreateSessionDto): Promise<SessionResponse> {
    const session = await this.auth.login(this.localUsername(body), body.password, body.deviceName ?? 'default');
    return toSessionResponse(session, this.config.federationServer);
  }

  @Post('auth/logout')
  @HttpCode(200)
  @ApiBearerAuth()
  async logout(@CurrentUser() user: AuthenticatedUser): Promise<{ ok: true }> {
    await this.auth.revokeToken(user.id, user.tokenId);
    return { ok: true };
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOkResponse({ type: UserResponse })
  async me(@CurrentUser() user: AuthenticatedUser): Promise<UserResponse> {
    return toUserResponse(await this.accounts.getByUsername(user.username), this.config.federationServer);
  }

  @Get('auth/tokens')
  @ApiBearerAuth()
  @ApiOkResponse({ type: AccessTokenListResponse })
  async listTokens(@CurrentUser() user: AuthenticatedUser): Promise<AccessTokenListResponse> {
    const tokens = await this.auth.listTokens(user.id);
    return { items: tokens.map((token) => toAccessTokenResponse(token, user.tokenId)) };
  }

  @Delete('auth/tokens/:id')
  @ApiBearerAuth()
  async revokeToken(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe({ version: undefined })) id: string,
  ): Promise<{ ok: true }> {
    await this.auth.revokeToken(user.id, id);
    return { ok: true };
  }

  // A login names a user of this node; an address of another server can never match, so it fails like a bad password.
  private localUsername(body: CreateSessionDto): string {
    const name = body.username ?? body.email ?? '';
    try {
      const address = parseAddress(name, this.config.federationServer);
      return address.server === this.config.federationServer ? address.localpart : '';
    } catch {
      return '';
    }
  }
}
