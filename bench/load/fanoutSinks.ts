// UDP sinks for the media fan-out benchmark, in their own process: stand-ins for the browsers that
// watch a stage. Each consumer's PlainTransport sends SRTP here; the RTP header is in the clear, so
// each packet is counted by its SSRC (one per consumer) and sequence number. Several consumers share
// a socket. Driven by its parent (bench/lib/fanout.ts) over IPC.
import dgram from 'node:dgram';

export type SinkCommand =
  /** Opens `sockets` UDP sockets on 127.0.0.1. */
  | { type: 'open'; sockets: number }
  /** Starts a window: forgets what was counted. */
  | { type: 'reset' }
  /** Ends a window: what each SSRC delivered since the reset. */
  | { type: 'collect' }
  | { type: 'close' };

export type SinkReport =
  | { type: 'opened'; ports: number[] }
  | { type: 'reset' }
  /** Per SSRC: [ssrc, packets received, packets expected from the lowest to the highest sequence number seen]. */
  | { type: 'stats'; ssrcs: Array<[number, number, number]>; packets: number; bytes: number }
  | { type: 'error'; message: string };

interface Stream {
  /** Extended (32-bit, with 16-bit wraps counted) sequence numbers: the last, lowest and highest seen. */
  last: number;
  low: number;
  high: number;
  received: number;
}

const sockets: dgram.Socket[] = [];
let streams = new Map<number, Stream>();
let packets = 0;
let bytes = 0;

const send = (report: SinkReport): void => void process.send?.(report);

function onPacket(msg: Buffer): void {
  // RTCP (sender reports, multiplexed on the same port): payload types 192–223.
  if (msg.length < 12 || (msg[1]! >= 192 && msg[1]! <= 223)) return;
  packets += 1;
  bytes += msg.length;
  const ssrc = msg.readUInt32BE(8);
  const seq = msg.readUInt16BE(2);
  const s = streams.get(ssrc);
  if (!s) {
    streams.set(ssrc, { last: seq, low: seq, high: seq, received: 1 });
    return;
  }
  // The 16-bit distance from the last packet, read as forward (< 2^15) or backward (reordered).
  const delta = (seq - (s.last & 0xffff)) & 0xffff;
  const ext = delta < 0x8000 ? s.last + delta : s.last - (0x10000 - delta);
  s.last = ext;
  if (ext > s.high) s.high = ext;
  if (ext < s.low) s.low = ext;
  s.received += 1;
}

async function open(count: number): Promise<number[]> {
  for (let i = 0; i < count; i++) {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    socket.on('message', onPacket);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (error) => send({ type: 'error', message: `sink socket: ${error.message}` }));
    sockets.push(socket);
  }
  return sockets.map((s) => s.address().port);
}

process.on('message', (command: SinkCommand) => {
  switch (command.type) {
    case 'open':
      open(command.sockets).then(
        (ports) => send({ type: 'opened', ports }),
        (error: unknown) => send({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
      );
      break;
    case 'reset':
      streams = new Map();
      packets = 0;
      bytes = 0;
      send({ type: 'reset' });
      break;
    case 'collect':
      send({ type: 'stats', ssrcs: [...streams].map(([ssrc, s]) => [ssrc, s.received, s.high - s.low + 1]), packets, bytes });
      break;
    case 'close':
      for (const s of sockets) s.close();
      process.exit(0);
  }
});
// The parent gone (killed, or crashed): nothing is left to count for.
process.on('disconnect', () => process.exit(0));
