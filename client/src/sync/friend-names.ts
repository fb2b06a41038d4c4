import type { MyLifeApi } from '../api/mylife-api.ts';
import type { ClientEvent } from '../client-events.ts';
import type { LocalStore } from '../store/local-store.ts';
import type { FriendName } from '../store/social-store.ts';

/** The server's largest page of `GET /api/friends`. */
const PAGE_SIZE = 200;
/** 20,000 friends: far beyond a person's list; a server whose cursor never ends cannot keep a round busy. */
const MAX_PAGES = 100;

export interface FriendNamesTiming {
  /** How often a sync round takes the names from the server when nothing asked for them sooner. */
  refreshMs: number;
  /** After a refresh that failed, how long before a round tries again. */
  retryMs: number;
}

/**
 * Friends' display names from `GET /api/friends`. Nodes send the name with an accepted friendship; this keeps the
 * names right where they did not (older nodes), after a login, and every `refreshMs` otherwise. The time of the last
 * refresh lives in the copy (`sync_state`), so a restart does not ask again; a failure never fails the sync.
 */
export class FriendNames {
  private retryAt = 0;

  constructor(
    private readonly store: LocalStore,
    private readonly timing: FriendNamesTiming,
    private readonly now: () => number,
  ) {}

  /** Whether this round should ask: asked for (null), or the last refresh is older than `refreshMs`. */
  due(): boolean {
    const now = this.now();
    if (now < this.retryAt) return false;
    const refreshedAt = this.store.session.friendNamesRefreshedAt();
    return refreshedAt === null || now - refreshedAt >= this.timing.refreshMs;
  }

  /** Takes every page and writes the names in one local transaction; returns what listeners should hear. */
  async refresh(api: MyLifeApi): Promise<ClientEvent[]> {
    try {
      const names = await this.fetchAll(api);
      const at = this.now();
      const renamed = this.store.transaction(() => {
        this.store.session.saveFriendNamesRefreshedAt(at);
        return this.store.social.setDisplayNames(names);
      });
      this.retryAt = 0;
      return renamed.length > 0 ? [{ type: 'friend-names', friendUserIds: renamed }] : [];
    } catch {
      // Names are a nicety: the sync round has done its work, and the next round after `retryMs` asks again.
      this.retryAt = this.now() + this.timing.retryMs;
      return [];
    }
  }

  private async fetchAll(api: MyLifeApi): Promise<FriendName[]> {
    const names: FriendName[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { friends, nextCursor } = await api.listFriends(cursor, PAGE_SIZE);
      if (!Array.isArray(friends)) throw new Error('GET /api/friends answered without a friends list');
      for (const friend of friends) {
        if (typeof friend?.friendUserId !== 'string') continue;
        names.push({
          friendUserId: friend.friendUserId,
          displayName: typeof friend.displayName === 'string' ? friend.displayName : null,
        });
      }
      if (!nextCursor || nextCursor === cursor || friends.length === 0) return names;
      cursor = nextCursor;
    }
    return names;
  }
}
