// An edge node of the media fan-out benchmark, in a process of its own: the platform's worker pool
// (one worker) and an edge relay (server/src/media/edgeRelay.ts) fed by another process's origin
// router through a PipeTransport pair with SRTP over 127.0.0.1, as between nodes; its consumers go to
// sinks of its own (bench/lib/fanout.ts). Driven by the media-fanout suite over IPC.
import { createLogger } from '../../server/src/logger';
import { EdgeRelay, RelayedProducer, type PipeEnd } from '../../server/src/media/edgeRelay';
import { WorkerPool } from '../../server/src/media/workerPool';
import { FanoutRig, PLATFORM_STYLE, type FanoutWindow } from '../lib/fanout';
import { closePool, pinProcess, prioritize } from '../lib/processes';

export type EdgeCommand =
  | { type: 'connect'; origin: PipeEnd; producer: RelayedProducer }
  | { type: 'consumers'; count: number }
  | { type: 'pin'; core: number; others: number[] }
  | { type: 'measure'; ms: number }
  | { type: 'stop' };

export type EdgeReport =
  | { type: 'ready'; end: PipeEnd; workerPid: number }
  | { type: 'connected' }
  | { type: 'consumers'; count: number; silent: number }
  | { type: 'pinned' }
  | { type: 'measured'; window: FanoutWindow }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

const send = (report: EdgeReport): void => void process.send?.(report);
let pool: WorkerPool | undefined;
let relay: EdgeRelay | undefined;
let rig: FanoutRig | undefined;
let stopping = false;

async function close(): Promise<void> {
  stopping = true;
  await rig?.close().catch(() => {});
  relay?.close();
  // The pool's workers exit on their own once closed; wait for them (a stray worker outlives the run).
  if (pool) await closePool(pool);
}


async function handle(command: EdgeCommand): Promise<EdgeReport> {
  if (!pool || !relay) throw new Error('not started');
  switch (command.type) {
    case 'connect': {
      await relay.connect(command.origin);
      await relay.add(RelayedProducer.parse(command.producer));
      rig = await FanoutRig.attach({ target: { router: relay.slot.router, producerId: command.producer.producerId }, style: PLATFORM_STYLE, workerPorts: [relay.end.port] });
      return { type: 'connected' };
    }
    case 'consumers': {
      if (!rig) throw new Error('not connected');
      await rig.setConsumers(command.count);
      return { type: 'consumers', count: rig.consumers, silent: await rig.waitFlowing() };
    }
    case 'pin': {
      const workerPid = pool.workers[0]!.worker.pid;
      await pinProcess(workerPid, [command.core]);
      prioritize(workerPid);
      for (const pid of [process.pid, ...(rig?.loadPids ?? [])]) await pinProcess(pid, command.others);
      return { type: 'pinned' };
    }
    case 'measure':
      if (!rig) throw new Error('not connected');
      return { type: 'measured', window: await rig.measure(command.ms, [pool.workers[0]!.worker.pid]) };
    case 'stop':
      await close();
      return { type: 'stopped' };
  }
}

let queue = Promise.resolve();
process.on('message', (command: EdgeCommand) => {
  queue = queue.then(async () => {
    if (stopping) return;
    try {
      const report = await handle(command);
      if (command.type === 'stop') process.send?.(report, () => process.exit(0));
      else send(report);
    } catch (error) {
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  });
});
process.on('disconnect', () => void close().finally(() => process.exit(0)));
process.on('SIGTERM', () => void close().finally(() => process.exit(0)));

try {
  pool = await WorkerPool.start({ size: 1, listenIp: '127.0.0.1', rtcPort: 0, logger: createLogger({ level: 'warn', pretty: false }) });
  const worker = pool.workers[0]!;
  pool.on('workerLost', (_dead, error) => {
    send({ type: 'error', message: `the edge's mediasoup worker died: ${error.message}` });
    void close().finally(() => process.exit(1));
  });
  relay = await EdgeRelay.create({ sessionId: 'bench', origin: { node: 'origin', boot: 'bench' }, worker, address: { listenIp: '127.0.0.1' } });
  send({ type: 'ready', end: relay.end, workerPid: worker.worker.pid });
} catch (error) {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  await close();
  process.exit(1);
}
