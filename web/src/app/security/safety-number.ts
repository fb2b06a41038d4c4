/** How the safety number is shown and read aloud: 12 groups of 5 digits. */
const GROUP_DIGITS = 5;

/**
 * The safety number's groups of 5 digits, whatever spacing the library gave it ("12345 67890 …" → ["12345",
 * "67890", …]), so that the screen lays them out in rows and the groups read the same on both devices.
 */
export function digitGroups(digits: string): string[] {
  const plain = digits.replace(/\D/g, '');
  const groups: string[] = [];
  for (let start = 0; start < plain.length; start += GROUP_DIGITS)
    groups.push(plain.slice(start, start + GROUP_DIGITS));
  return groups;
}
