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
import { BodyBudget } from '../common/body-budget';
import { hasBody, readJsonBody } from '../common/request-body';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { credentialFromHeader, isAdminToken } from './admin-token';
import { AUTH_REQUIREMENT, AuthRequirement, QUERY_TOKEN_ALLOWED } from './auth.decorators';
import { AuthenticatedUser } from './authenticated-user';
import { AuthService } from './auth.service';

/** Bodies of routes open to anyone (a login, a dispatch request) are small: a stranger cannot send much. */
export const PUBLIC_BODY_LIMIT = 16 * 1024;

/** The one authentication gate: every route needs a user's token unless it declares `@Public()` or `@AdminOnly()`; it
 * reads the request's body once the caller has passed. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BodyBudget) private readonly budget: BodyBudget,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const requirement =
      this.reflector.getAllAndOverride<AuthRequirement>(AUTH_REQUIREMENT, [context.getHandler(), context.getClass()]) ??
      'user';
    const request = context.switchToHttp().getRequest<Request & { user?: AuthenticatedUser }>();
    switch (requirement) {
      case 'federation':
        // Its own guard reads the body, once the signature headers have passed.
        return true;
      case 'public':
        break;
      case 'admin':
        this.checkAdmin(request);
        break;
      case 'user': {
        const queryTokenAllowed = this.reflector.get<boolean>(QUERY_TOKEN_ALLOWED, context.getHandler()) ?? false;
        request.user = await this.checkUser(request, queryTokenAllowed);
        break;
      }
    }
    // Read only once the caller has shown who it is: a request without a good token, or to no route at all, costs no
    // body bytes; a route open to anyone takes a small body only.
    if (hasBody(request)) {
      const limit = requirement === 'public' ? PUBLIC_BODY_LIMIT : this.config.bodyLimitBytes;
      request.body = await readJsonBody(request, limit, this.budget);
    }
    return true;
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
