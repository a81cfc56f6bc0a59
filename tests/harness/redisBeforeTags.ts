import type { Redis } from 'ioredis';
import { countChanges } from '../../server/src/domain/statistics';
import { countField } from '../../server/src/store/applicationCounts';
import type { ApplicationRecord } from '../../server/src/domain/applications';

// The Redis scripts of the release before the hash tag (server/src/store/redisStore.ts at 83b9a46,
// verbatim): schema version 1, keys built inside Lua from the prefix (`<prefix>app:…`), no list of
// events per application. Kept here, frozen, so migration 2 from that layout stays tested after the
// code moves on.
const APPLY_V1 = `
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
for i = 10, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
redis.call('XADD', p .. 'app-events', '*', 'applicationId', id, 'event', event)
return {1, body}
`;

const PUT_V1 = `
local previous = redis.call('GET', KEYS[1])
local seq = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not seq then seq = redis.call('INCR', KEYS[3]) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
if ARGV[3] ~= '' then
  local field = ARGV[3]
  if previous then
    -- As JavaScript's String() names a missing or null field.
    local old = cjson.decode(previous)[field]
    if old == nil then old = 'undefined' elseif old == cjson.null then old = 'null' else old = tostring(old) end
    if old ~= ARGV[4] then redis.call('ZREM', ARGV[5] .. old, ARGV[1]) end
  end
  redis.call('ZADD', ARGV[5] .. ARGV[4], seq, ARGV[1])
end
return 1
`;

const REPLACE_V1 = `
local p, id, expected, body, withdrawn, vp, event = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local current = redis.call('GET', p .. 'app:' .. id)
if not current then return -1 end
if current ~= expected then return 0 end
redis.call('SET', p .. 'app:' .. id, body)
redis.call('XADD', p .. 'app-events', '*', 'applicationId', id, 'event', event)
if withdrawn == '1' and redis.call('GET', vp) == id then redis.call('DEL', vp) end
for i = 8, #ARGV, 3 do redis.call('HINCRBY', KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2]) end
return 1
`;

/** Writes as that release did: `<prefix>`-named keys, counted as its scripts counted, schema version 1. */
export class BeforeTags {
  constructor(readonly redis: Redis, readonly prefix: string) {}

  async stamp(): Promise<void> {
    await this.redis.set(`${this.prefix}schema:version`, '1');
  }

  /** That release's applyScriptArgs and script: created or not. */
  async apply(a: ApplicationRecord): Promise<boolean> {
    const p = this.prefix;
    const event = { applicationId: a.id, type: 'created', at: a.createdAt, status: a.status };
    const fields = countChanges(undefined, a).map((c) => countField(c));
    const keys = a.sessionId && fields.length > 0 ? [`${p}counts:session:${a.sessionId}`] : [];
    const [created] = (await this.redis.eval(APPLY_V1, keys.length, ...keys, p, a.id, a.keyHash, a.vacancyId, a.phone, a.employerId, a.sessionId ?? '', JSON.stringify(a), JSON.stringify(event), ...(keys.length > 0 ? fields : []))) as [number, string];
    return created === 1;
  }

  /** That release's updateApplication with the record as read. */
  async replace(current: ApplicationRecord, next: ApplicationRecord): Promise<void> {
    const p = this.prefix;
    const keys: string[] = [];
    const argv: string[] = [];
    for (const c of countChanges(current, next)) {
      const key = `${p}counts:session:${c.sessionId}`;
      let index = keys.indexOf(key);
      if (index < 0) index = keys.push(key) - 1;
      argv.push(String(index + 1), countField(c), String(c.delta));
    }
    const event = { applicationId: next.id, type: 'status', at: next.history.at(-1)!.at, status: next.status };
    const body = (await this.redis.get(`${p}app:${next.id}`))!;
    const stored = await this.redis.eval(REPLACE_V1, keys.length, ...keys, p, next.id, body, JSON.stringify(next), next.status === 'withdrawn' ? '1' : '0', `${p}app:vp:${next.vacancyId}:${next.phone}`, JSON.stringify(event), ...argv);
    if (stored !== 1) throw new Error(`the old replace script answered ${String(stored)}`);
  }

  /** That release's put of a catalog document (unfenced). */
  async put(kind: string, doc: { id: string } & Record<string, unknown>, indexField = ''): Promise<void> {
    const p = this.prefix;
    await this.redis.eval(PUT_V1, 3, `${p}doc:${kind}:${doc.id}`, `${p}docs:${kind}`, `${p}docs:seq`, doc.id, JSON.stringify(doc), indexField, indexField ? String(doc[indexField]) : '', `${p}docs:${kind}:idx:`);
  }
}
