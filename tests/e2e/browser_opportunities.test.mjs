// browser_opportunities: a sales rep works a deal in Debian's Chromium through
// playwright-core:
//   1. signs in, opens a sales-qualified lead and converts it to an opportunity
//   2. adds a contact role (a colleague at the same account)
//   3. fills the ROI builder and sees the payback period, ROI % and NPV
//   4. shares the estimate and opens the share link signed out (read-only, noindex)
//   5. moves the deal to closed won and sees the lead is now a customer

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startLeadline, launchBrowser, newPage, explain, gotoOk, signIn, uniq, SCREEN_DIR } from './lib.mjs';

const REP_EMAIL = 'rep@example.com';
const REP_PASSWORD = 'correct horse battery';

let ll;
let browser;

before(async () => {
  ll = await startLeadline({
    name: 'browser_opportunities',
    setup: [['user', 'add', REP_EMAIL, '--role', 'sales', '--password', REP_PASSWORD]],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await ll?.stop();
});

/** A lead through the API, moved to `stage` with a reason; returns it. */
async function leadAt(email, stage) {
  const lead = (await ll.post('/api/v1/leads', { email, first_name: 'Grace', company: 'Initech' })).expect(201).json();
  if (stage) {
    (await ll.post(`/api/v1/leads/${lead.id}/stage`, { stage, reason: 'BANT confirmed on a call' })).expect(200);
  }
  return lead;
}

test('a rep converts a lead, names a contact, builds and shares the ROI estimate, and wins the deal', { timeout: 120_000 }, async () => {
  const domain = `initech-${uniq()}.com`.toLowerCase();
  const buyer = await leadAt(`cfo@${domain}`, 'sql');
  const colleague = await leadAt(`cto@${domain}`);
  const { context, page } = await newPage(browser);
  let anon;
  try {
    await signIn(page, { base: ll.base, email: REP_EMAIL, password: REP_PASSWORD });

    // 1. Convert the lead.
    await gotoOk(page, `${ll.base}/leads/${buyer.id}`);
    await page.getByLabel('Their part in the deal').selectOption('champion');
    await page.getByRole('button', { name: 'Convert to opportunity' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/opportunities/'));
    const dealPath = new URL(page.url()).pathname;
    assert.equal((await page.locator('#deal-stage').innerText()).trim(), 'needs analysis');
    assert.equal((await ll.get(`/api/v1/leads/${buyer.id}`)).expect(200).json().stage, 'opportunity');

    // 2. A contact role for a colleague at the same account.
    const contacts = page.locator('#contacts');
    await contacts.getByLabel(/Person at/).selectOption(colleague.id);
    await contacts.getByLabel('Role').selectOption('economic_buyer');
    await contacts.getByRole('button', { name: 'Add contact role' }).click();
    await page.waitForURL((u) => u.pathname === dealPath);
    await contacts.locator('tr', { hasText: `cto@${domain}` }).getByText('economic buyer').waitFor({ state: 'visible' });
    await contacts.locator('tr', { hasText: `cfo@${domain}` }).getByText('champion').waitFor({ state: 'visible' });

    // 3. The ROI builder.
    const roi = page.locator('#roi');
    await roi.getByLabel(/Current cost per month/).fill('10000');
    await roi.getByLabel('Expected savings per month').fill('4000');
    await roi.getByLabel('Our price, one-time').fill('12000');
    await roi.getByLabel('Our price per month').fill('1000');
    await roi.getByLabel('Time horizon (months)').fill('24');
    await roi.getByRole('button', { name: 'Calculate' }).click();
    await page.waitForURL((u) => u.pathname === dealPath);
    assert.equal((await page.locator('#roi-payback').innerText()).trim(), '4.0 months');
    assert.equal((await page.locator('#roi-percent').innerText()).trim(), '166.7 %');
    assert.match(await page.locator('#roi-npv').innerText(), /USD/);
    mkdirSync(SCREEN_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREEN_DIR, 'opportunity.png'), fullPage: true });

    // 4. Share it and open the link signed out.
    await roi.getByRole('button', { name: 'Share the estimate' }).click();
    await page.waitForURL((u) => u.pathname === dealPath);
    const href = await page.locator('#share-link').getAttribute('href');
    assert.match(href, /^\/roi\/[A-Za-z0-9_-]{20,}$/);
    anon = await browser.newContext();
    const pub = await anon.newPage();
    const res = await gotoOk(pub, `${ll.base}${href}`);
    assert.equal(res.headers()['x-robots-tag'], 'noindex, nofollow');
    assert.equal(await pub.locator('meta[name=robots]').getAttribute('content'), 'noindex, nofollow');
    assert.equal((await pub.locator('#roi-payback').innerText()).trim(), '4.0 months');
    assert.equal(await pub.locator('form').count(), 0, 'the shared page is read-only');
    assert.equal(await pub.locator('a[href="/leads"]').count(), 0, 'no app navigation signed out');

    // 5. Close it won.
    const stage = page.locator('#stage');
    await stage.getByLabel('Move to').selectOption('closed_won');
    await stage.getByLabel('Why').fill('Signed the order form');
    await stage.getByRole('button', { name: 'Move' }).click();
    await page.waitForURL((u) => u.pathname === dealPath);
    assert.equal((await page.locator('#deal-stage').innerText()).trim(), 'closed won');
    await page.locator('#deal-won').waitFor({ state: 'visible' });
    await page.locator('a', { hasText: `cfo@${domain}` }).first().click();
    await page.waitForURL((u) => u.pathname === `/leads/${buyer.id}`);
    assert.equal((await page.locator('.stage').first().innerText()).trim(), 'customer');
    assert.equal((await ll.get(`/api/v1/leads/${buyer.id}`)).expect(200).json().stage, 'customer');
  } catch (err) {
    throw await explain(page, err, 'opportunities');
  } finally {
    await anon?.close();
    await context.close();
  }
});
