// A load generator process for the audience benchmark: job seekers applying over HTTP at a steady
// rate (open loop: a slow answer does not slow the arrivals), each from a fresh phone, spread over
// many address blocks. Driven by its parent over IPC; reports what the server answered.
import crypto from 'node:crypto';
import { CONSENT_VERSION } from '@chunfeng/shared/recruitment';

export type ApplicantCommand =
  | { type: 'start'; url: string; sessionId: string; vacancyIds: string[]; perSecond: number }
  | { type: 'stop' };

export type ApplicantReport = { type: 'stopped'; sent: number; seconds: number; byStatus: Record<string, number>; latencyMs: number[] };

let timer: ReturnType<typeof setInterval> | undefined;
let sent = 0;
let startedAt = 0;
const byStatus: Record<string, number> = {};
const latencyMs: number[] = [];
const inFlight = new Set<Promise<void>>();

async function apply(url: string, sessionId: string, vacancyId: string, n: number): Promise<void> {
  const started = performance.now();
  let status = 'error';
  try {
    const res = await fetch(`${url}/api/applications`, {
      method: 'POST',
      // 64 blocks: each stays far under the per-block ceiling, as real phones of many networks would.
      headers: { 'content-type': 'application/json', origin: url, 'x-forwarded-for': `100.${64 + (n % 64)}.${(n >> 6) % 250}.${(n % 250) + 1}` },
      body: JSON.stringify({
        vacancyId,
        sessionId,
        name: '王小明',
        phone: `139${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`,
        consent: { version: CONSENT_VERSION, accepted: true },
        source: 'live',
        idempotencyKey: crypto.randomUUID(),
      }),
    });
    await res.arrayBuffer();
    status = String(res.status);
  } catch {
    // counted as 'error'
  }
  latencyMs.push(performance.now() - started);
  byStatus[status] = (byStatus[status] ?? 0) + 1;
}

process.on('message', (command: ApplicantCommand) => {
  if (command.type === 'start') {
    const { url, sessionId, vacancyIds, perSecond } = command;
    // Ticks of 100 ms, each sending its share: steadier than one timer per application.
    startedAt = performance.now();
    const perTick = perSecond / 10;
    let owed = 0;
    timer = setInterval(() => {
      owed += perTick;
      for (; owed >= 1; owed -= 1) {
        const n = sent++;
        const p = apply(url, sessionId, vacancyIds[n % vacancyIds.length]!, n);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
    }, 100);
  } else {
    clearInterval(timer);
    const seconds = (performance.now() - startedAt) / 1000;
    void Promise.all(inFlight).then(() => {
      const report: ApplicantReport = { type: 'stopped', sent, seconds, byStatus, latencyMs };
      process.send?.(report);
      setTimeout(() => process.exit(0), 100);
    });
  }
});
