// The publisher of the media fan-out benchmark, in its own process: replays the recorded 720p
// simulcast VP8 stream (bench/lib/rtpRecording.ts) in real time, looped, from one UDP socket to a
// comedia PlainTransport. Driven by its parent (bench/lib/fanout.ts) over IPC.
import dgram from 'node:dgram';
import { loadRecording, RtpReplayer } from '../lib/rtpRecording';

export type PublisherCommand = { type: 'start'; host: string; port: number } | { type: 'close' };

export type PublisherReport = { type: 'started'; localPort: number; packetsPerLoop: number; loopMs: number } | { type: 'error'; message: string };

const send = (report: PublisherReport): void => void process.send?.(report);
let replayer: RtpReplayer | undefined;
let socket: dgram.Socket | undefined;

async function start(host: string, port: number): Promise<PublisherReport> {
  const recording = await loadRecording(undefined, (m) => process.stderr.write(`${m}\n`));
  socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 1024 * 1024 });
  await new Promise<void>((resolve) => socket!.bind(0, '127.0.0.1', resolve));
  replayer = new RtpReplayer(recording, socket, host, port);
  replayer.start();
  return { type: 'started', localPort: socket.address().port, packetsPerLoop: recording.packets.length, loopMs: recording.durationMs };
}

process.on('message', (command: PublisherCommand) => {
  if (command.type === 'start') {
    start(command.host, command.port).then(send, (error: unknown) => send({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
  } else {
    replayer?.stop();
    socket?.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
