import type { Redis } from 'ioredis';
import type { ApplicationRecord } from '../../server/src/domain/applications';

// The Redis apply script of the release before per-session tallies and schema versions
// (server/src/store/redisStore.ts at 3b2d958, verbatim): Redis data it wrote has applications and
// their indexes but no tallies and no `schema:version`. Kept here, frozen, so the migration from it
// stays tested after the code moves on.
const APPLY_BEFORE_TALLIES = `
local p = ARGV[1]
local id, keyHash, vacancy, phone, employer, session, body, event = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local existing = redis.call('GET', p .. 'app:kh:' .. keyHash)
if existing then return {0, redis.call('GET', p .. 'app:' .. existing)} end
local open = redis.call('GET', p .. 'app:vp:' .. vacancy .. ':' .. phone)
if open then
  local current = redis.call('GET', p .. 'app:' .. open)
  if current and cjson.decode(current).status ~= 'withdrawn' then return {0, current} end
end
local seq = redis.call('INCR', p .. 'apps:seq')
redis.call('SET', p .. 'app:' .. id, body)
redis.call('SET', p .. 'app:kh:' .. keyHash, id)
redis.call('SET', p .. 'app:vp:' .. vacancy .. ':' .. phone, id)
redis.call('ZADD', p .. 'apps:all', seq, id)
redis.call('ZADD', p .. 'apps:vacancy:' .. vacancy, seq, id)
redis.call('ZADD', p .. 'apps:employer:' .. employer, seq, id)
if session ~= '' then redis.call('ZADD', p .. 'apps:session:' .. session, seq, id) end
redis.call('XADD', p .. 'app-events', '*', 'applicationId', id, 'event', event)
return {1, body}
`;

/** Stores applications as that release did (its status changes rewrote the record: a record's status is as given). */
export async function applyBeforeTallies(redis: Redis, prefix: string, applications: readonly ApplicationRecord[]): Promise<void> {
  await Promise.all(
    applications.map((a) => {
      const event = { applicationId: a.id, type: 'created', at: a.createdAt, status: a.status };
      return redis.eval(APPLY_BEFORE_TALLIES, 0, prefix, a.id, a.keyHash, a.vacancyId, a.phone, a.employerId, a.sessionId ?? '', JSON.stringify(a), JSON.stringify(event));
    }),
  );
}
