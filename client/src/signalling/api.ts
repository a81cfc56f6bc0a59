import type { AppError, ErrorCode } from '@chunfeng/shared/errors';

/** An HTTP API call that failed, with the server's error code (UNAVAILABLE when there was no answer). */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Field-level problems of a VALIDATION error: path (e.g. "pay.max") → message. */
  readonly issues: ReadonlyArray<{ path: string; message: string }>;
  /** When the server said how long to wait before trying again (RATE_LIMITED, or UNAVAILABLE while its store is away). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, status: number, issues: AppError['issues'] = [], retryAfterSeconds?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.issues = issues;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Calls the JSON API; `token` is an employer invite credential (the bureau uses its cookie). */
export async function api<T>(
  path: string,
  { method = 'GET', body, token, device, timeoutMs = 15_000 }: {
    method?: string;
    body?: unknown;
    token?: string | undefined;
    device?: string | undefined;
    timeoutMs?: number;
  } = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api${path}`, {
      method,
      credentials: 'same-origin',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(device ? { 'x-device-token': device } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError('UNAVAILABLE', 'no answer from the server', 0);
  }
  const data = (await res.json().catch(() => ({}))) as { error?: AppError };
  if (!res.ok) {
    const header = Number(res.headers.get('retry-after') ?? Number.NaN);
    const wait = data.error?.retryAfterSeconds ?? (Number.isFinite(header) ? header : undefined);
    throw new ApiError(data.error?.code ?? 'INTERNAL', data.error?.message ?? res.statusText, res.status, data.error?.issues, wait);
  }
  return data as T;
}

/**
 * Downloads a file from the API with the credential in a header, and hands it to the browser. A long
 * (streamed) file reports the bytes received so far through `onProgress` as they arrive.
 */
export async function download(
  path: string,
  { token, filename, onProgress }: { token?: string | undefined; filename: string; onProgress?: (bytes: number) => void },
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`/api${path}`, { credentials: 'same-origin', headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new ApiError('UNAVAILABLE', 'no answer from the server', 0);
  }
  if (!res.ok) {
    const data = (await res.json().catch(() => ({}))) as { error?: AppError };
    throw new ApiError(data.error?.code ?? 'INTERNAL', data.error?.message ?? res.statusText, res.status);
  }
  const parts: Uint8Array[] = [];
  let bytes = 0;
  const reader = res.body?.getReader();
  try {
    for (let part = await reader?.read(); part && !part.done; part = await reader?.read()) {
      parts.push(part.value);
      bytes += part.value.byteLength;
      onProgress?.(bytes);
    }
  } catch {
    // Cut midway (the server failed, or the network): never hand over half a file as if whole.
    throw new ApiError('UNAVAILABLE', 'the download was cut off; please try again', 0);
  }
  const url = URL.createObjectURL(new Blob(parts as BlobPart[], { type: res.headers.get('content-type') ?? 'application/octet-stream' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
