import { QueryFailedError } from 'typeorm';
import { isServiceUnavailable } from './service-unavailable';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isServiceUnavailable', () => {
  it('recognises PostgreSQL going away or refusing connections while it restarts', () => {
    expect(isServiceUnavailable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isServiceUnavailable(withCode('the database system is shutting down', '57P03'))).toBe(true);
    const terminated = withCode('terminating connection due to administrator command', '57P01');
    expect(isServiceUnavailable(new QueryFailedError('SELECT 1', [], terminated))).toBe(true);
    expect(isServiceUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isServiceUnavailable(new Error('pool', { cause: withCode('connect ECONNRESET', 'ECONNRESET') }))).toBe(true);
  });

  it('leaves every other error an internal one', () => {
    expect(isServiceUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    const unique = withCode('duplicate key value violates unique constraint', '23505');
    expect(isServiceUnavailable(new QueryFailedError('INSERT', [], unique))).toBe(false);
    expect(isServiceUnavailable('a string')).toBe(false);
    expect(isServiceUnavailable(null)).toBe(false);
  });
});
