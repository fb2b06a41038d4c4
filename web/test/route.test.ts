import { describe, expect, it } from 'vitest';
import { chatHref, parseRoute } from '../src/app/routing/route.ts';

describe('routes', () => {
  it('reads the hash routes and sends anything else to the inbox', () => {
    expect(parseRoute('#/chats')).toEqual({ view: 'chats' });
    expect(parseRoute('#/friends')).toEqual({ view: 'friends' });
    expect(parseRoute('#/devices')).toEqual({ view: 'devices' });
    expect(parseRoute('')).toEqual({ view: 'chats' });
    expect(parseRoute('#/nowhere')).toEqual({ view: 'chats' });
    expect(parseRoute('#/chat/')).toEqual({ view: 'chats' });
  });

  it('keeps an address readable in a chat link and reads it back', () => {
    expect(chatHref('bob@localhost:8788')).toBe('#/chat/bob@localhost:8788');
    expect(parseRoute(chatHref('bob@localhost:8788'))).toEqual({ view: 'chat', peer: 'bob@localhost:8788' });
    expect(parseRoute(chatHref('odd name#1@x'))).toEqual({ view: 'chat', peer: 'odd name#1@x' });
    expect(parseRoute('#/chat/%E0%A4%A')).toEqual({ view: 'chat', peer: '%E0%A4%A' });
  });
});
