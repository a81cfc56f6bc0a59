import { execFile } from 'node:child_process';
import type { Page } from 'playwright-core';

/**
 * Shapes one browser's uplink media on the loopback device with Linux traffic control, so a test can
 * give a publisher a real weak link (Chromium's network emulation does not reach WebRTC media).
 *
 * An htb root without a default class: unmatched traffic (every other page, signalling, HTTP, other
 * tests on the machine) bypasses it. A u32 filter sends the UDP packets of one path (the browser's
 * local port to the media server's port) into either a capped class or a black hole — a class that
 * passes almost nothing through a one-packet queue, since this kernel has no `drop` action.
 *
 * Needs root (or CAP_NET_ADMIN) and iproute2's `tc` (scripts/setup.sh installs it). The loopback
 * device is shared by the whole machine: one shaper at a time, and always `stop()` it (afterAll or
 * finally), which removes the root qdisc.
 */
export interface UplinkShaper {
  /** Sends the path's packets through a cap of `kbit` kilobits a second (a shallow queue). */
  cap(path: MediaPath, kbit: number): Promise<void>;
  /** Passes (almost) nothing of the path: a network that is gone. */
  blackhole(path: MediaPath): Promise<void>;
  /** Lets the path run free again. */
  lift(): Promise<void>;
  /** Bytes the cap class and the black hole have sent and dropped so far. */
  counters(): Promise<{ capped: ClassCounters; blackhole: ClassCounters }>;
  /** Removes everything (idempotent). */
  stop(): Promise<void>;
}

export interface ClassCounters {
  sentBytes: number;
  dropped: number;
}

/** One direction of a UDP media path: the browser's local port to the server's port. */
export interface MediaPath {
  localPort: number;
  remotePort: number;
}

const DEV = 'lo';
const CAPPED = '1:20';
const BLACKHOLE = '1:30';
/** Packets the cap's queue holds: about a second at 500 kbit/s, like a phone network's buffer. */
const CAP_QUEUE_PACKETS = 40;

function tc(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tc', args, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new Error(
          missing
            ? 'uplinkShaper: `tc` not found; install iproute2 (scripts/setup.sh does)'
            : /Operation not permitted|RTNETLINK answers: Permission denied/i.test(stderr)
              ? `uplinkShaper: not permitted to run \`tc ${args.join(' ')}\` (needs root or CAP_NET_ADMIN): ${stderr.trim()}`
              : `uplinkShaper: \`tc ${args.join(' ')}\` failed: ${stderr.trim() || error.message}`,
        ),
      );
    });
  });
}

/** Installs the root qdisc and its two classes on the loopback device; nothing is shaped yet. */
export async function startUplinkShaper(): Promise<UplinkShaper> {
  const existing = await tc(['qdisc', 'show', 'dev', DEV, 'root']);
  if (/\bhtb 1:/.test(existing)) {
    throw new Error(`uplinkShaper: ${DEV} already has an htb root (another shaper, or one left behind: \`tc qdisc del dev ${DEV} root\`): ${existing.trim()}`);
  }
  await tc(['qdisc', 'add', 'dev', DEV, 'root', 'handle', '1:', 'htb']);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await tc(['qdisc', 'del', 'dev', DEV, 'root']);
  };
  try {
    await tc(['class', 'add', 'dev', DEV, 'parent', '1:', 'classid', CAPPED, 'htb', 'rate', '10gbit']);
    await tc(['qdisc', 'add', 'dev', DEV, 'parent', CAPPED, 'handle', '20:', 'pfifo', 'limit', String(CAP_QUEUE_PACKETS)]);
    await tc(['class', 'add', 'dev', DEV, 'parent', '1:', 'classid', BLACKHOLE, 'htb', 'rate', '8bit', 'ceil', '8bit', 'quantum', '1500']);
    await tc(['qdisc', 'add', 'dev', DEV, 'parent', BLACKHOLE, 'handle', '30:', 'pfifo', 'limit', '1']);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }

  const route = async (path: MediaPath | undefined, flowid: string): Promise<void> => {
    // A filter list that is still empty has nothing to delete: ignore that error.
    await tc(['filter', 'del', 'dev', DEV, 'parent', '1:', 'protocol', 'ip', 'prio', '1']).catch(() => undefined);
    if (!path) return;
    // prettier-ignore
    await tc(['filter', 'add', 'dev', DEV, 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32',
      'match', 'ip', 'protocol', '17', '0xff',
      'match', 'ip', 'sport', String(path.localPort), '0xffff',
      'match', 'ip', 'dport', String(path.remotePort), '0xffff',
      'flowid', flowid]);
  };
  const countersOf = (stats: string, handle: string): ClassCounters => {
    const block = stats.split(/\n(?=class )/).find((b) => b.startsWith(`class htb ${handle} `)) ?? '';
    const sent = /Sent (\d+) bytes \d+ pkt \(dropped (\d+)/.exec(block);
    return { sentBytes: Number(sent?.[1] ?? 0), dropped: Number(sent?.[2] ?? 0) };
  };

  return {
    async cap(path, kbit) {
      const rate = `${kbit}kbit`;
      await tc(['class', 'change', 'dev', DEV, 'parent', '1:', 'classid', CAPPED, 'htb', 'rate', rate, 'ceil', rate]);
      await route(path, CAPPED);
    },
    blackhole: (path) => route(path, BLACKHOLE),
    lift: () => route(undefined, CAPPED),
    async counters() {
      const stats = await tc(['-s', 'class', 'show', 'dev', DEV]);
      // The leaf queues count the drops (the classes count what they sent).
      const queues = await tc(['-s', 'qdisc', 'show', 'dev', DEV]);
      const droppedOf = (handle: string): number => Number(/dropped (\d+)/.exec(queues.split(/\n(?=qdisc )/).find((b) => b.startsWith(`qdisc pfifo ${handle} `)) ?? '')?.[1] ?? 0);
      return {
        capped: { sentBytes: countersOf(stats, CAPPED).sentBytes, dropped: droppedOf('20:') },
        blackhole: { sentBytes: countersOf(stats, BLACKHOLE).sentBytes, dropped: droppedOf('30:') },
      };
    },
    stop,
  };
}

/**
 * Records the page's RTCPeerConnections (window.chunfengPeerConnections) so a test can read the path
 * its media takes. Pass it as `initScript` when opening the page.
 */
export const RECORD_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  const all = (window.chunfengPeerConnections = []);
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      all.push(this);
    }
  };
})();`;

/**
 * The UDP path the page's outgoing video takes now (its selected ICE candidate pair), read from the
 * connection that sends video. Needs RECORD_PEER_CONNECTIONS.
 */
export async function sendingVideoPath(page: Page): Promise<MediaPath> {
  const path = await page.evaluate(async () => {
    const all = (window as unknown as { chunfengPeerConnections?: RTCPeerConnection[] }).chunfengPeerConnections ?? [];
    for (const pc of all) {
      if (pc.connectionState === 'closed') continue;
      const stats: Array<RTCStats & Record<string, unknown>> = [];
      (await pc.getStats()).forEach((s: RTCStats & Record<string, unknown>) => stats.push(s));
      const byId = new Map(stats.map((s) => [s.id, s]));
      if (!stats.some((s) => s.type === 'outbound-rtp' && s['kind'] === 'video')) continue;
      const transport = stats.find((s) => s.type === 'transport');
      const pair = byId.get(String(transport?.['selectedCandidatePairId']));
      const local = byId.get(String(pair?.['localCandidateId']));
      const remote = byId.get(String(pair?.['remoteCandidateId']));
      if (local && remote) return { localPort: Number(local['port']), remotePort: Number(remote['port']), protocol: String(local['protocol']) };
    }
    return undefined;
  });
  if (!path) throw new Error('sendingVideoPath: the page sends no video over a selected candidate pair (was it opened with RECORD_PEER_CONNECTIONS?)');
  if (path.protocol !== 'udp') throw new Error(`sendingVideoPath: the page's video goes over ${path.protocol}, not UDP`);
  return { localPort: path.localPort, remotePort: path.remotePort };
}
