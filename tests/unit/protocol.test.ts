import { describe, expect, test } from 'vitest';
import { requestSchemas } from '@chunfeng/shared/events';
import { CONSENT_VERSION } from '@chunfeng/shared/recruitment';

describe('request schemas', () => {
  test('stage:join accepts a viewer with only a session id and role', () => {
    expect(requestSchemas['stage:join'].safeParse({ sessionId: 'demo', role: 'viewer' }).success).toBe(true);
  });

  test('unknown roles, empty ids and oversized names are rejected', () => {
    const join = requestSchemas['stage:join'];
    expect(join.safeParse({ sessionId: 'demo', role: 'admin' }).success).toBe(false);
    expect(join.safeParse({ sessionId: '', role: 'viewer' }).success).toBe(false);
    expect(join.safeParse({ sessionId: 'demo', role: 'viewer', displayName: 'x'.repeat(41) }).success).toBe(false);
  });

  test('producer:create rejects rtpParameters without codecs or with absurd sizes', () => {
    const produce = requestSchemas['producer:create'];
    const base = { transportId: 't', kind: 'video', source: 'camera' };
    expect(produce.safeParse({ ...base, rtpParameters: { codecs: [] } }).success).toBe(false);
    const codec = { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 };
    expect(produce.safeParse({ ...base, rtpParameters: { codecs: [codec] } }).success).toBe(true);
    expect(produce.safeParse({ ...base, rtpParameters: { codecs: [{ ...codec, payloadType: 300 }] } }).success).toBe(false);
    expect(produce.safeParse({ ...base, rtpParameters: { codecs: Array(33).fill(codec) } }).success).toBe(false);
  });

  test('every request schema rejects a non-object payload', () => {
    for (const [name, schema] of Object.entries(requestSchemas)) {
      for (const bad of [undefined, null, 42, 'text', []]) {
        expect(schema.safeParse(bad).success, `${name} accepted ${JSON.stringify(bad)}`).toBe(false);
      }
    }
  });

  test("an applicant's name is stored without control, zero-width or bidi-override characters (they would spoof names in the employer's console and the CSV); a name of nothing else is refused", () => {
    const submit = requestSchemas['application:submit'];
    const apply = (name: string) =>
      submit.safeParse({ vacancyId: 'v1', name, phone: '13912345678', consent: { version: CONSENT_VERSION, accepted: true }, source: 'live', idempotencyKey: 'key-12345678' });
    const nameOf = (name: string) => {
      const parsed = apply(name);
      return parsed.success ? parsed.data.name : undefined;
    };
    // U+202E turns the rest of a line around: "王\u202E明小" is shown as 王小明.
    expect(nameOf('王\u202E明小')).toBe('王明小');
    expect(nameOf('\u202Dabc\u202C')).toBe('abc');
    expect(nameOf('王\u2067小明\u2069')).toBe('王小明');
    expect(nameOf('王\u200B小\u200D明\uFEFF')).toBe('王小明');
    expect(nameOf('王\u0007小\u001B明\u007F')).toBe('王小明');
    expect(nameOf('王\n小明')).toBe('王小明');
    // A formula hidden behind an invisible character is a formula once the character is gone: the CSV still neutralises it.
    expect(nameOf('\u200B=1+1')).toBe('=1+1');
    expect(nameOf(' 王小明 ')).toBe('王小明');
    expect(nameOf('Zoë Müller-Lüdenscheidt')).toBe('Zoë Müller-Lüdenscheidt');
    for (const invisible of ['\u202E', '\u200B\u200B', '\u0000', ' \u2066 ']) expect(apply(invisible).success, JSON.stringify(invisible)).toBe(false);
  });
});
