import { BadRequestException, HttpException, INestApplication, ValidationError, ValidationPipe } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { sendHttpException } from './http-exception.filter';
import { assertSafeValue, hasBody } from './request-body';

const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD']);

export type HttpRequest = Request & { id?: string };

function flattenValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {});
    return [...own, ...flattenValidationErrors(error.children ?? [], path)];
  });
}

export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  forbidUnknownValues: true,
  exceptionFactory: (errors) => new BadRequestException(flattenValidationErrors(errors).join('; ')),
});

/** Error responses of the express layer (before Nest's filter can see a request) in the same JSON shape. */
function httpErrors(error: unknown, request: HttpRequest, response: Response, next: NextFunction): void {
  if (error instanceof HttpException) return sendHttpException(response, error, request.id);
  next(error);
}

/**
 * The express layer in front of Nest: a request id on every request, the query string held to the rule of
 * {@link assertSafeValue}, a body on GET or HEAD refused, and their errors answered as JSON. Bodies are read later,
 * once the route is known and its caller has passed: by AuthGuard, or for the signed inbox by
 * FederationSignatureGuard once the signature headers have passed.
 */
export function configureHttpPipeline(app: INestApplication): void {
  app.use((request: HttpRequest, response: Response, next: NextFunction) => {
    const given = request.headers['x-request-id'];
    request.id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    response.setHeader('x-request-id', request.id);
    next();
  });
  app.use((request: HttpRequest, _response: Response, next: NextFunction) => {
    try {
      if (request.path.includes('%00')) throw new BadRequestException('the path must not contain NUL characters');
      assertSafeValue(request.query, 'the query string');
      next();
    } catch (error) {
      next(error);
    }
  });
  app.use((request: HttpRequest, _response: Response, next: NextFunction) => {
    // No GET route of ours takes a body (DELETE /api/friends does): refused unread, it holds nothing of the budget.
    if (METHODS_WITHOUT_BODY.has(request.method) && hasBody(request) && request.headers['content-length'] !== '0') {
      return next(new BadRequestException(`a ${request.method} request takes no body`));
    }
    next();
  });
  app.use(httpErrors);
}
