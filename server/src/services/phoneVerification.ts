import crypto from 'node:crypto';
import { DomainError } from '../domain/errors';
import type { RateLimiter } from '../domain/rateLimiter';
import type { JobStore } from '../store/jobStore';
import type { SmsProvider } from './sms';

/** A one-time code sent to a phone; kept under a keyed hash of the phone, the code itself only hashed. */
export interface PhoneCode {
  id: string;
  codeHash: string;
  sentAt: string;
  expiresAt: string;
  attempts: number;
  used: boolean;
}

/**
 * One-time SMS codes that prove an applicant holds the phone they apply with (APPLY_VERIFY=sms).
 * A code is 6 digits, lives `ttlSeconds`, allows `maxAttempts` wrong guesses, works once, and is
 * stored only as an HMAC. A phone gets a new code at most every `resendSeconds`, and within `perPhone`
 * (five an hour as the server wires it).
 */
export class PhoneVerification {
  readonly #store: Pick<JobStore, 'get' | 'put'>;
  readonly #sms: SmsProvider;
  readonly #key: Buffer;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #ttlSeconds: number;
  readonly #maxAttempts: number;
  readonly #resendSeconds: number;
  readonly #perPhone: RateLimiter;

  constructor({ store, sms, secret, perPhone, now = () => Date.now(), random = () => crypto.randomInt(0, 1_000_000), ttlSeconds = 300, maxAttempts = 5, resendSeconds = 60 }: {
    store: Pick<JobStore, 'get' | 'put'>;
    sms: SmsProvider;
    secret: string;
    /** Codes sent per phone (keyed by the phone's hash). */
    perPhone: RateLimiter;
    now?: () => number;
    random?: () => number;
    ttlSeconds?: number;
    maxAttempts?: number;
    resendSeconds?: number;
  }) {
    this.#store = store;
    this.#sms = sms;
    this.#key = crypto.createHmac('sha256', secret).update('chunfeng:phone-codes:v1').digest();
    this.#now = now;
    this.#random = random;
    this.#ttlSeconds = ttlSeconds;
    this.#maxAttempts = maxAttempts;
    this.#resendSeconds = resendSeconds;
    this.#perPhone = perPhone;
  }

  get provider(): string {
    return this.#sms.name;
  }

  #hmac(value: string): string {
    return crypto.createHmac('sha256', this.#key).update(value).digest('base64url');
  }

  /** Texts a new code to `phone`. */
  async send(phone: string): Promise<{ expiresInSeconds: number }> {
    const id = this.#hmac(`phone:${phone}`);
    const now = this.#now();
    const current = await this.#store.get('phoneCode', id);
    const wait = current && !current.used ? Date.parse(current.sentAt) + this.#resendSeconds * 1000 - now : 0;
    if (wait > 0) throw new DomainError('RATE_LIMITED', `a code was just sent; please wait ${Math.ceil(wait / 1000)} seconds`);
    const hourly = await this.#perPhone.take(id);
    if (hourly > 0) throw new DomainError('RATE_LIMITED', `too many codes for this phone; please wait ${Math.ceil(hourly / 1000)} seconds`);
    const code = String(this.#random()).padStart(6, '0');
    await this.#store.put('phoneCode', {
      id,
      codeHash: this.#hmac(`${id}:${code}`),
      sentAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.#ttlSeconds * 1000).toISOString(),
      attempts: 0,
      used: false,
    });
    const minutes = Math.round(this.#ttlSeconds / 60);
    await this.#sms.send(phone, `【春风直播带岗】您的报名验证码是 ${code}，${minutes} 分钟内有效。如非本人操作，请忽略本短信。`);
    return { expiresInSeconds: this.#ttlSeconds };
  }

  /** Accepts the code for `phone` once; VERIFICATION_REQUIRED when it is missing, wrong, used up or expired. */
  async check(phone: string, code: string | undefined): Promise<void> {
    if (code === undefined) throw new DomainError('VERIFICATION_REQUIRED', 'this bureau asks for the code texted to your phone');
    const id = this.#hmac(`phone:${phone}`);
    const current = await this.#store.get('phoneCode', id);
    if (!current || current.used || Date.parse(current.expiresAt) <= this.#now()) {
      throw new DomainError('VERIFICATION_REQUIRED', 'the code has expired or was used; ask for a new one');
    }
    if (current.attempts >= this.#maxAttempts) throw new DomainError('VERIFICATION_REQUIRED', 'too many wrong codes; ask for a new one');
    const expected = Buffer.from(current.codeHash);
    const given = Buffer.from(this.#hmac(`${id}:${code}`));
    if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
      await this.#store.put('phoneCode', { ...current, attempts: current.attempts + 1 });
      throw new DomainError('VERIFICATION_REQUIRED', 'the code is not right');
    }
    await this.#store.put('phoneCode', { ...current, used: true });
  }
}
