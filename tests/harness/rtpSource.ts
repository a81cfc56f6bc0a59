import { spawn, type ChildProcess } from 'node:child_process';

export interface RtpTarget {
  port: number;
  rtcpPort: number | undefined;
}

/** The RTP parameters the test source sends with (VP8 and Opus, fixed SSRCs). */
export const TEST_RTP = {
  video: {
    codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }],
    encodings: [{ ssrc: 11111111 }],
  },
  audio: {
    codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
    encodings: [{ ssrc: 22222222 }],
  },
};

/**
 * ffmpeg's test pattern (with its frame counter) and a tone, encoded as VP8 and Opus and sent as
 * RTP in real time: a stand-in for a camera that needs no browser.
 */
export function startRtpSource({ video, audio, seconds = 120, ssrc = { video: TEST_RTP.video.encodings[0]!.ssrc, audio: TEST_RTP.audio.encodings[0]!.ssrc } }: {
  video: RtpTarget;
  audio: RtpTarget;
  seconds?: number;
  ssrc?: { video: number; audio: number };
}): { child: ChildProcess; stop(): Promise<void> } {
  const url = (t: RtpTarget) => `rtp://127.0.0.1:${t.port}${t.rtcpPort ? `?rtcpport=${t.rtcpPort}` : ''}`;
  const child = spawn(
    'ffmpeg',
    [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-re', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=25:duration=${seconds}`,
      '-re', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
      '-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '500k', '-g', '25', '-keyint_min', '25',
      '-ssrc', String(ssrc.video), '-payload_type', '101', '-f', 'rtp', url(video),
      '-map', '1:a', '-c:a', 'libopus', '-b:a', '48k', '-ac', '2',
      '-ssrc', String(ssrc.audio), '-payload_type', '100', '-f', 'rtp', url(audio),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
