import { describe, expect, test } from 'vitest';
import { requestSchemas } from '@chunfeng/shared/events';

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
});
