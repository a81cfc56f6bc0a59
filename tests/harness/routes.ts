import type { TestServer } from './server';

export interface Route {
  method: string;
  /** The express path, parameters as `:name`. */
  path: string;
}

interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  matchers?: unknown[];
  slash?: boolean;
  path?: string;
}

/**
 * Every route the running server's express app declares, read from its router, with the `/api`
 * router's routes under /api, so a route added tomorrow is in every test that iterates these.
 */
export function routesOf(server: TestServer): Route[] {
  const router = (server.app as unknown as { router?: { stack: Layer[] } }).router;
  if (!router) throw new Error('the express app has no router');
  const out: Route[] = [];
  const walk = (stack: Layer[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route && typeof layer.route.path === 'string') {
        for (const method of Object.keys(layer.route.methods)) if (method !== '_all') out.push({ method: method.toUpperCase(), path: prefix + layer.route.path });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, prefix + '/api');
      }
    }
  };
  walk(router.stack, '');
  return out;
}
