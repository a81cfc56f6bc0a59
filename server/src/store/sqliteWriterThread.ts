// The writer thread of the embedded store: owns the one connection that writes, and commits the
// writes that arrive together as one group (one transaction, one fsync). Started by SqliteWriter.
import { parentPort, workerData } from 'node:worker_threads';
import { openStoreDatabase, type OpenOptions } from './sqliteSchema';
import { failure, SqliteWrites, type WriteOp } from './sqliteWrites';

export type ToWriter = { type: 'write'; batch: Array<{ id: number; op: WriteOp }> } | { type: 'close' };
export type FromWriter =
  | { type: 'ready' }
  | { type: 'failed'; outcome: ReturnType<typeof failure> }
  | { type: 'done'; results: Array<{ id: number; outcome: ReturnType<SqliteWrites['commitGroup']>[number] }> };

export interface WriterData extends OpenOptions {
  dataDir: string;
}

const port = parentPort;
if (!port) throw new Error('sqliteWriterThread runs only as a worker thread');
const post = (message: FromWriter): void => port.postMessage(message);

const { dataDir, maxPageCount } = workerData as WriterData;
let writes: SqliteWrites | undefined;
let close: (() => void) | undefined;
try {
  const db = openStoreDatabase(dataDir, { maxPageCount });
  writes = new SqliteWrites(db);
  close = () => db.close();
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', outcome: failure(error) });
}

let queue: Array<{ id: number; op: WriteOp }> = [];
let scheduled = false;

// Writes posted while a commit (and its fsync) runs wait in the port; they are all delivered before
// the next check phase, so the flush below takes them as one group.
function flush(): void {
  scheduled = false;
  if (!writes || queue.length === 0) return;
  const batch = queue;
  queue = [];
  const outcomes = writes.commitGroup(batch.map((w) => w.op));
  post({ type: 'done', results: batch.map((w, i) => ({ id: w.id, outcome: outcomes[i]! })) });
}

if (writes) {
  port.on('message', (message: ToWriter) => {
    if (message.type === 'close') {
      flush();
      close?.();
      port.close();
      return;
    }
    queue.push(...message.batch);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
}
