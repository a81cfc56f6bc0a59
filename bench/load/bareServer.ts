/**
 * The bare baseline for the public session document: an express app with one route answering the
 * same bytes and headers from memory, nothing else. Run as its own process; prints its port on stdout.
 *
 *   node --import tsx bench/load/bareServer.ts <body file> <etag>
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';

const body = fs.readFileSync(process.argv[2]!);
const etag = process.argv[3]!;
const app = express();
app.get('/api/public/sessions/:id', (_req, res) => {
  res.set({ 'Content-Type': 'application/json; charset=utf-8', ETag: etag, 'Cache-Control': 'public, max-age=5' }).end(body);
});
const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
