// browser_costs: a marketer on the Costs page in Debian's Chromium through playwright-core.
//   1. pastes an ad platform's cost export with one bad row: the row's line, column and
//      problem are shown, and the good rows' spend appears in the month × channel totals
//   2. chooses an export file instead (multipart upload): its spend joins the totals; a file
//      over 1 MiB is refused with the message beside the file field
//   3. adds a marker (an analyst report) and finds it listed
//   4. edits a UTM → channel rule and tests a touch: the channel and the rule that decided

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLeadline, launchBrowser, newPage, explain, signIn, uniq } from './lib.mjs';

const EMAIL = 'marketer@example.com';
const PASSWORD = 'correct horse battery';
const RUN = uniq();
const CAMPAIGN = `Spring search ${RUN}`;
const SOURCE = `src${RUN}`.toLowerCase();

let ll;
let browser;

before(async () => {
  ll = await startLeadline({
    name: 'browser_costs',
    setup: [['user', 'add', EMAIL, '--role', 'marketer', '--password', PASSWORD]],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await ll?.stop();
});

test('a marketer imports costs with a bad row, adds a marker and tests a channel rule', { timeout: 120_000 }, async () => {
  const { page } = await newPage(browser);
  try {
    await signIn(page, { base: ll.base, email: EMAIL, password: PASSWORD });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await page.waitForURL((u) => u.pathname === '/reports');
    await page.getByRole('link', { name: 'Costs', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/costs');

    // 1. Two good rows of a new campaign (created in paid search) and one bad amount.
    const csv = `date,campaign,cost\n2031-03-01,${CAMPAIGN},"1,200.50"\n2031-03-02,${CAMPAIGN},oops\n2031-03-09,${CAMPAIGN},99.50\n`;
    await page.locator('#i-csv').fill(csv);
    await page.locator('#i-create_campaigns').selectOption('paid_search');
    await page.getByRole('button', { name: 'Import costs' }).click();
    const result = page.locator('#import-result');
    await result.waitFor({ state: 'visible' });
    assert.match(await result.innerText(), /2 new, 0 replaced, 1 campaigns created; 1 rows refused/);
    const bad = await page.locator('#import-errors tbody tr').first().innerText();
    assert.match(bad, /^3\s+3\s+expected an amount/, bad);
    const row = page.locator('#totals-table tr[data-month="2031-03"][data-channel="paid_search"]');
    assert.match(await row.innerText(), /1,300\.00 USD/);

    // 2. The same kind of export chosen as a file; then one too big to take.
    const file = `date,campaign,cost\n2031-04-01,${CAMPAIGN},250\n2031-04-15,${CAMPAIGN},50.25\n`;
    await page.locator('#i-file').setInputFiles({ name: 'april.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
    await page.getByRole('button', { name: 'Import costs' }).click();
    await page.locator('#import-result').waitFor({ state: 'visible' });
    assert.match(await page.locator('#import-result').innerText(), /2 new, 0 replaced; 0 rows refused/);
    const april = page.locator('#totals-table tr[data-month="2031-04"][data-channel="paid_search"]');
    assert.match(await april.innerText(), /300\.25 USD/);
    const big = `date,campaign,cost\n${`2031-05-01,${CAMPAIGN},1\n`.repeat(40_000)}`;
    assert.ok(big.length > 1024 * 1024);
    await page.locator('#i-file').setInputFiles({ name: 'huge.csv', mimeType: 'text/csv', buffer: Buffer.from(big) });
    await page.getByRole('button', { name: 'Import costs' }).click();
    await page.locator('#e-file').waitFor({ state: 'visible' });
    assert.match(await page.locator('#e-file').innerText(), /larger than 1 MiB/);
    assert.equal(await page.locator('#totals-table tr[data-month="2031-05"]').count(), 0, 'nothing of it imported');

    // 3. A marker: listed with its day and channel.
    const title = `Wave report ${RUN}`;
    await page.locator('#i-marker_day').fill('2031-03-05');
    await page.locator('#i-marker_channel').selectOption('analyst');
    await page.locator('#i-title').fill(title);
    await page.getByRole('button', { name: 'Add marker' }).click();
    await page.waitForURL((u) => u.searchParams.get('added') === 'marker');
    const marker = page.locator('#markers tr', { hasText: title });
    assert.match(await marker.innerText(), /2031-03-05\s+analyst/);

    // 4. A rule in the first blank row, then a touch tested against it.
    await page.getByRole('link', { name: 'UTM → channel rules' }).click();
    await page.waitForURL((u) => u.pathname === '/channel-rules');
    const blank = await page.locator('#rules tbody tr').count() - 3;
    await page.locator(`#i-utm_source_${blank}`).fill(`${SOURCE}*`);
    await page.locator(`#i-channel_${blank}`).selectOption('analyst');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.waitForURL((u) => u.searchParams.get('saved') === '1');
    await page.locator('#t-medium').fill('cpc');
    await page.locator('#t-source').fill(`${SOURCE}-review`);
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    const said = await page.locator('#test-result').innerText();
    assert.match(said, new RegExp(`Channel: analyst — rule ${blank + 1} matched`), said);
  } catch (err) {
    throw await explain(page, err, 'browser_costs');
  }
});
