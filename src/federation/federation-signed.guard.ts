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
import { BodyBudget, LARGEST_BODY_BYTES } from '../common/body-budget';
import { assertJsonContent, parseJsonBody, readBody } from '../common/request-body';
import { DeliveryQueue } from './delivery-queue';
import { requestDeadlineMs } from './http/federation-http.client';
import { FederationAuth } from './federation-auth';

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
    @Inject(DeliveryQueue) private readonly deliveries: DeliveryQueue,
    @Inject(BodyBudget) private readonly budget: BodyBudget,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { federationServer?: string }>();
    const claim = await this.auth.admit(request.headers);
    assertJsonContent(request);
    // A peer's batch gets the time its sender allows itself to upload it on a slow uplink (the same formula), so
    // that a large batch from a home connection is not refused here every time and failed for good there.
    const deadlineMs = requestDeadlineMs(this.budget.timeoutMs, Number(request.headers['content-length']) || 0);
    // The bytes stay held until the body is verified and parsed, and no longer.
    request.body = await readBody(request, LARGEST_BODY_BYTES, this.budget, { deadlineMs }, async (rawBody) => {
      const server = await this.auth.verifyBody(claim, rawBody);
      request.federationServer = server;
      // A signed request from a server whose deliveries back off shows it is back: deliver what waits for it now.
      this.deliveries.wake(server).catch(() => undefined);
      return parseJsonBody(rawBody);
    });
    return true;
  }
}

export const FederationSigned = () =>
  applyDecorators(SetMetadata(AUTH_REQUIREMENT, 'federation'), UseGuards(FederationSignatureGuard));
