/**
 * Media fan-out load in a process of its own: a bare mediasoup worker (createWorker() with mediasoup's
 * defaults, a router with the stage's codecs) carrying one real 720p simulcast VP8 publisher (a
 * recording replayed in real time: bench/lib/rtpRecording.ts) and N video consumers, each on a
 * PlainTransport with SRTP to UDP sinks in a further process that count every consumer's packets
 * (bench/lib/fanout.ts). Other benchmarks use it to load a machine's media path with real work (the
 * glass-to-glass bench), and media-fanout uses it as its bare baseline.
 *
 * Spawn it with `node --import tsx bench/load/fanout.ts` and an IPC channel (or use FanoutLoad in
 * bench/lib/fanout.ts, which does). Messages, one answer each:
 *
 *   out, once started      { type: 'ready', workerPid, loadPids }      loadPids: its sink and publisher processes
 *   in  { type: 'consumers', count }   → { type: 'consumers', count }      sets N (adds or closes consumers), answered
 *                                                                          once every consumer delivers (≤ 6 s)
 *   in  { type: 'pin', core }          → { type: 'pinned', core, others }  worker to `core` (and nice −10 where allowed),
 *                                                                          this process and its load processes to the
 *                                                                          other cores
 *   in  { type: 'measure', ms }        → { type: 'measured', consumers, workerCpu, lossPct, sinkDropsPct, window }
 *                                          workerCpu: share of one core (0..1) over the window; lossPct: % of the
 *                                          consumers' packets missing; sinkDropsPct: % dropped by the kernel at
 *                                          the sinks' sockets (the sinks too slow, not the worker); window: every
 *                                          figure (FanoutWindow)
 *   in  { type: 'stop' }               → { type: 'stopped' }, then it exits
 *   out, on any failure                { type: 'error', message }       (a failed request is answered so)
 *
 * It exits when its parent goes (the IPC channel closes), taking its worker and load processes with it.
 */
import os from 'node:os';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { mediaCodecs } from '../../server/src/media/codecs';
import { BARE_STYLE, FanoutRig, type FanoutWindow } from '../lib/fanout';
import { closeWorker, pinProcess, prioritize } from '../lib/processes';

export type FanoutCommand = { type: 'consumers'; count: number } | { type: 'pin'; core: number } | { type: 'measure'; ms: number } | { type: 'stop' };

export type FanoutReport =
  | { type: 'ready'; workerPid: number; loadPids: number[] }
  | { type: 'consumers'; count: number }
  | { type: 'pinned'; core: number; others: number[] }
  | { type: 'measured'; consumers: number; workerCpu: number; lossPct: number; sinkDropsPct: number; window: FanoutWindow }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

const send = (report: FanoutReport): void => void process.send?.(report);

let worker: types.Worker | undefined;
let rig: FanoutRig | undefined;
let stopping = false;

async function stop(code: number): Promise<never> {
  stopping = true;
  await rig?.close().catch(() => {});
  if (worker) await closeWorker(worker);
  process.exit(code);
}

async function handle(command: FanoutCommand): Promise<FanoutReport> {
  if (!worker || !rig) throw new Error('not started');
  switch (command.type) {
    case 'consumers':
      await rig.setConsumers(command.count);
      await rig.waitFlowing();
      return { type: 'consumers', count: rig.consumers };
    case 'pin': {
      const cores = os.availableParallelism();
      const others = Array.from({ length: cores }, (_, i) => i).filter((c) => c !== command.core);
      await pinProcess(worker.pid, [command.core]);
      prioritize(worker.pid);
      if (others.length > 0) for (const pid of [process.pid, ...rig.loadPids]) await pinProcess(pid, others);
      return { type: 'pinned', core: command.core, others };
    }
    case 'measure': {
      const window = await rig.measure(command.ms, [worker.pid]);
      return { type: 'measured', consumers: window.consumers, workerCpu: window.workerCpu[0]!, lossPct: window.lossPct, sinkDropsPct: window.sinkDropsPct, window };
    }
    case 'stop':
      return { type: 'stopped' };
  }
}

// Commands run one after another, in the order they came.
let queue = Promise.resolve();
process.on('message', (command: FanoutCommand) => {
  queue = queue.then(async () => {
    if (stopping) return;
    try {
      const report = await handle(command);
      if (command.type === 'stop') {
        await rig?.close();
        if (worker) await closeWorker(worker);
        process.send?.(report, () => process.exit(0));
        stopping = true;
        return;
      }
      send(report);
    } catch (error) {
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  });
});
process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  worker = await mediasoup.createWorker();
  worker.on('died', (error) => {
    send({ type: 'error', message: `the mediasoup worker died: ${error.message}` });
    void stop(1);
  });
  const router = await worker.createRouter({ mediaCodecs });
  rig = await FanoutRig.open({ origin: router, style: BARE_STYLE });
  send({ type: 'ready', workerPid: worker.pid, loadPids: rig.loadPids });
} catch (error) {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  await stop(1);
}
