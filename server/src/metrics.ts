import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricSources {
  workersAlive: () => number;
  workersConfigured: () => number;
  liveStages: () => number;
  socketConnections: () => number;
}

/** The server's Prometheus registry: process defaults plus gauges read from the running parts. */
export function createMetrics(sources: MetricSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'chunfeng_' });
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  gauge('chunfeng_media_workers_alive', 'mediasoup workers currently alive', sources.workersAlive);
  gauge('chunfeng_media_workers_configured', 'mediasoup workers the pool keeps', sources.workersConfigured);
  gauge('chunfeng_stages_live', 'live stages (sessions with an open router) on this node', sources.liveStages);
  gauge('chunfeng_socket_connections', 'connected socket.io clients', sources.socketConnections);
  return registry;
}
