/**
 * The clock pattern for glass-to-glass latency, as page scripts (JavaScript source: tsx keeps
 * function names with helpers a page does not have, so functions are not handed to Playwright).
 *
 * The sender's picture is 8 × 5 big black-or-white blocks: the wall clock in milliseconds modulo 2^24
 * (24 blocks) and a 16-bit check of it (16 blocks). Every page of one Chromium reads the same system
 * clock (performance.timeOrigin + performance.now()). A reader samples the centre of each block (a
 * few pixels averaged: compression blurs edges); a block neither clearly dark nor clearly light (a
 * frame caught mid-change, or blurred) or a wrong check discards the frame.
 */
const W = 640;
const H = 360;
const COLS = 8;
const ROWS = 5;
const VALUE_BITS = 24;
const CHECK_BITS = 16;

/** The pattern's constants and its check, shared by both scripts. */
const common = `
  const W = ${W}, H = ${H}, COLS = ${COLS}, ROWS = ${ROWS}, VALUE_BITS = ${VALUE_BITS}, CHECK_BITS = ${CHECK_BITS};
  const SPAN = 2 ** VALUE_BITS;
  const check = (value) => Math.imul(value, 0x9e3779b1) >>> (32 - CHECK_BITS);
  const BW = W / COLS, BH = H / ROWS;
`;

/**
 * Init script for the publisher's page: getUserMedia answers with the real (fake-device) microphone
 * and, for video, a 640×360 canvas at 30 fps showing the clock, redrawn every 1/60 s.
 */
export const CLOCK_CAMERA_SCRIPT = `(() => {
  ${common}
  const devices = navigator.mediaDevices;
  if (!devices || !devices.getUserMedia) return;
  const original = devices.getUserMedia.bind(devices);
  let canvas;
  const start = () => {
    canvas = document.createElement('canvas');
    canvas.width = W;
    canvas.height = H;
    const ctx = canvas.getContext('2d');
    const draw = () => {
      const value = Math.floor(performance.timeOrigin + performance.now()) % SPAN;
      const code = value * 2 ** CHECK_BITS + check(value);
      for (let i = 0; i < COLS * ROWS; i += 1) {
        ctx.fillStyle = Math.floor(code / 2 ** i) % 2 ? '#ffffff' : '#000000';
        ctx.fillRect((i % COLS) * BW, Math.floor(i / COLS) * BH, BW, BH);
      }
    };
    draw();
    setInterval(draw, 1000 / 60);
  };
  devices.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    if (!constraints || !constraints.video) return stream;
    if (!canvas) start();
    for (const track of stream.getVideoTracks()) {
      stream.removeTrack(track);
      track.stop();
    }
    stream.addTrack(canvas.captureStream(30).getVideoTracks()[0]);
    return stream;
  };
})();`;

/**
 * Script for the watching page: from then on, every frame the <video> matching `selector` presents
 * (requestVideoFrameCallback) is drawn to a canvas and its clock read; latency = the frame's expected
 * display time − the clock it shows (and, where the browser gives it, the time its last packet was
 * received − the clock). `window.chunfengG2g.take()` returns what was read since the
 * last take and starts again.
 */
export function clockReaderScript(selector: string): string {
  return `(() => {
  ${common}
  // Read at a quarter of the size: blocks of 20 × 18 pixels are plenty, and the page's CPU is the
  // decoder's (the viewer is a phone, not a lab).
  const RW = W / 4, RH = H / 4, RBW = BW / 4, RBH = BH / 4;
  const canvas = document.createElement('canvas');
  canvas.width = RW;
  canvas.height = RH;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const fresh = () => ({ latencies: [], received: [], odd: [], frames: 0, unreadable: 0, implausible: 0, since: performance.now() });
  let seen = fresh();
  let watched;
  const read = (video, meta) => {
    ctx.drawImage(video, 0, 0, RW, RH);
    const data = ctx.getImageData(0, 0, RW, RH).data;
    let code = 0;
    for (let i = 0; i < COLS * ROWS; i += 1) {
      const cx = Math.floor((i % COLS) * RBW + RBW / 2), cy = Math.floor(Math.floor(i / COLS) * RBH + RBH / 2);
      let sum = 0, n = 0;
      for (let dy = -2; dy <= 2; dy += 2) for (let dx = -2; dx <= 2; dx += 2) {
        const o = ((cy + dy) * RW + cx + dx) * 4;
        sum += (data[o] + data[o + 1] + data[o + 2]) / 3;
        n += 1;
      }
      const level = sum / n;
      if (level > 64 && level < 192) return undefined;
      if (level >= 192) code += 2 ** i;
    }
    const value = Math.floor(code / 2 ** CHECK_BITS);
    if (code % 2 ** CHECK_BITS !== check(value)) return undefined;
    const since = (t) => (((performance.timeOrigin + t - value) % SPAN) + SPAN) % SPAN;
    return { shown: since(meta.expectedDisplayTime), received: meta.receiveTime === undefined ? undefined : since(meta.receiveTime) };
  };
  const onFrame = (video) => (now, meta) => {
    if (watched !== video) return;
    seen.frames += 1;
    const latency = read(video, meta);
    if (latency === undefined) seen.unreadable += 1;
    // A clock from the future wraps to ~2^24 ms: not a reading.
    else if (latency.shown >= 5000) {
      seen.implausible += 1;
      if (seen.odd.length < 5) seen.odd.push(latency.shown > SPAN / 2 ? latency.shown - SPAN : latency.shown);
    }
    else {
      seen.latencies.push(latency.shown);
      if (latency.received !== undefined && latency.received <= latency.shown) seen.received.push(latency.received);
    }
    video.requestVideoFrameCallback(onFrame(video));
  };
  // The page may replace its <video> (a new consumer after a layer or worker change): follow it.
  const attach = () => {
    const video = document.querySelector(${JSON.stringify(selector)});
    if (!video || video === watched) return;
    watched = video;
    video.requestVideoFrameCallback(onFrame(video));
  };
  attach();
  setInterval(attach, 200);
  window.chunfengG2g = {
    take() {
      const out = { ...seen, ms: performance.now() - seen.since };
      seen = fresh();
      return out;
    },
  };
})();`;
}

/** What the reader saw over a window. */
export interface ClockReadings {
  latencies: number[];
  /**
   * The same frames' clock to when their last packet arrived at the viewer (requestVideoFrameCallback's
   * receiveTime): the sender, the network and the SFU, without the viewer's jitter buffer and decoder.
   */
  received: number[];
  /** Frames presented. */
  frames: number;
  /** Frames whose pattern did not read (a block between levels, or a wrong check). */
  unreadable: number;
  /** Frames that read but gave a latency outside 0–5000 ms; the first few of those latencies. */
  implausible: number;
  odd: number[];
  ms: number;
}
