import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, TestUser } from './factories';
import { TestNode } from './test-node';

/** A device's key material as a client publishes it; random bytes stand in for real keys (the server never parses them). */
export interface DeviceKeys {
  deviceId: string;
  identityKey: string;
  keyPackages: string[];
  lastResortKeyPackage?: string;
}

export const randomKey = (bytes = 32) => randomBytes(bytes).toString('base64url');

export function deviceKeys(deviceId: string, packages = 5, { lastResort = true } = {}): DeviceKeys {
  return {
    deviceId,
    identityKey: randomKey(),
    keyPackages: Array.from({ length: packages }, () => randomKey(300)),
    ...(lastResort ? { lastResortKeyPackage: randomKey(300) } : {}),
  };
}

/** `PUT /api/keys` as `user`'s device; answers the response for the test to check. */
export function publishKeys(node: { url: string }, user: TestUser, keys: DeviceKeys) {
  return request(node.url).put('/api/keys').set(bearer(user)).send(keys);
}

export interface KeysEvent {
  address: string;
  reason: string;
}

/** The `keys` sync events in `user`'s stream, oldest first. */
export async function keysEvents(node: TestNode, user: TestUser): Promise<KeysEvent[]> {
  const events: KeysEvent[] = [];
  let since: string | undefined;
  for (;;) {
    const page = await request(node.url)
      .get(`/api/sync?limit=200${since ? `&since=${since}` : ''}`)
      .set(bearer(user))
      .expect(200);
    for (const event of page.body.events as { type: string; data: KeysEvent }[]) {
      if (event.type === 'keys') events.push(event.data);
    }
    since = page.body.cursor;
    if (!page.body.hasMore) return events;
  }
}
