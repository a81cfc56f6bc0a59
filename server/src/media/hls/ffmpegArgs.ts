/** One input stream of the program feed, arriving as RTP on a local port pair. */
export interface RtpInput {
  kind: 'audio' | 'video';
  port: number;
  payloadType: number;
  /** "VP8/90000", "H264/90000", "opus/48000/2". */
  rtpmap: string;
  fmtp?: string | undefined;
}

export type Rendition = '720p' | '360p' | 'audio';

const VIDEO: Record<Exclude<Rendition, 'audio'>, { height: number; bitrate: string; maxrate: string }> = {
  '720p': { height: 720, bitrate: '1800k', maxrate: '2200k' },
  '360p': { height: 360, bitrate: '550k', maxrate: '700k' },
};

/** An SDP that tells ffmpeg where each RTP stream arrives (RTCP on port + 1). */
export function buildSdp(inputs: RtpInput[]): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=Chunfeng program feed', 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (const input of inputs) {
    lines.push(`m=${input.kind} ${input.port} RTP/AVP ${input.payloadType}`, `a=rtcp:${input.port + 1}`, `a=rtpmap:${input.payloadType} ${input.rtpmap}`);
    if (input.fmtp) lines.push(`a=fmtp:${input.payloadType} ${input.fmtp}`);
    lines.push('a=recvonly');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * ffmpeg arguments turning the program feed into an HLS ladder: the spotlight video scaled to each
 * video rendition (x264, a keyframe at every segment boundary), every stage microphone mixed, an
 * audio-only rendition, one master playlist, program-date-time on every segment, and append_list so
 * that a restarted ffmpeg continues the same playlists.
 */
export function buildFfmpegArgs({ sdpPath, inputs, renditions, segmentSeconds, outDir, fps = 25 }: {
  sdpPath: string;
  inputs: RtpInput[];
  renditions: Rendition[];
  segmentSeconds: number;
  outDir: string;
  fps?: number;
}): string[] {
  const videoInputs = inputs.filter((i) => i.kind === 'video');
  const audioCount = inputs.filter((i) => i.kind === 'audio').length;
  const videos = renditions.filter((r): r is Exclude<Rendition, 'audio'> => r !== 'audio');
  const variants = renditions.length;

  const args = ['-hide_banner', '-loglevel', 'warning', '-nostdin', '-y'];
  args.push('-protocol_whitelist', 'file,udp,rtp', '-fflags', '+genpts', '-analyzeduration', '3000000', '-probesize', '5000000');
  args.push('-reorder_queue_size', '256', '-i', sdpPath);
  // Without a camera or a microphone on stage the feed still runs: a still frame, or silence.
  let extra = 1;
  const videoSource = videoInputs.length > 0 ? '0:v:0' : `${extra++}:v`;
  if (videoInputs.length === 0) args.push('-f', 'lavfi', '-i', `color=c=0x1f2937:s=640x360:r=${fps}`);
  const silence = `${extra++}:a`;
  args.push('-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=48000');

  const graph: string[] = [];
  const vOut = videos.map((_, i) => `[v${i}]`);
  if (videos.length > 0) {
    let main = `[${videoSource}]fps=${fps}`;
    // The sign-language interpreter, when on stage, rides in the corner of every rendition.
    if (videoInputs.length > 1) {
      const top = Math.max(...videos.map((r) => VIDEO[r].height));
      graph.push(`[${videoSource}]fps=${fps},scale=-2:${top}[main]`);
      graph.push(`[0:v:1]fps=${fps},scale=-2:${Math.round(top / 3 / 2) * 2}[pip]`);
      main = `[main][pip]overlay=W-w-16:H-h-16:eof_action=pass`;
    }
    graph.push(`${main},split=${videos.length}${videos.map((_, i) => `[vs${i}]`).join('')}`);
    videos.forEach((r, i) => graph.push(`[vs${i}]scale=-2:${VIDEO[r].height}:flags=fast_bilinear,format=yuv420p${vOut[i]}`));
  }
  // A silent bed keeps the mix running while nobody is speaking or a microphone is paused.
  const mics = Array.from({ length: audioCount }, (_, i) => `[0:a:${i}]aresample=async=1000[m${i}]`);
  graph.push(...mics);
  const mixInputs = [`[${silence}]`, ...Array.from({ length: audioCount }, (_, i) => `[m${i}]`)];
  graph.push(`${mixInputs.join('')}amix=inputs=${mixInputs.length}:duration=first:dropout_transition=0:normalize=0,asplit=${variants}${Array.from({ length: variants }, (_, i) => `[a${i}]`).join('')}`);
  args.push('-filter_complex', graph.join(';'));

  const streamMap: string[] = [];
  let audioIndex = 0;
  renditions.forEach((r) => {
    const a = audioIndex++;
    if (r === 'audio') {
      args.push('-map', `[a${a}]`);
      streamMap.push(`a:${a},name:audio`);
    } else {
      const v = videos.indexOf(r);
      args.push('-map', vOut[v]!, '-map', `[a${a}]`);
      streamMap.push(`v:${v},a:${a},name:${r}`);
    }
  });
  videos.forEach((r, i) => args.push(`-b:v:${i}`, VIDEO[r].bitrate, `-maxrate:v:${i}`, VIDEO[r].maxrate, `-bufsize:v:${i}`, VIDEO[r].maxrate));
  if (videos.length > 0) {
    const gop = String(fps * segmentSeconds);
    args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'main', '-pix_fmt', 'yuv420p');
    args.push('-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${segmentSeconds})`);
  }
  args.push('-c:a', 'aac', '-b:a', '96k', '-ac', '2', '-ar', '48000');
  args.push(
    '-f', 'hls',
    '-hls_time', String(segmentSeconds),
    '-hls_list_size', '0',
    '-hls_playlist_type', 'event',
    '-hls_flags', 'append_list+program_date_time+independent_segments+discont_start',
    '-hls_segment_filename', `${outDir}/%v/seg_%05d.ts`,
    '-master_pl_name', 'master.m3u8',
    '-var_stream_map', streamMap.join(' '),
    `${outDir}/%v/index.m3u8`,
  );
  return args;
}
