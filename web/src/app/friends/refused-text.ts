import { strings } from '../../i18n/strings.ts';
import type { RefusedAction } from '../../messenger/messenger.ts';
import { detail } from '../common/error-text.ts';

/** What the Friends view says of an action the node refused: what it was, with whom, and the node's reason. */
export function refusedText(action: RefusedAction): string {
  const who = action.address ?? strings.friends.someone;
  // An answer that crossed the other person's (their revoke, your accept): the invite's state says it better than
  // the node's "no pending invite <id> addressed to you".
  const answeredFirst = strings.friends.answeredFirst;
  if ((action.kind === 'accept' || action.kind === 'decline') && action.inviteStatus === 'revoked') {
    return answeredFirst.withdrawn(who);
  }
  if (action.kind === 'revoke' && action.inviteStatus === 'accepted') return answeredFirst.accepted(who);
  if (action.kind === 'revoke' && action.inviteStatus === 'declined') return answeredFirst.declined(who);
  return strings.friends.refused[action.kind](who, detail(action.reason));
}
