import { describe, expect, test } from 'vitest';
import { DomainError } from '../../server/src/domain/errors';
import { assertMayProduce, assertSourceMatchesKind, mayProduce, requiresCredential } from '../../server/src/domain/stagePolicy';

describe('stage policy', () => {
  test('host and co-hosts may publish; viewers may not', () => {
    expect(mayProduce('host')).toBe(true);
    expect(mayProduce('cohost')).toBe(true);
    expect(mayProduce('viewer')).toBe(false);
    expect(() => assertMayProduce('viewer')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
  });

  test('a source must carry its own kind of media', () => {
    expect(() => assertSourceMatchesKind('microphone', 'audio')).not.toThrow();
    expect(() => assertSourceMatchesKind('camera', 'video')).not.toThrow();
    expect(() => assertSourceMatchesKind('screen', 'video')).not.toThrow();
    expect(() => assertSourceMatchesKind('camera', 'audio')).toThrow(DomainError);
    expect(() => assertSourceMatchesKind('microphone', 'video')).toThrow(DomainError);
  });

  test('only viewers join without a credential', () => {
    expect(requiresCredential('viewer')).toBe(false);
    expect(requiresCredential('host')).toBe(true);
    expect(requiresCredential('cohost')).toBe(true);
  });
});
