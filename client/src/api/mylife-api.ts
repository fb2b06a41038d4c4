import type { ContentType, Invite, InviteAnswer, ServerMessage } from '../model.ts';
import { ApiError } from './api-error.ts';
import type { HttpRequest, HttpStream, HttpTransport } from './http-transport.ts';

export interface LoginResponse {
  accessToken: string;
  expiresAt: string;
  user: { id: string; address: string; displayName: string | null };
}

export interface SyncEvent {
  cursor: string;
  type: string;
  data: Record<string, unknown>;
}

export interface SyncPage {
  events: SyncEvent[];
  cursor: string;
  hasMore: boolean;
}

export interface SendMessageRequest {
  toUserId: string;
  content: string;
  contentType: ContentType;
  clientMessageId: string;
}

/** One message's answer in `POST /api/messages/batch`: the status the single send would have given. */
export interface BatchSendResult {
  clientMessageId: string;
  status: number;
  /** The stored message, for 200 and 201. */
  message?: ServerMessage;
  error?: string;
}

/** A page of `GET /api/friends` (the fields this client reads). */
export interface FriendPage {
  friends: { friendUserId: string; displayName: string | null }[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** A logged-in device: one access token of the user. */
export interface DeviceToken {
  id: string;
  deviceName: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  /** The token of the request that listed it: this device. */
  current: boolean;
}

export interface InviteList {
  incoming: Invite[];
  outgoing: Invite[];
}

/** `PUT /api/keys`: this device's identity key and key packages (base64url, no padding). */
export interface PublishKeysRequest {
  deviceId: string;
  identityKey: string;
  /** 0–100 single-use packages, added to the supply. */
  keyPackages: string[];
  /** Replaces the previous one; handed out when the supply is empty, never used up. */
  lastResortKeyPackage?: string;
}

export interface PublishKeysResponse {
  deviceId: string;
  identityKey: string;
  keyPackagesAvailable: number;
  lastResort: boolean;
}

/** `GET /api/keys/{address}`: the devices with keys, sorted by deviceId. */
export interface KeyListing {
  address: string;
  devices: { deviceId: string; identityKey: string; updatedAt: string }[];
}

/** `POST /api/keys/claim`: one key package per device, each single-use one handed out once. */
export interface ClaimedKeys {
  address: string;
  devices: { deviceId: string; identityKey: string; keyPackage: string; lastResort: boolean }[];
}

/** The code of the 404 for a user whose server has no key directory (a plain MyLife node). */
export const NO_KEY_DIRECTORY = 'no-key-directory';

/** The node's HTTP API, typed; knows nothing of local storage. */
export class MyLifeApi {
  private readonly baseUrl: string;

  constructor(
    private readonly transport: HttpTransport,
    serverUrl: string,
    private readonly accessToken: string | null = null,
  ) {
    this.baseUrl = serverUrl.replace(/\/+$/, '');
  }

  get serverUrl(): string {
    return this.baseUrl;
  }

  /** Tells one login from another: a new login is a new session, whose server may have changed meanwhile. */
  get sessionKey(): string {
    return `${this.baseUrl} ${this.accessToken ?? ''}`;
  }

  withToken(accessToken: string): MyLifeApi {
    return new MyLifeApi(this.transport, this.baseUrl, accessToken);
  }

  /** What the node publishes about itself; `server` is the name of its addresses (`alice@<server>`). */
  federationDocument(): Promise<{ server: string }> {
    return this.call('GET', '/.well-known/mylife-federation');
  }

  login(username: string, password: string, deviceName: string): Promise<LoginResponse> {
    return this.call('POST', '/api/auth/session', { username, password, deviceName });
  }

  logout(): Promise<unknown> {
    return this.call('POST', '/api/auth/logout', {});
  }

  me(): Promise<{ id: string; address: string; displayName: string | null }> {
    return this.call('GET', '/api/me');
  }

  /** The user's logged-in devices (one access token each). */
  listTokens(): Promise<{ items: DeviceToken[] }> {
    return this.call('GET', '/api/auth/tokens');
  }

  revokeToken(id: string): Promise<unknown> {
    return this.call('DELETE', `/api/auth/tokens/${encodeURIComponent(id)}`);
  }

  sendMessage(message: SendMessageRequest): Promise<ServerMessage> {
    return this.call('POST', '/api/messages', message);
  }

  /** Up to 500 messages; one result per message, in request order. A server without it answers 404. */
  sendMessageBatch(messages: readonly SendMessageRequest[]): Promise<{ results: BatchSendResult[] }> {
    return this.call('POST', '/api/messages/batch', { messages });
  }

  markRead(messageId: string): Promise<{ ok: boolean; message: ServerMessage }> {
    return this.call('POST', `/api/messages/${encodeURIComponent(messageId)}/read`, {});
  }

  invite(id: string, toUserId: string, message: string | null): Promise<{ ok: boolean; invite: Invite }> {
    return this.call('POST', '/api/friends/invites', { id, toUserId, ...(message === null ? {} : { message }) });
  }

  answerInvite(id: string, answer: InviteAnswer): Promise<{ ok: boolean; invite: Invite }> {
    return this.call('POST', `/api/friends/invites/${encodeURIComponent(id)}/${answer}`, {});
  }

  listInvites(): Promise<InviteList> {
    return this.call('GET', '/api/friends/invites?direction=both&status=pending,accepted,declined,revoked&limit=200');
  }

  /** Friends by address, `limit` (1–200) at a time after `cursor`. */
  listFriends(cursor: string | null, limit: number): Promise<FriendPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('cursor', cursor);
    return this.call('GET', `/api/friends?${query}`);
  }

  unfriend(friendUserId: string): Promise<unknown> {
    return this.call('DELETE', '/api/friends', { friendUserId });
  }

  /** Publishes this device's keys; the device is bound to the token of the call. */
  publishKeys(request: PublishKeysRequest): Promise<PublishKeysResponse> {
    return this.call('PUT', '/api/keys', request);
  }

  /** A friend's (or the user's own) devices with keys. 404 with code `no-key-directory`: their server has none. */
  keysOf(address: string): Promise<KeyListing> {
    return this.call('GET', `/api/keys/${encodeURIComponent(address)}`);
  }

  /** Key packages of `address`'s devices (all, or those listed); the user's own claim leaves out the calling device. */
  claimKeys(address: string, deviceIds?: readonly string[]): Promise<ClaimedKeys> {
    return this.call('POST', '/api/keys/claim', { address, ...(deviceIds ? { deviceIds } : {}) });
  }

  /** Everything that changed for the user after `since` (from the beginning without it). */
  sync(since: string | null, limit: number): Promise<SyncPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (since) query.set('since', since);
    return this.call('GET', `/api/sync?${query}`);
  }

  /** The live stream of sync events after `since`; `signal` closes it. */
  async openEvents(since: string | null, signal: AbortSignal): Promise<HttpStream> {
    const headers: Record<string, string> = { ...this.authHeaders(), Accept: 'text/event-stream' };
    if (since) headers['Last-Event-ID'] = since;
    const stream = await this.transport.stream({ method: 'GET', url: `${this.baseUrl}/api/events`, headers, signal });
    if (stream.status !== 200) throw ApiError.fromResponse(stream.status, await stream.text(), stream.headers);
    return stream;
  }

  private async call<T>(method: HttpRequest['method'], path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { ...this.authHeaders(), Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await this.transport.send({
      method,
      url: `${this.baseUrl}${path}`,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status >= 400) throw ApiError.fromResponse(response.status, response.body, response.headers);
    return (response.body ? JSON.parse(response.body) : undefined) as T;
  }

  private authHeaders(): Record<string, string> {
    return this.accessToken ? { Authorization: `Bearer ${this.accessToken}` } : {};
  }
}
