import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { credentialFromHeader, isAdminToken } from './admin-token';
import { AUTH_REQUIREMENT, AuthRequirement, QUERY_TOKEN_ALLOWED } from './auth.decorators';
import { AuthenticatedUser } from './authenticated-user';
import { AuthService } from './auth.service';

/** The one authentication gate: every route needs a user's token unless it declares `@Public()` or `@AdminOnly()`. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const requirement =
      this.reflector.getAllAndOverride<AuthRequirement>(AUTH_REQUIREMENT, [context.getHandler(), context.getClass()]) ??
      'user';
    const request = context.switchToHttp().getRequest<Request & { user?: AuthenticatedUser }>();
    switch (requirement) {
      case 'public':
      case 'federation':
        return true;
      case 'admin':
        return this.checkAdmin(request);
      case 'user': {
        const queryTokenAllowed = this.reflector.get<boolean>(QUERY_TOKEN_ALLOWED, context.getHandler()) ?? false;
        request.user = await this.checkUser(request, queryTokenAllowed);
        return true;
      }
    }
  }

  private checkAdmin(request: Request): true {
    if (!this.config.adminToken) {
      throw new ForbiddenException('the admin API is disabled: set MYLIFE_ADMIN_TOKEN to enable it');
    }
    if (!isAdminToken(credentialFromHeader(request.headers.authorization), this.config.adminToken)) {
      throw new UnauthorizedException(
        'this endpoint needs the admin token: Authorization: Bearer <MYLIFE_ADMIN_TOKEN>',
      );
    }
    return true;
  }

  private async checkUser(request: Request, queryTokenAllowed: boolean): Promise<AuthenticatedUser> {
    const queryToken =
      queryTokenAllowed && typeof request.query?.access_token === 'string' ? request.query.access_token : null;
    const token = credentialFromHeader(request.headers.authorization) ?? queryToken;
    if (!token) throw new UnauthorizedException('missing bearer token: Authorization: Bearer <accessToken>');
    const user = await this.auth.authenticate(token);
    if (!user) throw new UnauthorizedException('the access token is unknown, expired or revoked');
    return user;
  }
}
