import crypto from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { AuthorIds } from '../../server/src/auth/authorIds';
import { addressBlock } from '../../server/src/domain/addressBlock';
import { followUpView, hashKey, keyMatches, upgradeRecord, type ApplicationRecord } from '../../server/src/domain/applications';
import { questionView, type QuestionRecord } from '../../server/src/domain/questions';

describe('address blocks for per-network ceilings', () => {
  test.each([
    ['100.64.7.9', '100.64.7.0/24'],
    ['100.64.7.250', '100.64.7.0/24'],
    ['::ffff:100.64.7.3', '100.64.7.0/24'],
    ['2408:8000:1:1::1', '2408:8000:1::/48'],
    ['2408:8000:0001:ffff:0:0:0:2', '2408:8000:1::/48'],
    ['2408:8000::1', '2408:8000:0::/48'],
    ['::1', '0:0:0::/48'],
    [undefined, 'unknown'],
  ])('%s is in %s', (address, block) => {
    expect(addressBlock(address)).toBe(block);
  });

  test('neighbouring /24s and /48s are different blocks', () => {
    expect(addressBlock('100.64.7.1')).not.toBe(addressBlock('100.64.8.1'));
    expect(addressBlock('2408:8000:1::1')).not.toBe(addressBlock('2408:8000:2::1'));
  });
});

describe('author ids', () => {
  const deviceId = crypto.randomUUID();
  const basis = `device:${deviceId}`;

  test('are stable for one device in one session, and differ between sessions and between servers', () => {
    const ids = new AuthorIds('a'.repeat(32));
    expect(ids.of('s1', basis)).toBe(ids.of('s1', basis));
    expect(ids.of('s1', basis)).not.toBe(ids.of('s2', basis));
    expect(new AuthorIds('b'.repeat(32)).of('s1', basis)).not.toBe(ids.of('s1', basis));
  });

  test('cannot be computed from the device id without the secret (the old plain sha256 no longer matches)', () => {
    const ids = new AuthorIds('a'.repeat(32));
    const plain = crypto.createHash('sha256').update(basis).digest('base64url');
    expect(plain).not.toContain(ids.of('s1', basis).slice(0, 16));
    expect(ids.of('s1', basis)).not.toContain(deviceId);
  });
});

describe('application views', () => {
  const record: ApplicationRecord = {
    id: 'a1' as ApplicationRecord['id'],
    vacancyId: 'v1' as ApplicationRecord['vacancyId'],
    employerId: 'e1' as ApplicationRecord['employerId'],
    sessionId: 's1',
    name: '张三',
    phone: '13800138000',
    targetGroup: null,
    consent: { version: 'v1', at: '2026-01-01T00:00:00Z' },
    source: 'live',
    keyHash: hashKey('the-secret-key'),
    deviceId: 'device-1',
    status: 'new',
    history: [],
    createdAt: '2026-01-01T00:00:00Z',
  };

  test('a key is kept as its sha256 in base64url, as stored hashes were written (a retry must still find them)', () => {
    for (const key of ['the-secret-key', crypto.randomUUID(), '钥匙-ключ-🔑']) {
      expect(hashKey(key)).toBe(crypto.createHash('sha256').update(key).digest('base64url'));
    }
    expect(hashKey('the-secret-key')).toBe('-MA_b5jJKSciANn6GN99pUyaKsQ7PpB6zssdT1YM92Q');
  });

  test('the follow-up view has the name and phone, and neither the key hash nor the device', () => {
    const view = followUpView(record);
    expect(view).toMatchObject({ name: '张三', phone: '13800138000' });
    expect(Object.keys(view)).not.toEqual(expect.arrayContaining(['keyHash']));
    expect(JSON.stringify(view)).not.toMatch(/keyHash|deviceId|device-1/);
  });

  test('a record written before keys were hashed is upgraded: the raw key becomes its hash', () => {
    const { keyHash: _k, ...rest } = record;
    const upgraded = upgradeRecord({ ...rest, idempotencyKey: 'the-secret-key' } as unknown as ApplicationRecord);
    expect(upgraded.keyHash).toBe(record.keyHash);
    expect(JSON.stringify(upgraded)).not.toContain('the-secret-key');
    expect(keyMatches(upgraded, 'the-secret-key')).toBe(true);
    expect(keyMatches(upgraded, 'another-key')).toBe(false);
  });
});

describe('question views', () => {
  const q: QuestionRecord = { id: 'q1', sessionId: 's', vacancyId: null, text: '包住吗', askedBy: 'asker', askedAt: '2026-01-01T00:00:00Z', votes: 2, voters: ['v1', 'v2'], answer: null };

  test('carry the vote count and the receiver\u2019s own mine / youVoted, never who asked or voted', () => {
    expect(questionView(q, 'v1')).toMatchObject({ votes: 2, youVoted: true, mine: false });
    expect(questionView(q, 'asker')).toMatchObject({ votes: 2, youVoted: false, mine: true });
    expect(questionView(q, null)).toMatchObject({ votes: 2, youVoted: false, mine: false });
    expect(JSON.stringify(questionView(q, 'v1'))).not.toMatch(/asker|"v2"|voters|askedBy/);
  });
});
