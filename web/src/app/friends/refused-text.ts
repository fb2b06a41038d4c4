import { strings } from '../../i18n/strings.ts';
import type { RefusedAction } from '../../messenger/messenger.ts';
import { detail } from '../common/error-text.ts';

/** What the Friends view says of an action the node refused: what it was, with whom, and the node's reason. */
export function refusedText(action: RefusedAction): string {
  return strings.friends.refused[action.kind](action.address ?? strings.friends.someone, detail(action.reason));
}
