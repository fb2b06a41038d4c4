import { BadRequestException, INestApplication, ValidationError, ValidationPipe } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { errorBody } from './http-exception.filter';

const FEDERATION_BODY_LIMIT = '16mb';

export type RequestWithRawBody = Request & { rawBody?: Buffer; id?: string };

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

/** body-parser errors (malformed JSON, too large, bad charset) as our JSON error body instead of express's HTML. */
function bodyParserErrors(error: unknown, request: RequestWithRawBody, response: Response, next: NextFunction): void {
  const failure = error as { type?: string; status?: number; expose?: boolean; message?: string };
  if (!failure || typeof failure.status !== 'number' || failure.status >= 500) return next(error);
  const message =
    failure.type === 'entity.parse.failed'
      ? 'the request body is not valid JSON'
      : failure.type === 'entity.too.large'
        ? 'the request body is too large'
        : failure.expose && failure.message
          ? failure.message
          : 'the request body could not be read';
  response.status(failure.status).json(errorBody(failure.status, message, request.id));
}

/**
 * The express layer in front of Nest: a request id on every request, JSON bodies with their raw bytes kept (the
 * federation signature covers the exact bytes), and body errors answered as JSON.
 */
export function configureHttpPipeline(app: INestApplication, bodyLimit: string): void {
  app.use((request: RequestWithRawBody, response: Response, next: NextFunction) => {
    const given = request.headers['x-request-id'];
    request.id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    response.setHeader('x-request-id', request.id);
    next();
  });
  const keepRawBody = (request: RequestWithRawBody, _response: unknown, buffer: Buffer) => {
    request.rawBody = buffer;
  };
  // A federation batch carries up to 100 messages of up to 64 KiB each.
  app.use('/api/federation/inbox', express.json({ limit: FEDERATION_BODY_LIMIT, verify: keepRawBody }));
  app.use(express.json({ limit: bodyLimit, verify: keepRawBody }));
  app.use(bodyParserErrors);
}
