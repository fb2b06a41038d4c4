/** The app's places, as hash routes: `#/chats`, `#/chat/<address>`, `#/friends`, `#/devices`. */
export type Route = { view: 'chats' } | { view: 'chat'; peer: string } | { view: 'friends' } | { view: 'devices' };

/** Anything unknown opens the inbox. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const chat = /^\/chat\/(.+)$/.exec(path);
  if (chat) {
    const peer = safeDecode(chat[1]!).trim();
    return peer ? { view: 'chat', peer } : { view: 'chats' };
  }
  if (path === '/friends') return { view: 'friends' };
  if (path === '/devices') return { view: 'devices' };
  return { view: 'chats' };
}

/** The href of a route; an address keeps its `@` and `:` so that links read as they are. */
export function routeHref(route: Route): string {
  switch (route.view) {
    case 'chat':
      return `#/chat/${encodeURIComponent(route.peer).replace(/%40/g, '@').replace(/%3A/gi, ':')}`;
    case 'chats':
    case 'friends':
    case 'devices':
      return `#/${route.view}`;
  }
}

export function chatHref(peer: string): string {
  return routeHref({ view: 'chat', peer });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
