import type { LocalDatabase } from '../storage/local-database.ts';
import type { Friend, Invite, InviteStatus } from '../model.ts';

interface InviteRow {
  id: string;
  from_user_id: string;
  to_user_id: string;
  status: InviteStatus;
  message: string | null;
  created_at: string;
  updated_at: string;
  responded_at: string | null;
}

interface FriendRow {
  friend_user_id: string;
  display_name: string | null;
  source_invite_id: string | null;
  since: string;
}

/** A friend's name as the server gives it (null: the server knows none, e.g. for a user of another server). */
export interface FriendName {
  friendUserId: string;
  displayName: string | null;
}

/** Friends and invites, as the server last told us plus what this device did since. */
export class SocialStore {
  constructor(private readonly db: LocalDatabase) {}

  /**
   * The server's invite replaces ours, addresses included (spelt as their servers do): sync events arrive in the server's order, and the outbox is flushed before
   * each pull, so an answer given on this device reaches the server before an older state could come back.
   */
  storeInvite(invite: Invite): boolean {
    return (
      this.db.run(
        `INSERT INTO invites (id, from_user_id, to_user_id, status, message, created_at, updated_at, responded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET from_user_id = excluded.from_user_id, to_user_id = excluded.to_user_id,
           status = excluded.status, message = excluded.message, updated_at = excluded.updated_at,
           responded_at = excluded.responded_at
         WHERE (excluded.from_user_id, excluded.to_user_id, excluded.status, excluded.updated_at, excluded.responded_at)
               IS NOT (invites.from_user_id, invites.to_user_id, invites.status, invites.updated_at, invites.responded_at)`,
        [
          invite.id,
          invite.fromUserId,
          invite.toUserId,
          invite.status,
          invite.message,
          invite.createdAt,
          invite.updatedAt,
          invite.respondedAt,
        ],
      ).changes > 0
    );
  }

  setInviteStatus(id: string, status: InviteStatus, at: string): void {
    this.db.run('UPDATE invites SET status = ?, updated_at = ?, responded_at = ? WHERE id = ?', [status, at, at, id]);
  }

  deleteInvite(id: string): void {
    this.db.run('DELETE FROM invites WHERE id = ?', [id]);
  }

  findInvite(id: string): Invite | undefined {
    const row = this.db.get<InviteRow>('SELECT * FROM invites WHERE id = ?', [id]);
    return row ? toInvite(row) : undefined;
  }

  invites(status?: InviteStatus): Invite[] {
    const rows = status
      ? this.db.all<InviteRow>('SELECT * FROM invites WHERE status = ? ORDER BY created_at DESC, id', [status])
      : this.db.all<InviteRow>('SELECT * FROM invites ORDER BY created_at DESC, id');
    return rows.map(toInvite);
  }

  /** Returns whether the friend is new here; a known friend keeps its row as it is. */
  addFriend(friendUserId: string, sourceInviteId: string | null, since: string, displayName: string | null): boolean {
    return (
      this.db.run(
        `INSERT INTO friends (friend_user_id, source_invite_id, since, display_name) VALUES (?, ?, ?, ?)
         ON CONFLICT (friend_user_id) DO NOTHING`,
        [friendUserId, sourceInviteId, since, displayName],
      ).changes > 0
    );
  }

  /** Names of friends known here (others are left out: sync alone adds friends); returns the friends whose changed. */
  setDisplayNames(names: readonly FriendName[]): string[] {
    return names
      .filter(
        ({ friendUserId, displayName }) =>
          this.db.run('UPDATE friends SET display_name = ? WHERE friend_user_id = ? AND display_name IS NOT ?', [
            displayName,
            friendUserId,
            displayName,
          ]).changes > 0,
      )
      .map(({ friendUserId }) => friendUserId);
  }

  removeFriend(friendUserId: string): boolean {
    return this.db.run('DELETE FROM friends WHERE friend_user_id = ?', [friendUserId]).changes > 0;
  }

  friends(): Friend[] {
    return this.db.all<FriendRow>('SELECT * FROM friends ORDER BY friend_user_id').map((row) => ({
      friendUserId: row.friend_user_id,
      displayName: row.display_name,
      sourceInviteId: row.source_invite_id,
      since: row.since,
    }));
  }

  isFriend(address: string): boolean {
    return this.db.get('SELECT 1 AS yes FROM friends WHERE friend_user_id = ?', [address]) !== undefined;
  }
}

function toInvite(row: InviteRow): Invite {
  return {
    id: row.id,
    fromUserId: row.from_user_id,
    toUserId: row.to_user_id,
    status: row.status,
    message: row.message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    respondedAt: row.responded_at,
  };
}
