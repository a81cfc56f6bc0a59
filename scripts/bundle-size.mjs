// The weak-network budget: what a phone downloads to open the viewer page (the HTML, and the JS and
// CSS it references directly, gzipped) must stay under the budget. Host, admin and HLS code are
// separate chunks that only load when needed. The job zone (/jobs) is such a chunk: its first load
// is the viewer page's plus the chunks and styles it imports at once (from Vite's manifest), held to
// the same budget. Prints the sizes; exits 1 over budget.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dist = path.resolve(import.meta.dirname, '../client/dist');
const budget = Number(process.env.VIEWER_BUDGET_KB ?? 250) * 1024;
const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const refs = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const gz = (file) => zlib.gzipSync(fs.readFileSync(path.join(dist, file)), { level: 9 }).length;
const kb = (size) => `${(size / 1024).toFixed(1).padStart(7)} kB`;
let over = false;

/** Prints one page's first load and whether it fits the budget. */
function report(page, rows) {
  const total = rows.reduce((sum, [, size]) => sum + size, 0);
  for (const [name, size] of rows) console.log(`  ${kb(size)}  ${name}`);
  console.log(`${page} first load (gzip): ${(total / 1024).toFixed(1)} kB of a ${(budget / 1024).toFixed(0)} kB budget`);
  if (total > budget) {
    console.error(`over budget: split or trim what the ${page} page loads first`);
    over = true;
  }
}

const viewer = [['index.html', zlib.gzipSync(html).length], ...refs.map((ref) => [ref, gz(ref)])];
report('viewer', viewer);

// The job zone: its chunk, the chunks it imports statically (not those the shell already loaded), and their CSS.
const manifest = JSON.parse(fs.readFileSync(path.join(dist, '.vite/manifest.json'), 'utf8'));
const zoneKey = 'src/features/jobs/JobZone.tsx';
if (!manifest[zoneKey]) {
  console.error(`the manifest has no ${zoneKey}: the job zone must be a lazily loaded chunk of its own`);
  process.exit(1);
}
const files = new Set();
const visit = (key) => {
  const chunk = manifest[key];
  if (!chunk || files.has(chunk.file)) return;
  files.add(chunk.file);
  for (const css of chunk.css ?? []) files.add(css);
  for (const imported of chunk.imports ?? []) visit(imported);
};
visit(zoneKey);
const extra = [...files].filter((f) => !refs.includes(f));
report('job zone (/jobs)', [...viewer, ...extra.map((f) => [`${f} (job zone)`, gz(f)])]);
if (over) process.exit(1);
