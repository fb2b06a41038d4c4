import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, IsNull, MoreThan } from 'typeorm';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { derivePairSecret, generateServerKeyPair } from './key-agreement';
import { ServerKeyEntity } from './server-key.entity';

const DAY_MS = 24 * 60 * 60 * 1000;
// Keys are read on every signed request; re-read them from the database at most this often (other processes rotate).
const KEY_CACHE_MS = 60_000;

export interface PublishedKey {
  id: string;
  algorithm: 'x25519';
  publicKey: string;
  notAfter: string | null;
}

/** This node's federation keys: created at first boot, rotated with an overlap, and the pair secrets they derive. */
@Injectable()
export class ServerKeysService implements OnApplicationBootstrap {
  private liveKeys: ServerKeyEntity[] = [];
  private loadedAt = 0;
  private readonly secrets = new Map<string, Buffer>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureKey();
  }

  /** Creates the first key when there is none (several processes may race; the key id makes it harmless). */
  async ensureKey(): Promise<void> {
    const current = await this.dataSource.getRepository(ServerKeyEntity).findOneBy({ notAfter: IsNull() });
    if (!current) await this.insertKey();
    await this.reload();
  }

  /** A new signing key; the previous one keeps verifying for MYLIFE_FEDERATION_KEY_OVERLAP_DAYS. */
  async rotate(): Promise<{ newKeyId: string; retiredKeyIds: string[]; notAfter: Date }> {
    const notAfter = new Date(this.clock.now().getTime() + this.config.federation.keyOverlapDays * DAY_MS);
    const result = await this.dataSource.transaction(async (manager) => {
      const retired = await manager.getRepository(ServerKeyEntity).findBy({ notAfter: IsNull() });
      await manager.getRepository(ServerKeyEntity).update({ notAfter: IsNull() }, { notAfter });
      const created = await this.insertKey(manager.getRepository(ServerKeyEntity));
      return { newKeyId: created.id, retiredKeyIds: retired.map((key) => key.id), notAfter };
    });
    await this.reload();
    return result;
  }

  async published(): Promise<PublishedKey[]> {
    return (await this.keys()).map((key) => ({
      id: key.id,
      algorithm: 'x25519',
      publicKey: key.publicKey,
      notAfter: key.notAfter?.toISOString() ?? null,
    }));
  }

  /** The key that signs outgoing requests. */
  async current(): Promise<ServerKeyEntity> {
    const keys = await this.keys();
    return keys.find((key) => key.notAfter === null) ?? keys[0];
  }

  /** The secret shared with a peer for one of our live keys and one of theirs (cached: derivation costs ~40 µs). */
  secretWith(own: ServerKeyEntity, peer: { server: string; keyId: string; publicKey: string }): Buffer {
    const cacheKey = `${own.id}|${peer.server}|${peer.keyId}|${peer.publicKey}`;
    let secret = this.secrets.get(cacheKey);
    if (!secret) {
      secret = derivePairSecret(
        { server: this.config.federationServer, keyId: own.id, privateKey: own.privateKey },
        peer,
      );
      this.secrets.set(cacheKey, secret);
    }
    return secret;
  }

  /** Our keys that still verify: the current one and those retired less than the overlap ago. */
  async keys(): Promise<ServerKeyEntity[]> {
    if (this.clock.now().getTime() - this.loadedAt > KEY_CACHE_MS || this.liveKeys.length === 0) await this.reload();
    return this.liveKeys;
  }

  private async reload(): Promise<void> {
    this.liveKeys = await this.dataSource.getRepository(ServerKeyEntity).find({
      where: [{ notAfter: IsNull() }, { notAfter: MoreThan(this.clock.now()) }],
      order: { createdAt: 'DESC' },
    });
    this.loadedAt = this.clock.now().getTime();
  }

  private async insertKey(repository = this.dataSource.getRepository(ServerKeyEntity)): Promise<ServerKeyEntity> {
    const pair = generateServerKeyPair();
    const key = repository.create({ id: `x25519-${randomBytes(6).toString('base64url')}`, ...pair, notAfter: null });
    await repository.insert(key);
    return key;
  }
}
