import QRCode from 'qrcode';

/**
 * The two poster sizes: a WeChat group shows images 750 px wide (a phone's full width at 2×), and a
 * recruitment service point prints A4 (210 × 297 mm at 150 dpi: sharp on an office printer, and a
 * file a cheap phone can still draw and keep in memory; 300 dpi would be four times the pixels).
 */
export const POSTER_SIZES = {
  wechat: { width: 750, height: 1334 },
  print: { width: 1240, height: 1754 },
} as const;
export type PosterSize = keyof typeof POSTER_SIZES;

export interface PosterText {
  brand: string;
  tagline: string;
  title: string;
  when: string;
  employersHeading: string;
  employers: string[];
  /** "and N more", for the employers past those that fit. */
  more: (count: number) => string;
  scan: string;
}

// The CJK fonts a phone or a bureau PC has (Android's Noto, Debian's WenQuanYi, Windows, macOS).
const FONT = '"Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif';
const RED = '#b3261e';
const INK = '#1f1f1f';
const EMPLOYERS_SHOWN = 6;

/** Lines of `text` no wider than `width`, broken between characters (Chinese has no spaces to break at). */
function wrap(ctx: CanvasRenderingContext2D, text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const char of text) {
    if (line && ctx.measureText(line + char).width > width) {
      lines.push(line);
      line = '';
      if (lines.length === maxLines) break;
    }
    line += char;
  }
  if (lines.length < maxLines && line) lines.push(line);
  else if (line && lines.length === maxLines) lines[maxLines - 1] = `${lines[maxLines - 1]!.slice(0, -1)}…`;
  return lines;
}

/**
 * Draws the poster on a canvas of the chosen size: the title, the time, the employers taking part and
 * a QR code of `url` (the viewer page with ch=poster), drawn by the qrcode library, never by hand.
 */
export async function drawPoster(canvas: HTMLCanvasElement, size: PosterSize, url: string, text: PosterText): Promise<void> {
  const { width: w, height: h } = POSTER_SIZES[size];
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  // Everything is laid out on the 750-wide design and scaled: the print size is the same poster, larger.
  const u = w / 750;
  const margin = 56 * u;
  const inner = w - 2 * margin;
  ctx.fillStyle = '#fff8f0';
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = RED;
  ctx.fillRect(0, 0, w, 150 * u);
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#ffffff';
  ctx.font = `bold ${44 * u}px ${FONT}`;
  ctx.fillText(text.brand, margin, 34 * u, inner);
  ctx.font = `${26 * u}px ${FONT}`;
  ctx.fillText(text.tagline, margin, 94 * u, inner);

  let y = 196 * u;
  ctx.fillStyle = INK;
  ctx.font = `bold ${54 * u}px ${FONT}`;
  for (const line of wrap(ctx, text.title, inner, 3)) {
    ctx.fillText(line, margin, y);
    y += 70 * u;
  }
  y += 14 * u;
  ctx.fillStyle = RED;
  ctx.font = `bold ${34 * u}px ${FONT}`;
  ctx.fillText(text.when, margin, y, inner);
  y += 70 * u;

  if (text.employers.length > 0) {
    ctx.fillStyle = INK;
    ctx.font = `bold ${30 * u}px ${FONT}`;
    ctx.fillText(text.employersHeading, margin, y, inner);
    y += 48 * u;
    ctx.font = `${30 * u}px ${FONT}`;
    const shown = text.employers.slice(0, EMPLOYERS_SHOWN);
    for (const name of shown) {
      ctx.fillText(`· ${wrap(ctx, name, inner - 30 * u, 1)[0] ?? ''}`, margin, y);
      y += 44 * u;
    }
    if (text.employers.length > shown.length) {
      ctx.fillText(text.more(text.employers.length), margin, y, inner);
      y += 44 * u;
    }
  }

  // The code fills what is left, up to 400 (design) px, centred above the caption: quiet zone included.
  const caption = 90 * u;
  const side = Math.round(Math.max(220 * u, Math.min(400 * u, h - y - caption - 40 * u)));
  const qr = document.createElement('canvas');
  await QRCode.toCanvas(qr, url, { width: side, margin: 4, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } });
  const qrTop = Math.round(h - caption - side - 20 * u);
  // Whole pixels, unscaled: every module stays a crisp square for the cheapest phone camera.
  ctx.drawImage(qr, Math.round((w - qr.width) / 2), qrTop);
  ctx.fillStyle = INK;
  ctx.font = `bold ${30 * u}px ${FONT}`;
  ctx.textAlign = 'center';
  ctx.fillText(text.scan, w / 2, qrTop + side + 20 * u, inner);
  ctx.textAlign = 'start';
}

/** The canvas as a PNG. */
export function posterPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the poster could not be encoded'))), 'image/png'));
}
