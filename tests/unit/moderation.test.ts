import { describe, expect, test } from 'vitest';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import { ChatRoom } from '../../server/src/domain/chat';
import { SessionModeration } from '../../server/src/domain/moderation';

const host = { role: 'host', name: '王局长' } as const;

describe('SessionModeration', () => {
  test('its state is rebuilt from the stored log: bans, mutes until they run out, the last slow mode', async () => {
    let now = Date.parse('2026-03-01T10:00:00.000Z');
    const stored: ModerationEntry[] = [];
    const first = new SessionModeration({ sessionId: 's1', now: () => now, append: (e) => Promise.resolve(void stored.push(e)) });
    await first.ban(host, 'a1');
    await first.mute(host, 'a2', 60);
    await first.setSlowMode(host, 30);
    await first.setSlowMode(host, 10);

    const again = new SessionModeration({ sessionId: 's1', entries: stored, now: () => now });
    expect(again.isBanned('a1')).toBe(true);
    expect(again.mutedFor('a2')).toBe(60_000);
    expect(again.slowModeSeconds).toBe(10);
    expect(() => again.assertMayTakePart('a1')).toThrow(expect.objectContaining({ code: 'BANNED' }));
    expect(() => again.assertMayTakePart('a2', { chat: true })).toThrow(expect.objectContaining({ code: 'MUTED' }));
    // A mute keeps people from chatting, not from asking or voting.
    expect(() => again.assertMayTakePart('a2')).not.toThrow();
    now += 60_000;
    expect(() => again.assertMayTakePart('a2', { chat: true })).not.toThrow();
  });

  test('an action takes effect only once it is stored', async () => {
    const moderation = new SessionModeration({ sessionId: 's1', append: () => Promise.reject(new Error('disk full')) });
    await expect(moderation.ban(host, 'a1')).rejects.toThrow('disk full');
    expect(moderation.isBanned('a1')).toBe(false);
  });

  test('a protected author id (a moderator) can be neither muted nor banned, and is never refused', async () => {
    const stored: ModerationEntry[] = [];
    const moderation = new SessionModeration({ sessionId: 's1', append: (e) => Promise.resolve(void stored.push(e)) });
    await moderation.ban(host, 'staff-phone');
    moderation.protect('staff-phone');
    moderation.protect('host-phone');
    await expect(moderation.ban({ role: 'staff', name: '李敏' }, 'host-phone')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(moderation.mute({ role: 'staff', name: '李敏' }, 'host-phone', 60)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(() => moderation.assertMayTakePart('staff-phone', { chat: true })).not.toThrow();
    expect(stored.map((e) => e.action)).toEqual(['ban']);
  });
});

describe('ChatRoom with its moderation', () => {
  test('deleting and approving are logged with the author; banning takes their messages down', async () => {
    const stored: ModerationEntry[] = [];
    const room = new ChatRoom({ moderation: new SessionModeration({ sessionId: 's1', append: (e) => Promise.resolve(void stored.push(e)) }) });
    const a = room.send({ authorId: 'a1', displayName: '小刘', text: '你好' });
    const held = room.send({ authorId: 'a1', displayName: '小刘', text: '加我微信 abc12345' });
    expect(held.status).toBe('held');
    await room.approve(host, held.id);
    const b = room.send({ authorId: 'a1', displayName: '小刘', text: '再说一句' });
    await room.delete(host, a.id);
    expect(await room.ban(host, 'a1')).toEqual([held.id, b.id]);
    expect(room.visible()).toEqual([]);
    expect(() => room.send({ authorId: 'a1', displayName: '新名字', text: '我又来了' })).toThrow(expect.objectContaining({ code: 'BANNED' }));
    expect(stored.map((e) => [e.action, e.target, e.messageId])).toEqual([
      ['approve', 'a1', held.id],
      ['delete', 'a1', a.id],
      ['ban', 'a1', null],
    ]);
  });

  test('a moderator is not held by slow mode or the scam guard', async () => {
    const room = new ChatRoom();
    await room.setSlowMode(host, 60);
    room.send({ authorId: 'h', displayName: '主持人', text: '欢迎', moderator: true });
    expect(room.send({ authorId: 'h', displayName: '主持人', text: '咨询电话 13800138000', moderator: true }).status).toBe('shown');
    room.send({ authorId: 'v', displayName: '观众', text: '第一条' });
    expect(() => room.send({ authorId: 'v', displayName: '观众', text: '第二条' })).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
  });
});
