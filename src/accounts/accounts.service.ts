import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  Optional,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { EntityManager, QueryFailedError, Repository } from 'typeorm';
import { formatAddress, localpartOf, parseAddress, serverOf } from '../common/address';
import { decodeCursor } from '../common/cursor';
import { newId } from '../common/ids';
import { cursorPage, rowsForPage } from '../common/pagination';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { UserEntity } from './user.entity';
import { PasswordHasher } from './password-hasher';
import { RemoteAddressSpelling } from './remote-address-spelling.port';

const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION;
}

@Injectable()
export class AccountsService {
  private readonly known = new LRUCache<string, true>({ max: 10_000 });

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // Absent where federation is not loaded (the CLI), which names local users only.
    @Optional() @Inject(RemoteAddressSpelling) private readonly remote: RemoteAddressSpelling | null = null,
  ) {}

  /** True when the address belongs to this node. */
  isLocal(address: string): boolean {
    return serverOf(address) === this.config.federationServer;
  }

  /**
   * The full address of a user named in a request (`bob` or `bob@server`): 400 when it is not an address, 404 when it
   * names a local user who does not exist. A remote address is spelt as its server spells it, as far as this node
   * knows that server (a MyLife node's usernames are lower-case), so that `Carol@b` finds the friend `carol@b`.
   */
  async resolveAddress(input: unknown, field: string): Promise<string> {
    if (typeof input !== 'string') throw new BadRequestException(`${field} must be a string`);
    const parsed = parseAddress(input, this.config.federationServer, field);
    const address = formatAddress(parsed);
    if (parsed.server === this.config.federationServer && !(await this.exists(parsed.localpart))) {
      throw new NotFoundException(`no user ${address}`);
    }
    return parsed.server === this.config.federationServer || !this.remote
      ? address
      : this.remote.canonicalAddress(address);
  }

  /** Whether a local user exists. Users are never deleted, so a yes is remembered (it saves a query per message). */
  async exists(username: string): Promise<boolean> {
    if (this.known.has(username)) return true;
    const found = await this.users.existsBy({ username });
    if (found) this.known.set(username, true);
    return found;
  }

  /**
   * Display names of the local users among `addresses`, by address. Inside a transaction pass its `manager`: a second
   * connection taken from the pool while the transaction holds one could wait on a pool that transactions have filled.
   */
  async displayNames(addresses: string[], manager?: EntityManager): Promise<Map<string, string>> {
    const usernames = addresses.filter((address) => this.isLocal(address)).map(localpartOf);
    if (usernames.length === 0) return new Map();
    const users = await (manager?.getRepository(UserEntity) ?? this.users)
      .createQueryBuilder('user')
      .where('user.username IN (:...usernames)', { usernames })
      .getMany();
    return new Map(users.map((user) => [`${user.username}@${this.config.federationServer}`, user.displayName]));
  }

  async createUser(input: { username: string; password: string; displayName?: string }): Promise<UserEntity> {
    const user = this.users.create({
      id: newId(),
      username: input.username,
      displayName: input.displayName ?? input.username,
      passwordHash: await this.hasher.hash(input.password),
    });
    try {
      return await this.users.save(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(`username "${input.username}" is already taken`);
      throw error;
    }
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username });
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  async getByUsername(username: string): Promise<UserEntity> {
    const user = await this.findByUsername(username);
    if (!user) throw new NotFoundException(`no user "${username}" on this node`);
    return user;
  }

  /** Every user ordered by username, `limit` at a time after the username `after`. */
  async listUsers(
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: UserEntity[]; nextCursor: string | null }> {
    const after = cursor ? decodeCursor(cursor, ['string'])[0] : undefined;
    const query = this.users.createQueryBuilder('user').orderBy('user.username', 'ASC').limit(rowsForPage(limit));
    if (after) query.where('user.username > :after', { after });
    return cursorPage(await query.getMany(), limit, (last) => [last.username]);
  }

  /** A new password; every access token of the user is revoked with it (a reset usually follows a compromise). */
  async resetPassword(username: string, password: string): Promise<UserEntity> {
    const user = await this.getByUsername(username);
    user.passwordHash = await this.hasher.hash(password);
    return this.users.manager.transaction(async (manager) => {
      const saved = await manager.save(user);
      await manager.query('UPDATE access_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [
        user.id,
      ]);
      return saved;
    });
  }

  /** The user when the password is right; null otherwise, in the same time whether or not the user exists. */
  async checkCredentials(username: string, password: string): Promise<UserEntity | null> {
    const user = await this.findByUsername(username.trim().toLowerCase());
    if (!user) return this.hasher.verifyAgainstDecoy(password).then(() => null);
    return (await this.hasher.verify(password, user.passwordHash)) ? user : null;
  }
}
