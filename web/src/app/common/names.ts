/** How the app names a person: their display name when their node told us one, else their address. */
export function nameOf(address: string, displayName: string | null | undefined): string {
  return displayName?.trim() || address;
}

/** One or two letters for an avatar: "Bob Smith" → "BS", "bob@node" → "B". */
export function initialsOf(name: string): string {
  const local = name.includes('@') && !name.includes(' ') ? name.slice(0, name.lastIndexOf('@')) : name;
  const words = local.split(/[\s._-]+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!] : words.slice(0, 1);
  return letters.map((word) => Array.from(word)[0]!.toLocaleUpperCase()).join('') || '?';
}

/** A stable colour (one of eight) per address, so that a person keeps their colour everywhere. */
export function colourIndexOf(address: string): number {
  let hash = 0;
  for (const character of address) hash = (hash * 31 + character.codePointAt(0)!) >>> 0;
  return hash % 8;
}
