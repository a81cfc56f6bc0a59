/**
 * Where the job store's keys live in Redis. Every key of the store (applications and their indexes,
 * events, tallies, catalog documents, pins, captions, moderation, the stage leases its fenced writes
 * read, the apply counters its admission script spends) starts with one hash tag, the prefix in
 * braces (`{cf:}app:…`), so Redis Cluster puts them all in one slot: every script can name all the
 * keys it touches in KEYS and run there atomically. The price is that the job store is not sharded
 * across a cluster's masters (it lives on the master owning that slot; the cluster gives it failover,
 * and the rest of the platform's keys, outside the tag, spread over the others).
 */
export const jobTag = (prefix: string): string => {
  // A brace in the prefix would end the tag early (or start another): the keys would scatter over slots.
  if (/[{}]/.test(prefix)) throw new Error(`a Redis key prefix must not contain braces (got ${JSON.stringify(prefix)})`);
  return `{${prefix}}`;
};

/** The job store's keys under a prefix, every one in the prefix's hash tag. */
export function jobKeys(prefix: string) {
  const t = jobTag(prefix);
  return {
    tag: t,
    application: (id: string) => `${t}app:${id}`,
    /** An application's own events, oldest first (a list). */
    applicationEvents: (id: string) => `${t}app:events:${id}`,
    byKeyHash: (keyHash: string) => `${t}app:kh:${keyHash}`,
    /** The open (not withdrawn) application of a vacancy and phone. */
    openFor: (vacancyId: string, phone: string) => `${t}app:vp:${vacancyId}:${phone}`,
    applicationSeq: `${t}apps:seq`,
    allApplications: `${t}apps:all`,
    byVacancy: (id: string) => `${t}apps:vacancy:${id}`,
    byEmployer: (id: string) => `${t}apps:employer:${id}`,
    bySession: (id: string) => `${t}apps:session:${id}`,
    /** Every application event of the store, in order (a stream: the changes feed reads it by id). */
    events: `${t}app-events`,
    /** One employer's application events (a stream, each entry under the id it has in \`events\`): its change feed. */
    employerEvents: (id: string) => `${t}app-events:employer:${id}`,
    counts: (sessionId: string) => `${t}counts:session:${sessionId}`,
    /** A session's viewers, a HyperLogLog (in the tag's one slot, so PFCOUNT can join several sessions'). */
    viewers: (sessionId: string) => `${t}viewers:session:${sessionId}`,
    /** The prefix of catalog documents' keys (tracked by TrackedDocs). */
    docPrefix: `${t}doc:`,
    doc: (kind: string, id: string) => `${t}doc:${kind}:${id}`,
    docOrder: (kind: string) => `${t}docs:${kind}`,
    docIndex: (kind: string, value: string) => `${t}docs:${kind}:idx:${value}`,
    /** A status-indexed kind's documents of one status, scored by their creation seq (see statusIndexed). */
    docStatus: (kind: string, status: string) => `${t}docs:${kind}:status:${status}`,
    docSeq: `${t}docs:seq`,
    pins: (sessionId: string) => `${t}pins:${sessionId}`,
    moderation: (sessionId: string) => `${t}moderation:${sessionId}`,
    captions: (sessionId: string) => `${t}captions:${sessionId}`,
  };
}

export type JobKeys = ReturnType<typeof jobKeys>;

/**
 * The families of keys the store wrote before the hash tag (`<prefix>app:…`), carried under it by
 * schema migration 2. Nothing else under the prefix is the store's (socket.io, cluster mail, other
 * rate limiters stay where they are).
 */
export const UNTAGGED_FAMILIES: readonly string[] = [
  'app:', 'apps:', 'app-events', 'counts:session:', 'doc:', 'docs:', 'pins:', 'moderation:', 'captions:',
  'cluster:stage:', 'cluster:stage-epoch:', 'rl:apply-device:', 'rl:apply-block:', 'rl:apply:',
];

/** A literal for SCAN's MATCH: the glob's special characters escaped. */
export const globEscape = (literal: string): string => literal.replace(/[*?[\]\\]/g, '\\$&');
