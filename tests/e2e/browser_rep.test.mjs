// browser_rep: a sales rep's day in Debian's Chromium through playwright-core.
//   set up through the CLI and the API: a rep, an admin, an always-open team calendar, a
//   routing rule giving every MQL to the rep, and MQL leads (created, then moved to mql);
//   the server's own routing worker assigns them.
//   1. the rep signs in, sees the lead in /inbox with its deadline, opens it, accepts it,
//      logs a call, schedules the next step; the bell and /notifications show the assignment
//   2. the rep logs a referral from the inbox and sees it there
//   3. a second lead is rejected with "no budget" and shows as recycled
//   4. the SLA ladder, taken with `leadline sla run --as-of`: the rep is reminded, the admin
//      (no team lead named) is told, the lead is taken back

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLeadline, launchBrowser, newPage, explain, signIn as signInAs, waitFor, uniq } from './lib.mjs';

const REP_EMAIL = `rep-${uniq()}@seller.example`;
const ADMIN_EMAIL = `boss-${uniq()}@seller.example`;
const PASSWORD = 'correct horse battery';

let ll;
let browser;
let repId;
let page;
let context;

before(async () => {
  ll = await startLeadline({
    name: 'browser_rep',
    setup: [
      ['user', 'add', REP_EMAIL, '--role', 'sales', '--password', PASSWORD],
      ['user', 'add', ADMIN_EMAIL, '--role', 'admin', '--password', PASSWORD],
      ['rep', 'team-calendar', '--every-day', '00:00-24:00'],
    ],
  });
  const users = (await ll.get('/api/v1/users')).expect(200).json();
  const list = Array.isArray(users) ? users : users.items;
  repId = list.find((u) => u.email === REP_EMAIL)?.id;
  assert.ok(repId, `the rep is listed: ${JSON.stringify(users)}`);
  const toml = `[[routing]]\nname = "Everything to the rep"\nwhen = ""\nassign = { owner = "${repId}" }\naccept_within_hours = 4\nfirst_touch_within_hours = 24\n`;
  const r = await ll.request('PUT', '/api/v1/policy', { body: { toml } });
  r.expect(200, 202);
  browser = await launchBrowser();
  ({ context, page } = await newPage(browser));
});

after(async () => {
  await browser?.close();
  await ll?.stop();
});

/** Runs `fn`; on failure adds what the browser saw and keeps a screenshot. */
async function step(name, fn) {
  try {
    await fn();
  } catch (err) {
    await explain(page, err, `rep-${name}`);
    err.message += `\nserver:\n${ll.tail(20)}`;
    throw err;
  }
}

/** A lead created through the API, moved to MQL, and routed to the rep by the server. */
async function mqlLead(email, firstName) {
  const lead = (await ll.post('/api/v1/leads', { email, first_name: firstName, company: 'Globex' })).expect(201).json();
  (await ll.post(`/api/v1/leads/${lead.id}/stage`, { stage: 'mql', reason: 'asked for a demo' })).expect(200);
  await waitFor(
    async () => {
      const page = (await ll.get(`/api/v1/assignments?owner=${repId}`)).expect(200).json();
      return page.items.some((a) => a.lead_id === lead.id);
    },
    { timeout: 20_000, what: `routing to assign ${email} to the rep` },
  );
  return lead;
}

function signIn(email) {
  return signInAs(page, { base: ll.base, email, password: PASSWORD });
}

let first;

test('the rep sees the routed lead in the inbox, accepts it, logs a call and plans the next step', async () => {
  first = await mqlLead(`ada-${uniq()}@globex.example`, 'Ada');
  await step('inbox', async () => {
    await signIn(REP_EMAIL);
    await page.goto(`${ll.base}/inbox`);
    const row = page.locator('#inbox tbody tr', { hasText: 'Ada' });
    await row.waitFor();
    assert.match(await row.locator('td.deadline').innerText(), /accept due in \d+ h/);
    assert.equal(await page.locator('#unread-count').innerText(), '1', 'the bell counts the assignment');

    await row.locator(`a[href="/leads/${first.id}"]`).click();
    await page.waitForURL(`**/leads/${first.id}`);
    const card = page.locator('#assignment');
    assert.match(await card.locator('#owner').innerText(), /\(you\)/);
    await card.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(/done=accept/);
    assert.match(await page.locator('#assignment').innerText(), /accepted \d{4}-\d\d-\d\d/);

    await page.locator('#i-touch-kind').selectOption('call');
    await page.locator('#i-touch-outcome').fill('reached, wants a demo');
    await page.locator('#touch-form button[type=submit]').click();
    await page.waitForURL(/done=touch/);
    assert.match(await page.locator('#assignment').innerText(), /touched \d{4}/);
    assert.match(await page.locator('.timeline').innerText(), /call: reached, wants a demo/);

    await page.locator('#i-next-text').fill('Demo with their CTO');
    await page.locator('#i-next-at').fill('2030-01-02T10:00');
    await page.locator('#next-step-form button[type=submit]').click();
    await page.waitForURL(/done=next_step/);
    assert.match(await page.locator('#next-step').innerText(), /Demo with their CTO · 2030-01-02 10:00/);
  });
  await step('notifications', async () => {
    await page.locator('a.bell').click();
    await page.waitForURL('**/notifications');
    assert.match(await page.locator('#notifications').innerText(), /New lead: Ada/);
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.waitForURL('**/notifications');
    assert.equal(await page.locator('#unread-count').count(), 0, 'nothing unread');
  });
});

test('the rep logs a referral and finds it in the inbox', async () => {
  const email = `grace-${uniq()}@partner.example`;
  await step('referral', async () => {
    await page.goto(`${ll.base}/inbox`);
    const form = page.locator('#referral form');
    await form.locator('input[name=email]').fill(email);
    await form.locator('input[name=name]').fill('Grace Hopper');
    await form.locator('input[name=company]').fill('Partner Inc');
    await form.locator('input[name=note]').fill('met at the meetup');
    await form.locator('button[type=submit]').click();
    await page.waitForURL(/referred=/);
    const row = page.locator('#inbox tbody tr', { hasText: 'Grace Hopper' });
    await row.waitFor();
    assert.match(await row.innerText(), /referral/);
  });
  const lead = await ll.oneLead(email);
  assert.equal(lead.source_channel, 'sales_referral');
  const acts = await ll.activities(lead.id);
  assert.ok(acts.some((a) => a.type === 'referral_logged'), JSON.stringify(acts));
});

test('a lead rejected with "no budget" goes back to marketing as recycled', async () => {
  const second = await mqlLead(`bob-${uniq()}@globex.example`, 'Bob');
  await step('reject', async () => {
    await page.goto(`${ll.base}/leads/${second.id}`);
    await page.locator('#assignment summary', { hasText: 'Reject' }).click();
    await page.locator('#i-reject-reason').selectOption('no_budget');
    await page.locator('#i-reject-note').fill('next fiscal year');
    await page.getByRole('button', { name: 'Reject and send back' }).click();
    await page.waitForURL(/done=reject/);
    assert.equal(await page.locator('.stage').first().innerText(), 'recycled');
    assert.equal(await page.locator('#assignment').count(), 0, 'no longer assigned');
    assert.match(await page.locator('#lifecycle').innerText(), /rejected by sales: no budget \(next fiscal year\)/);
  });
});

test('the SLA ladder reminds the rep, tells the admin and takes the lead back', async () => {
  const third = await mqlLead(`cy-${uniq()}@globex.example`, 'Cy');
  const later = new Date(Date.now() + 100 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  await ll.cli('sla', 'run', '--as-of', later);
  const all = (await ll.get(`/api/v1/assignments?owner=${repId}&open=false&limit=500`)).expect(200).json();
  const ended = all.items.find((a) => a.lead_id === third.id);
  assert.equal(ended?.end_reason, 'sla_reassigned', JSON.stringify(ended));
  const stillMine = all.items.find((a) => a.lead_id === first.id);
  assert.equal(stillMine.ended_at, null, 'the accepted, touched lead stays with the rep');
  await step('sla', async () => {
    await page.goto(`${ll.base}/notifications`);
    const text = await page.locator('#notifications').innerText();
    assert.match(text, /Overdue: accept or reject Cy/);
    assert.match(text, /Cy .* was taken back/);
    await page.goto(`${ll.base}/inbox`);
    assert.equal(await page.locator('#inbox tbody tr', { hasText: 'Cy' }).count(), 0);
    // The admin, with no team lead named, hears of it and can open the rep's inbox.
    await context.clearCookies();
    await signIn(ADMIN_EMAIL);
    await page.goto(`${ll.base}/notifications`);
    assert.match(await page.locator('#notifications').innerText(), /missed the accept deadline on Cy/);
    await page.goto(`${ll.base}/inbox?rep=${repId}`);
    assert.match(await page.locator('h1').innerText(), new RegExp(`Inbox of ${REP_EMAIL}`));
    await page.locator('#inbox tbody tr', { hasText: 'Ada' }).waitFor();
  });
});
