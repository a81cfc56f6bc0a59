/**
 * A flooding client in its own process (so its work does not share the test's event loop): joins a
 * session as a viewer, then floods `rate` events a second, each with an acknowledgement, between a
 * "go" and a "pause" on stdin, connecting and joining again whenever the server has disconnected it
 * (as a script would). "stop" prints its counts as one JSON line and exits; it prints one when ready.
 *
 * Connections the server refuses (connect_error, e.g. a 429 handshake) are counted and tried again at
 * once, as a script would. An optional fourth argument binds it to a local address (another /24).
 *
 * Usage: node --import tsx tests/harness/flooder.ts <url> <sessionId> <rate> [localAddress]
 */
import readline from 'node:readline';
import { io, type Socket } from 'socket.io-client';

const [url = '', sessionId = '', rateArg = '10000', localAddress] = process.argv.slice(2);
const rate = Number(rateArg);
const counts = { sent: 0, acked: 0, rateLimited: 0, otherErrors: 0, disconnects: 0, connects: 0, refused: 0 };
let socket: Socket | undefined;
let connecting: Promise<void> | undefined;
let flooding = false;

function open(): Promise<void> {
  connecting ??= (async () => {
    const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...(localAddress ? { localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', (err) => {
        counts.refused++;
        s.close();
        reject(err);
      });
    });
    counts.connects++;
    s.emit('stage:join', { sessionId, role: 'viewer' }, () => undefined);
    s.once('disconnect', () => {
      counts.disconnects++;
      if (flooding) void open();
    });
    socket = s;
  })().finally(() => {
    connecting = undefined;
  });
  return connecting;
}

const onAck = (ack: { ok: boolean; error?: { code: string } }): void => {
  counts.acked++;
  if (!ack.ok && ack.error?.code === 'RATE_LIMITED') counts.rateLimited++;
  else if (!ack.ok) counts.otherErrors++;
};

function flood(): void {
  // Paced by the clock, in small batches, so the server sees a steady stream rather than bursts.
  const start = performance.now();
  let sentHere = 0;
  const tick = (): void => {
    if (!flooding) return;
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    if (!socket?.connected) void open().catch(() => undefined);
    while (sentHere < due) {
      sentHere++;
      counts.sent++;
      if (socket?.connected) socket.emit(counts.sent % 2 ? 'hand:raise' : 'chat:send', counts.sent % 2 ? { raised: true } : { text: 'spam', displayName: 'x' }, onAck);
    }
    setImmediate(tick);
  };
  tick();
}

await open();
console.log(JSON.stringify({ ready: true }));
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'go' && !flooding) {
    flooding = true;
    flood();
  } else if (line === 'pause') {
    flooding = false;
  } else if (line === 'stop') {
    flooding = false;
    // Acknowledgements still on the way are counted for a moment before the counts are printed.
    setTimeout(() => {
      console.log(JSON.stringify(counts));
      socket?.close();
      process.exit(0);
    }, 500);
  }
});
