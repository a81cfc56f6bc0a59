import fs from 'node:fs';
import os from 'node:os';

const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms) a process's main thread has used, read from /proc: the event loop
 * alone, without its worker threads (the store writer, libuv's pool). Linux only, as this machine.
 */
export function mainThreadCpuMs(pid: number): number {
  if (os.platform() !== 'linux') throw new Error('mainThreadCpuMs reads /proc: Linux only');
  const stat = fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  // Fields after the command name, which may contain spaces, closed by the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}
