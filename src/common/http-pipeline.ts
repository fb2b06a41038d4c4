import { BadRequestException, HttpException, INestApplication, ValidationError, ValidationPipe } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody, sendHttpException } from './http-exception.filter';
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

/** What Node's HTTP parser refuses before any request exists, by its error code; anything else is a 400. */
const PARSER_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'the request line and headers are too large: together they must fit in 16 KiB'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'the chunk extensions of the request body are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request took too long to arrive'],
};

/**
 * Answers what Node's HTTP parser refuses (a URL or headers over 16 KiB, a request that is not HTTP/1.1) in our JSON
 * error shape: Node's own answer to those is a bare status line with no body, so the client got no message.
 */
export function answerParserErrors(server: Server): void {
  server.on(
    'clientError',
    (error: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: { headersSent: boolean } }) => {
      // A client that went away has nobody to read an answer, and a response already begun on this connection (a
      // pipelined request) cannot be interrupted by another: what Node's own handler checks too.
      if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
        socket.destroy();
        return;
      }
      const [status, message] = PARSER_ERRORS[error.code ?? ''] ?? [400, 'the request is not valid HTTP/1.1'];
      const body = JSON.stringify(errorBody(status, message));
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  );
}

/**
 * The express layer in front of Nest: a request id on every request, the query string held to the rule of
 * {@link assertSafeValue}, a body on GET or HEAD refused, and their errors answered as JSON. Bodies are read later,
 * once the route is known and its caller has passed: by AuthGuard, or for the signed inbox by
 * FederationSignatureGuard once the signature headers have passed.
 */
export function configureHttpPipeline(app: INestApplication): void {
  answerParserErrors(app.getHttpServer() as Server);
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
