import { describe, expect, test } from 'vitest';
import { StageTokens } from '../../server/src/auth/tokens';

const secret = 'a-test-secret-that-is-long-enough-0123456789';

describe('StageTokens', () => {
  test('a token it issued verifies to the same claims', async () => {
    const tokens = new StageTokens(secret);
    const token = await tokens.issue({ sid: 's1', role: 'host', sub: 'chief' });
    await expect(tokens.verify(token)).resolves.toEqual({ sid: 's1', role: 'host', sub: 'chief' });
  });

  test('an expired token is refused as UNAUTHORIZED and says so', async () => {
    const tokens = new StageTokens(secret);
    const token = await tokens.issue({ sid: 's1', role: 'cohost', sub: 'rep' }, { ttlSeconds: -10 });
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('expired') as string });
  });

  test('a token signed with another secret, or tampered with, is refused', async () => {
    const other = await new StageTokens('another-secret-that-is-long-enough-987654').issue({ sid: 's1', role: 'host', sub: 'x' });
    const tokens = new StageTokens(secret);
    await expect(tokens.verify(other)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const good = await tokens.issue({ sid: 's1', role: 'cohost', sub: 'x' });
    const [h, , s] = good.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sid: 's1', role: 'host', sub: 'x', aud: 'chunfeng:stage' })).toString('base64url');
    await expect(tokens.verify(`${h}.${forgedPayload}.${s}`)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(tokens.verify('not-a-token')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
