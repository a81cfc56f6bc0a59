/**
 * A small keep-alive HTTP/1.1 load generator, run as its own process: `connections` sockets each send
 * one GET, read the whole answer (Content-Length), and send the next, for `seconds`. Prints one JSON
 * line on stdout: { requests, errors, statuses, seconds, latencyMs: { p50, p99 } }.
 *
 *   node --import tsx bench/load/httpLoad.ts '{"url":"http://127.0.0.1:3000/api/x","connections":50,"seconds":10}'
 */
import net from 'node:net';
import { percentile } from '../lib/result';

interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const target = new URL(options.url);
const requestBytes = Buffer.from(
  [`GET ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`, 'Connection: keep-alive', ...Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n'),
);
const HEADER_END = Buffer.from('\r\n\r\n');

let requests = 0;
let errors = 0;
const statuses: Record<string, number> = {};
const latencies: number[] = [];
let stopping = false;

function run(): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.hostname, port: Number(target.port) || 80 });
    socket.setNoDelay(true);
    let buffer: Buffer = Buffer.alloc(0);
    let bodyLeft = -1;
    let sentAt = 0;
    const send = (): void => {
      if (stopping) {
        socket.end();
        return;
      }
      sentAt = performance.now();
      socket.write(requestBytes);
    };
    socket.on('connect', send);
    socket.on('data', (chunk: Buffer) => {
      // Only a split header is copied; a body is skipped by counting its bytes.
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        if (bodyLeft < 0) {
          const end = buffer.indexOf(HEADER_END);
          if (end < 0) return;
          const head = buffer.subarray(0, end).toString('latin1');
          const status = head.slice(9, 12);
          statuses[status] = (statuses[status] ?? 0) + 1;
          const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          bodyLeft = length ? Number(length[1]) : 0;
          buffer = buffer.subarray(end + HEADER_END.length);
        }
        if (buffer.length < bodyLeft) {
          bodyLeft -= buffer.length;
          buffer = Buffer.alloc(0);
          return;
        }
        buffer = buffer.subarray(bodyLeft);
        bodyLeft = -1;
        requests++;
        latencies.push(performance.now() - sentAt);
        send();
      }
    });
    socket.on('error', () => {
      errors++;
    });
    socket.on('close', () => resolve());
  });
}

const started = performance.now();
const runs = Array.from({ length: options.connections }, () => run());
setTimeout(() => {
  stopping = true;
}, options.seconds * 1000);
await Promise.all(runs);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ requests, errors, statuses, seconds, latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) } })}\n`);
