import { Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { DataSource, EntityManager, FindOptionsWhere, In, IsNull, MoreThan, Repository } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { UserEntity } from '../accounts/user.entity';
import { LOCALPART_PATTERN, parseAddress } from '../common/address';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AccessTokenEntity } from './access-token.entity';
import { AuthenticatedUser } from './authenticated-user';
import { LoginThrottle } from './login-throttle';
import { TokenRevocationHook } from './token-revocation.port';

const TOKEN_PREFIX = 'mlt_';
// Every request presents a token; remembering recent answers saves a join per request. A token revoked here is
// forgotten at once; another process of the node may honour it for up to this long.
const TOKEN_CACHE_MS = 10_000;
// Recording every use would be a write per request; a few minutes of precision is enough for "last used".
const LAST_USED_PRECISION_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * The one spelling of the account a login names: `" Alice "`, `"ALICE"` and `"alice@<this server>"` are all `alice`.
 * Anything else (another server's address, not an address at all) is trimmed and lower-cased; it names no user here, so
 * its password check fails like a wrong one, and its failures are counted under that form.
 */
export function loginName(input: string, localServer: string): string {
  try {
    const address = parseAddress(input, localServer);
    if (address.server === localServer) return address.localpart;
  } catch {
    // not an address: counted as typed, normalised
  }
  return input.trim().toLowerCase();
}

export interface IssuedSession {
  accessToken: string;
  expiresAt: Date;
  user: UserEntity;
}

@Injectable()
export class AuthService {
  private readonly recent = new LRUCache<string, { user: AuthenticatedUser; expiresAt: Date; deviceName: string }>({
    max: 10_000,
    ttl: TOKEN_CACHE_MS,
  });
  private readonly revocationListeners = new Set<(tokenId: string) => void>();

  constructor(
    @InjectRepository(AccessTokenEntity) private readonly tokens: Repository<AccessTokenEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
    @Inject(TokenRevocationHook) private readonly revocationHook: TokenRevocationHook,
  ) {}

  /**
   * Checks the password and issues a token for `deviceName`, replacing that device's previous token. `name` is a
   * username or address as typed; failures count against the account it names (LoginThrottle).
   */
  async login(name: string, password: string, deviceName: string, clientAddress: string): Promise<IssuedSession> {
    const username = loginName(name, this.config.federationServer);
    const attempt = await this.throttle.begin(username, clientAddress);
    // A name that cannot be a username is checked against the decoy: it fails like a wrong password, in the same time.
    const user = await this.accounts.checkCredentials(LOCALPART_PATTERN.test(username) ? username : '', password);
    if (!user) throw new UnauthorizedException('wrong username or password');
    await attempt.succeeded();
    const accessToken = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.config.tokenTtlDays * DAY_MS);
    const afterRevocation = await this.dataSource.transaction(async (manager) => {
      const replaced = await this.revoke(manager, { userId: user.id, deviceName, revokedAt: IsNull() }, now);
      await manager.insert(AccessTokenEntity, {
        id: newId(),
        userId: user.id,
        deviceName,
        tokenHash: hashToken(accessToken),
        expiresAt,
        lastUsedAt: now,
      });
      return this.revocationHook.tokensRevoked(manager, replaced);
    });
    this.forgetTokens((entry) => entry.user.id === user.id && entry.deviceName === deviceName);
    await afterRevocation();
    return { accessToken, expiresAt, user };
  }

  /** The user behind a live token, or null for an unknown, expired or revoked one. */
  async authenticate(accessToken: string): Promise<AuthenticatedUser | null> {
    if (!accessToken.startsWith(TOKEN_PREFIX)) return null;
    const remembered = this.recent.get(accessToken);
    if (remembered) return remembered.expiresAt > this.clock.now() ? remembered.user : null;
    const token = await this.tokens.findOne({
      where: { tokenHash: hashToken(accessToken), revokedAt: IsNull() },
      relations: { user: true },
    });
    const now = this.clock.now();
    if (!token?.user || token.expiresAt <= now) return null;
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
      await this.tokens.update({ id: token.id }, { lastUsedAt: now });
    }
    const { user } = token;
    const authenticated = {
      id: user.id,
      username: user.username,
      address: `${user.username}@${this.config.federationServer}`,
      displayName: user.displayName,
      tokenId: token.id,
    };
    this.recent.set(accessToken, { user: authenticated, expiresAt: token.expiresAt, deviceName: token.deviceName });
    return authenticated;
  }

  /** The user's logged-in devices: tokens neither revoked nor expired. */
  listTokens(userId: string): Promise<AccessTokenEntity[]> {
    return this.tokens.find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(this.clock.now()) },
      order: { createdAt: 'DESC' },
    });
  }

  /** For requests that outlive one check (the event stream): the token still works, revoked by no process. */
  isTokenLive(tokenId: string): Promise<boolean> {
    return this.tokens.exists({ where: { id: tokenId, revokedAt: IsNull(), expiresAt: MoreThan(this.clock.now()) } });
  }

  /** The ids among `tokenIds` of tokens neither revoked nor expired. Inside a transaction pass its `manager`. */
  async liveTokenIds(tokenIds: string[], manager?: EntityManager): Promise<Set<string>> {
    if (tokenIds.length === 0) return new Set();
    const live = await (manager?.getRepository(AccessTokenEntity) ?? this.tokens).find({
      select: { id: true },
      where: { id: In(tokenIds), revokedAt: IsNull(), expiresAt: MoreThan(this.clock.now()) },
    });
    return new Set(live.map((token) => token.id));
  }

  /** Called with the id of each token revoked by this process, at once. */
  onTokenRevoked(listener: (tokenId: string) => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  /** Revokes one of the user's own tokens; 404 for a token of someone else or one already revoked. */
  async revokeToken(userId: string, tokenId: string): Promise<void> {
    const afterRevocation = await this.dataSource.transaction(async (manager) => {
      const revoked = await this.revoke(manager, { id: tokenId, userId, revokedAt: IsNull() }, this.clock.now());
      if (revoked.length === 0) throw new NotFoundException(`no live token ${tokenId} for this user`);
      return this.revocationHook.tokensRevoked(manager, revoked);
    });
    this.forgetTokens(({ user }) => user.tokenId === tokenId);
    for (const listener of this.revocationListeners) listener(tokenId);
    await afterRevocation();
  }

  /** Revokes the tokens `where` matches, in the caller's transaction; answers their ids. */
  private async revoke(
    manager: EntityManager,
    where: FindOptionsWhere<AccessTokenEntity>,
    now: Date,
  ): Promise<string[]> {
    const result = await manager
      .createQueryBuilder()
      .update(AccessTokenEntity)
      .set({ revokedAt: now })
      .where(where)
      .returning('id')
      .execute();
    return (result.raw as { id: string }[]).map((row) => row.id);
  }

  private forgetTokens(matches: (entry: { user: AuthenticatedUser; deviceName: string }) => boolean): void {
    for (const [token, entry] of this.recent.entries()) if (matches(entry)) this.recent.delete(token);
  }
}
