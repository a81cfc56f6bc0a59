// Loaded into a process under test with `--import` (NODE_OPTIONS): on SIGUSR2 it runs a full garbage
// collection and prints one JSON line `{"msg":"memory probe",...}` with process.memoryUsage() to
// stdout. Plain JavaScript because NODE_OPTIONS imports run before tsx is registered.
import process from 'node:process';
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

process.on('SIGUSR2', () => {
  // Twice: the first pass can leave garbage that only became unreachable through finalizers.
  gc();
  gc();
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ msg: 'memory probe', rss, heapUsed, heapTotal, external, arrayBuffers })}\n`);
});
