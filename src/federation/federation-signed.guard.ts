import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
import { AUTH_REQUIREMENT } from '../auth/auth.decorators';
import { RequestWithRawBody } from '../common/http-pipeline';
import { DestinationHealth } from './destination-health.service';
import { FederationAuth } from './federation-auth';

export type FederatedRequest = Request & { federationServer: string };

/** The request must be signed by another server; the verified server name is `request.federationServer`. */
@Injectable()
export class FederationSignatureGuard implements CanActivate {
  constructor(
    @Inject(FederationAuth) private readonly auth: FederationAuth,
    @Inject(DestinationHealth) private readonly health: DestinationHealth,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithRawBody & { federationServer?: string }>();
    const server = await this.auth.verify(request.headers, request.rawBody ?? Buffer.alloc(0));
    request.federationServer = server;
    // A signed request from a server we had given up on for now shows it is back: deliver what waits for it.
    this.health.seenAlive(server);
    return true;
  }
}

export const FederationSigned = () =>
  applyDecorators(SetMetadata(AUTH_REQUIREMENT, 'federation'), UseGuards(FederationSignatureGuard));
