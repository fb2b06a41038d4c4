import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { isServiceUnavailable } from './service-unavailable';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** A machine-readable reason where a client must tell one refusal from another of the same status. */
  code?: string;
  /** This server's clock, with the `clock-skew` refusal of a signed request's timestamp: the sender signs with it. */
  serverTime?: string;
  requestId?: string;
}

export function errorBody(statusCode: number, message: string, requestId?: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, requestId };
}

/** Seconds a client is told to wait (Retry-After) for a wait of `waitMs`: whole seconds, at least one. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

/** 429 with `retryAfter` (seconds), which {@link sendHttpException} sends as Retry-After; none when the wait is unknown. */
export function tooManyRequests(message: string, retryAfter?: number): HttpException {
  return new HttpException(
    retryAfter === undefined ? { message } : { message, retryAfter },
    HttpStatus.TOO_MANY_REQUESTS,
  );
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/** 503 with Retry-After: a service the node needs is unreachable for now. */
function serviceUnavailable(): HttpException {
  return new HttpException(
    { message: 'the database is unavailable for now; try again shortly', retryAfter: 1 },
    HttpStatus.SERVICE_UNAVAILABLE,
  );
}

/**
 * Shapes every error as `{statusCode, error, message, requestId}`. Unknown errors are logged with the request id and
 * answered with a generic 500, and those of a service that cannot be reached (PostgreSQL restarting) with a 503 and
 * Retry-After: no stack trace or driver message ever reaches a client.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const response = context.getResponse<Response>();
    const request = context.getRequest<Request & { id?: string }>();
    if (response.headersSent) return;
    if (exception instanceof HttpException) return sendHttpException(response, exception, request.id);
    const what = `request ${request.id ?? '-'} ${request.method} ${request.originalUrl ?? request.url}`;
    if (isServiceUnavailable(exception)) {
      // PostgreSQL restarting, say: the client (or peer) should come back shortly, not take it as a bug of ours.
      this.logger.warn(`${what}: ${exception instanceof Error ? exception.message : String(exception)}`);
      return sendHttpException(response, serviceUnavailable(), request.id);
    }
    this.logger.error(`${what} failed`, exception instanceof Error ? exception.stack : String(exception));
    const body = errorBody(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'internal error; the server log has the details',
      request.id,
    );
    response.status(body.statusCode).json(body);
  }
}

/**
 * Answers `exception` as our error body, with its `retryAfter` (seconds) as the Retry-After header and its `code` and
 * `serverTime`, if any, in the body.
 */
export function sendHttpException(response: Response, exception: HttpException, requestId?: string): void {
  const { retryAfter, code, serverTime } = exception.getResponse() as {
    retryAfter?: number;
    code?: unknown;
    serverTime?: unknown;
  };
  if (retryAfter) response.setHeader('Retry-After', String(retryAfter));
  const body: ErrorBody = errorBody(exception.getStatus(), messageOf(exception), requestId);
  if (typeof code === 'string') body.code = code;
  if (typeof serverTime === 'string') body.serverTime = serverTime;
  response.status(exception.getStatus()).json(body);
}
