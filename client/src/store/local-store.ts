import type { LocalDatabase } from '../storage/local-database.ts';
import { migrateLocalDatabase } from '../storage/migrations.ts';
import { DeviceKeyStore } from './device-key-store.ts';
import { GroupStore } from './group-store.ts';
import { KeyDirectoryStore } from './key-directory-store.ts';
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
  readonly deviceKeys: DeviceKeyStore;
  readonly directory: KeyDirectoryStore;
  readonly groups: GroupStore;

  constructor(readonly db: LocalDatabase) {
    migrateLocalDatabase(db);
    this.messages = new MessageStore(db);
    this.outbox = new OutboxStore(db);
    this.social = new SocialStore(db);
    this.session = new SessionStore(db);
    this.deviceKeys = new DeviceKeyStore(db);
    this.directory = new KeyDirectoryStore(db);
    this.groups = new GroupStore(db);
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work);
  }

  /** Another account is moving into this copy: nothing of the previous one may leak into it. */
  wipeAccountData(): void {
    this.transaction(() => {
      for (const table of [...ACCOUNT_TABLES, ...E2EE_TABLES]) {
        this.db.run(`DELETE FROM ${table}`);
      }
    });
  }
}

const ACCOUNT_TABLES = ['messages', 'outbox', 'friends', 'invites', 'sync_state', 'session'];
const E2EE_TABLES = [
  'e2ee_identity',
  'e2ee_key_packages',
  'e2ee_directory',
  'e2ee_published_keys',
  'e2ee_groups',
  'e2ee_pending',
];
