import type { LocalDatabase } from '../storage/local-database.ts';
import { toBytes } from './device-key-store.ts';

/** One MLS group: a sending device's group for one conversation. */
export interface StoredGroup {
  /** base64url */
  groupId: string;
  /** The device that created the group: its only committer and its only sender. */
  ownerAddress: string;
  ownerDevice: string;
  /** The other person of the conversation, seen from this user. */
  peerAddress: string;
  /** This device's own group for `peerAddress`. */
  outgoing: boolean;
  /** The epoch at which this device joined: earlier messages were sent before it could read them. */
  joinedEpoch: number;
  /** ts-mls's encodeGroupState. */
  state: Uint8Array;
}

/** An envelope of a later epoch than its group's state, kept until the handshake before it is processed. */
export interface PendingEnvelope {
  messageId: string;
  groupId: string;
  epoch: number;
  fromUserId: string;
  toUserId: string;
  createdAt: string;
  envelope: string;
}

interface GroupRow {
  group_id: string;
  owner_address: string;
  owner_device: string;
  peer_address: string;
  outgoing: number;
  joined_epoch: number;
  state: Uint8Array;
}

interface PendingRow {
  message_id: string;
  group_id: string;
  epoch: number;
  from_user_id: string;
  to_user_id: string;
  created_at: string;
  envelope: string;
}

export class GroupStore {
  constructor(private readonly db: LocalDatabase) {}

  group(groupId: string): StoredGroup | undefined {
    return toGroup(this.db.get<GroupRow>('SELECT * FROM e2ee_groups WHERE group_id = ?', [groupId]));
  }

  outgoingGroup(peerAddress: string): StoredGroup | undefined {
    return toGroup(
      this.db.get<GroupRow>('SELECT * FROM e2ee_groups WHERE peer_address = ? AND outgoing = 1', [peerAddress]),
    );
  }

  save(group: StoredGroup, updatedAt: string): void {
    this.db.run(
      `INSERT INTO e2ee_groups (group_id, owner_address, owner_device, peer_address, outgoing, joined_epoch, state,
         updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (group_id) DO UPDATE SET owner_address = excluded.owner_address,
         owner_device = excluded.owner_device, peer_address = excluded.peer_address, outgoing = excluded.outgoing,
         joined_epoch = excluded.joined_epoch, state = excluded.state, updated_at = excluded.updated_at`,
      [
        group.groupId,
        group.ownerAddress,
        group.ownerDevice,
        group.peerAddress,
        group.outgoing ? 1 : 0,
        group.joinedEpoch,
        group.state,
        updatedAt,
      ],
    );
  }

  /** The next message to `peerAddress` starts a new group (its handshake was given up). */
  dropOutgoing(peerAddress: string): void {
    this.db.run('DELETE FROM e2ee_groups WHERE peer_address = ? AND outgoing = 1', [peerAddress]);
  }

  addPending(pending: PendingEnvelope): void {
    this.db.run(
      `INSERT INTO e2ee_pending (message_id, group_id, epoch, from_user_id, to_user_id, created_at, envelope)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
      [
        pending.messageId,
        pending.groupId,
        pending.epoch,
        pending.fromUserId,
        pending.toUserId,
        pending.createdAt,
        pending.envelope,
      ],
    );
  }

  removePending(messageId: string): void {
    this.db.run('DELETE FROM e2ee_pending WHERE message_id = ?', [messageId]);
  }

  isPending(messageId: string): boolean {
    return this.db.get('SELECT 1 FROM e2ee_pending WHERE message_id = ?', [messageId]) !== undefined;
  }

  /** In the order they can open: epoch, then arrival. */
  pendingOf(groupId: string): PendingEnvelope[] {
    return this.db
      .all<PendingRow>('SELECT * FROM e2ee_pending WHERE group_id = ? ORDER BY epoch, seq', [groupId])
      .map(toPending);
  }

  pendingGroupIds(): string[] {
    return this.db
      .all<{ group_id: string }>('SELECT DISTINCT group_id FROM e2ee_pending ORDER BY group_id')
      .map((row) => row.group_id);
  }

  /** A new identity: this device is in none of its groups any more, and what waited can never open. */
  eraseAll(): void {
    this.db.run('DELETE FROM e2ee_groups');
    this.db.run('DELETE FROM e2ee_pending');
  }
}

function toGroup(row: GroupRow | undefined): StoredGroup | undefined {
  if (!row) return undefined;
  return {
    groupId: row.group_id,
    ownerAddress: row.owner_address,
    ownerDevice: row.owner_device,
    peerAddress: row.peer_address,
    outgoing: row.outgoing === 1,
    joinedEpoch: row.joined_epoch,
    state: toBytes(row.state),
  };
}

function toPending(row: PendingRow): PendingEnvelope {
  return {
    messageId: row.message_id,
    groupId: row.group_id,
    epoch: row.epoch,
    fromUserId: row.from_user_id,
    toUserId: row.to_user_id,
    createdAt: row.created_at,
    envelope: row.envelope,
  };
}
