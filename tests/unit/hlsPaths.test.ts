import { describe, expect, test } from 'vitest';
import { hlsPathAllowed } from '../../server/src/transport/hlsPaths';

describe('hlsPathAllowed (judged after percent-decoding)', () => {
  test.each(['/demo/master.m3u8', '/demo/360p/index.m3u8', '/demo/360p/seg_00001.ts', '/demo/captions.vtt', '/demo/master%2em3u8'])('serves %s', (p) => {
    expect(hlsPathAllowed(p)).toBe(true);
  });

  test.each([
    '/demo/session.json',
    '/demo/session%2ejson',
    '/demo/session%2Ejson',
    '/demo/input.sdp',
    '/demo/input%2esdp',
    '/demo/%2e%2e/other/master.m3u8',
    '/demo/..%2fother%2fmaster.m3u8',
    '/demo/360p%2f..%2f..%2fsecret.m3u8',
    '/demo/.hidden.m3u8',
    '/demo/%2ehidden.m3u8',
    '/demo//master.m3u8',
    '/master.m3u8',
    '/a/b/c/d.ts',
    '/demo/360p/seg.ts%00.json',
    '/demo/x%5c..%5cmaster.m3u8',
    '/demo/%252e%252e/master.m3u8',
    '/demo/%E0%A4%A.ts',
    '/demo%2f360p/index.m3u8',
    '/demo/360p%2Findex.m3u8',
    '/demo%2fmaster.m3u8',
  ])('refuses %s', (p) => {
    expect(hlsPathAllowed(p)).toBe(false);
  });
});
