import { ForbiddenException } from '@nestjs/common';
import { formatAddress, parseAddress, serverOf } from '../common/address';
import { AuthenticatedUser } from './authenticated-user';

/**
 * The MyLife contract lets requests name the acting user (`fromUserId`, `viewerUserId`, `actorUserId`, `userId`).
 * The actor always comes from the token; a name given alongside must be the same user.
 */
export function assertActingUser(given: string | undefined, user: AuthenticatedUser, field: string): void {
  if (given === undefined) return;
  let address: string;
  try {
    address = formatAddress(parseAddress(given, serverOf(user.address), field));
  } catch {
    address = '';
  }
  if (address !== user.address)
    throw new ForbiddenException(`${field} must be the user of the access token (${user.address})`);
}
