import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  validateSync,
} from 'class-validator';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { isServerName, SERVER_NAME_PATTERN, SERVER_NAME_SOURCE } from '../common/address';
import { DEFAULT_WEB_APP_DIR } from '../web-app/web-app-files';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const BYTE_SIZE = /^(\d+)(b|kb|mb)$/i;
const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };
const byteSize = (text: string) => {
  const [, digits, unit] = BYTE_SIZE.exec(text)!;
  return Number(digits) * BYTE_UNITS[unit.toLowerCase()];
};
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
/** One or more items matching `item`, separated by commas. */
const listOf = (item: string) => new RegExp(`^${item}(?:,${item})*$`);
/**
 * Beside a pattern: every server name in the value (a name, or a comma-separated list of `name` or `name=secret`) is
 * one that addresses accept, since the pattern alone lets through names a URL cannot hold (`256.256.256.256`).
 */
const ServerNames = (message: string): PropertyDecorator =>
  ValidateBy({
    name: 'serverNames',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && value.split(',').every((item) => isServerName(item.split('=')[0])),
      defaultMessage: () => message,
    },
  });

// Configuration errors end up in terminals, logs and bug reports: a secret's value is never part of them.
const secretVariables = new Set<string>();
const Secret = (): PropertyDecorator => (_target, property) => void secretVariables.add(String(property));
const urlVariables = new Set<string>();
const CredentialsUrl = (): PropertyDecorator => (_target, property) => void urlVariables.add(String(property));

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isRange = (item: string) => {
  const [address, bits, ...rest] = item.split('/');
  if (rest.length > 0 || isIP(address) === 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128);
};

/** Express's `trust proxy` in the forms we take: a hop count, or addresses, CIDR ranges and its named ranges. */
export function parseTrustProxy(value: string): number | string[] | null {
  if (/^\d{1,2}$/.test(value.trim())) return Number(value);
  const items = value.split(',').map((item) => item.trim());
  return items.every((item) => NAMED_RANGES.has(item) || isRange(item)) ? items : null;
}

const TrustProxy = (): PropertyDecorator =>
  ValidateBy({
    name: 'trustProxy',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseTrustProxy(value) !== null,
      defaultMessage: () =>
        'must be a hop count (e.g. 1) or addresses and CIDR ranges separated by commas ' +
        '(e.g. loopback,172.16.0.0/12; named: loopback, linklocal, uniquelocal)',
    },
  });

/** The environment variables the node reads, each validated at boot. Documented in README.md and .env.example. */
export class EnvironmentVariables {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  HOST?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @TrustProxy()
  MYLIFE_TRUST_PROXY?: string;

  @IsOptional()
  @CredentialsUrl()
  @Transform(emptyToUndefined)
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @CredentialsUrl()
  @Transform(emptyToUndefined)
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(SERVER_NAME_PATTERN, { message: 'must be a lower-case host[:port] (port 1-65535), e.g. chat.example.com' })
  @ServerNames('must be a lower-case host[:port] (port 1-65535), e.g. chat.example.com')
  MYLIFE_FEDERATION_SERVER?: string;

  @IsOptional()
  @Secret()
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  MYLIFE_ADMIN_TOKEN?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  MYLIFE_DATA_DIR?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[A-Za-z0-9:._-]{1,64}$/, { message: 'must be 1-64 characters of [A-Za-z0-9:._-]' })
  MYLIFE_QUEUE_PREFIX?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  MYLIFE_EMBEDDED_POSTGRES_PORT?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  MYLIFE_TOKEN_TTL_DAYS?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(BYTE_SIZE, { message: 'must look like 512kb or 1mb' })
  MYLIFE_BODY_LIMIT?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(BYTE_SIZE, { message: 'must look like 512kb or 64mb' })
  MYLIFE_BODY_BUDGET?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^([1-9]\d{0,3})(s|m)$/, { message: 'must be a duration such as 30s or 2m' })
  MYLIFE_BODY_TIMEOUT?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  MYLIFE_LOGIN_MAX_FAILURES?: number;

  // Empty means "10 x MYLIFE_LOGIN_MAX_FAILURES" (docker-compose.yml passes it through empty when unset).
  @IsOptional()
  @Transform(({ value }) => toInt({ value: emptyToUndefined({ value }) }))
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MYLIFE_LOGIN_ACCOUNT_MAX_FAILURES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(14)
  @Max(20)
  MYLIFE_SCRYPT_LOG_N?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR?: number;

  @IsOptional()
  @Secret()
  @Transform(emptyToUndefined)
  @Matches(listOf(`${SERVER_NAME_SOURCE}=[^,=\\s]{16,}`), {
    message: 'must be host[:port]=secret pairs separated by commas, each secret at least 16 characters',
  })
  @ServerNames('must be host[:port]=secret pairs separated by commas, each secret at least 16 characters')
  MYLIFE_FEDERATION_SHARED_KEYS?: string;

  @IsOptional()
  @Secret()
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  MYLIFE_FEDERATION_SHARED_KEY?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  MYLIFE_FEDERATION_MAX_CLOCK_SKEW_MS?: number;

  @IsOptional()
  @Secret()
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  MYLIFE_FEDERATION_DISPATCH_KEY?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  MYLIFE_FEDERATION_ALLOW_INSECURE_HTTP?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(listOf(SERVER_NAME_SOURCE), { message: 'must be server names (host[:port]) separated by commas' })
  @ServerNames('must be server names (host[:port]) separated by commas')
  MYLIFE_FEDERATION_ALLOWED_SERVERS?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(listOf(SERVER_NAME_SOURCE), { message: 'must be server names (host[:port]) separated by commas' })
  @ServerNames('must be server names (host[:port]) separated by commas')
  MYLIFE_FEDERATION_BLOCKED_SERVERS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  MYLIFE_FEDERATION_BACKOFF_BASE_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  MYLIFE_FEDERATION_BACKOFF_MAX_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  MYLIFE_FEDERATION_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  MYLIFE_FEDERATION_RECONCILE_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(365)
  MYLIFE_FEDERATION_KEY_OVERLAP_DAYS?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^([1-9]\d{0,5})(s|m|h|d)$/, { message: 'must be a duration such as 7d, 36h, 90m or 30s' })
  MYLIFE_FEDERATION_GIVE_UP_AFTER?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL?: 'error' | 'warn' | 'log' | 'debug' | 'verbose';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  MYLIFE_DB_POOL_SIZE?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(['on', 'off'], { message: 'must be on or off' })
  MYLIFE_WEB_APP?: 'on' | 'off';
}

export type LogLevel = NonNullable<EnvironmentVariables['LOG_LEVEL']>;

/** The node's settings after validation and defaults; the only place that reads the environment is {@link loadConfig}. */
export interface AppConfig {
  port: number;
  host: string;
  /**
   * Express's `trust proxy`: the hops whose X-Forwarded-For is believed, so that the client address (login limits) is
   * the client's and not the proxy's.
   */
  trustProxy: number | string[];
  /** Null until the embedded Postgres has started (see main.ts). */
  databaseUrl: string | null;
  redisUrl: string | null;
  federationServer: string;
  adminToken: string | null;
  dataDir: string;
  queuePrefix: string;
  embeddedPostgresPort: number;
  tokenTtlDays: number;
  /** Largest request body of the user and admin API. */
  bodyLimitBytes: number;
  /** Request body bytes this process holds in memory at once, across all requests (503 beyond). */
  bodyBudgetBytes: number;
  /** How long a request body may take to arrive in full (408 beyond; its bytes are given back). */
  bodyTimeoutMs: number;
  /** Failed logins per 15 minutes for one account from one client address. */
  loginMaxFailures: number;
  /** Failed logins per 15 minutes for one account from all addresses (except those it logged in from before). */
  loginAccountMaxFailures: number;
  /** Key package claims per hour by one user (ten times as many by all users of one peer server). */
  keyClaimLimitPerHour: number;
  logLevel: LogLevel;
  dbPoolSize: number;
  /** scrypt cost as log2(N); 17 is OWASP's minimum, lower only on very small machines. */
  scryptLogN: number;
  /** The built web app served at `/` (web/dist of this package); null when MYLIFE_WEB_APP=off. */
  webAppDir: string | null;
  federation: FederationConfig;
}

export interface FederationConfig {
  /** Configured per-peer secrets by server name; they win over derived ones. */
  sharedKeys: Map<string, string>;
  /** One secret for every peer without its own (legacy; warned about at boot). */
  sharedKey: string | null;
  maxClockSkewMs: number;
  dispatchKey: string | null;
  allowInsecureHttp: boolean;
  allowPrivateNetworks: boolean;
  allowedServers: Set<string> | null;
  blockedServers: Set<string>;
  backoffBaseMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
  reconcileMs: number;
  keyOverlapDays: number;
  /** How long an outbox row may wait (throttled, backed off, awaiting a friendship) before it fails for good. */
  giveUpAfterMs: number;
}

export class ConfigError extends Error {}

const MIN_BODY_LIMIT_BYTES = 1024;

/** A body limit that refuses every body, or a budget smaller than one body, is a mistake: say so at boot. */
function assertBodySizes(limit: number, budget: number): void {
  if (limit < MIN_BODY_LIMIT_BYTES) {
    throw new ConfigError(`MYLIFE_BODY_LIMIT must be at least 1kb (got ${limit} bytes)`);
  }
  if (budget < limit) {
    throw new ConfigError(`MYLIFE_BODY_BUDGET must be at least MYLIFE_BODY_LIMIT (got ${budget} < ${limit} bytes)`);
  }
}

export const DEFAULT_PORT = 8787;

/** Validates the environment; throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const vars = plainToInstance(EnvironmentVariables, { ...env });
  const errors = validateSync(vars, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const first = errors[0];
    const reason = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    throw new ConfigError(
      `${first.property} ${reason.replace(`${first.property} `, '')} (got ${shownValue(first.property, env[first.property])})`,
    );
  }
  const port = vars.PORT ?? DEFAULT_PORT;
  const bodyLimitBytes = byteSize(vars.MYLIFE_BODY_LIMIT ?? '1mb');
  const bodyBudgetBytes = byteSize(vars.MYLIFE_BODY_BUDGET ?? '64mb');
  assertBodySizes(bodyLimitBytes, bodyBudgetBytes);
  const loginMaxFailures = vars.MYLIFE_LOGIN_MAX_FAILURES ?? 10;
  const federationServer = vars.MYLIFE_FEDERATION_SERVER ?? `localhost:${port}`;
  return {
    port,
    host: vars.HOST ?? '0.0.0.0',
    trustProxy: parseTrustProxy(vars.MYLIFE_TRUST_PROXY ?? 'loopback')!,
    databaseUrl: vars.DATABASE_URL ?? null,
    redisUrl: vars.REDIS_URL ?? null,
    federationServer,
    adminToken: vars.MYLIFE_ADMIN_TOKEN ?? null,
    dataDir: resolve(vars.MYLIFE_DATA_DIR ?? './data'),
    queuePrefix: vars.MYLIFE_QUEUE_PREFIX ?? defaultQueuePrefix(federationServer),
    embeddedPostgresPort: vars.MYLIFE_EMBEDDED_POSTGRES_PORT ?? 55432,
    tokenTtlDays: vars.MYLIFE_TOKEN_TTL_DAYS ?? 30,
    bodyLimitBytes,
    bodyBudgetBytes,
    bodyTimeoutMs: durationMs(vars.MYLIFE_BODY_TIMEOUT ?? '30s'),
    loginMaxFailures,
    loginAccountMaxFailures: vars.MYLIFE_LOGIN_ACCOUNT_MAX_FAILURES ?? 10 * loginMaxFailures,
    keyClaimLimitPerHour: vars.MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR ?? 120,
    logLevel: vars.LOG_LEVEL ?? 'log',
    dbPoolSize: vars.MYLIFE_DB_POOL_SIZE ?? 10,
    scryptLogN: vars.MYLIFE_SCRYPT_LOG_N ?? 17,
    webAppDir: vars.MYLIFE_WEB_APP === 'off' ? null : DEFAULT_WEB_APP_DIR,
    federation: {
      sharedKeys: new Map(
        (vars.MYLIFE_FEDERATION_SHARED_KEYS?.split(',') ?? []).map((pair: string) => {
          const at = pair.indexOf('=');
          return [pair.slice(0, at), pair.slice(at + 1)] as const;
        }),
      ),
      sharedKey: vars.MYLIFE_FEDERATION_SHARED_KEY ?? null,
      maxClockSkewMs: vars.MYLIFE_FEDERATION_MAX_CLOCK_SKEW_MS ?? 30_000,
      dispatchKey: vars.MYLIFE_FEDERATION_DISPATCH_KEY ?? null,
      allowInsecureHttp: vars.MYLIFE_FEDERATION_ALLOW_INSECURE_HTTP === 'true',
      allowPrivateNetworks: vars.MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS === 'true',
      allowedServers: vars.MYLIFE_FEDERATION_ALLOWED_SERVERS
        ? new Set(vars.MYLIFE_FEDERATION_ALLOWED_SERVERS.split(','))
        : null,
      blockedServers: new Set(vars.MYLIFE_FEDERATION_BLOCKED_SERVERS?.split(',') ?? []),
      backoffBaseMs: vars.MYLIFE_FEDERATION_BACKOFF_BASE_MS ?? 1000,
      backoffMaxMs: vars.MYLIFE_FEDERATION_BACKOFF_MAX_MS ?? 300_000,
      timeoutMs: vars.MYLIFE_FEDERATION_TIMEOUT_MS ?? 10_000,
      reconcileMs: vars.MYLIFE_FEDERATION_RECONCILE_MS ?? 5000,
      keyOverlapDays: vars.MYLIFE_FEDERATION_KEY_OVERLAP_DAYS ?? 7,
      giveUpAfterMs: durationMs(vars.MYLIFE_FEDERATION_GIVE_UP_AFTER ?? '7d'),
    },
  };
}

/** How a wrong value appears in its error: secrets by their length only, URLs without their credentials. */
function shownValue(variable: string, value: string | undefined): string {
  if (value === undefined) return 'nothing';
  if (secretVariables.has(variable)) return `${value.length} characters, not shown`;
  if (urlVariables.has(variable)) return JSON.stringify(withoutCredentials(value));
  return JSON.stringify(value);
}

/**
 * `postgres://user:pass@host/db` → `postgres://***@host/db`: everything before the last `@` (a password may hold one)
 * but the scheme, and all of it when the value has no scheme (`user:pass@host/db`, a URL typed without one).
 */
export function withoutCredentials(url: string): string {
  const end = url.lastIndexOf('@');
  if (end < 0) return url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url.slice(0, end))?.[0] ?? '';
  return `${scheme}***${url.slice(end)}`;
}

const DURATION_UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `7d`, `36h`, `90m`, `30s` in milliseconds (the form is validated above). */
function durationMs(duration: string): number {
  const unit = duration.slice(-1) as keyof typeof DURATION_UNIT_MS;
  return Number(duration.slice(0, -1)) * DURATION_UNIT_MS[unit];
}

/** Several nodes may share one Redis: each gets its own key namespace, named after its server. */
export function defaultQueuePrefix(federationServer: string): string {
  return `mylife:${federationServer.replace(/[^a-z0-9.-]/g, '_')}`;
}
