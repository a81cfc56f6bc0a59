import { describe, expect, test } from 'vitest';
import type { Employer, Vacancy } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../harness/api';
import { TEST_ADMIN_PASSWORD } from '../harness/server';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';
import { pickOption } from './pages';

/** The bureau console's long lists: a page at a time, the next on demand, narrowed on the server. */
describe('the bureau console pages its lists in Chromium', () => {
  const fx = e2eFixture();

  test('employers: 50 shown, Show more brings the rest, a name search asks the server and shows only matches', async () => {
    const bureau = await bureauClient(fx.server.url);
    // The demo's five and sixty more: two pages.
    for (let i = 0; i < 60; i += 1) await bureau.post('/employers', { name: i === 42 ? '黄河纺织有限公司' : `翻页物流${i}`, industry: '物流', district: '城关区' });
    const admin = await fx.browser.open(`${fx.server.url}/admin/employers`, { viewport: { width: 1366, height: 768 } });
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    const rows = admin.page.locator('tr[data-employer]');
    await rows.first().waitFor();
    await expect.poll(() => rows.count()).toBe(50);
    await admin.page.getByRole('button', { name: '显示更多' }).click();
    await expect.poll(() => rows.count()).toBe(65);
    await admin.page.getByText('已全部显示（65 条）').waitFor();
    expect(await admin.page.getByRole('button', { name: '显示更多' }).count()).toBe(0);

    const requests: string[] = [];
    admin.page.on('request', (r) => {
      if (r.url().includes('/api/employers?')) requests.push(new URL(r.url()).search);
    });
    await admin.page.getByLabel('按名称搜索').fill('黄河');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('黄河纺织有限公司');
    expect(requests.some((q) => new URLSearchParams(q).get('q') === '黄河')).toBe(true);
    await admin.page.getByLabel('按名称搜索').fill('没有这家');
    await admin.page.getByText('没有符合条件的记录').waitFor();
  });

  test('campaigns, vacancies, policies, links and staff: 50 shown, Show more brings the rest; vacancies narrowed on the server by title and unchecked flags', async () => {
    const bureau = await bureauClient(fx.server.url);
    /** How many a list holds, walked through the API a page of 100 at a time. */
    const total = async (path: string, name: string): Promise<number> => {
      let count = 0;
      let cursor: string | null = '';
      do {
        const res: { status: number; body: Record<string, unknown> & { next: string | null } } = await bureau.get(`${path}?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        count += (res.body[name] as unknown[]).length;
        cursor = res.body.next;
      } while (cursor);
      return count;
    };
    const [employer] = (await bureau.get<{ employers: Employer[] }>('/employers?limit=1')).body.employers as [Employer];
    for (let i = 0; i < 55; i += 1) {
      await bureau.post('/campaigns', { name: `翻页活动${i}`, startsOn: '2027-03-01', endsOn: '2027-03-31', description: '' });
      await bureau.post('/policies', { title: `翻页政策${i}`, text: '每人1500元', howToApply: '到县人社局服务大厅办理' });
      await bureau.post('/vacancies', { employerId: employer.id, title: i === 7 ? '翻页缝纫工' : `翻页岗位${i}`, headcount: 3, pay: { min: 4000, max: 5000, unit: 'month' }, hours: '8:00-17:00', location: '河东镇', requirements: i === 9 ? '详情加V：abc12345' : '' });
      await bureau.post(`/employers/${employer.id}/invite`, {});
      await bureau.post('/staff', { username: `pager.${i}`, displayName: `翻页${i}`, password: 'a-long-first-password', role: 'staff' });
    }
    const admin = await fx.browser.open(`${fx.server.url}/admin/campaigns`, { viewport: { width: 1366, height: 768 } });
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    const lists = [
      { path: '/admin/campaigns', api: '/campaigns', name: 'campaigns', rows: 'tr[data-campaign]' },
      { path: '/admin/vacancies', api: '/vacancies', name: 'vacancies', rows: 'tr[data-vacancy]' },
      { path: '/admin/policies', api: '/policies', name: 'policies', rows: 'li[data-policy]' },
      { path: '/admin/links', api: '/invites', name: 'invites', rows: 'tr[data-invite]' },
      { path: '/admin/staff', api: '/staff', name: 'staff', rows: 'tr[data-staff]' },
    ];
    for (const list of lists) {
      const all = await total(list.api, list.name);
      expect(all, list.name).toBeGreaterThan(50);
      expect(all, list.name).toBeLessThanOrEqual(100);
      if (list.path !== '/admin/campaigns') await admin.page.locator(`nav a[href="${list.path}"]`).click();
      const rows = admin.page.locator(list.rows);
      await rows.first().waitFor();
      await expect.poll(() => rows.count(), { message: list.name }).toBe(50);
      await admin.page.getByRole('button', { name: '显示更多' }).click();
      await expect.poll(() => rows.count(), { message: list.name }).toBe(all);
      await admin.page.getByText(`已全部显示（${all} 条）`).waitFor();
    }

    await admin.page.locator('nav a[href="/admin/vacancies"]').click();
    const rows = admin.page.locator('tr[data-vacancy]');
    await expect.poll(() => rows.count()).toBe(50);
    const requests: string[] = [];
    admin.page.on('request', (r) => {
      if (r.url().includes('/api/vacancies?')) requests.push(new URL(r.url()).search);
    });
    await admin.page.getByLabel('按标题搜索').fill('缝纫');
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining('翻页缝纫工')]);
    expect(requests.some((q) => new URLSearchParams(q).get('q') === '缝纫')).toBe(true);
    await admin.page.getByLabel('按标题搜索').fill('');
    // The one held by a flag is found among 55 more on the server, not among the 50 shown.
    await admin.page.getByLabel('只看疑似违规').check();
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining('翻页岗位9')]);
    expect(requests.some((q) => new URLSearchParams(q).get('flagged') === 'yes')).toBe(true);
  });
  test('pickers search the server as staff type and names are read by id: the console never walks a whole list', async () => {
    const bureau = await bureauClient(fx.server.url);
    // Named apart on each run (a retry finds the first run's employer stored).
    const factory = `最新登记的食品厂${Date.now() % 100_000}`;
    // Past a page of 100: the employer wanted is the newest of them, far from the first page.
    for (let i = 0; i < 50; i += 1) await bureau.post('/employers', { name: `检索物流${i}`, industry: '物流', district: '城关区' });
    const newest = (await bureau.post<{ employer: Employer }>('/employers', { name: factory, industry: '食品', district: '河东镇' })).body.employer;
    const made = await bureau.post<{ vacancy: Vacancy }>('/vacancies', { employerId: newest.id, title: '食品包装工', headcount: 8, pay: { min: 4200, max: 5200, unit: 'month' }, hours: '8:00-17:00', location: '河东镇' });
    expect(made.status).toBe(201);

    const admin = await fx.browser.open(`${fx.server.url}/admin/vacancies`, { viewport: { width: 1366, height: 768 } });
    const requests: string[] = [];
    admin.page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/') && r.method() === 'GET') requests.push(`${url.pathname}${url.search}`);
    });
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    const rows = admin.page.locator('tr[data-vacancy]');
    await rows.first().waitFor();
    const unfiltered = await rows.count();
    expect(unfiltered).toBeGreaterThan(1);

    // The employer filter: typing asks the server; the keyboard moves to the option and Enter picks it.
    const filter = admin.page.getByRole('combobox', { name: '单位', exact: true });
    await filter.fill('食品厂');
    const listbox = admin.page.locator(`[id="${await filter.getAttribute('aria-controls')}"]`);
    await listbox.getByRole('option', { name: factory }).waitFor();
    expect(await filter.getAttribute('aria-expanded')).toBe('true');
    await filter.press('ArrowDown');
    await filter.press('ArrowDown');
    expect(await filter.getAttribute('aria-activedescendant')).toBe(await listbox.getByRole('option', { name: factory }).getAttribute('id'));
    await filter.press('Enter');
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining('食品包装工')]);
    // Its employer's name beside it, read by id.
    await rows.first().getByText(factory).waitFor();
    // The server's first 20 matches, newest first.
    const searched = (r: string): boolean => {
      const asked = new URLSearchParams(r.split('?')[1]);
      return r.startsWith('/api/employers?') && asked.get('q') === '食品厂' && asked.get('order') === 'newest' && asked.get('limit') === '20';
    };
    expect(requests.some(searched)).toBe(true);
    // The names beside the first page's rows were read by id, not from a list of every employer.
    expect(requests.some((r) => r.startsWith('/api/employers?') && new URLSearchParams(r.split('?')[1]).has('ids'))).toBe(true);
    expect(await seriousViolations(admin.page)).toEqual([]);
    // Emptied by hand, the filter means every employer again.
    await filter.fill('');
    await filter.blur();
    await expect.poll(() => rows.count()).toBe(unfiltered);

    // A new vacancy for that employer, chosen by search in the form.
    await admin.page.getByRole('button', { name: '新增岗位' }).click();
    const sheet = admin.page.getByRole('dialog', { name: '新增岗位' });
    await pickOption(admin.page, sheet, '单位', factory);
    await sheet.getByLabel('岗位名称').fill('食品质检员');
    await sheet.getByLabel('招聘人数').fill('2');
    await sheet.getByLabel('最低薪资（元）').fill('4500');
    await sheet.getByLabel('最高薪资（元）').fill('5500');
    await sheet.getByLabel('工作时间').fill('8:00-17:00');
    await sheet.getByLabel('工作地点').fill('河东镇');
    await sheet.getByRole('button', { name: '创建岗位' }).click();
    await sheet.waitFor({ state: 'detached' });
    const created = (await bureau.get<{ vacancies: Vacancy[] }>(`/vacancies?employerId=${newest.id}`)).body.vacancies.map((v) => v.title);
    expect(created).toEqual(['食品包装工', '食品质检员']);

    // Every section once: with more than a page of employers, vacancies, campaigns and policies
    // stored, no list is read past its first page unless staff ask for more.
    for (const path of ['/admin/campaigns', '/admin/employers', '/admin/policies', '/admin', '/admin/sessions/demo']) {
      await admin.page.locator(`nav a[href="${path}"]`).or(admin.page.locator(`a[href="${path}"]`)).first().click();
      await admin.page.getByRole('heading', { level: 2 }).first().waitFor();
    }
    await admin.page.getByRole('heading', { name: '岗位顺序' }).waitFor();
    await admin.page.locator('[data-lineup-item]').first().waitFor();
    const walked = requests.filter((r) => new URLSearchParams(r.split('?')[1] ?? '').has('cursor'));
    expect(walked).toEqual([]);
    expect(requests.filter((r) => new URLSearchParams(r.split('?')[1] ?? '').get('limit') === '100')).toEqual([]);
  });

  test('past the first hundred employers shown, each still has its vacancy count beside it (counts asked 100 ids at a time)', async () => {
    const bureau = await bureauClient(fx.server.url);
    let stored = 0;
    for (let cursor: string | null = ''; cursor !== null; ) {
      const res: { body: { employers: Employer[]; next: string | null } } = await bureau.get(`/employers?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      stored += res.body.employers.length;
      cursor = res.body.next;
    }
    // More than a hundred before it: the newest comes on the third page, past the first 100 rows.
    for (let i = stored; i < 101; i += 1) await bureau.post('/employers', { name: `计数物流${i}`, industry: '物流', district: '城关区' });
    const last = (await bureau.post<{ employer: Employer }>('/employers', { name: `计数末位厂${Date.now() % 100_000}`, industry: '食品', district: '河东镇' })).body.employer;
    for (const title of ['计数包装工', '计数质检员']) {
      const made = await bureau.post('/vacancies', { employerId: last.id, title, headcount: 2, pay: { min: 4000, max: 5000, unit: 'month' }, hours: '8:00-17:00', location: '河东镇' });
      expect(made.status).toBe(201);
    }
    const admin = await fx.browser.open(`${fx.server.url}/admin/employers`, { viewport: { width: 1366, height: 768 } });
    const counts: string[] = [];
    admin.page.on('response', (r) => {
      if (new URL(r.url()).pathname === '/api/catalog/counts') counts.push(`${r.status()} ${new URL(r.url()).searchParams.get('ids')!.split(',').length}`);
    });
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    const rows = admin.page.locator('tr[data-employer]');
    await expect.poll(() => rows.count()).toBe(50);
    const more = admin.page.getByRole('button', { name: '显示更多' });
    while (!(await admin.page.locator(`tr[data-employer="${last.id}"]`).count())) {
      const before = await rows.count();
      await more.click();
      await expect.poll(() => rows.count()).toBeGreaterThan(before);
    }
    expect(await rows.count()).toBeGreaterThan(100);
    await expect.poll(() => admin.page.locator(`tr[data-employer="${last.id}"] td[data-label="岗位数"]`).textContent()).toBe('2');
    // Every row shown has its count (0 for most of these).
    await expect.poll(() => admin.page.locator('tr[data-employer] td[data-label="岗位数"]').evaluateAll((cells) => cells.filter((c) => !/^\d+$/.test(c.textContent ?? '')).length)).toBe(0);
    expect(counts.filter((c) => !c.startsWith('200 '))).toEqual([]);
    expect(counts.every((c) => Number(c.split(' ')[1]) <= 100)).toBe(true);
  });

  /** A session of its own and twelve vacancies named `tag`0…11, and its editor signed in on a phone. */
  async function lineupOnPhone(tag: string) {
    const bureau = await bureauClient(fx.server.url);
    const [employer] = (await bureau.get<{ employers: Employer[] }>('/employers?limit=1')).body.employers as [Employer];
    for (let i = 0; i < 12; i += 1) await bureau.post('/vacancies', { employerId: employer.id, title: `${tag}${i}`, headcount: 1, pay: { min: 4000, max: 5000, unit: 'month' }, hours: '8:00-17:00', location: '河东镇' });
    const [campaign] = (await bureau.get<{ campaigns: Array<{ id: string }> }>('/campaigns?limit=1')).body.campaigns as [{ id: string }];
    const made = await bureau.post<{ session: { id: string } }>('/sessions', { campaignId: campaign.id, title: `${tag}场次`, scheduledAt: '2027-02-01T02:00:00.000Z', lineup: [] });
    expect(made.status).toBe(201);
    const admin = await fx.browser.open(`${fx.server.url}/admin/sessions/${made.body.session.id}`, { viewport: { width: 360, height: 640 } });
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    const input = admin.page.getByRole('combobox', { name: '添加岗位', exact: true });
    const options = admin.page.locator(`[id="${await input.getAttribute('aria-controls')}"]`).getByRole('option');
    return { page: admin.page, input, options, lineup: admin.page.locator('[data-lineup-item]') };
  }

  test('the lineup picker by keyboard on a phone: a list longer than it shows passes axe, and the option the arrows move to is scrolled into view', async () => {
    const tag = `滚动${Date.now() % 100_000}岗`;
    const { page, input, options, lineup } = await lineupOnPhone(tag);
    await input.fill(tag);
    await expect.poll(() => options.count()).toBe(12);
    expect(await seriousViolations(page)).toEqual([]);
    for (let i = 0; i < 10; i += 1) await input.press('ArrowDown');
    const activeId = (await input.getAttribute('aria-activedescendant'))!;
    expect(activeId).toBe(await options.nth(9).getAttribute('id'));
    // What is at the option's centre on screen is the option itself (not clipped by the list, not off the phone's screen).
    const inView = await page.evaluate((id) => {
      const option = document.getElementById(id)!;
      const box = option.getBoundingClientRect();
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      return hit !== null && option.contains(hit);
    }, activeId);
    expect(inView).toBe(true);
    const chosen = (await options.nth(9).locator('span').first().textContent())!;
    await input.press('Enter');
    await expect.poll(() => lineup.allTextContents()).toEqual([expect.stringContaining(chosen)]);
  });

  test('the lineup picker: words typed while their search is on its way pick nothing by keyboard until its answer comes (the options shown are an older search\'s)', async () => {
    const tag = `键盘${Date.now() % 100_000}岗`;
    const { page, input, options, lineup } = await lineupOnPhone(tag);
    await input.fill(tag);
    await expect.poll(() => options.count()).toBe(12);
    await input.press('ArrowDown');
    await input.press('ArrowDown');
    await input.press('Enter');
    await expect.poll(() => lineup.allTextContents()).toEqual([expect.stringContaining(`${tag}10`)]);

    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let asked = false;
    await page.route(
      (url) => url.pathname === '/api/vacancies' && url.searchParams.get('q') === `${tag}1`,
      async (route) => {
        asked = true;
        await held;
        await route.continue();
      },
    );
    await input.fill(`${tag}1`);
    await expect.poll(() => asked).toBe(true);
    await input.press('ArrowDown');
    await input.press('Enter');
    expect(await input.getAttribute('aria-activedescendant')).toBeNull();
    expect(await lineup.count()).toBe(1);
    release();
    // Its answer: the ones holding the words, less the one in the lineup already.
    await expect.poll(() => options.allTextContents()).toEqual([expect.stringContaining(`${tag}11`), expect.stringContaining(`${tag}1`)]);
    await input.press('ArrowDown');
    expect(await input.getAttribute('aria-activedescendant')).toBe(await options.nth(0).getAttribute('id'));
    await input.press('Enter');
    await expect.poll(() => lineup.allTextContents()).toEqual([expect.stringContaining(`${tag}10`), expect.stringContaining(`${tag}11`)]);
  });

  test('Escape in a picker inside the vacancy sheet closes the options only; the sheet and what was typed stay until a second Escape', async () => {
    const admin = await fx.browser.open(`${fx.server.url}/admin/vacancies`, { viewport: { width: 360, height: 640 } });
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    await admin.page.getByRole('button', { name: '新增岗位' }).click();
    const sheet = admin.page.getByRole('dialog', { name: '新增岗位' });
    await sheet.getByLabel('岗位名称').fill('面点师');
    const employer = sheet.getByRole('combobox', { name: '单位', exact: true });
    await employer.fill('物流');
    await admin.page.locator(`[id="${await employer.getAttribute('aria-controls')}"]`).getByRole('option').first().waitFor();
    expect(await employer.getAttribute('aria-expanded')).toBe('true');
    // Its options are named for the field (not a bare "options"), as the filters' are.
    expect(await sheet.getByRole('listbox', { name: '单位' }).count()).toBe(1);
    await employer.press('Escape');
    expect(await sheet.count()).toBe(1);
    expect(await employer.getAttribute('aria-expanded')).toBe('false');
    expect(await sheet.getByLabel('岗位名称').inputValue()).toBe('面点师');
    // Nothing open inside it: Escape is the sheet's again.
    await employer.press('Escape');
    await sheet.waitFor({ state: 'detached' });
  });

  test("on a phone each list row is a card whose actions sit beside their column's name, none squeezed under it and cut off", async () => {
    const admin = await fx.browser.open(`${fx.server.url}/admin`, { viewport: { width: 360, height: 640 } });
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    for (const [path, row] of [['/admin', 'tr[data-session]'], ['/admin/campaigns', 'tr[data-campaign]']] as const) {
      await admin.page.locator(`nav a[href="${path}"]`).first().click();
      await admin.page.locator(row).first().waitFor();
      // Each element of a cell starts right of the cell's name (its first column) and shows all of its text.
      const squeezed = await admin.page.locator(`${row} td[data-label] > *`).evaluateAll((elements) =>
        elements
          .filter((el) => {
            const cell = el.parentElement!.getBoundingClientRect();
            const box = el.getBoundingClientRect();
            return box.left < cell.left + cell.width * 0.25 || el.scrollWidth > el.clientWidth + 1;
          })
          .map((el) => `${el.parentElement!.dataset['label']}: ${el.textContent}`),
      );
      expect(squeezed, path).toEqual([]);
    }
  });

  test('a list that could not be read offline is read again by itself when the network is back, with the names and counts beside it', async () => {
    const bureau = await bureauClient(fx.server.url);
    const [session] = (await bureau.get<{ sessions: Array<{ id: string; campaignId: string }> }>('/sessions?limit=1')).body.sessions as [{ id: string; campaignId: string }];
    const [campaign] = (await bureau.get<{ campaigns: Array<{ id: string; name: string }> }>(`/campaigns?ids=${session.campaignId}`)).body.campaigns as [{ id: string; name: string }];
    const admin = await fx.browser.open(`${fx.server.url}/admin/employers`, { viewport: { width: 360, height: 640 } });
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    await admin.page.locator('tr[data-employer]').first().waitFor();
    await admin.context.setOffline(true);
    await admin.page.locator('nav a[href="/admin"]').first().click();
    await admin.page.getByRole('alert').filter({ hasText: '网络不好' }).waitFor();
    expect(await admin.page.locator('tr[data-session]').count()).toBe(0);
    await admin.context.setOffline(false);
    // No click: the sessions come, each with its campaign's name (read by id).
    await admin.page.locator(`tr[data-session="${session.id}"] td[data-label="活动"]`).getByText(campaign.name).waitFor();
    expect(await admin.page.getByRole('alert').filter({ hasText: '网络不好' }).count()).toBe(0);

    // The campaigns read offline: the list and its session counts come back too.
    await admin.context.setOffline(true);
    await admin.page.locator('nav a[href="/admin/campaigns"]').first().click();
    await admin.page.getByRole('alert').filter({ hasText: '网络不好' }).waitFor();
    await admin.context.setOffline(false);
    await expect.poll(() => admin.page.locator(`tr[data-campaign="${campaign.id}"] td[data-label="场次数"]`).textContent()).toMatch(/^\d+$/);

    // A list outside the catalog (the invite links) too.
    await bureau.post(`/employers/${(await bureau.get<{ employers: Employer[] }>('/employers?limit=1')).body.employers[0]!.id}/invite`, {});
    await admin.context.setOffline(true);
    await admin.page.locator('nav a[href="/admin/links"]').first().click();
    await admin.page.getByRole('alert').filter({ hasText: '网络不好' }).waitFor();
    await admin.context.setOffline(false);
    await admin.page.getByRole('button', { name: /^作废/ }).first().waitFor();
    expect(await admin.page.getByRole('alert').filter({ hasText: '网络不好' }).count()).toBe(0);
  });

  test('a mangled session link (a comma in the id, or one too long to be an id) says there is no such session, rather than loading for ever', async () => {
    const admin = await fx.browser.open(`${fx.server.url}/admin`, { viewport: { width: 360, height: 640 } });
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    await admin.page.locator('tr[data-session]').first().waitFor();
    for (const id of ['demo,demo', 'd'.repeat(80)]) {
      await admin.page.goto(`${fx.server.url}/admin/sessions/${id}`);
      await admin.page.getByRole('alert').filter({ hasText: '没有找到这个页面或记录' }).waitFor();
    }
  });

  test('the lineup picker does not say "nothing found" when the newest matches are all in the lineup already and older ones remain', async () => {
    const bureau = await bureauClient(fx.server.url);
    const [employer] = (await bureau.get<{ employers: Employer[] }>('/employers?limit=1')).body.employers as [Employer];
    const tag = `满员${Date.now() % 100_000}岗`;
    const made: string[] = [];
    for (let i = 0; i < 21; i += 1) made.push((await bureau.post<{ vacancy: Vacancy }>('/vacancies', { employerId: employer.id, title: `${tag}${i}`, headcount: 1, pay: { min: 4000, max: 5000, unit: 'month' }, hours: '8:00-17:00', location: '河东镇' })).body.vacancy.id);
    const [campaign] = (await bureau.get<{ campaigns: Array<{ id: string }> }>('/campaigns?limit=1')).body.campaigns as [{ id: string }];
    // The twenty newest in the lineup: the picker's first twenty matches are all left out.
    const lineup = made.slice(1).map((id) => ({ kind: 'vacancy', id }));
    const session = await bureau.post<{ session: { id: string } }>('/sessions', { campaignId: campaign.id, title: `${tag}场次`, scheduledAt: '2027-02-01T02:00:00.000Z', lineup });
    expect(session.status).toBe(201);
    const admin = await fx.browser.open(`${fx.server.url}/admin/sessions/${session.body.session.id}`, { viewport: { width: 360, height: 640 } });
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    const input = admin.page.getByRole('combobox', { name: '添加岗位', exact: true });
    await admin.page.locator('[data-lineup-item]').nth(19).waitFor();
    await input.fill(tag);
    const status = admin.page.locator('.picker-status');
    await expect.poll(() => status.textContent()).toBe('只显示最新的 20 个，输入更多字可缩小范围');
    // Narrowed, the older one is offered.
    await input.fill(`${tag}0`);
    await admin.page.locator(`[id="${await input.getAttribute('aria-controls')}"]`).getByRole('option', { name: `${tag}0` }).waitFor();
  });
});
