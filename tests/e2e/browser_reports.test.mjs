// browser_reports: the marketing leader's Monday questions, in Debian's Chromium through
// playwright-core, on a demo database (`leadline demo`: campaigns over every channel, costs,
// journeys, opportunities, won deals).
//   1. a marketer signs in and opens Reports from the nav: the overview shows channels with
//      their cost and won revenue, the cost/revenue chart is drawn, and campaigns with pipeline
//   2. they change the period and the model: the page follows (the controls keep the choice)
//   3. they download the CSV: the same channels, cost and revenue columns
//   4. attribution: models side by side, the grouped chart and the trend chart drawn

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startLeadline, launchBrowser, newPage, explain, signIn, gotoOk, uniq } from './lib.mjs';

const PASSWORD = 'correct horse battery';
const RUN = uniq();
const MARKETER = `marketer.${RUN}@vendor.example`;

let ll;
let browser;

before(async () => {
  ll = await startLeadline({
    name: 'browser_reports',
    setup: [
      ['demo', '--leads', '1500'],
      ['user', 'add', MARKETER, '--role', 'marketer', '--password', PASSWORD],
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
