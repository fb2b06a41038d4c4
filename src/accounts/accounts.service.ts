import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { newId } from '../common/ids';
import { UserEntity } from './user.entity';
import { PasswordHasher } from './password-hasher';

const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION;
}

@Injectable()
export class AccountsService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
  ) {}

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
  listUsers(after: string | undefined, limit: number): Promise<UserEntity[]> {
    const query = this.users.createQueryBuilder('user').orderBy('user.username', 'ASC').limit(limit);
    if (after) query.where('user.username > :after', { after });
    return query.getMany();
  }

  async resetPassword(username: string, password: string): Promise<UserEntity> {
    const user = await this.getByUsername(username);
    user.passwordHash = await this.hasher.hash(password);
    return this.users.save(user);
  }

  /** The user when the password is right; null otherwise, in the same time whether or not the user exists. */
  async checkCredentials(username: string, password: string): Promise<UserEntity | null> {
    const user = await this.findByUsername(username.trim().toLowerCase());
    if (!user) return this.hasher.verifyAgainstDecoy(password).then(() => null);
    return (await this.hasher.verify(password, user.passwordHash)) ? user : null;
  }
}
