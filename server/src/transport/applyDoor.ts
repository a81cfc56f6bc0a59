import type { IncomingMessage } from 'node:http';
import { APPLY_RECEIPT, type ApplyInput, type ApplyReceipt } from '@chunfeng/shared/recruitment';
import type { Tokens } from '../auth/tokens';
import { addressBlock } from '../domain/addressBlock';
import { hashKey } from '../domain/applications';
import { DomainError } from '../domain/errors';
import type { Budget } from '../domain/rateLimiter';
import type { PhoneVerification } from '../services/phoneVerification';
import type { RecruitmentService } from '../services/recruitment';
import { applyAdmission, type ApplyAdmission } from '../store/applyAdmission';
import type { RateLimitBackend } from '../store/rateLimiters';
import { identityOf } from './identity';
import type { RequestRoutes } from './requests';
import type { IoSocket } from './socketState';

/** Who is applying, as the door it came through proved it. */
export interface ApplyCaller {
  /** The device token's id (`sub`) if a valid one came with the application. */
  deviceId: string | undefined;
  /** The client's address as the trusted proxy names it: its block shares one ceiling. */
  address: string | undefined;
}

/** Keys remembered as answered in this process (a retry of one is answered from memory). */
const RECENT_KEYS = 50_000;

/**
 * The one apply path behind both doors (POST /api/applications and the socket's
 * `application:submit`): a key already answered gets its answer again; then the limits per phone,
 * per device and per address block; the texted code when the bureau asks for one; and the durable
 * write. One per server, so the limits and the answered keys are the same whichever door a tap
 * takes, and a retry of a tap through the other door is that tap again.
 */
export class ApplyDoor {
  readonly #service: RecruitmentService;
  readonly #admission: ApplyAdmission;
  readonly #verification: PhoneVerification | undefined;
  /** Idempotency keys of applications answered lately: their retries are never limited. */
  readonly #recentKeys = new Set<string>();
  /** The answer of each key being applied now in this process. */
  readonly #inFlight = new Map<string, Promise<ApplyReceipt>>();

  constructor({ service, perPhone, perDevicePerMinute = 10, perBlockPerMinute = 300, verification, backend = { kind: 'memory' } }: {
    service: RecruitmentService;
    /** Applications per phone (the platform's apply budget). */
    perPhone: Budget;
    perDevicePerMinute?: number;
    /** The ceiling per address block (/24, /48) a minute. */
    perBlockPerMinute?: number;
    /** When set (APPLY_VERIFY=sms), an application needs the one-time code texted to its phone. */
    verification?: PhoneVerification | undefined;
    /** Where the per-device and per-block budgets are counted (Redis: one budget across nodes). */
    backend?: RateLimitBackend;
  }) {
    this.#service = service;
    this.#admission = applyAdmission({
      store: service.store,
      budgets: { phone: perPhone, device: { points: perDevicePerMinute, seconds: 60 }, block: { points: perBlockPerMinute, seconds: 60 } },
      backend,
    });
    this.#verification = verification;
  }

  /** Resolves once the application (or the receipt of a repeat) is on disk; the same answer for each. */
  apply(input: ApplyInput, caller: ApplyCaller): Promise<ApplyReceipt> {
    // Taps of one key in flight at once (a double tap, a retry over the other door) are one tap: they
    // share its answer and spend the budgets once.
    const pending = this.#inFlight.get(input.idempotencyKey);
    if (pending) return pending;
    const answer = this.#apply(input, caller).finally(() => this.#inFlight.delete(input.idempotencyKey));
    this.#inFlight.set(input.idempotencyKey, answer);
    return answer;
  }

  async #apply(input: ApplyInput, { deviceId, address }: ApplyCaller): Promise<ApplyReceipt> {
    // Per phone and device, and a ceiling per address block far above what a village sharing one
    // carrier-grade NAT sends. A retry of a tap already answered (same idempotency key) is never
    // limited: it must get its answer. A refused tap is not remembered, so retrying it is limited too.
    // A key already answered (an application or a receipt holds it) gets the same answer again and
    // stores nothing, whatever else this request carries: the limits and the code were spent on it
    // once, so nothing new may be written under it without them.
    if (this.#recentKeys.has(input.idempotencyKey)) return APPLY_RECEIPT;
    // One step (on Redis one round trip): the key's answer, then the caller's own budgets (its device,
    // its address block), and only for a caller within them the phone's: the phone named is anyone's,
    // so a request refused for its own budgets must not spend it (a script past its ceiling could
    // otherwise keep any job seeker's phone refused, on every node).
    const keyHash = hashKey(input.idempotencyKey);
    const admission = await this.#admission.admit(keyHash, { device: deviceId, block: addressBlock(address), phone: input.phone });
    if (admission.answered) return APPLY_RECEIPT;
    const wait = admission.waitMs;
    if (wait > 0) throw new DomainError('RATE_LIMITED', `too many applications in a short time; please wait ${Math.ceil(wait / 1000)} seconds`);
    if (this.#verification) await this.#verification.check(input.phone, input.code);
    const receipt = await this.#service.apply(input, { deviceId: deviceId ?? null, keyHash });
    this.#recentKeys.add(input.idempotencyKey);
    if (this.#recentKeys.size > RECENT_KEYS) this.#recentKeys.delete(this.#recentKeys.values().next().value as string);
    // The same answer for a new application, a retry and a repeat: see ApplyReceipt.
    return receipt;
  }
}

/**
 * `application:submit`: the viewer page applies over the socket it already holds. Its device is the
 * one the handshake proved; its address is the handshake's, as the trusted proxy names it (the rule
 * of express's `trust proxy`). Acknowledged only once the application is on disk.
 */
export function handleApplyRequests(routes: RequestRoutes, { door, tokens, addressOf }: {
  door: ApplyDoor;
  tokens: Tokens;
  addressOf: (req: IncomingMessage) => string | undefined;
}): void {
  // Each connection's address, worked out at its first application: its handshake never changes.
  const addresses = new WeakMap<IoSocket, string | undefined>();
  const addressOfSocket = (socket: IoSocket): string | undefined => {
    if (addresses.has(socket)) return addresses.get(socket);
    // The handshake as it arrived (its peer address and headers), kept by socket.io for the life of
    // the connection: the request's own TCP socket may be gone by now (a long-polling client).
    const { address, headers } = socket.handshake;
    const found = addressOf({ socket: { remoteAddress: address }, headers } as unknown as IncomingMessage);
    addresses.set(socket, found);
    return found;
  };
  routes.on('application:submit', async (socket, input) => {
    const identity = await identityOf(socket, tokens);
    return door.apply(input, { deviceId: identity.deviceId, address: addressOfSocket(socket) });
  });
}
