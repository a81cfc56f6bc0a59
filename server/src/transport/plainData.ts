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
  return visit(value, { limits, nodes: 0, path: [] }, 0);
}

/** A walk's state: the values seen so far, and the path to the one being looked at (joined only for a problem). */
interface Walk {
  readonly limits: PlainDataLimits;
  nodes: number;
  readonly path: string[];
}

// Module-level functions, not closures made per call: the walk runs on every request and event.
function problemAt(walk: Walk, message: string): { path: string; message: string } {
  return { path: walk.path.join('.'), message };
}

function visitChild(v: unknown, walk: Walk, key: string, depth: number): { path: string; message: string } | null {
  walk.path.push(key);
  const problem = visit(v, walk, depth);
  walk.path.pop();
  return problem;
}

function visit(v: unknown, walk: Walk, depth: number): { path: string; message: string } | null {
  const { limits } = walk;
  if (++walk.nodes > limits.maxNodes) return problemAt(walk, `more than ${limits.maxNodes} values`);
  if (v === null || v === undefined || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : problemAt(walk, 'not a finite number');
  if (typeof v === 'string') return v.length > limits.maxStringLength ? problemAt(walk, `text longer than ${limits.maxStringLength} characters`) : null;
  if (typeof v !== 'object') return problemAt(walk, `a ${typeof v} is not data`);
  if (depth >= limits.maxDepth) return problemAt(walk, `nested deeper than ${limits.maxDepth} levels`);
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return problemAt(walk, 'not a plain array');
    if (v.length > limits.maxArrayLength) return problemAt(walk, `more than ${limits.maxArrayLength} items`);
    for (let i = 0; i < v.length; i++) {
      const problem = visitChild(v[i], walk, String(i), depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== OBJECT_PROTO && proto !== null) return problemAt(walk, 'not a plain object');
  const keys = Reflect.ownKeys(v);
  if (keys.length > limits.maxKeys) return problemAt(walk, `more than ${limits.maxKeys} fields`);
  for (const key of keys) {
    if (typeof key !== 'string') return problemAt(walk, 'a symbol key is not data');
    if (key === '__proto__') return problemAt(walk, '__proto__ is not a field name');
    const descriptor = Object.getOwnPropertyDescriptor(v, key);
    if (!descriptor || !('value' in descriptor)) return problemAt(walk, `${key} is an accessor, not data`);
    const problem = visitChild(descriptor.value, walk, key, depth + 1);
    if (problem) return problem;
  }
  return null;
}
