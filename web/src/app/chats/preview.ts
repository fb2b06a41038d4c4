import type { LocalMessage } from '@mylife/client';
import { strings } from '../../i18n/strings.ts';
import { hasText } from '../conversation/message-notice.ts';

const MAX_PREVIEW = 120;

/**
 * The inbox's one-line preview of the last message: whitespace folded, "You: " when it was ours. An encrypted message
 * shows the text this device decrypted; one it could not (or not yet) decrypt has none, and says so.
 */
export function previewText(
  content: string,
  fromUserId: string,
  viewer: string,
  encryption: LocalMessage['encryption'],
): string {
  const short = hasText({ encryption, content }) ? shortText(content) : strings.security.encryptedMessage;
  return fromUserId === viewer ? strings.chats.you(short) : short;
}

/**
 * A message in one line of at most `max` characters: for the inbox, and for the screen reader's announcement of a
 * new message (which would otherwise read all of a 64 KiB message aloud).
 */
export function shortText(content: string, max = MAX_PREVIEW): string {
  const folded = content.replace(/\s+/g, ' ').trim();
  // Code points, not UTF-16 units: an emoji is never cut in half.
  const characters = Array.from(folded);
  if (characters.length <= max) return folded;
  return `${characters
    .slice(0, max - 1)
    .join('')
    .trimEnd()}…`;
}
