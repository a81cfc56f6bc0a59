import { describe, expect, test } from 'vitest';
import type { PeerId } from '@chunfeng/shared/ids';
import { StageRoster } from '../../server/src/domain/stageRoster';

const id = (s: string) => s as PeerId;

function fair(maxCohosts = 2) {
  const roster = new StageRoster({ maxCohosts });
  roster.add({ peerId: id('host'), role: 'host', displayName: '局长' });
  roster.add({ peerId: id('v1'), role: 'viewer', displayName: '' });
  roster.add({ peerId: id('v2'), role: 'viewer', displayName: '' });
  return roster;
}

describe('StageRoster', () => {
  test('counts viewers and lists only people on stage publicly', () => {
    const roster = fair();
    expect(roster.viewerCount).toBe(2);
    expect(roster.onStage().map((p) => p.peerId)).toEqual(['host']);
  });

  test('promote() needs the host and a raised hand, and moves the viewer on stage', () => {
    const roster = fair();
    expect(() => roster.promote(id('v1'), id('v2'))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
    expect(() => roster.promote(id('host'), id('v1'))).toThrow(expect.objectContaining({ code: 'CONFLICT' }) as Error);
    roster.raiseHand(id('v1'), true);
    expect(roster.hands().map((p) => p.peerId)).toEqual(['v1']);
    roster.promote(id('host'), id('v1'));
    expect(roster.get(id('v1'))).toMatchObject({ role: 'cohost', handRaised: false });
    expect(roster.hands()).toEqual([]);
    expect(roster.viewerCount).toBe(1);
  });

  test('raiseHand() says whether the hand changed: raising a raised hand changes nothing', () => {
    const roster = fair();
    expect(roster.raiseHand(id('v1'), false)).toBe(false);
    expect(roster.raiseHand(id('v1'), true)).toBe(true);
    expect(roster.raiseHand(id('v1'), true)).toBe(false);
    expect(roster.raiseHand(id('v1'), false)).toBe(true);
  });

  test('seats are limited', () => {
    const roster = fair(1);
    roster.add({ peerId: id('rep'), role: 'cohost', displayName: '企业代表' });
    roster.raiseHand(id('v1'), true);
    expect(() => roster.promote(id('host'), id('v1'))).toThrow(expect.objectContaining({ code: 'CONFLICT' }) as Error);
    expect(() => roster.add({ peerId: id('rep2'), role: 'cohost', displayName: '' })).toThrow(
      expect.objectContaining({ code: 'CONFLICT' }) as Error,
    );
  });

  test('demote() takes a co-host off stage; the host cannot be removed and viewers cannot remove anyone', () => {
    const roster = fair();
    roster.add({ peerId: id('rep'), role: 'cohost', displayName: '' });
    expect(() => roster.demote(id('v1'), id('rep'))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
    expect(() => roster.demote(id('host'), id('host'))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
    expect(() => roster.demote(id('host'), id('v2'))).toThrow(expect.objectContaining({ code: 'CONFLICT' }) as Error);
    roster.demote(id('host'), id('rep'));
    expect(roster.get(id('rep')).role).toBe('viewer');
  });

  test('people on stage cannot raise a hand; unknown people are NOT_FOUND', () => {
    const roster = fair();
    expect(() => roster.raiseHand(id('host'), true)).toThrow(expect.objectContaining({ code: 'CONFLICT' }) as Error);
    expect(() => roster.get(id('ghost'))).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }) as Error);
  });

  test('the viewer count and the on-stage list follow every join, leave, promotion and removal from the stage', () => {
    const roster = fair();
    roster.add({ peerId: id('c1'), role: 'cohost', displayName: 'A 厂' });
    roster.raiseHand(id('v1'), true);
    roster.promote(id('host'), id('v1'));
    expect(roster.viewerCount).toBe(1);
    expect(roster.onStage().map((p) => p.peerId)).toEqual(['host', 'c1', 'v1']);
    // The seats on stage are counted from the same list: both co-host seats are taken.
    roster.raiseHand(id('v2'), true);
    expect(() => roster.promote(id('host'), id('v2'))).toThrow(expect.objectContaining({ code: 'CONFLICT' }) as Error);
    roster.demote(id('host'), id('c1'));
    expect(roster.viewerCount).toBe(2);
    expect(roster.onStage().map((p) => p.peerId)).toEqual(['host', 'v1']);
    roster.remove(id('v1'));
    roster.remove(id('c1'));
    roster.remove(id('ghost'));
    expect(roster.viewerCount).toBe(1);
    expect(roster.onStage().map((p) => p.peerId)).toEqual(['host']);
    roster.add({ peerId: id('v3'), role: 'viewer', displayName: '' });
    expect(roster.viewerCount).toBe(2);
  });
});
