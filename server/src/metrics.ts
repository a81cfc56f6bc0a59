import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricSources {
  workersAlive: () => number;
  workersConfigured: () => number;
  liveStages: () => number;
  socketConnections: () => number;
  /** Consumers and producers on this node's media workers. */
  mediaLoad: () => number;
  /** Pipes to and from other nodes (stages relayed here, and relays of stages held here). */
  relayPipes: () => number;
  /** Viewers of this node watching another node's stage over WebRTC through a relay. */
  relayedViewers: () => number;
  /** Each live media worker: its index, CPU time used so far and consumers plus producers on it. */
  workerUsage: () => Promise<Array<{ index: number; cpuSeconds: number; load: number }>>;
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
  gauge('chunfeng_media_load', 'consumers and producers on this node\'s media workers', sources.mediaLoad);
  gauge('chunfeng_relay_pipes', 'pipes between this node and others carrying a stage', sources.relayPipes);
  gauge('chunfeng_relayed_viewers', 'viewers watching another node\'s stage over WebRTC through this node', sources.relayedViewers);
  // Read as a scrape asks (each worker answers over its channel); a dead worker drops out. The CPU
  // gauge is read first and sets the load gauge after it, so both are from this scrape.
  // Registered below, after the CPU gauge (and never in prom-client's global registry: one process may run several servers).
  const load = new Gauge({ name: 'chunfeng_media_worker_load', help: 'consumers and producers on each live media worker', labelNames: ['worker'], registers: [] });
  new Gauge({
    name: 'chunfeng_media_worker_cpu_seconds',
    help: 'CPU time (user and system) each live media worker used since it started',
    labelNames: ['worker'],
    registers: [registry],
    async collect() {
      const usage = await sources.workerUsage().catch(() => []);
      this.reset();
      load.reset();
      for (const w of usage) {
        this.set({ worker: String(w.index) }, w.cpuSeconds);
        load.set({ worker: String(w.index) }, w.load);
      }
    },
  });
  registry.registerMetric(load);
  return registry;
}
