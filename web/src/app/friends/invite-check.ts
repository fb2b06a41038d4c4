import { strings } from '../../i18n/strings.ts';
import { chatPeerOf } from '../routing/chat-peer.ts';

/**
 * What is wrong with inviting `text`, said before anything is sent (null when nothing is): no address, not an
 * address, oneself, or a friend already. The node would refuse these later; here the person can still correct it.
 */
export function inviteProblem(text: string, viewer: string, friends: readonly { address: string }[]): string | null {
  const trimmed = text.trim();
  if (!trimmed) return strings.friends.addressNeeded;
  const peer = chatPeerOf(trimmed, viewer);
  if (!peer.valid) return strings.friends.notAnAddress(trimmed);
  if (peer.address === viewer) return strings.friends.yourself;
  if (friends.some((friend) => friend.address === peer.address)) return strings.friends.alreadyFriends(peer.address);
  return null;
}
