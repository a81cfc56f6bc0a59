import type { RequestHandler } from 'express';

// A `charset` parameter of a Content-Type: a token, or a quoted string with its backslash escapes.
const CHARSET = /;\s*charset\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/gi;

/** The charsets a Content-Type header names, unquoted and lower-cased. */
export function declaredCharsets(contentType: string): string[] {
  return [...contentType.matchAll(CHARSET)].map(([, quoted, token]) => (quoted?.replace(/\\(.)/g, '$1') ?? token ?? '').toLowerCase());
}

/**
 * Refuses (415) a body whose Content-Type names any charset but UTF-8. body-parser decodes any
 * `utf-*` itself, so a UTF-16 body would get past it and be judged as if it were UTF-8.
 */
export function utf8BodiesOnly(): RequestHandler {
  return (req, _res, next) => {
    const type = req.headers['content-type'];
    // A body as body-parser sees it: any length header, or a chunked one.
    const hasBody = req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
    if (type && hasBody && declaredCharsets(type).some((charset) => charset !== 'utf-8')) {
      next(Object.assign(new Error('unsupported charset'), { status: 415, expose: true }));
      return;
    }
    next();
  };
}
