/** How large and deep an untrusted payload may be before any schema looks at it. */
export interface PlainDataLimits {
  maxDepth: number;
  maxStringLength: number;
  maxArrayLength: number;
  maxKeys: number;
  /** Values in the whole payload (every object, array and primitive counts once). */
  maxNodes: number;
}

// The largest legitimate payloads are a browser's RTP capabilities (a few hundred values, five levels
// deep) and a vacancy's description (2,000 characters); these bounds leave room for both.
export const PAYLOAD_LIMITS: Readonly<PlainDataLimits> = Object.freeze({
  maxDepth: 16,
  maxStringLength: 10_000,
  maxArrayLength: 500,
  maxKeys: 200,
  maxNodes: 5_000,
});

const OBJECT_PROTO: unknown = Object.prototype;

/**
 * Returns why `value` is not plain JSON-like data within the limits, or null when it is. Plain means
 * what JSON.parse can make: null, booleans, finite numbers, strings, arrays and objects whose
 * prototype is Object.prototype or null, with no accessors and no `__proto__` key. A schema can then
 * read it without running code the sender chose or walking without end.
 */
export function plainDataProblem(value: unknown, limits: PlainDataLimits = PAYLOAD_LIMITS): { path: string; message: string } | null {
  let nodes = 0;
  const visit = (v: unknown, path: string[], depth: number): { path: string; message: string } | null => {
    const at = (message: string) => ({ path: path.join('.'), message });
    if (++nodes > limits.maxNodes) return at(`more than ${limits.maxNodes} values`);
    if (v === null || v === undefined || typeof v === 'boolean') return null;
    if (typeof v === 'number') return Number.isFinite(v) ? null : at('not a finite number');
    if (typeof v === 'string') return v.length > limits.maxStringLength ? at(`text longer than ${limits.maxStringLength} characters`) : null;
    if (typeof v !== 'object') return at(`a ${typeof v} is not data`);
    if (depth >= limits.maxDepth) return at(`nested deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(v)) {
      if (Object.getPrototypeOf(v) !== Array.prototype) return at('not a plain array');
      if (v.length > limits.maxArrayLength) return at(`more than ${limits.maxArrayLength} items`);
      for (let i = 0; i < v.length; i++) {
        const problem = visit(v[i], [...path, String(i)], depth + 1);
        if (problem) return problem;
      }
      return null;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== OBJECT_PROTO && proto !== null) return at('not a plain object');
    const keys = Reflect.ownKeys(v);
    if (keys.length > limits.maxKeys) return at(`more than ${limits.maxKeys} fields`);
    for (const key of keys) {
      if (typeof key !== 'string') return at('a symbol key is not data');
      if (key === '__proto__') return at('__proto__ is not a field name');
      const descriptor = Object.getOwnPropertyDescriptor(v, key);
      if (!descriptor || !('value' in descriptor)) return at(`${key} is an accessor, not data`);
      const problem = visit(descriptor.value, [...path, key], depth + 1);
      if (problem) return problem;
    }
    return null;
  };
  return visit(value, [], 0);
}
