/**
 * The scam guard: job fairs draw people who try to move job seekers to private contact or ask them
 * for money. A message that matches a rule is held for a moderator instead of being shown; vacancy
 * text that matches is flagged to the bureau. Each rule has an id (shown to moderators), a reason,
 * and patterns over a normalized text. Add a rule here, with examples in tests/unit/scamRules.test.ts.
 */
export type ScamRuleId = 'private-contact' | 'phone-number' | 'qq-number' | 'upfront-payment';

export interface ScamRule {
  id: ScamRuleId;
  /** For moderators: why the message was held. */
  reason: string;
  patterns: RegExp[];
}

// Chinese numerals and full-width digits people use to slip numbers past filters.
const DIGITS: Record<string, string> = {
  零: '0', 〇: '0', 一: '1', 壹: '1', 幺: '1', 二: '2', 贰: '2', 两: '2', 三: '3', 叁: '3', 四: '4', 肆: '4',
  五: '5', 伍: '5', 六: '6', 陆: '6', 七: '7', 柒: '7', 八: '8', 捌: '8', 九: '9', 玖: '9',
};

/** Lower-case, full-width to half-width, Chinese numerals to digits, separators between digits removed. */
export function normalize(text: string): string {
  let s = text.normalize('NFKC').toLowerCase();
  s = s.replace(/[零〇一壹幺二贰两三叁四肆五伍六陆七柒八捌九玖]/g, (c) => DIGITS[c] ?? c);
  // "138 0013-8000", "1３８.00１３" → contiguous digits.
  s = s.replace(/(\d)[\s\-_.·,，、/]+(?=\d)/g, '$1');
  return s;
}

// WeChat by its names, nicknames and homophones (the green bubble is its logo).
const WECHAT = '微信|薇信|威信|v信|vx|wx|wechat|weixin|绿泡泡|绿色泡泡';
// One-character names count only beside an invitation ("加v", "+微") or a colon ("v: abc123"),
// so that "V型", "TV", "VIP" and "微笑服务" stay ordinary words.
const WECHAT_SHORT = 'v|微|薇';
// A WeChat id: 6–20 characters from a letter on; or a phone number used as one.
const HANDLE = '(?:[a-z][-_a-z0-9]{5,19}|\\d{6,})';

export const SCAM_RULES: ScamRule[] = [
  {
    id: 'private-contact',
    reason: 'asks to move to private messaging (WeChat, QQ, other apps)',
    patterns: [
      new RegExp(`(加|添加|私信|私聊|联系|找)[我她他]?.{0,4}(${WECHAT}|qq|扣扣|企鹅|飞机|telegram|tg)`),
      new RegExp(`(${WECHAT}|扣扣|企鹅)\\s*(号|id)?\\s*[:：]?\\s*[a-z][-_a-z0-9]{5,19}`),
      new RegExp(`(${WECHAT})\\s*(号|id)?\\s*[:：]?\\s*\\d{5,}`),
      /(私信|私聊)我/,
      // "加v abc123", "+V: abc123", "加微", "加微 abc123", "加微详聊"; not "加vip", "加微博", "追加微调".
      new RegExp(`(加|\\+)\\s*(${WECHAT_SHORT})(?![a-z\\u4e00-\\u9fff])`),
      new RegExp(`(加|\\+)\\s*[微薇]${HANDLE}`),
      new RegExp(`(加|\\+)\\s*(${WECHAT_SHORT})(详聊|细聊|私聊|聊|了解|咨询|联系)`),
      // "V: zhang_san88", "薇：abc12345"; not "TV: 32寸".
      new RegExp(`(?<![a-z])(${WECHAT_SHORT})\\s*号?\\s*[:：]\\s*${HANDLE}`),
      // "vx同号", "微信同号", "同号微信", "电话同v": the WeChat id is the phone number.
      new RegExp(`(?<![a-z])(${WECHAT}|${WECHAT_SHORT})号?\\s*同号|同号\\s*(${WECHAT}|${WECHAT_SHORT})(?![a-z])|(手机|电话)号?\\s*(同|即|就是)\\s*(${WECHAT}|${WECHAT_SHORT})(?![a-z])`),
    ],
  },
  {
    id: 'phone-number',
    reason: 'posts a phone number',
    patterns: [/(?<!\d)1[3-9]\d{9}(?!\d)/, /(?<!\d)0\d{2,3}\d{7,8}(?!\d)/],
  },
  {
    id: 'qq-number',
    reason: 'posts a QQ number',
    patterns: [/(qq|扣扣|企鹅)\s*(号|群)?\s*[:：]?\s*\d{5,11}/],
  },
  {
    id: 'upfront-payment',
    reason: 'asks job seekers for money (deposit, fees, training costs)',
    patterns: [
      /押金|保证金|入职费|报名费|中介费|介绍费|服装费|工装费|体检费|培训费|资料费|建档费|上岗费|办卡费/,
      /(先|需|要|需要|必须)(交|缴|付|转)(钱|款|费|\d+)/,
      /(转账|打款|汇款)(到|给)/,
      /\b(deposit|training fee|registration fee|agency fee|upfront fee|pay first)\b/,
    ],
  },
];

export interface ScreenResult {
  held: boolean;
  rules: ScamRuleId[];
}

/** Which rules a text breaks; held when any does. */
export function screen(text: string, rules: ScamRule[] = SCAM_RULES): ScreenResult {
  const s = normalize(text);
  const hits = rules.filter((rule) => rule.patterns.some((p) => p.test(s))).map((r) => r.id);
  return { held: hits.length > 0, rules: hits };
}
