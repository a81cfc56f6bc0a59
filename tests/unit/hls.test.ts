import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildFfmpegArgs, buildSdp } from '../../server/src/media/hls/ffmpegArgs';
import { finalizePlaylist, mediaTimeAt, parseMediaPlaylist } from '../../server/src/media/hls/playlist';

const PLAYLIST = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:EVENT
#EXT-X-DISCONTINUITY
#EXT-X-PROGRAM-DATE-TIME:2026-01-01T10:00:00.000+0000
#EXTINF:1.000000,
seg_00000.ts
#EXTINF:1.000000,
seg_00001.ts
#EXT-X-DISCONTINUITY
#EXT-X-PROGRAM-DATE-TIME:2026-01-01T10:00:10.000+0000
#EXTINF:2.000000,
seg_00002.ts
`;

describe('HLS playlists', () => {
  test('segments get their media start and wall-clock time', () => {
    const { segments, ended } = parseMediaPlaylist(PLAYLIST);
    expect(ended).toBe(false);
    expect(segments.map((s) => [s.uri, s.start])).toEqual([
      ['seg_00000.ts', 0],
      ['seg_00001.ts', 1],
      ['seg_00002.ts', 2],
    ]);
    expect(segments[1]!.programDateTime).toBe(Date.parse('2026-01-01T10:00:01.000Z'));
  });

  test('a wall-clock instant maps to media time, across a gap from an ffmpeg restart', () => {
    const { segments } = parseMediaPlaylist(PLAYLIST);
    expect(mediaTimeAt(segments, Date.parse('2026-01-01T10:00:00.500Z'))).toBeCloseTo(0.5);
    // During the gap (nothing was recorded) the chapter starts where recording resumed.
    expect(mediaTimeAt(segments, Date.parse('2026-01-01T10:00:05.000Z'))).toBeCloseTo(2);
    expect(mediaTimeAt(segments, Date.parse('2026-01-01T10:00:11.000Z'))).toBeCloseTo(3);
    expect(mediaTimeAt(segments, Date.parse('2025-12-31T00:00:00.000Z'))).toBe(0);
  });

  test('finalizing makes an event playlist a VOD with an end', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cf-pl-')), 'index.m3u8');
    fs.writeFileSync(file, PLAYLIST);
    finalizePlaylist(file);
    finalizePlaylist(file);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(text.match(/#EXT-X-ENDLIST/g)).toHaveLength(1);
    expect(parseMediaPlaylist(text).ended).toBe(true);
  });
});

describe('ffmpeg arguments for the program feed', () => {
  const inputs = [
    { kind: 'video' as const, port: 5000, payloadType: 101, rtpmap: 'VP8/90000' },
    { kind: 'audio' as const, port: 5002, payloadType: 100, rtpmap: 'opus/48000/2', fmtp: 'useinbandfec=1' },
    { kind: 'audio' as const, port: 5004, payloadType: 100, rtpmap: 'opus/48000/2' },
  ];

  test('the SDP lists each stream with its RTCP port', () => {
    const sdp = buildSdp(inputs);
    expect(sdp).toContain('m=video 5000 RTP/AVP 101\na=rtcp:5001\na=rtpmap:101 VP8/90000');
    expect(sdp).toContain('m=audio 5002 RTP/AVP 100\na=rtcp:5003\na=rtpmap:100 opus/48000/2\na=fmtp:100 useinbandfec=1');
    expect(sdp.match(/^m=/gm)).toHaveLength(3);
  });

  test('the ladder maps each rendition, mixes every microphone over a silent bed, and keeps one playlist across restarts', () => {
    const args = buildFfmpegArgs({ sdpPath: '/x/input.sdp', inputs, renditions: ['720p', '360p', 'audio'], segmentSeconds: 1, outDir: '/x' });
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toContain('split=2');
    expect(graph).toContain('scale=-2:720');
    expect(graph).toContain('scale=-2:360');
    expect(graph).toContain('amix=inputs=3');
    expect(args[args.indexOf('-var_stream_map') + 1]).toBe('v:0,a:0,name:720p v:1,a:1,name:360p a:2,name:audio');
    expect(args[args.indexOf('-hls_flags') + 1]).toContain('append_list');
    expect(args[args.indexOf('-hls_time') + 1]).toBe('1');
    expect(args[args.indexOf('-g') + 1]).toBe('25');
  });

  test('without a camera on stage a still picture stands in for the video', () => {
    const args = buildFfmpegArgs({ sdpPath: '/x/in.sdp', inputs: inputs.slice(1), renditions: ['360p', 'audio'], segmentSeconds: 2, outDir: '/x' });
    expect(args.join(' ')).toContain('color=c=0x1f2937');
    expect(args[args.indexOf('-filter_complex') + 1]).toContain('[1:v]fps=25');
    expect(args[args.indexOf('-g') + 1]).toBe('50');
  });
});

describe('captions as WebVTT', () => {
  test('each line runs until the next, on the replay timeline, as escaped text', async () => {
    const { captionsToVtt } = await import('../../server/src/media/hls/playlist');
    const { segments } = parseMediaPlaylist(PLAYLIST);
    const vtt = captionsToVtt(
      [
        { text: '欢迎来到春风行动专场', at: '2026-01-01T10:00:00.200Z' },
        { text: '<b>包吃住</b> --> 月薪5000', at: '2026-01-01T10:00:01.000Z' },
      ],
      segments,
    );
    expect(vtt).toBe(
      'WEBVTT\n\n1\n00:00:00.200 --> 00:00:01.000\n欢迎来到春风行动专场\n\n2\n00:00:01.000 --> 00:00:07.000\n&lt;b&gt;包吃住&lt;/b&gt; --&gt; 月薪5000\n',
    );
  });
});

describe('the interpreter in the programme', () => {
  test('a second video input is overlaid in the corner of every rendition', () => {
    const inputs = [
      { kind: 'video' as const, port: 5000, payloadType: 101, rtpmap: 'VP8/90000' },
      { kind: 'video' as const, port: 5002, payloadType: 101, rtpmap: 'VP8/90000' },
      { kind: 'audio' as const, port: 5004, payloadType: 100, rtpmap: 'opus/48000/2' },
    ];
    const args = buildFfmpegArgs({ sdpPath: '/x/in.sdp', inputs, renditions: ['720p', '360p', 'audio'], segmentSeconds: 1, outDir: '/x' });
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toContain('[0:v:0]fps=25,scale=-2:720[main]');
    expect(graph).toContain('[0:v:1]fps=25,scale=-2:240[pip]');
    expect(graph).toContain('[main][pip]overlay=W-w-16:H-h-16');
    expect(graph).toContain('amix=inputs=2');
  });
});
