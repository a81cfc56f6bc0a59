import crypto from 'node:crypto';
import { hashKey, type ApplicationRecord } from '../../server/src/domain/applications';

/**
 * A stored application as the apply path builds it, for tests and benchmarks that write to a store
 * directly: a new id, key and phone each call unless `over` says otherwise.
 */
export function applicationRecord(over: Partial<ApplicationRecord> = {}): ApplicationRecord {
  const at = new Date().toISOString();
  return {
    id: crypto.randomUUID() as ApplicationRecord['id'],
    vacancyId: 'v1' as ApplicationRecord['vacancyId'],
    employerId: 'e1' as ApplicationRecord['employerId'],
    sessionId: 's1',
    name: '张三',
    phone: `138${String(crypto.randomInt(1e8)).padStart(8, '0')}`,
    targetGroup: null,
    consent: { version: 'v1', at },
    source: 'live',
    keyHash: hashKey(crypto.randomUUID()),
    deviceId: null,
    status: 'new',
    history: [{ status: 'new', at, by: 'applicant', note: '' }],
    createdAt: at,
    ...over,
  };
}
