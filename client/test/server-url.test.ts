import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/profile.ts';
import { serverUrlFromOption } from '../src/cli/server-url.ts';

describe('mylife login --server', () => {
  it('keeps a URL as given, without a trailing slash', () => {
    expect(serverUrlFromOption('https://chat.example.com/')).toEqual({
      url: 'https://chat.example.com',
      schemeAssumed: false,
    });
    expect(serverUrlFromOption('http://10.0.0.5:8787')).toEqual({ url: 'http://10.0.0.5:8787', schemeAssumed: false });
  });

  it('reads host:port as an address does: http:// on this machine, https:// elsewhere', () => {
    expect(serverUrlFromOption('localhost:8787')).toEqual({ url: 'http://localhost:8787', schemeAssumed: true });
    expect(serverUrlFromOption('127.0.0.1:9000')).toEqual({ url: 'http://127.0.0.1:9000', schemeAssumed: true });
    expect(serverUrlFromOption('[::1]:8787')).toEqual({ url: 'http://[::1]:8787', schemeAssumed: true });
    expect(serverUrlFromOption('Chat.Example.com')).toEqual({ url: 'https://chat.example.com', schemeAssumed: true });
    expect(serverUrlFromOption('chat.example.com:8443')).toEqual({
      url: 'https://chat.example.com:8443',
      schemeAssumed: true,
    });
  });

  it('says what it wants for anything else', () => {
    for (const value of ['ftp://chat.example.com', 'localhost:99999', 'chat.example.com/path', 'a b', '', 'u:p@host']) {
      expect(() => serverUrlFromOption(value), value).toThrow(UsageError);
    }
    expect(() => serverUrlFromOption('ftp://x')).toThrow(/--server is the node's URL, such as http:\/\/localhost:8787/);
  });

  it('refuses a path, which would make every request miss the API', () => {
    for (const value of ['http://localhost:18787/api', 'https://chat.example.com/mylife/', 'localhost:8787/api']) {
      expect(() => serverUrlFromOption(value), value).toThrow(UsageError);
    }
    expect(() => serverUrlFromOption('http://localhost:18787/api')).toThrow(
      '--server is the node\'s URL without a path, such as http://localhost:18787 (got "http://localhost:18787/api")',
    );
  });
});
