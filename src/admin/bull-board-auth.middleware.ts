import type { NextFunction, Request, Response } from 'express';
import { credentialFromHeader, isAdminToken } from '../auth/admin-token';

/**
 * Guards Bull Board: the admin token as a bearer token, or as the password of HTTP basic auth (any user name) so that
 * a browser can open the dashboard.
 */
export function bullBoardAuth(adminToken: string | null) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (isAdminToken(credentialFromHeader(request.headers.authorization, true), adminToken)) return next();
    response
      .status(401)
      .set('WWW-Authenticate', 'Basic realm="MyLife Node queues", charset="UTF-8"')
      .json({
        statusCode: 401,
        error: 'Unauthorized',
        message: adminToken
          ? 'the queue dashboard needs the admin token (bearer, or basic auth with the token as password)'
          : 'the queue dashboard is disabled: set MYLIFE_ADMIN_TOKEN to enable it',
      });
  };
}
