import type { LocalDatabase } from '../storage/local-database.ts';
import { migrateLocalDatabase } from '../storage/migrations.ts';
import { MessageStore } from './message-store.ts';
import { OutboxStore } from './outbox-store.ts';
import { SessionStore } from './session-store.ts';
import { SocialStore } from './social-store.ts';

/** The device's copy: every table, on one database, so that one transaction can span them. */
export class LocalStore {
  readonly messages: MessageStore;
  readonly outbox: OutboxStore;
  readonly social: SocialStore;
  readonly session: SessionStore;

  constructor(readonly db: LocalDatabase) {
    migrateLocalDatabase(db);
    this.messages = new MessageStore(db);
    this.outbox = new OutboxStore(db);
    this.social = new SocialStore(db);
    this.session = new SessionStore(db);
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work);
  }

  /** Another account is moving into this copy: nothing of the previous one may leak into it. */
  wipeAccountData(): void {
    this.transaction(() => {
      for (const table of ['messages', 'outbox', 'friends', 'invites', 'sync_state', 'session']) {
        this.db.run(`DELETE FROM ${table}`);
      }
    });
  }
}
