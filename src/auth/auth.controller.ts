import { Body, Controller, Delete, Get, HttpCode, Inject, Ip, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AccountsService } from '../accounts/accounts.service';
import { toUserResponse, UserResponse } from '../accounts/user.response';
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
  @Post('auth/session')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionResponse })
  @ApiUnauthorizedResponse({ description: 'wrong username or password' })
  @ApiTooManyRequestsResponse({
    description: 'too many failed logins for this account from this address, or from everywhere; see Retry-After',
  })
  async createSession(@Body() body: CreateSessionDto, @Ip() clientAddress: string): Promise<SessionResponse> {
    const name = body.username ?? body.email ?? '';
    const session = await this.auth.login(name, body.password, body.deviceName ?? 'default', clientAddress);
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
}
