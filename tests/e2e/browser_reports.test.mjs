// browser_reports: the marketing leader's Monday questions, in Debian's Chromium through
// playwright-core, on a demo database (`leadline demo`: campaigns over every channel, costs,
// journeys, opportunities, won deals).
//   1. a marketer signs in and opens Reports from the nav: the overview shows channels with
//      their cost and won revenue, the cost/revenue chart is drawn, and campaigns with pipeline
//   2. they change the period and the model: the page follows (the controls keep the choice)
//   3. they download the CSV: the same channels, cost and revenue columns
//   4. attribution: models side by side, the grouped chart and the trend chart drawn
//   5. at 1280x800 an admin's main nav is one line on every kind of page, and the pages grouped
//      under Reports (Costs, Follow-up) and Leads (Duplicates, Import) are a click away
//   6. attribution windows: a bad lookback is said beside its field; good lookback and
//      half-life values are kept and carried into the CSV download

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startLeadline, launchBrowser, newPage, explain, signIn, gotoOk, uniq } from './lib.mjs';

const PASSWORD = 'correct horse battery';
const RUN = uniq();
const MARKETER = `marketer.${RUN}@vendor.example`;
// A long address, as real ones are: the header must still fit.
const ADMIN = `operations.administrator.${RUN}@a-long-company-name.example`;

let ll;
let browser;

before(async () => {
  ll = await startLeadline({
    name: 'browser_reports',
    setup: [
      ['demo', '--leads', '1500'],
      ['user', 'add', MARKETER, '--role', 'marketer', '--password', PASSWORD],
      ['user', 'add', ADMIN, '--role', 'admin', '--password', PASSWORD],
    ],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await ll?.stop();
});

/** The first-column labels and the given column's text of a report table. */
async function column(table, index) {
  const rows = await table.locator('tbody tr').all();
  const out = {};
  for (const r of rows) {
    out[(await r.locator('th').innerText()).trim()] = (await r.locator('td').nth(index).innerText()).trim();
  }
  return out;
}

test('a marketer reads what each channel cost and produced, changes period and model, downloads the CSV', async () => {
  const { context, page } = await newPage(browser, { acceptDownloads: true });
  try {
    await signIn(page, { base: ll.base, email: MARKETER, password: PASSWORD });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await page.waitForURL((u) => u.pathname === '/reports');
    await page.locator('figure.chart[data-drawn]').first().waitFor();
    const table = page.locator('#channels');
    const cost = await column(table, 0);
    const revenue = await column(table, 5);
    assert.ok(Object.keys(cost).length >= 3, `channels: ${JSON.stringify(cost)}`);
    assert.ok(cost.Total && cost.Total !== '$0.00', `some cost in the quarter: ${JSON.stringify(cost)}`);
    assert.ok(Object.values(revenue).some((v) => /[1-9]/.test(v)), `some won revenue: ${JSON.stringify(revenue)}`);
    for (const link of ['/reports/funnel', '/reports/sources', '/reports/compare', '/reports/attribution', '/reports/roi', '/reports/followup']) {
      assert.equal(await page.locator(`nav.report-links a[href="${link}"]`).count(), 1, link);
    }

    await page.locator('#i-period').selectOption('last-365-days');
    await page.locator('#i-model').selectOption('linear');
    await page.locator('#controls button[type=submit]').click();
    await page.waitForURL((u) => u.searchParams.get('model') === 'linear');
    assert.equal(await page.locator('#i-model').inputValue(), 'linear');
    assert.equal(await page.locator('#i-period').inputValue(), 'last-365-days');
    await page.locator('figure.chart[data-drawn]').first().waitFor();
    const yearCost = await column(page.locator('#channels'), 0);
    assert.ok(Object.keys(yearCost).length >= Object.keys(cost).length - 1);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.match(csv[0], /^channel,cost,leads,mqls,sqls,opportunities,customers,/);
    assert.match(csv[0], /,pipeline,revenue,roi$/);
    assert.ok(csv.length >= 4, csv.join('\n'));
    assert.match(csv.at(-1), /^Total,/);

    await gotoOk(page, `${ll.base}/reports/attribution?period=last-365-days&outcome=opportunities`);
    await page.locator('figure.chart[data-drawn]').nth(1).waitFor();
    const heads = await page.locator('#attribution thead th').allInnerTexts();
    assert.deepEqual(heads.slice(1, 4), ['first', 'last', 'last-non-direct']);
    assert.ok(heads.includes('Self-reported'));
    assert.ok(await page.locator('#attribution tbody tr').count() >= 2);

    await gotoOk(page, `${ll.base}/reports/roi?period=last-365-days`);
    await page.locator('figure.chart[data-drawn]').first().waitFor();
    assert.ok(await page.locator('#roi tbody tr').count() >= 2);
    // the browser's own favicon request 404s without a page response; count real problems
    assert.deepEqual(page.problems.filter((p) => !p.startsWith('console: Failed to load resource')), []);
  } catch (err) {
    throw await explain(page, err, 'reports');
  } finally {
    await context.close();
  }
});

/** How the main nav's links sit: their distinct offsetTops and heights, and any overflow. */
function navLayout(page) {
  return page.evaluate(() => {
    const nav = document.querySelector('nav[aria-label="Main"]');
    const links = [...nav.querySelectorAll('a')];
    return {
      links: links.map((a) => a.textContent.trim()),
      tops: [...new Set(links.map((a) => a.offsetTop))],
      heights: [...new Set(links.map((a) => a.offsetHeight))],
      navOverflow: nav.scrollWidth - nav.clientWidth,
      spare: nav.clientWidth - (links.at(-1).offsetLeft + links.at(-1).offsetWidth - links[0].offsetLeft),
      pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    };
  });
}

test('at 1280 px an admin\'s nav is one line and the grouped pages are a click away', async () => {
  const { context, page } = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  try {
    await signIn(page, { base: ll.base, email: ADMIN, password: PASSWORD });
    for (const path of ['/leads', '/reports', '/reports/attribution', '/reports/funnel', '/costs', '/settings']) {
      await gotoOk(page, `${ll.base}${path}`);
      const nav = await navLayout(page);
      assert.ok(nav.links.length >= 12, `${path}: an admin sees every group: ${nav.links}`);
      assert.equal(nav.tops.length, 1, `${path}: every nav link on one line: ${JSON.stringify(nav)}`);
      assert.equal(nav.heights.length, 1, `${path}: no link wraps inside itself: ${JSON.stringify(nav)}`);
      assert.ok(nav.navOverflow <= 0 && nav.pageOverflow <= 0, `${path}: nothing overflows: ${JSON.stringify(nav)}`);
      // An unread count on the bell (a badge of up to three digits) must still fit.
      assert.ok(nav.spare >= 40, `${path}: room left for the unread count: ${JSON.stringify(nav)}`);
    }
    const main = page.getByRole('navigation', { name: 'Main' });
    const reports = page.getByRole('navigation', { name: 'Reports' });
    await main.getByRole('link', { name: 'Reports' }).click();
    await page.waitForURL((u) => u.pathname === '/reports');
    await reports.getByRole('link', { name: 'Costs' }).click();
    await page.waitForURL((u) => u.pathname === '/costs');
    await reports.getByRole('link', { name: 'Follow-up' }).click();
    await page.waitForURL((u) => u.pathname === '/reports/followup');
    assert.equal(await main.getByRole('link', { name: 'Reports' }).getAttribute('aria-current'), 'page');
    await main.getByRole('link', { name: 'Leads' }).click();
    await page.waitForURL((u) => u.pathname === '/leads');
    const tools = page.getByRole('navigation', { name: 'Lead tools' });
    await tools.getByRole('link', { name: 'Duplicates' }).click();
    await page.waitForURL((u) => u.pathname === '/duplicates');
    await main.getByRole('link', { name: 'Leads' }).click();
    await tools.getByRole('link', { name: 'Import a list' }).click();
    await page.waitForURL((u) => u.pathname === '/imports');
  } catch (err) {
    throw await explain(page, err, 'reports-nav');
  } finally {
    await context.close();
  }
});

test('attribution windows: a bad lookback is said beside it, good ones reach the CSV', async () => {
  const { context, page } = await newPage(browser, { acceptDownloads: true });
  try {
    await signIn(page, { base: ll.base, email: MARKETER, password: PASSWORD });
    await gotoOk(page, `${ll.base}/reports/attribution?period=last-365-days`);
    await page.locator('#i-lookback_days').fill('0');
    await page.locator('#controls button[type=submit]').click();
    await page.waitForURL((u) => u.searchParams.get('lookback_days') === '0');
    assert.match(await page.locator('#e-lookback_days').innerText(), /1 to 3650 days/);
    assert.equal(await page.locator('#i-lookback_days').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#i-lookback_days').inputValue(), '0', 'the bad value is kept to fix');

    await page.locator('#i-lookback_days').fill('90');
    await page.locator('#i-half_life_days').fill('3');
    await page.locator('#i-model').selectOption('time-decay');
    await page.locator('#controls button[type=submit]').click();
    await page.waitForURL((u) => u.searchParams.get('lookback_days') === '90');
    await page.locator('#attribution').waitFor();
    assert.equal(await page.locator('#e-lookback_days').count(), 0);
    const link = page.getByRole('link', { name: 'Download CSV' });
    const href = new URL(await link.getAttribute('href'), ll.base);
    assert.equal(href.searchParams.get('lookback_days'), '90');
    assert.equal(href.searchParams.get('half_life_days'), '3');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.match(csv[0], /^channel,time-decay,self_reported$/);
    assert.ok(csv.length >= 2, csv.join('\n'));
  } catch (err) {
    throw await explain(page, err, 'reports-windows');
  } finally {
    await context.close();
  }
});
