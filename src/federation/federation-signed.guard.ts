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
import { BodyBudget } from '../common/body-budget';
import { assertJsonContent, parseJsonBody, readBody } from '../common/request-body';
import { DestinationHealth } from './destination-health.service';
import { FederationAuth } from './federation-auth';

/** A federation batch carries up to 100 messages of up to 64 KiB each (our senders keep it under 8 MiB). */
export const FEDERATION_BODY_LIMIT = 16 * 1024 * 1024;

export type FederatedRequest = Request & { federationServer: string };

/**
 * The request must be signed by another server; the verified server name is `request.federationServer`. The guard
 * reads the body itself (AuthGuard leaves the inbox's bodies unread): the headers are checked before a byte
 * of it is read, and it is parsed only once the signature over its raw bytes matches, so that an unsigned or forged
 * request costs neither its body's memory nor a parse.
 */
@Injectable()
export class FederationSignatureGuard implements CanActivate {
  constructor(
    @Inject(FederationAuth) private readonly auth: FederationAuth,
    @Inject(DestinationHealth) private readonly health: DestinationHealth,
    @Inject(BodyBudget) private readonly budget: BodyBudget,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { federationServer?: string }>();
    const claim = await this.auth.admit(request.headers);
    assertJsonContent(request);
    // The bytes stay held until the body is verified and parsed, and no longer.
    request.body = await readBody(request, FEDERATION_BODY_LIMIT, this.budget, async (rawBody) => {
      const server = await this.auth.verifyBody(claim, rawBody);
      request.federationServer = server;
      // A signed request from a server we had given up on for now shows it is back: deliver what waits for it.
      this.health.seenAlive(server);
      return parseJsonBody(rawBody);
    });
    return true;
  }
}

export const FederationSigned = () =>
  applyDecorators(SetMetadata(AUTH_REQUIREMENT, 'federation'), UseGuards(FederationSignatureGuard));
