import type { TFunction } from 'i18next';
import type { ErrorCode } from '@chunfeng/shared/errors';
import { ApiError } from '../signalling/api';
import { RequestError } from '../signalling/signalling';

/** Where an error happened, when that changes what to tell the person (see `errors.<context>.<CODE>`). */
export type ErrorContext = 'link' | 'apply' | 'question' | 'chat' | 'withdraw' | 'answer' | 'caption' | 'hand';

/** The coded reason of a failed call: the server's code, UNAVAILABLE when it could not be reached. */
export function errorCode(error: unknown): ErrorCode {
  if (error instanceof ApiError || error instanceof RequestError) return error.code;
  if (error instanceof TypeError) return 'UNAVAILABLE';
  return 'INTERNAL';
}

/**
 * What to tell a person about a failed call, in their language: by its code, worded for the context
 * when that helps ("this link was withdrawn" rather than "unauthorized"). The server's own message is
 * English and meant for logs; it is never shown.
 */
export function describeError(error: unknown, t: TFunction, context?: ErrorContext): string {
  return describeCode(errorCode(error), t, context);
}

/** The same, from an error code already known (a stage's failure phase keeps only the code). */
export function describeCode(code: string, t: TFunction, context?: ErrorContext): string {
  const general = t(`errors.${code}`, { defaultValue: t('errors.INTERNAL') });
  return context ? t(`errors.${context}.${code}`, { defaultValue: general }) : general;
}

const MEDIA_REASONS = ['NotAllowedError', 'NotFoundError', 'NotReadableError', 'OverconstrainedError', 'SecurityError'];

/** Why the camera or microphone did not open (getUserMedia's DOMException), in the person's language. */
export function describeMediaError(error: unknown, t: TFunction): string {
  const name = error instanceof Error ? error.name : '';
  return t(`devices.reason.${MEDIA_REASONS.includes(name) ? name : 'other'}`);
}
