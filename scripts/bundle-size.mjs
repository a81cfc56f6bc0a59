// The weak-network budget: what a phone downloads to open the viewer page (the HTML, and the JS and
// CSS it references directly, gzipped) must stay under the budget. Host, admin and HLS code are
// separate chunks that only load when needed. Prints the sizes; exits 1 over budget.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dist = path.resolve(import.meta.dirname, '../client/dist');
const budget = Number(process.env.VIEWER_BUDGET_KB ?? 250) * 1024;
const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const refs = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const gz = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
let total = zlib.gzipSync(html).length;
const rows = [['index.html', total]];
for (const ref of refs) {
  const size = gz(path.join(dist, ref));
  rows.push([ref, size]);
  total += size;
}
for (const [name, size] of rows) console.log(`  ${(size / 1024).toFixed(1).padStart(7)} kB  ${name}`);
console.log(`viewer first load (gzip): ${(total / 1024).toFixed(1)} kB of a ${(budget / 1024).toFixed(0)} kB budget`);
if (total > budget) {
  console.error('over budget: split or trim what the viewer page loads first');
  process.exit(1);
}
