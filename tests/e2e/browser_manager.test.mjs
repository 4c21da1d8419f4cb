// browser_manager: the sales manager's side of routing, driven in Debian's Chromium
// through playwright-core.
//   1. a manager (marketer role) signs in and adds a routing rule through the form: a team
//      round robin of two reps with an acceptance deadline, after a bad condition shows its
//      error beside the condition field; the rule is moved to the top of the list
//   2. "test this lead" shows which rule fires and for whom
//   3. the chosen rep is set out of office on /reps; the preview now passes them over
//   4. the follow-up report opens from Reports in the nav, with its table and CSV download
//   5. an admin adds a webhook endpoint (a receiver in this process), copies the secret shown
//      once, and the receiver gets a signed lead.created and a ping it verifies with that
//      secret; the delivery log shows them delivered

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLeadline, launchBrowser, newPage, explain, signIn as signInAs, uniq, waitFor, SCREEN_DIR } from './lib.mjs';

const PASSWORD = 'correct horse battery';
const RUN = uniq();
const MANAGER = `manager.${RUN}@vendor.example`;
const ADMIN = `admin.${RUN}@vendor.example`;
const REPS = [`ana.${RUN}@vendor.example`, `ben.${RUN}@vendor.example`];
const LEAD = `lee.${RUN}@acme.example`;
const RULE = `Inbound ${RUN}`;

let ll;
let browser;

before(async () => {
  // A team calendar open around the clock, so the reps are available whenever this runs.
  const calendar = path.join(mkdtempSync(path.join(tmpdir(), 'leadline-manager-')), 'always.json');
  const day = '00:00-24:00';
  writeFileSync(calendar, JSON.stringify({
    time_zone: 'UTC',
    hours: { monday: day, tuesday: day, wednesday: day, thursday: day, friday: day, saturday: day, sunday: day },
  }));
  ll = await startLeadline({
    name: 'browser_manager',
    setup: [
      ['user', 'add', MANAGER, '--role', 'marketer', '--password', PASSWORD],
      ['user', 'add', ADMIN, '--role', 'admin', '--password', PASSWORD],
      ...REPS.map((r) => ['user', 'add', r, '--role', 'sales', '--password', PASSWORD]),
      ['rep', 'team-calendar', calendar],
    ],
  });
  (await ll.post('/api/v1/leads', { email: LEAD, first_name: 'Lee', country: 'US' })).expect(201);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await ll?.stop();
});

/** Signs in as `who` (the manager unless told), all with the same password. */
function signIn(page, who = MANAGER) {
  return signInAs(page, { base: ll.base, email: who, password: PASSWORD });
}

/** The rule form, filled for a round-robin team of both reps. */
async function fillRule(form, when) {
  await form.locator('#i-name').fill(RULE);
  await form.locator('#i-when').fill(when);
  await form.locator('input[name=target][value=team]').check();
  await form.locator('#i-team').fill(`inbound-${RUN}`);
  await form.locator('#i-method').selectOption('round_robin');
  for (const rep of REPS) await form.getByLabel(rep, { exact: true }).check();
  await form.locator('#i-accept_within_hours').fill('4');
}

async function preview(page) {
  await page.goto(`${ll.base}/routing?lead=${encodeURIComponent(LEAD)}`);
  const box = page.locator('#preview');
  await box.waitFor({ state: 'visible' });
  return box;
}

test('a manager builds a rule, tests a lead, sends a rep away and reads the follow-up report', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, { acceptDownloads: true });
  try {
    await signIn(page);
    await page.getByRole('link', { name: 'Routing', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/routing');

    // A condition that does not parse: the error sits beside the condition, nothing is saved.
    let form = page.locator('#rule-form form');
    await fillRule(form, 'country = ');
    await form.getByRole('button', { name: 'Add rule' }).click();
    const err = page.locator('#e-when');
    await err.waitFor({ state: 'visible' });
    assert.match(await err.innerText(), /column/);
    assert.equal(await page.locator('#i-when').getAttribute('aria-describedby'), 'e-when');
    assert.equal(await page.locator(`#rules tr[data-rule="${RULE}"]`).count(), 0);

    // The same form, fixed: saved, listed with its team, members and deadline.
    form = page.locator('#rule-form form');
    await fillRule(form, 'country = "US"');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.waitForURL((u) => u.searchParams.get('saved') === '1');
    const row = page.locator(`#rules tr[data-rule="${RULE}"]`);
    await row.waitFor({ state: 'visible' });
    const text = await row.innerText();
    assert.match(text, /round robin/);
    for (const rep of REPS) assert.ok(text.includes(rep), `${rep} listed in: ${text}`);
    assert.match(text, /accept within 4 h/);
    // First in the list, so no rule saved before this run takes the lead.
    for (let i = 0; i < 20 && (await page.getByRole('button', { name: `Move rule ${RULE} up` }).count()) > 0; i++) {
      await page.getByRole('button', { name: `Move rule ${RULE} up` }).click();
      await page.waitForURL((u) => u.searchParams.get('saved') === '1');
    }
    assert.equal(await page.locator('#rules tbody tr').first().getAttribute('data-rule'), RULE);

    // Test this lead: the rule fires, and the preview names the rep.
    await page.locator('#i-lead').fill(LEAD);
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    let box = page.locator('#preview');
    await box.waitFor({ state: 'visible' });
    let said = await box.innerText();
    assert.ok(said.includes(`Rule 1 “${RULE}” fires`), said);
    const chosen = REPS.find((r) => said.includes(`goes to ${r}`) || said.includes(r));
    assert.ok(chosen, `a rep is named: ${said}`);
    const other = REPS.find((r) => r !== chosen);

    // The chosen rep goes on leave.
    await page.getByRole('link', { name: 'Reps', exact: true }).click();
    await page.getByRole('link', { name: `Edit ${chosen}` }).click();
    await page.locator('#i-out_of_office_from').fill('2020-01-01T00:00');
    await page.locator('#i-out_of_office_until').fill('2999-01-01T00:00');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/reps' && u.searchParams.get('saved') === '1');
    assert.match(await page.locator(`#reps tr[data-rep="${chosen}"]`).innerText(), /away now/);

    // The preview now passes them over, and says why.
    box = await preview(page);
    said = await box.innerText();
    assert.ok(said.includes(`goes to ${other}`), `the other rep takes it: ${said}`);
    const why = await page.locator('#preview-explanation').innerText();
    assert.ok(why.includes(`${chosen} skipped: out of office`), why);

    // The follow-up report, from Reports in the nav: period controls, table, CSV.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await page.waitForURL((u) => u.pathname === '/reports');
    await page.getByRole('link', { name: 'Follow-up', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/reports/followup');
    await page.locator('#followup tr.total').waitFor({ state: 'visible' });
    await page.locator('#i-by').selectOption('source');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('by') === 'source');
    await page.locator('#followup').waitFor({ state: 'visible' });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    const file = path.join(ll.tmp, 'followup.csv');
    await download.saveAs(file);
    assert.match(readFileSync(file, 'utf8').split('\n')[0], /^key,assigned,accepted_on_time/);
    mkdirSync(SCREEN_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREEN_DIR, 'followup.png'), fullPage: true });
  } catch (err) {
    throw await explain(page, err, 'manager');
  } finally {
    await context.close();
  }
});

/** A webhook receiver on 127.0.0.1: records every request's headers and raw body. */
async function startReceiver() {
  const got = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    got,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

/** Standard Webhooks verification, as a receiver would write it (docs/webhooks.md). */
function verified(secret, { headers, body }) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  const expected = createHmac('sha256', key).update(signed).digest();
  return (headers['webhook-signature'] ?? '').split(' ').some((s) => {
    const [version, sig] = s.split(',');
    const given = Buffer.from(sig ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

test('an admin adds a webhook endpoint and the deliveries arrive signed with the secret shown once', { timeout: 120_000 }, async () => {
  const receiver = await startReceiver();
  const { context, page } = await newPage(browser, { acceptDownloads: true });
  try {
    await signIn(page, ADMIN);
    await page.goto(`${ll.base}/settings`);
    await page.getByRole('link', { name: /webhooks/i }).first().click();
    await page.waitForURL((u) => u.pathname === '/settings/webhooks');
    await page.locator('#i-url').fill(receiver.url);
    await page.locator('#i-description').fill(`CRM sync ${RUN}`);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = await page.locator('#secret').inputValue();
    assert.match(secret, /^whsec_/);

    // A lead captured after the endpoint exists is told to it, signed with that secret.
    const email = `new.${RUN}@acme.example`;
    (await ll.post('/api/v1/leads', { email, first_name: 'Nia' })).expect(201);
    const created = await waitFor(
      () => receiver.got.find((r) => JSON.parse(r.body).type === 'lead.created' && r.body.includes(email)),
      { timeout: 30_000, what: 'lead.created at the receiver' },
    );
    assert.ok(verified(secret, created), 'the lead.created signature verifies with the secret shown');
    assert.ok(!verified(`whsec_${Buffer.from('not the secret').toString('base64')}`, created), 'and not with another');

    // A ping from the endpoints list, then the delivery log shows both delivered.
    await page.goto(`${ll.base}/settings/webhooks`);
    await page.getByRole('button', { name: `Send ping: ${receiver.url}` }).click();
    const ping = await waitFor(() => receiver.got.find((r) => JSON.parse(r.body).type === 'ping'), {
      timeout: 30_000, what: 'ping at the receiver',
    });
    assert.ok(verified(secret, ping), 'the ping signature verifies');
    await page.goto(`${ll.base}/settings/webhooks`);
    await page.getByRole('link', { name: receiver.url }).click();
    const pingRow = page.locator('tr', { hasText: ping.headers['webhook-id'] });
    await waitFor(async () => {
      await page.reload();
      return /delivered/.test(await pingRow.innerText().catch(() => ''));
    }, { timeout: 30_000, what: 'the ping shown delivered in the log' });
    assert.match(await page.locator('tr', { hasText: created.headers['webhook-id'] }).innerText(), /lead\.created[\s\S]*delivered/);
  } catch (err) {
    throw await explain(page, err, 'webhooks');
  } finally {
    await context.close();
    await receiver.close();
  }
});
