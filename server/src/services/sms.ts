import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';

/** Sends a text message to a mainland mobile number. */
export interface SmsProvider {
  readonly name: string;
  send(phone: string, text: string): Promise<void>;
}

/** Development only: the message, code and all, goes to the server log instead of a phone. */
export class LogSms implements SmsProvider {
  readonly name = 'log';
  readonly #logger: Logger;

  constructor({ logger }: { logger: Logger }) {
    this.#logger = logger;
  }

  send(phone: string, text: string): Promise<void> {
    this.#logger.warn({ to: `${phone.slice(0, 3)}****${phone.slice(-4)}`, text }, 'SMS (development provider, not sent)');
    return Promise.resolve();
  }
}

/**
 * A bureau's own SMS gateway (its carrier's, Aliyun's or Tencent Cloud's behind a small adapter):
 * the server POSTs `{ "phone": "138…", "text": "…" }` as JSON to SMS_WEBHOOK_URL, with
 * `Authorization: Bearer SMS_WEBHOOK_TOKEN` when a token is set. Any 2xx answer means sent.
 */
export class WebhookSms implements SmsProvider {
  readonly name = 'webhook';
  readonly #url: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor({ url, token, timeoutMs = 10_000 }: { url: string; token?: string | undefined; timeoutMs?: number }) {
    this.#url = url;
    this.#token = token;
    this.#timeoutMs = timeoutMs;
  }

  async send(phone: string, text: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}) },
        body: JSON.stringify({ phone, text }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch {
      throw new DomainError('UNAVAILABLE', 'the text message could not be sent; try again');
    }
    await res.body?.cancel();
    if (!res.ok) throw new DomainError('UNAVAILABLE', 'the text message could not be sent; try again');
  }
}
