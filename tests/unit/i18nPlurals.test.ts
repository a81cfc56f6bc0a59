import i18next from 'i18next';
import { describe, expect, test } from 'vitest';
import { en } from '../../client/src/i18n/en';
import { zhCN } from '../../client/src/i18n/zh-CN';

/** The counts a page shows in a sentence: "1 opening", not "1 openings", in English; Chinese has one form. */
describe('counted messages', () => {
  const translator = async (lng: 'en' | 'zh-CN') => {
    const instance = i18next.createInstance();
    await instance.init({ resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } }, lng, fallbackLng: 'zh-CN', interpolation: { escapeValue: false } });
    return instance.t.bind(instance);
  };

  test('in English, one vacancy, opening and viewer are singular and more are plural', async () => {
    const t = await translator('en');
    expect(t('zone.found', { count: 1 })).toBe('1 vacancy found');
    expect(t('zone.found', { count: 15 })).toBe('15 vacancies found');
    expect(t('zone.found', { count: 0 })).toBe('0 vacancies found');
    expect(t('zone.moreCount', { count: 1 })).toBe('Show 1 more vacancy');
    expect(t('zone.moreCount', { count: 12 })).toBe('Show 12 more vacancies');
    expect(t('card.headcount', { count: 1 })).toBe('1 opening');
    expect(t('card.headcount', { count: 50 })).toBe('50 openings');
    expect(t('list.showing', { count: 1 })).toBe('Showing 1 vacancy');
    expect(t('list.showing', { count: 3 })).toBe('Showing 3 vacancies');
    expect(t('host.viewers', { count: 1 })).toBe('1 viewer');
    expect(t('host.viewers', { count: 2 })).toBe('2 viewers');
  });

  test('in Chinese the same messages have their one form for any count', async () => {
    const t = await translator('zh-CN');
    expect(t('zone.found', { count: 1 })).toBe('找到 1 个岗位');
    expect(t('zone.found', { count: 15 })).toBe('找到 15 个岗位');
    expect(t('zone.moreCount', { count: 12 })).toBe('再显示 12 个岗位');
    expect(t('card.headcount', { count: 1 })).toBe('招 1 人');
    expect(t('list.showing', { count: 2 })).toBe('显示 2 个岗位');
    expect(t('host.viewers', { count: 3 })).toBe('观众 3 人');
  });
});
