import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { AuthenticatedUser } from './authenticated-user';

export const AUTH_REQUIREMENT = 'mylife:auth-requirement';
/**
 * `user` (the default): a user's bearer token. `admin`: MYLIFE_ADMIN_TOKEN. `public`: nothing. `federation`: a
 * signature of another server, checked by the route's own guard (see FederationSigned in src/federation).
 */
export type AuthRequirement = 'user' | 'admin' | 'public' | 'federation';

export const Public = () => SetMetadata(AUTH_REQUIREMENT, 'public' satisfies AuthRequirement);
export const AdminOnly = () => SetMetadata(AUTH_REQUIREMENT, 'admin' satisfies AuthRequirement);

export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthenticatedUser =>
    context.switchToHttp().getRequest<{ user: AuthenticatedUser }>().user,
);

export const QUERY_TOKEN_ALLOWED = 'mylife:query-token-allowed';
/** The route may take the token as `?access_token=` (EventSource cannot send headers); tokens in URLs reach logs. */
export const AllowQueryToken = () => SetMetadata(QUERY_TOKEN_ALLOWED, true);
