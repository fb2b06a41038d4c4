import { credentialFromHeader, isAdminToken } from './admin-token';

describe('admin token', () => {
  it('matches only the configured token', () => {
    expect(isAdminToken('s3cret-admin-token', 's3cret-admin-token')).toBe(true);
    expect(isAdminToken('s3cret-admin-tokeN', 's3cret-admin-token')).toBe(false);
    expect(isAdminToken('anything', null)).toBe(false);
    expect(isAdminToken(null, 's3cret-admin-token')).toBe(false);
  });

  it('reads a bearer token, and basic auth only where allowed', () => {
    const basic = `Basic ${Buffer.from('whoever:the-token').toString('base64')}`;
    expect(credentialFromHeader('Bearer abc')).toBe('abc');
    expect(credentialFromHeader(basic)).toBeNull();
    expect(credentialFromHeader(basic, true)).toBe('the-token');
    expect(credentialFromHeader('Basic !!!', true)).toBeNull();
    expect(credentialFromHeader(undefined)).toBeNull();
  });
});
