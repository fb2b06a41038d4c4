import { strings } from '../../i18n/strings.ts';

const MAX_PREVIEW = 120;

/** The inbox's one-line preview of the last message: whitespace folded, "You: " when it was ours. */
export function previewText(content: string, fromUserId: string, viewer: string): string {
  const folded = content.replace(/\s+/g, ' ').trim();
  // Code points, not UTF-16 units: an emoji is never cut in half.
  const characters = Array.from(folded);
  const short =
    characters.length > MAX_PREVIEW
      ? `${characters
          .slice(0, MAX_PREVIEW - 1)
          .join('')
          .trimEnd()}…`
      : folded;
  return fromUserId === viewer ? strings.chats.you(short) : short;
}
