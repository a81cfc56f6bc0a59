import { describe, expect, test } from 'vitest';
import { SignInThrottle } from '../../server/src/services/signInThrottle';

/** The code an attempt ends with: undefined when it may go on to the password. */
const attempt = (throttle: SignInThrottle, user: string, address: string): Promise<string | undefined> =>
  throttle.attempt(user, address).then(
    () => undefined,
    (err: { code?: string }) => err.code ?? 'thrown',
  );

describe('SignInThrottle', () => {
  test('failures from many blocks are allowed up to the user name’s ceiling, then every block waits', async () => {
    const throttle = new SignInThrottle({ perUserAndBlock: { points: 2, seconds: 60 }, perUser: { points: 6, seconds: 60 } });
    for (let block = 1; block <= 3; block++) {
      for (let i = 0; i < 2; i++) expect(await attempt(throttle, 'admin', `10.0.${block}.1`)).toBeUndefined();
      // That block is out of tries; its refusals do not count towards the ceiling.
      expect(await attempt(throttle, 'admin', `10.0.${block}.1`)).toBe('RATE_LIMITED');
    }
    expect(await attempt(throttle, 'admin', '10.0.9.1')).toBe('RATE_LIMITED');
    expect(await attempt(throttle, 'someone-else', '10.0.9.1')).toBeUndefined();
  });

  test('a success gives its attempt back and clears its (user name, block) count only', async () => {
    const throttle = new SignInThrottle({ perUserAndBlock: { points: 2, seconds: 60 }, perUser: { points: 3, seconds: 60 } });
    for (let i = 0; i < 2; i++) expect(await attempt(throttle, 'admin', '10.0.1.1')).toBeUndefined();
    expect(await attempt(throttle, 'admin', '10.0.2.1')).toBeUndefined();
    await throttle.succeeded('admin', '10.0.2.1');
    // Block 2 is clear and the ceiling got its point back; block 1 still waits.
    for (let i = 0; i < 10; i++) {
      expect(await attempt(throttle, 'admin', '10.0.2.1')).toBeUndefined();
      await throttle.succeeded('admin', '10.0.2.1');
    }
    expect(await attempt(throttle, 'admin', '10.0.1.1')).toBe('RATE_LIMITED');
  });

  test('IPv6 addresses count by their block: rotating inside a /48 gains nothing', async () => {
    const throttle = new SignInThrottle({ perUserAndBlock: { points: 2, seconds: 60 } });
    expect(await attempt(throttle, 'admin', '2001:db8:1:1::1')).toBeUndefined();
    expect(await attempt(throttle, 'admin', '2001:db8:1:2::abcd')).toBeUndefined();
    expect(await attempt(throttle, 'admin', '2001:db8:1:ffff::2')).toBe('RATE_LIMITED');
    expect(await attempt(throttle, 'admin', '2001:db8:2::1')).toBeUndefined();
  });

  test('the address block budget covers any user names', async () => {
    const throttle = new SignInThrottle({ perBlock: { points: 3, seconds: 60 } });
    for (let i = 0; i < 3; i++) expect(await attempt(throttle, `guess-${i}`, `10.0.1.${i}`)).toBeUndefined();
    expect(await attempt(throttle, 'admin', '10.0.1.200')).toBe('RATE_LIMITED');
    expect(await attempt(throttle, 'admin', '10.0.2.1')).toBeUndefined();
  });
});
