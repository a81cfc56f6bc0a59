import i18next from 'i18next';
import { describe, expect, test } from 'vitest';
import { en } from '../../client/src/i18n/en';
import { zhCN } from '../../client/src/i18n/zh-CN';

type Table = { [key: string]: string | Table };

/** Every `…Named` message beside the message of the same name without it: the accessible name of a control and its visible text. */
function namedPairs(table: Table, prefix = ''): Array<{ named: string; visible: string }> {
  const pairs: Array<{ named: string; visible: string }> = [];
  for (const [key, value] of Object.entries(table)) {
    if (typeof value !== 'string') pairs.push(...namedPairs(value, `${prefix}${key}.`));
    else if (key.endsWith('Named') && typeof table[key.slice(0, -'Named'.length)] === 'string') pairs.push({ named: `${prefix}${key}`, visible: `${prefix}${key.slice(0, -'Named'.length)}` });
  }
  return pairs;
}

/**
 * A control that shows one text and is named another for screen readers (aria-label naming the row
 * it acts on) must have its visible text in its name (WCAG 2.5.3, label in name; axe's
 * label-content-name-mismatch): a voice-control user says what they see. Checked for every pair of
 * messages `x` / `xNamed` in both languages.
 */
describe('the accessible name of each control named for its row holds the text it shows', () => {
  test.each([
    ['zh-CN', zhCN],
    ['en', en],
  ] as const)('%s', async (lng, table) => {
    const instance = i18next.createInstance();
    await instance.init({ resources: { [lng]: { translation: table } }, lng, interpolation: { escapeValue: false } });
    const values = { title: '电子装配工', name: '赵小燕', label: '春晖电子', span: '0:06–0:13' };
    const pairs = namedPairs(table);
    expect(pairs.length).toBeGreaterThan(10);
    const mismatched = pairs
      .map(({ named, visible }) => ({ named, name: instance.t(named, values), shown: instance.t(visible, values) }))
      .filter(({ name, shown }) => !name.toLowerCase().includes(shown.toLowerCase()));
    expect(mismatched).toEqual([]);
  });
});
