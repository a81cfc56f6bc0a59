import type { ServerResponse } from 'node:http';

/**
 * Writes chunks to a response as the client takes them (waits on 'drain' when its buffer is full),
 * then ends it. A client that goes away stops the reading: the chunks' source is closed, nothing more
 * is read. A failure after the first byte cannot become an error answer any more: the connection is
 * cut (the download fails visibly instead of ending short and looking complete), and the error is
 * passed on for the log.
 */
export async function streamOut(res: ServerResponse, chunks: AsyncIterable<string>): Promise<void> {
  const gone = new Promise<'gone'>((resolve) => res.once('close', () => resolve('gone')));
  try {
    for await (const chunk of chunks) {
      if (res.destroyed) return;
      if (!res.write(chunk)) {
        const drained = new Promise<'drained'>((resolve) => res.once('drain', () => resolve('drained')));
        if ((await Promise.race([drained, gone])) === 'gone') return;
      }
    }
    res.end();
  } catch (error) {
    if (!res.headersSent) throw error;
    res.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
