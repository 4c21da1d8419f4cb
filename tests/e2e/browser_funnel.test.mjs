// browser_funnel: a marketing leader reads the funnel reports in Debian's Chromium through
// playwright-core, on a small demo company:
//   1. signs in (viewer) and opens the funnel: the waterfall chart is drawn, the table has a total
//   2. switches the grouping to source and sees a row per channel
//   3. opens lead quality by source (the period list is core::period's) and follows the link
//      to compare
//   4. compares a demo webinar campaign's leads with the others and reads the verdict
//   5. downloads the comparison as CSV

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startLeadline, launchBrowser, newPage, explain, gotoOk, signIn, uniq } from './lib.mjs';

const PASSWORD = 'correct horse battery';
const EMAIL = `leader-${uniq()}@example.com`.toLowerCase();
const CAMPAIGN = 'Webinar: Forecasting with Confidence';

let ll;
let browser;

before(async () => {
  ll = await startLeadline({
    name: 'browser_funnel',
    setup: [
      ['demo', '--leads', '1500'],
      ['user', 'add', EMAIL, '--role', 'viewer', '--password', PASSWORD],
    ],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await ll?.stop();
});

test('a leader reads the funnel by source, compares a campaign and downloads the CSV', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, { acceptDownloads: true });
  try {
    await signIn(page, { base: ll.base, email: EMAIL, password: PASSWORD });

    // 1. The funnel, drawn.
    await gotoOk(page, `${ll.base}/reports/funnel?period=last-365-days`);
    await page.locator('figure.chart[data-drawn]').first().waitFor({ state: 'attached' });
    const total = page.locator('#funnel tr.total');
    assert.equal((await total.locator('th').innerText()).trim(), 'total');
    const leads = Number((await total.locator('td').first().innerText()).trim().split(' ')[0]);
    assert.ok(leads > 0, `the demo's leads are counted: ${leads}`);

    // 2. Grouped by source: one row per channel, the rows add up to the total.
    await page.getByLabel('By', { exact: true }).selectOption('source');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL((u) => u.searchParams.get('by') === 'source');
    const rows = page.locator('#funnel tbody tr:not(.total)');
    assert.ok((await rows.count()) >= 5, 'several source channels');
    let sum = 0;
    for (const cell of await rows.locator('td:first-of-type').allInnerTexts()) sum += Number(cell.trim().split(' ')[0]);
    assert.equal(sum, leads);
    await page.locator('#velocity').getByText('days to close').waitFor();

    // 3. Lead quality, then compare.
    await page.getByRole('link', { name: 'Lead quality by source' }).click();
    await page.waitForURL((u) => u.pathname === '/reports/sources');
    await page.locator('#sources tr.total').waitFor();
    // The period list is core::period's (last-7-days among them), the funnel's default chosen.
    const periods = await page.locator('#i-period option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(periods.includes('last-7-days') && periods.includes('last-quarter'), periods.join(','));
    assert.equal(await page.locator('#i-period').inputValue(), 'last-365-days', 'the funnel reports\' default');
    await page.locator('figure.chart[data-drawn]').first().waitFor({ state: 'attached' });
    await page.getByRole('link', { name: /compare/ }).click();
    await page.waitForURL((u) => u.pathname === '/reports/compare');

    // 4. A demo webinar against everyone else, converted = reached MQL.
    await page.getByLabel('Period', { exact: true }).selectOption('last-365-days');
    await page.getByLabel('Campaign (name)').fill(CAMPAIGN);
    await page.getByLabel('Converted = reached').selectOption('mql');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL((u) => u.searchParams.get('campaign') === CAMPAIGN);
    const verdict = page.locator('#verdict');
    const text = await verdict.innerText();
    assert.match(text, /Leads exposed to campaign .Webinar: Forecasting with Confidence. reached MQL at/);
    assert.match(text, /Noise|Too few leads|converted better|converted worse/);
    assert.ok(['noise', 'too_small', 'higher', 'lower'].includes(await verdict.getAttribute('data-verdict')));
    await page.locator('figure.chart[data-drawn]').first().waitFor({ state: 'attached' });

    // 5. The CSV has both cohorts and the difference.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'compare.csv');
    const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'cohort,leads,converted,rate,low_95,high_95,p_value,verdict');
    assert.deepEqual(csv.slice(1).map((l) => l.split(',')[0]), ['exposed', 'not_exposed', 'difference']);
    // The browser's own favicon request 404s (a console line without a page response); any
    // failed page request shows up as an `HTTP` entry.
    assert.deepEqual(page.problems.filter((p) => !p.startsWith('console: Failed to load resource')), []);
  } catch (err) {
    throw await explain(page, err, 'funnel');
  } finally {
    await context.close();
  }
});
