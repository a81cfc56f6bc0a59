import { describe, expect, test } from 'vitest';
import { ChatRoom } from '../../server/src/domain/chat';
import { normalize, screen, type ScamRuleId } from '../../server/src/domain/scamRules';

// Real-world style messages from job-fair chats: what must be held, and why.
const HELD: Array<[string, ScamRuleId]> = [
  ['想要高薪工作的加我微信详聊', 'private-contact'],
  ['加vx：abc_12345 内推名额有限', 'private-contact'],
  ['工作的事私聊我', 'private-contact'],
  ['V信 zhaogong888 日结工资', 'private-contact'],
  ['wx号 jobs2024cn', 'private-contact'],
  ['有意者加企鹅详谈', 'private-contact'],
  // WeChat by a letter, a character or a nickname: the commonest ways round a filter.
  ['找工作加V：abc12345，保证高薪', 'private-contact'],
  ['加v abc12345', 'private-contact'],
  ['+V: abc12345', 'private-contact'],
  ['加微 abc12345', 'private-contact'],
  ['加微abc12345', 'private-contact'],
  ['想了解的加微详聊', 'private-contact'],
  ['有意者加v', 'private-contact'],
  ['V: zhang_san88', 'private-contact'],
  ['薇：abc12345', 'private-contact'],
  ['加绿泡泡 abc12345', 'private-contact'],
  ['绿泡泡：abc12345', 'private-contact'],
  ['vx同号', 'private-contact'],
  ['电话微信同号，随时联系', 'private-contact'],
  ['手机同V', 'private-contact'],
  ['直接打我电话 13812345678', 'phone-number'],
  ['电话：138 1234 5678', 'phone-number'],
  ['联系 1３8-1234-5678', 'phone-number'],
  ['打幺三八一二三四五六七八', 'phone-number'],
  ['座机 0931-8123456', 'phone-number'],
  ['qq:123456789 拉你进群', 'qq-number'],
  ['扣扣群 87654321', 'qq-number'],
  ['扣扣 123456789', 'qq-number'],
  ['入职前需交押金500元', 'upfront-payment'],
  ['包分配，先交培训费再上岗', 'upfront-payment'],
  ['服装费200，体检费自理', 'upfront-payment'],
  ['报名费只要99', 'upfront-payment'],
  ['需要先转账到这个账户', 'upfront-payment'],
  ['Pay a small deposit to reserve your place', 'upfront-payment'],
];

// Ordinary questions and chat that must not be held.
const SHOWN = [
  '请问包住吗？',
  '这个岗位工资多少？4500-6500元每月吗',
  '坐轮椅可以去面试吗',
  '两班倒的话一天工作几小时',
  '有没有五险一金',
  '我是应届毕业生可以报名吗',
  '三班倒，月休四天，工资1300015000？',
  '在经开区哪里，坐几路公交',
  'Does the employer provide a dormitory?',
  '一键报名了，什么时候通知面试',
  '体检是公司安排吗', // asking about a medical check is fine; asking for its fee is not
  // A letter V, or 微 in an ordinary word, is not WeChat.
  '我想问一下V型结构的岗位',
  'TV维修',
  'VIP',
  '有VIP通道吗',
  '维修工',
  '包吃住，五险一金',
  '月薪5000',
  '加班费另算',
  '微笑服务',
  '加班多吗？能加VIP吗',
  '显微镜操作员需要什么学历',
  '工资会逐年增加微调吗',
  'TV: 55寸，要会装机',
  '维C、维E都发吗',
  '参加微博的招聘活动',
];

describe('scam rules', () => {
  test.each(HELD)('holds %s (%s)', (text, rule) => {
    const result = screen(text);
    expect(result.held).toBe(true);
    expect(result.rules).toContain(rule);
  });

  test.each(SHOWN)('shows %s', (text) => {
    expect(screen(text)).toEqual({ held: false, rules: [] });
  });

  test('normalization folds full-width digits, Chinese numerals and separators', () => {
    expect(normalize('１３８ 0013-8000')).toBe('13800138000');
    expect(normalize('幺三八')).toBe('138');
    expect(normalize('ＶＸ')).toBe('vx');
  });

  test('a chat message that moves people to WeChat by a nickname is held for a moderator; ordinary talk of V and 微 is shown', () => {
    const chat = new ChatRoom();
    const send = (text: string) => chat.send({ authorId: 'device-1', displayName: '求职者', text });
    expect(send('找工作加V：abc12345，保证高薪')).toMatchObject({ status: 'held', heldFor: ['private-contact'] });
    expect(send('加绿泡泡 abc12345')).toMatchObject({ status: 'held', heldFor: ['private-contact'] });
    expect(send('我想问一下V型结构的岗位')).toMatchObject({ status: 'shown', heldFor: [] });
    expect(send('微笑服务，加班费另算')).toMatchObject({ status: 'shown', heldFor: [] });
  });
});
