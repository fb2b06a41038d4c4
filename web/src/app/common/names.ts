/** How the app names a person: their display name when their node told us one, else their address. */
export function nameOf(address: string, displayName: string | null | undefined): string {
  return displayName?.trim() || address;
}

/**
 * One or two letters for an avatar: "Bob Smith" → "BS", "bob@node" → "B". Words that start with a letter or a
 * digit are preferred ("Ruth 👪" → "R"); a name of emoji only gives its first one.
 */
export function initialsOf(name: string): string {
  const local = name.includes('@') && !name.includes(' ') ? name.slice(0, name.lastIndexOf('@')) : name;
  const all = local.split(/[\s._-]+/).filter(Boolean);
  const lettered = all.filter((word) => /^[\p{L}\p{N}]/u.test(word));
  const words = lettered.length > 0 ? lettered : all;
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!] : words.slice(0, 1);
  return letters.map((word) => firstCharacter(word).toLocaleUpperCase()).join('') || '?';
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The first character as a reader sees one: an emoji family or a letter with its accents stays whole. */
function firstCharacter(word: string): string {
  return graphemes.segment(word)[Symbol.iterator]().next().value?.segment ?? '';
}

/** A stable colour (one of eight) per address, so that a person keeps their colour everywhere. */
export function colourIndexOf(address: string): number {
  let hash = 0;
  for (const character of address) hash = (hash * 31 + character.codePointAt(0)!) >>> 0;
  return hash % 8;
}
