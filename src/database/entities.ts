import { UserEntity } from '../accounts/user.entity';
import { AccessTokenEntity } from '../auth/access-token.entity';
import { FriendInviteEntity } from '../friends/friend-invite.entity';
import { FriendshipEntity } from '../friends/friendship.entity';
import { ConversationSummaryEntity } from '../messages/conversation-summary.entity';
import { MessageEntity } from '../messages/message.entity';
import { SyncEventEntity } from '../sync/sync-event.entity';

/** Every TypeORM entity of the node; the data source for migrations and the app module both read this list. */
export const ENTITIES = [
  UserEntity,
  AccessTokenEntity,
  FriendInviteEntity,
  FriendshipEntity,
  MessageEntity,
  ConversationSummaryEntity,
  SyncEventEntity,
];
