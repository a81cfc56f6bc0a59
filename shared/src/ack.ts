import type { AppError } from './errors';

/** The acknowledgement every request event ends with. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: AppError };
export type AckCallback<T> = (ack: Ack<T>) => void;
