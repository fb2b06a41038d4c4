import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ContentType } from './message.entity';

/**
 * One inbox row per (owner, friend), written in the same statement as each message, so that the inbox never groups
 * over a user's messages.
 */
@Entity({ name: 'conversation_summaries' })
@Index('conversation_summaries_owner_recent_idx', ['ownerUserId', 'lastMessageSeq'])
export class ConversationSummaryEntity {
  @PrimaryColumn({ name: 'owner_user_id', type: 'varchar', length: 320 })
  ownerUserId: string;

  @PrimaryColumn({ name: 'friend_user_id', type: 'varchar', length: 320 })
  friendUserId: string;

  @Column({ name: 'last_message_id', type: 'uuid' })
  lastMessageId: string;

  @Column({ name: 'last_message_seq', type: 'bigint' })
  lastMessageSeq: string;

  @Column({ name: 'last_message_at', type: 'timestamptz' })
  lastMessageAt: Date;

  @Column({ name: 'last_message_content', type: 'text' })
  lastMessageContent: string;

  @Column({ name: 'last_message_content_type', type: 'varchar', length: 64 })
  lastMessageContentType: ContentType;

  @Column({ name: 'unread_count', type: 'integer', default: 0 })
  unreadCount: number;
}
