import type { z } from 'zod';

/** A seeded pseudo-random source (mulberry32), so a failing payload can be found again. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `depth` arrays inside each other, built without recursion. */
export function nestedArrays(depth: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** The JSON text of `depth` arrays inside each other (JSON.stringify itself overflows its stack on 10,000). */
export function nestedArraysJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** `depth` objects inside each other under `key`. */
export function nestedObjects(depth: number, key = 'a'): unknown {
  let v: unknown = {};
  for (let i = 0; i < depth; i++) v = { [key]: v };
  return v;
}

/**
 * Values that have broken validators: JSON can carry no functions, so an object "whose toString
 * throws" arrives as an object with a `toString` (or `valueOf`, `length`) field holding an object
 * or a string; plus `__proto__` as an own key, huge and deep values, and every JSON type.
 */
// JSON.stringify and socket.io's encoder recurse, so values built here stay 1,000 deep; the
// 10,000-deep cases are sent as JSON text (nestedArraysJson) by the tests.
export function hostileValues({ hugeString = 30_000, deep = 1_000 }: { hugeString?: number; deep?: number } = {}): unknown[] {
  return [
    undefined,
    null,
    0,
    -1,
    1e308,
    0.5,
    true,
    false,
    '',
    'x',
    '\u0000',
    '\ud800',
    'x'.repeat(hugeString),
    [],
    [null],
    ['x', 1, {}],
    Array.from({ length: 1000 }, (_, i) => i),
    {},
    { toString: 'x' },
    { toString: {} },
    { toString: { toString: 'x' } },
    { valueOf: {} },
    { valueOf: { valueOf: 'x' }, toString: { toString: {} } },
    { length: { toString: 'x' } },
    { length: { valueOf: {} } },
    { length: 1e9 },
    { 0: 'a', length: 1 },
    { constructor: { prototype: { toString: 'x' } } },
    JSON.parse('{"__proto__":{"polluted":true}}'),
    JSON.parse('{"__proto__":null,"toString":"x"}'),
    { then: {} },
    { then: 'x' },
    nestedArrays(deep),
    nestedObjects(Math.floor(deep / 2)),
    Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])),
  ];
}

/** The field names a request schema reads, when it is an object schema (zod 4 keeps them in `shape`). */
export function schemaKeys(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape && typeof shape === 'object' ? Object.keys(shape) : [];
}

/** A random JSON-ish value, up to `depth` levels, that prefers the given field names and hostile leaves. */
function randomValue(rand: () => number, keys: string[], leaves: unknown[], depth: number): unknown {
  const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)] as T;
  const r = rand();
  if (depth <= 0 || r < 0.4) return pick(leaves);
  if (r < 0.55) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, keys, leaves, depth - 1));
  const out: Record<string, unknown> = {};
  const n = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) {
    const key = rand() < 0.7 && keys.length > 0 ? pick(keys) : pick(['toString', 'valueOf', 'length', 'x', 'then', '0']);
    out[key] = randomValue(rand, keys, leaves, depth - 1);
  }
  return out;
}

/**
 * At least `count` malformed payloads for a request schema: every hostile value as the whole payload,
 * every hostile value in every field of an otherwise plausible object, then seeded random shapes.
 * Payloads the schema would accept are left out (a fuzz of a host must not end the stage by luck).
 */
export function malformedPayloads(schema: z.ZodType, { count = 200, seed = 1 }: { count?: number; seed?: number } = {}): unknown[] {
  const hostile = hostileValues();
  const keys = schemaKeys(schema);
  const small = hostile.filter((v) => JSON.stringify(v ?? null).length < 200);
  const candidates: unknown[] = [...hostile];
  for (const key of keys) {
    for (const value of hostile) {
      // The other fields hold plain strings, as in `{ text: { length: { toString: 'x' } }, displayName: 'x' }`.
      candidates.push({ ...Object.fromEntries(keys.map((k) => [k, 'x'])), [key]: value });
    }
  }
  const rand = seededRandom(seed);
  const accepted = (p: unknown): boolean => {
    try {
      return schema.safeParse(JSON.parse(JSON.stringify(p ?? null))).success;
    } catch {
      return false;
    }
  };
  const out = candidates.filter((p) => !accepted(p));
  while (out.length < count) {
    const p = randomValue(rand, keys, small, 4);
    if (!accepted(p)) out.push(p);
  }
  return out;
}
