import { DomainError } from '../domain/errors';
import type { NodeMail } from './nodeMail';

/**
 * Where a new WebRTC viewer is served: here while this node has room for the consumers it will take
 * (every stage producer), else on the running node with the most room, named in STAGE_ELSEWHERE (the
 * page connects there and joins again, through nginx's `?node=` route); SEATS_FULL (HLS) when no node
 * has room. Each node reports its load with its presence (`NodeMail.reportLoad`), so what a node
 * reads of the others is at most a third of STAGE_LEASE_MS old.
 */
export class Placement {
  readonly #mail: NodeMail;
  readonly #capacity: number;
  readonly #load: () => number;

  constructor({ mail, capacity, load }: { mail: NodeMail; capacity: number; load: () => number }) {
    this.#mail = mail;
    this.#capacity = capacity;
    this.#load = load;
    mail.reportLoad(() => ({ load: this.#load(), capacity: this.#capacity }));
  }

  /** Passes when this node can take `need` more consumers; throws toward a node that can, or SEATS_FULL. */
  async assertRoom(need: number): Promise<void> {
    if (this.#load() + need <= this.#capacity) return;
    const loads = await this.#mail.loads().catch(() => new Map<string, { load: number; capacity: number }>());
    let best: { node: string; free: number } | undefined;
    for (const [node, { load, capacity }] of loads) {
      const free = capacity - load;
      if (node === this.#mail.nodeId || free < need) continue;
      if (!best || free > best.free) best = { node, free };
    }
    if (best) throw new DomainError('STAGE_ELSEWHERE', 'this server carries all the WebRTC viewers it can; the one named has room', { node: best.node });
    throw new DomainError('SEATS_FULL', 'every server carries all the WebRTC viewers it can; watch over HLS');
  }
}
