import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const CONTENT_TYPES = ['text/plain', 'application/e2ee+ciphertext'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** A direct message. `seq` orders a conversation (keyset pagination); `conversationKey` names the pair. */
@Entity({ name: 'friend_messages' })
@Index('friend_messages_sender_client_id_key', ['fromUserId', 'clientMessageId'], { unique: true })
@Index('friend_messages_conversation_idx', ['conversationKey', 'seq'])
export class MessageEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'bigint', generated: 'increment' })
  seq: string;

  @Column({ name: 'client_message_id', type: 'varchar', length: 128 })
  clientMessageId: string;

  @Column({ name: 'from_user_id', type: 'varchar', length: 320 })
  fromUserId: string;

  @Column({ name: 'to_user_id', type: 'varchar', length: 320 })
  toUserId: string;

  @Column({ name: 'conversation_key', type: 'varchar', length: 641 })
  conversationKey: string;

  @Column({ name: 'content_type', type: 'varchar', length: 64 })
  contentType: ContentType;

  @Column({ type: 'text' })
  content: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'read_at', type: 'timestamptz', nullable: true })
  readAt: Date | null;
}
