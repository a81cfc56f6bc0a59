import { describe, expect, test } from 'vitest';
import type { PhoneCode } from '../../server/src/services/phoneVerification';
import { PhoneVerification } from '../../server/src/services/phoneVerification';
import { LogSms, type SmsProvider } from '../../server/src/services/sms';
import { FlexibleRateLimiter } from '../../server/src/store/rateLimiters';
import type { Logger } from '../../server/src/logger';

/** The two store calls the verification uses, in memory. */
function memoryStore() {
  const docs = new Map<string, PhoneCode>();
  return {
    docs,
    get: (_kind: 'phoneCode', id: string) => Promise.resolve(docs.get(id)),
    put: (_kind: 'phoneCode', doc: PhoneCode) => {
      docs.set(doc.id, doc);
      return Promise.resolve();
    },
  };
}

function setup({ ttlSeconds = 300 } = {}) {
  let now = Date.parse('2026-12-01T08:00:00Z');
  const texts: Array<{ phone: string; text: string }> = [];
  const sms: SmsProvider = { name: 'test', send: (phone, text) => (texts.push({ phone, text }), Promise.resolve()) };
  const store = memoryStore();
  const verification = new PhoneVerification({ store: store as never, sms, secret: 's'.repeat(32), perPhone: new FlexibleRateLimiter({ name: 'sms-phone', points: 5, seconds: 3600 }), now: () => now, random: () => 4321, ttlSeconds });
  return { verification, texts, store, advance: (ms: number) => (now += ms) };
}

describe('one-time apply codes', () => {
  test('a code is texted as six digits, kept only as a hash, and works once', async () => {
    const { verification, texts, store } = setup();
    await verification.send('13800138000');
    expect(texts).toEqual([{ phone: '13800138000', text: expect.stringContaining('004321') as string }]);
    expect(JSON.stringify([...store.docs.values()])).not.toMatch(/004321|13800138000/);
    await verification.check('13800138000', '004321');
    await expect(verification.check('13800138000', '004321')).rejects.toMatchObject({ code: 'VERIFICATION_REQUIRED' });
  });

  test('a code past its lifetime is refused', async () => {
    const { verification, advance } = setup({ ttlSeconds: 300 });
    await verification.send('13800138000');
    advance(300_000);
    await expect(verification.check('13800138000', '004321')).rejects.toMatchObject({ code: 'VERIFICATION_REQUIRED', message: expect.stringContaining('expired') as string });
  });

  test('a missing code is VERIFICATION_REQUIRED', async () => {
    const { verification } = setup();
    await expect(verification.check('13800138000', undefined)).rejects.toMatchObject({ code: 'VERIFICATION_REQUIRED' });
  });

  test('a phone gets a new code after a minute, at most five an hour', async () => {
    const { verification, advance } = setup();
    await verification.send('13800138000');
    await expect(verification.send('13800138000')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    for (let i = 0; i < 4; i += 1) {
      advance(61_000);
      await verification.send('13800138000');
    }
    advance(61_000);
    await expect(verification.send('13800138000')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // Another phone is not held up.
    await verification.send('13900139000');
  });

  test('the development provider writes the message, code included, to the log', async () => {
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const logger = { warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) } as unknown as Logger;
    await new LogSms({ logger }).send('13800138000', '您的报名验证码是 123456');
    expect(lines).toEqual([{ fields: { to: '138****8000', text: '您的报名验证码是 123456' }, message: expect.stringContaining('SMS') as string }]);
  });
});
