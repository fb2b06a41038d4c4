import { describe, expect, it } from 'vitest';
import { browserDeviceName } from '../src/platform/device-name.ts';

/** The node's rule for a device name (src/auth/dto/create-session.dto.ts). */
const NODE_DEVICE_NAME = /^[\p{L}\p{N} ._:-]{1,64}$/u;

/** The one Storage call the function needs, over a Map. */
function storage(): Storage {
  const values = new Map<string, string>();
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
  } as Storage;
}

describe('browserDeviceName', () => {
  it.each([
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36',
      'Chrome on Linux',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Safari/604.1',
      'Safari on iOS',
    ],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0', 'Firefox on Windows'],
  ])('names %s as "%s - <id>", a name the node accepts, the same on every call', (userAgent, expected) => {
    const kept = storage();
    const name = browserDeviceName(userAgent, kept);
    expect(name).toMatch(new RegExp(`^${expected} - [0-9a-f]{4}$`));
    expect(name).toMatch(NODE_DEVICE_NAME);
    expect(browserDeviceName(userAgent, kept)).toBe(name);
  });
});
