export { MyLifeClient, MAX_CONTENT_BYTES } from './mylife-client.ts';
export type { MyLifeClientOptions, LoginOptions, SendOptions } from './mylife-client.ts';
export { toAddress, serverOf, LocalValidationError } from './address.ts';
export { KeyChangeBlockedError } from './e2ee/conversation-security.ts';
export { E2EE_CONTENT_TYPE } from './e2ee/envelope.ts';
export { ApiError } from './api/api-error.ts';
export { FetchTransport, ServerUnreachableError } from './api/http-transport.ts';
export type {
  HttpTransport,
  HttpRequest,
  HttpResponse,
  HttpHeaders,
  HttpStream,
  FetchTransportOptions,
} from './api/http-transport.ts';
export { MyLifeApi } from './api/mylife-api.ts';
export type {
  SyncEvent,
  SyncPage,
  SendMessageRequest,
  LoginResponse,
  BatchSendResult,
  DeviceToken,
  FriendPage,
  PublishKeysRequest,
  PublishKeysResponse,
  KeyListing,
  ClaimedKeys,
} from './api/mylife-api.ts';
export type { ClientEventMap, ConnectionState, ClientEvent } from './client-events.ts';
export type * from './model.ts';
export type { LocalDatabase, SqlValue } from './storage/local-database.ts';
export { SqliteDatabase } from './storage/local-database.ts';
export { migrateLocalDatabase, LOCAL_MIGRATIONS } from './storage/migrations.ts';
export type { LocalMigration } from './storage/migrations.ts';
export type { ThreadPage } from './store/message-store.ts';
export { OnePostPerMessageSender } from './sync/message-sender.ts';
export {
  BatchPostMessageSender,
  MAX_BATCH_MESSAGES,
  DEFAULT_MAX_BATCH_BODY_BYTES,
  outcomeOfResult,
  outcomesOfBatch,
} from './sync/batch-post-message-sender.ts';
export type { BatchPostMessageSenderOptions } from './sync/batch-post-message-sender.ts';
export type { MessageSender, SendOutcome } from './sync/message-sender.ts';
export type { FlushHooks, FlushOptions, FlushReport, FlushStop } from './sync/outbox-flusher.ts';
export { NotLoggedInError, DEFAULT_SYNC_TIMING } from './sync/sync-engine.ts';
export type { SyncReport, SyncEngineTiming } from './sync/sync-engine.ts';
export { retryDelayMs, DEFAULT_BACKOFF } from './sync/backoff.ts';
export type { BackoffPolicy } from './sync/backoff.ts';
export { parseServerSentEvents } from './sync/server-sent-events.ts';
export type { ServerSentEvent } from './sync/server-sent-events.ts';
