import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..');

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesOf(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * Known, not endorsed: a password reset revokes the user's tokens in its own transaction, and auth depends on accounts
 * (a port from auth would be the way out).
 */
const KNOWN_STRAYS = ["accounts/accounts.service.ts writes access_tokens (auth's)"];

const featureOf = (path: string) => relative(SRC, path).split('/')[0];

/**
 * Each feature owns its tables: the SQL that writes a table lives in the feature whose entity declares it. Another
 * feature that needs a write in its statement gets the part from the owner (sync's `appendEventsSql`, federation's
 * `MessageDelivery.statementParts`), so that a table's writes can be read in one place.
 */
describe('table ownership', () => {
  const sources = sourcesOf(SRC).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  const owners = new Map<string, string>();
  for (const { path, text } of sources) {
    for (const [, table] of text.matchAll(/@Entity\(\{ name: '(\w+)' \}\)/g)) owners.set(table, featureOf(path));
  }

  it('finds the entities', () => {
    expect(owners.get('friend_messages')).toBe('messages');
    expect(owners.get('federation_message_outbox')).toBe('federation');
  });

  it('writes every table only from the SQL of its own feature', () => {
    const strays: string[] = [];
    for (const { path, text } of sources) {
      for (const [, table] of text.matchAll(/\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)/gi)) {
        const owner = owners.get(table);
        if (owner && owner !== featureOf(path)) strays.push(`${relative(SRC, path)} writes ${table} (${owner}'s)`);
      }
    }
    expect(strays).toEqual(KNOWN_STRAYS);
  });
});
