import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { credentialFromHeader, isAdminToken } from '../auth/admin-token';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** The admin token (bearer), or MYLIFE_FEDERATION_DISPATCH_KEY in `x-federation-dispatch-key` (MyLife contract). */
@Injectable()
export class DispatchKeyGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const key = request.headers['x-federation-dispatch-key'];
    if (typeof key === 'string' && isAdminToken(key, this.config.federation.dispatchKey)) return true;
    if (isAdminToken(credentialFromHeader(request.headers.authorization), this.config.adminToken)) return true;
    throw new UnauthorizedException('dispatch needs x-federation-dispatch-key or the admin token');
  }
}
