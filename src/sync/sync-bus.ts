import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { PageRow } from './sync.repository';

/** Events a statement appended, by user, in seq order, as the streams' page query reads them (PAGE_SQL). */
export type CommittedEvents = ReadonlyMap<string, PageRow[]>;

/** `committed`, when the notice carries them: some or all of the events that changed the users' streams. */
type ChangeListener = (userIds: string[], committed?: CommittedEvents) => void;

/**
 * Tells every process of the node that users' streams changed, after the change committed: Redis pub/sub when the
 * node has Redis, Postgres LISTEN/NOTIFY otherwise. A lost notice only delays a push (streams also poll), never
 * loses an event: the events themselves are in Postgres. This process's own streams hear at once, not through the
 * round trip to the bus: each notice names the process it came from, and a process skips its own. Only this process's
 * streams hear the events themselves, when the writer passes them: other processes get the user ids and read.
 */
export abstract class SyncBus {
  private readonly listeners = new Set<ChangeListener>();
  protected readonly logger = new Logger('SyncBus');
  private readonly origin = `${ORIGIN_MARK}${randomUUID()}`;

  /** Sends `encode`d notices to every process. */
  abstract publish(userIds: string[]): Promise<void>;

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A notice: the origin on the first line, then one user id per line. */
  protected encode(userIds: string[]): string {
    return [this.origin, ...userIds].join('\n');
  }

  protected deliver(payload: string): void {
    const lines = payload.split('\n').filter(Boolean);
    // A first line that is not an origin comes from a process of an earlier version: all lines are user ids.
    const origin = lines[0]?.startsWith(ORIGIN_MARK) ? lines.shift() : undefined;
    if (origin !== this.origin) this.tell(lines);
  }

  /**
   * Tells this process's streams (with the `committed` events, if given), then publishes the user ids alone, logging
   * instead of failing: the change has already committed.
   */
  async notify(userIds: string[], committed?: CommittedEvents): Promise<void> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return;
    this.tell(unique, committed);
    try {
      await this.publish(unique);
    } catch (error) {
      this.logger.warn(`could not publish a sync notice: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private tell(userIds: string[], committed?: CommittedEvents): void {
    for (const listener of this.listeners) listener(userIds, committed);
  }
}

// User ids are addresses (`name@server`); no address starts with this.
const ORIGIN_MARK = '~';

@Injectable()
export class RedisSyncBus extends SyncBus implements OnModuleInit, OnModuleDestroy {
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.channel = `${config.queuePrefix}:sync`;
    this.publisher = new Redis(config.redisUrl!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    this.subscriber = new Redis(config.redisUrl!, { lazyConnect: true, maxRetriesPerRequest: null });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => this.logger.warn(`redis: ${error.message}`));
    }
  }

  onModuleInit(): void {
    this.subscriber.on('message', (_channel: string, payload: string) => this.deliver(payload));
    // Not awaited: with Redis down the node still starts (health says so); ioredis subscribes once it connects and
    // again after every reconnect.
    this.subscriber.subscribe(this.channel).catch((error: Error) => this.logger.warn(`subscribe: ${error.message}`));
  }

  async publish(userIds: string[]): Promise<void> {
    await this.publisher.publish(this.channel, this.encode(userIds));
  }

  async onModuleDestroy(): Promise<void> {
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}

const PG_CHANNEL = 'mylife_sync';
// NOTIFY payloads are limited to 8000 bytes.
const PG_PAYLOAD_LIMIT = 7000;

@Injectable()
export class PostgresSyncBus extends SyncBus implements OnModuleInit, OnModuleDestroy {
  private listener: Client | null = null;
  private publisher: Client | null = null;
  private closed = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.config.databaseUrl! });
    client.on('notification', (message) => this.deliver(message.payload ?? ''));
    client.on('error', (error) => {
      this.logger.warn(`listener: ${error.message}; reconnecting`);
      this.listener = null;
      if (!this.closed) setTimeout(() => void this.listen().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${PG_CHANNEL}`);
    this.listener = client;
  }

  async publish(userIds: string[]): Promise<void> {
    if (!this.publisher) {
      const client = new Client({ connectionString: this.config.databaseUrl! });
      client.on('error', () => (this.publisher = null));
      await client.connect();
      this.publisher = client;
    }
    for (let start = 0; start < userIds.length;) {
      let end = start;
      let size = 0;
      while (end < userIds.length && size + userIds[end].length + 1 < PG_PAYLOAD_LIMIT)
        size += userIds[end++].length + 1;
      await this.publisher.query('SELECT pg_notify($1, $2)', [
        PG_CHANNEL,
        this.encode(userIds.slice(start, Math.max(end, start + 1))),
      ]);
      start = Math.max(end, start + 1);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await Promise.all([this.listener?.end(), this.publisher?.end()].map((closing) => closing?.catch(() => undefined)));
  }
}
