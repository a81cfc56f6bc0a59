import { z } from 'zod';
import type { SessionFunnels } from '../services/funnels';
import type { IoServer } from './socketState';

const COUNTED = 'funnel:counted';
const Counted = z.strictObject({ sessionId: z.string().min(1).max(200), vacancyIds: z.array(z.string().min(1).max(200)).max(2000) });

/**
 * Across nodes (the Redis bus): a node that counted into a session whose stage another node holds
 * tells every other node which vacancies changed; the node holding the stage pushes their counts to
 * its host. Only with the bus: alone, a node counts only into stages it holds.
 */
export function relayFunnelCounts(io: IoServer, funnels: SessionFunnels): void {
  funnels.on('countedHere', (counted) => io.serverSideEmit(COUNTED, counted));
  io.on(COUNTED, (raw: unknown) => {
    const counted = Counted.safeParse(raw);
    if (counted.success) funnels.countedElsewhere(counted.data.sessionId, counted.data.vacancyIds);
  });
}
