import { resolve } from 'node:path';
import { ConfigError, loadConfig, withoutCredentials } from './app-config';

describe('loadConfig', () => {
  it('has working defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8787,
      databaseUrl: null,
      redisUrl: null,
      federationServer: 'localhost:8787',
      adminToken: null,
      queuePrefix: 'mylife:localhost_8787',
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('derives the server name and queue prefix from PORT and the server', () => {
    expect(loadConfig({ PORT: '9000' }).federationServer).toBe('localhost:9000');
    expect(loadConfig({ MYLIFE_FEDERATION_SERVER: 'chat.example.com' }).queuePrefix).toBe('mylife:chat.example.com');
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'localhost:6379'],
    ['MYLIFE_FEDERATION_SERVER', 'Chat.Example.com'],
    ['MYLIFE_FEDERATION_SERVER', 'https://chat.example.com'],
    ['MYLIFE_FEDERATION_SERVER', 'chat.example.com:99999'],
    ['MYLIFE_FEDERATION_SERVER', '256.256.256.256'],
    ['MYLIFE_FEDERATION_SERVER', 'localhost.:8787'],
    ['MYLIFE_FEDERATION_SHARED_KEYS', '1.2.3.999=0123456789abcdef'],
    ['MYLIFE_FEDERATION_ALLOWED_SERVERS', 'a.example,a..b'],
    ['MYLIFE_FEDERATION_SHARED_KEYS', 'peer.example:70000=0123456789abcdef'],
    ['MYLIFE_FEDERATION_BLOCKED_SERVERS', 'a.example,b.example:65536'],
    ['MYLIFE_ADMIN_TOKEN', 'short'],
    ['MYLIFE_QUEUE_PREFIX', 'has spaces'],
    ['LOG_LEVEL', 'loud'],
    ['MYLIFE_FEDERATION_GIVE_UP_AFTER', '7 days'],
    ['MYLIFE_TRUST_PROXY', 'true'],
    ['MYLIFE_TRUST_PROXY', 'loopback,everyone'],
    ['MYLIFE_TRUST_PROXY', '172.16.0.0/33'],
    ['MYLIFE_TRUST_PROXY', '300.1.1.1'],
    ['MYLIFE_TRUST_PROXY', '-1'],
    ['MYLIFE_WEB_APP', 'yes'],
  ])('stops with one line naming %s when it is %j', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      expect((error as Error).message.split('\n')).toHaveLength(1);
      expect((error as Error).message.startsWith(name)).toBe(true);
    }
  });

  it("serves the repository's web/dist unless MYLIFE_WEB_APP=off", () => {
    const webDist = resolve(__dirname, '../../web/dist');
    expect(loadConfig({}).webAppDir).toBe(webDist);
    expect(loadConfig({ MYLIFE_WEB_APP: 'on' }).webAppDir).toBe(webDist);
    expect(loadConfig({ MYLIFE_WEB_APP: '' }).webAppDir).toBe(webDist);
    expect(loadConfig({ MYLIFE_WEB_APP: 'off' }).webAppDir).toBeNull();
  });

  it('sets the account-wide login ceiling to ten times the per-address limit unless given', () => {
    expect(loadConfig({ MYLIFE_LOGIN_MAX_FAILURES: '7' }).loginAccountMaxFailures).toBe(70);
    expect(loadConfig({ MYLIFE_LOGIN_ACCOUNT_MAX_FAILURES: '' }).loginAccountMaxFailures).toBe(100);
    expect(loadConfig({ MYLIFE_LOGIN_ACCOUNT_MAX_FAILURES: '25' }).loginAccountMaxFailures).toBe(25);
    expect(() => loadConfig({ MYLIFE_LOGIN_ACCOUNT_MAX_FAILURES: '0' })).toThrow(/^MYLIFE_LOGIN_ACCOUNT_MAX_FAILURES/);
  });

  it('limits key package claims to 120 per hour unless given, and refuses a limit of zero', () => {
    expect(loadConfig({}).keyClaimLimitPerHour).toBe(120);
    expect(loadConfig({ MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR: '30' }).keyClaimLimitPerHour).toBe(30);
    expect(() => loadConfig({ MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR: '0' })).toThrow(/^MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR/);
    expect(() => loadConfig({ MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR: 'many' })).toThrow(/^MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR/);
  });

  it('refuses a body limit that takes no body, and a budget smaller than one body', () => {
    expect(() => loadConfig({ MYLIFE_BODY_LIMIT: '0b' })).toThrow(/^MYLIFE_BODY_LIMIT must be at least 1kb/);
    expect(() => loadConfig({ MYLIFE_BODY_LIMIT: '2mb', MYLIFE_BODY_BUDGET: '1mb' })).toThrow(
      /^MYLIFE_BODY_BUDGET must be at least MYLIFE_BODY_LIMIT/,
    );
    expect(loadConfig({ MYLIFE_BODY_LIMIT: '1kb', MYLIFE_BODY_BUDGET: '1mb' }).bodyBudgetBytes).toBe(1024 * 1024);
  });

  it.each([
    ['MYLIFE_ADMIN_TOKEN', 'short-secret'],
    ['MYLIFE_FEDERATION_SHARED_KEY', 'short-secret'],
    ['MYLIFE_FEDERATION_DISPATCH_KEY', 'short-secret'],
    ['MYLIFE_FEDERATION_SHARED_KEYS', 'peer.example=short-secret'],
  ])('never shows the value of the secret %s in its error', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(`${name} `);
    expect(() => loadConfig({ [name]: value })).toThrow(`(got ${value.length} characters, not shown)`);
    expect(() => loadConfig({ [name]: value })).not.toThrow('short-secret');
  });

  it.each([
    ['DATABASE_URL', 'mysql://mylife:hunter2-db@db.example/mylife'],
    ['REDIS_URL', 'http://:hunter2-redis@cache.example:6379'],
  ])('shows %s without its password', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(`${name} `);
    expect(() => loadConfig({ [name]: value })).not.toThrow('hunter2');
  });

  it('keeps the host of a URL but nothing before its last @', () => {
    expect(withoutCredentials('postgres://u:p@ss@db:5432/x')).toBe('postgres://***@db:5432/x');
    expect(withoutCredentials('redis://cache:6379')).toBe('redis://cache:6379');
    expect(withoutCredentials('not a url')).toBe('not a url');
  });

  it('hides the credentials of a URL typed without its scheme, or with a wrong one', () => {
    expect(withoutCredentials('alice:s3cretpass@db.internal:5432/mylife')).toBe('***@db.internal:5432/mylife');
    expect(withoutCredentials('alice:pa://ss@db')).toBe('***@db');
    expect(withoutCredentials('postgres:/alice:s3cret@db')).toBe('***@db');
    expect(() => loadConfig({ DATABASE_URL: 'alice:s3cretpass@db.internal:5432/mylife' })).toThrow(
      'DATABASE_URL must be a postgres:// URL (got "***@db.internal:5432/mylife")',
    );
  });

  it('trusts X-Forwarded-For from loopback unless MYLIFE_TRUST_PROXY says which hops to trust', () => {
    expect(loadConfig({}).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ MYLIFE_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ MYLIFE_TRUST_PROXY: 'loopback, uniquelocal' }).trustProxy).toEqual(['loopback', 'uniquelocal']);
    expect(loadConfig({ MYLIFE_TRUST_PROXY: '172.16.0.0/12,10.0.0.2,fd00::/8' }).trustProxy).toEqual([
      '172.16.0.0/12',
      '10.0.0.2',
      'fd00::/8',
    ]);
  });

  it('reads the give-up age as a duration, 7 days by default', () => {
    expect(loadConfig({}).federation.giveUpAfterMs).toBe(7 * 86_400_000);
    expect(loadConfig({ MYLIFE_FEDERATION_GIVE_UP_AFTER: '36h' }).federation.giveUpAfterMs).toBe(36 * 3_600_000);
    expect(loadConfig({ MYLIFE_FEDERATION_GIVE_UP_AFTER: '30s' }).federation.giveUpAfterMs).toBe(30_000);
  });
});
