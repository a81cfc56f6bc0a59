import type { CatalogKind, CatalogKinds, CatalogPage, CatalogPageQuery } from './jobStore';

/**
 * How many documents one page may read to find those matching what only the document holds (a
 * name fragment, a status): past that the page ends early with a `next` to go on from, so a search
 * that matches nothing among a province's vacancies is one bounded read a page, not a full scan.
 */
export const CATALOG_SCAN = 2000;
/** Documents read per round trip while filling a page. */
const CATALOG_CHUNK = 250;

/** One run of documents in the page's order past a position, as a store reads it from its index. */
export type CatalogChunk<K extends CatalogKind> = Array<{ seq: number; doc: CatalogKinds[K] | undefined }>;

/**
 * Fills a keyset page from chunks the store reads past a position (its creation sequence, in the
 * query's order): stops at `limit` matching documents, or once `CATALOG_SCAN` have been read when
 * the query matches on the document itself. Shared by both stores so their pages agree.
 */
export async function fillCatalogPage<K extends CatalogKind>(
  query: CatalogPageQuery<K>,
  readChunk: (after: number | undefined, count: number) => Promise<CatalogChunk<K>>,
): Promise<CatalogPage<K>> {
  const { after, limit, match } = query;
  const budget = match ? CATALOG_SCAN : limit + 1;
  const found: Array<{ seq: number; doc: CatalogKinds[K] }> = [];
  let position = after;
  let read = 0;
  let ended = false;
  while (found.length <= limit && read < budget) {
    const count = Math.min(CATALOG_CHUNK, budget - read);
    const chunk = await readChunk(position, count);
    for (const { seq, doc } of chunk) {
      position = seq;
      read += 1;
      if (doc !== undefined && (!match || match(doc))) found.push({ seq, doc });
      if (found.length > limit) break;
    }
    if (chunk.length < count) {
      ended = true;
      break;
    }
  }
  const docs = found.slice(0, limit);
  // A full page goes on after its last document; a scan cut short goes on from where it stopped.
  const next = found.length > limit ? docs.at(-1)!.seq : !ended && read >= budget ? position : undefined;
  return { docs: docs.map((f) => f.doc), next };
}
