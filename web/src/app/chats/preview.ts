import { strings } from '../../i18n/strings.ts';

const MAX_PREVIEW = 120;

/** The inbox's one-line preview of the last message: whitespace folded, "You: " when it was ours. */
export function previewText(content: string, fromUserId: string, viewer: string): string {
  const short = shortText(content);
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
