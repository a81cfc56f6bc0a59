/**
 * A test picture for measuring glass-to-glass latency in the field: the sender's clock drawn as
 * 40 black-or-white blocks (milliseconds since the epoch, modulo 2^40) that survive video
 * compression, plus the time in digits for people. `readClockPattern` decodes a frame of it.
 */
const COLS = 8;
const ROWS = 5;
const BITS = COLS * ROWS;
const W = 640;
const H = 360;
const GRID_H = 300;

export function clockPatternTrack(fps = 25): { track: MediaStreamTrack; stop: () => void } {
  const canvas = Object.assign(document.createElement('canvas'), { width: W, height: H });
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  const draw = (): void => {
    const now = Date.now();
    const bw = W / COLS;
    const bh = GRID_H / ROWS;
    for (let i = 0; i < BITS; i += 1) {
      const bit = Math.floor(now / 2 ** i) % 2;
      ctx.fillStyle = bit ? '#ffffff' : '#000000';
      ctx.fillRect((i % COLS) * bw, Math.floor(i / COLS) * bh, bw, bh);
    }
    ctx.fillStyle = '#b91c1c';
    ctx.fillRect(0, GRID_H, W, H - GRID_H);
    ctx.fillStyle = '#ffffff';
    ctx.font = '40px monospace';
    ctx.fillText(new Date(now).toISOString().slice(11, 23), 20, H - 15);
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  const track = canvas.captureStream(fps).getVideoTracks()[0];
  if (!track) throw new Error('canvas capture gave no track');
  return { track, stop: () => clearInterval(timer) };
}

/** The sender's clock in a frame of the pattern shown by `video`, or undefined if unreadable. */
export function readClockPattern(video: HTMLVideoElement): number | undefined {
  if (video.videoWidth === 0) return undefined;
  const canvas = Object.assign(document.createElement('canvas'), { width: W, height: H });
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return undefined;
  ctx.drawImage(video, 0, 0, W, H);
  const bw = W / COLS;
  const bh = GRID_H / ROWS;
  let value = 0;
  for (let i = 0; i < BITS; i += 1) {
    const [r = 0, g = 0, b = 0] = ctx.getImageData((i % COLS) * bw + bw / 2, Math.floor(i / COLS) * bh + bh / 2, 1, 1).data;
    if ((r + g + b) / 3 > 128) value += 2 ** i;
  }
  // Put the 40 low bits back next to the reader's clock.
  const now = Date.now();
  const span = 2 ** BITS;
  const candidate = now - ((now - value) % span + span) % span;
  return candidate;
}
