// browser_forms: leadline's public forms and web UI driven in Debian's Chromium
// through playwright-core.
//   1. the hosted form page GET /f/{key}
//   2. the embed script BASE/f/{key}.js on a page of another origin
//   3. a server/client validation error beside the email field (.field-error)
//   4. the web UI: /login, the leads list at /leads, a lead's detail page

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  startLeadline,
  startStaticServer,
  launchBrowser,
  newPage,
  explain,
  gotoOk,
  signIn,
  waitFor,
  uniq,
  SCREEN_DIR,
  UI_TIMEOUT,
} from './lib.mjs';

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'correct horse battery';
const THANK_YOU = 'Thanks, we will be in touch.';
const FORM = {
  name: 'Contact us',
  fields: [
    { name: 'email', label: 'Work email', type: 'email', required: true },
    { name: 'first_name', label: 'First name', type: 'text' },
    { name: 'company', label: 'Company', type: 'text' },
  ],
  min_seconds: 0,
  thank_you: THANK_YOU,
};
// How a site embeds a form: one constant, so a change of convention is one edit.
const EMBED_SNIPPET = (base, key) =>
  `<div id="ll-form"></div><script src="${base}/f/${key}.js" data-target="ll-form"></script>`;
const EMBED_ROOT = '#ll-form';

let ll;
let browser;
let form;

before(async () => {
  ll = await startLeadline({
    name: 'browser_forms',
    setup: [['user', 'add', ADMIN_EMAIL, '--role', 'admin', '--password', ADMIN_PASSWORD]],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await ll?.stop();
});

async function theForm() {
  if (!form) {
    form = (await ll.post('/api/v1/forms', FORM)).expect(201).json();
    assert.ok(form.id !== undefined && form.key, `POST /api/v1/forms answer lacks id/key: ${JSON.stringify(form)}`);
  }
  return form;
}

async function submit(scope) {
  await scope.locator('button[type=submit], input[type=submit], button:not([type])').first().click();
}

async function waitForLead(email) {
  await waitFor(async () => (await ll.findLeads(email)).items.length > 0, { timeout: 20_000, what: `a lead with email ${email}` });
  return ll.oneLead(email);
}

/** identify (with email) + track for a new user, straight through POST /v1/batch. */
async function segmentIdentifyAndTrack(email, event) {
  const src = await ll.createSource(`ui-${uniq()}`);
  const userId = `user-ui-${uniq()}`;
  const now = new Date().toISOString();
  const batch = [
    { type: 'identify', userId, traits: { email, firstName: 'Radia', company: 'Spanning Tree' }, messageId: `ui-identify-${uniq()}`, timestamp: now },
    { type: 'track', userId, event, properties: { plan: 'pro' }, messageId: `ui-track-${uniq()}`, timestamp: now },
  ];
  (
    await ll.post('/v1/batch', { batch, sentAt: now }, {
      auth: false,
      headers: { authorization: `Basic ${Buffer.from(`${src.write_key}:`).toString('base64')}` },
    })
  ).expect(200);
}

async function submitHosted(page, { email, firstName, company }) {
  const f = await theForm();
  await gotoOk(page, `${ll.base}/f/${f.key}`);
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=first_name]').fill(firstName);
  await page.locator('input[name=company]').fill(company);
  await submit(page.locator('form').filter({ has: page.locator('input[name=email]') }));
  await page.getByText(THANK_YOU).waitFor({ state: 'visible' });
}

test('hosted form page: submit, thank-you text, lead created', { timeout: 90_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    const email = `hosted.${uniq()}@example.com`;
    await submitHosted(page, { email, firstName: 'Hedy', company: 'Frequency Hopping Inc' });
    const lead = await waitForLead(email);
    assert.equal(lead.email, email);
  } catch (err) {
    throw await explain(page, err, 'hosted');
  } finally {
    await context.close();
  }
});

test('embedded form on another origin: submit, thank-you text, lead created', { timeout: 90_000 }, async () => {
  const f = await theForm();
  const site = await startStaticServer({
    '/landing.html': `<!doctype html><html><head><meta charset="utf-8"><title>Acme landing page</title></head>
<body><h1>Acme</h1><p>Talk to us:</p>${EMBED_SNIPPET(ll.base, f.key)}</body></html>`,
  });
  const { context, page } = await newPage(browser);
  try {
    assert.notEqual(new URL(site.base).origin, new URL(ll.base).origin);
    const email = `embedded.${uniq()}@example.com`;
    await gotoOk(page, `${site.base}/landing.html`);
    const root = page.locator(EMBED_ROOT);
    await root.locator('input[name=email]').fill(email);
    await root.locator('input[name=first_name]').fill('Katherine');
    await root.locator('input[name=company]').fill('Langley');
    await submit(root);
    await page.getByText(THANK_YOU).waitFor({ state: 'visible' });
    assert.ok(page.url().startsWith(site.base), `the embedding page navigated away to ${page.url()}`);
    const lead = await waitForLead(email);
    assert.equal(lead.email, email);
  } catch (err) {
    throw await explain(page, err, 'embedded');
  } finally {
    await context.close();
    await site.close();
  }
});

test('hosted form without the required email shows an error beside the email field', { timeout: 90_000 }, async () => {
  const f = await theForm();
  const { context, page } = await newPage(browser);
  try {
    await gotoOk(page, `${ll.base}/f/${f.key}`);
    await page.locator('input[name=first_name]').fill('Nobody');
    await page.locator('input[name=company]').fill('No Email Ltd');
    // Skip the browser's own `required` check so the form's validation (script or server) answers.
    await page.locator('form').filter({ has: page.locator('input[name=email]') }).evaluate((el) => {
      el.noValidate = true;
    });
    await submit(page.locator('form').filter({ has: page.locator('input[name=email]') }));
    await page.locator('.field-error').first().waitFor({ state: 'visible' });
    const beside = await page.evaluate(() => {
      const input = document.querySelector('input[name=email]');
      if (!input) return 'no input[name=email] on the page after submitting';
      const isErr = (el) => el && el.matches('.field-error') && el.textContent.trim() !== '';
      // Named by aria-describedby / aria-errormessage.
      for (const attr of ['aria-describedby', 'aria-errormessage']) {
        for (const id of (input.getAttribute(attr) || '').split(/\s+/).filter(Boolean)) {
          if (isErr(document.getElementById(id))) return true;
        }
      }
      // A sibling of the input (or of a wrapper of it inside the form), before any other field's control.
      const control = 'input:not([type=hidden]), textarea, select';
      for (let node = input; node && node.tagName !== 'FORM'; node = node.parentElement) {
        for (const dir of ['nextElementSibling', 'previousElementSibling']) {
          for (let el = node[dir]; el && !el.matches(control) && !el.querySelector(control); el = el[dir]) {
            if (isErr(el) || isErr(el.querySelector('.field-error'))) return true;
          }
        }
      }
      // The error must sit in the email field's own container (up to 3 levels up, inside the form).
      let node = input.parentElement;
      for (let i = 0; node && i < 3; i++, node = node.parentElement) {
        const err = node.querySelector('.field-error');
        const inputs = node.querySelectorAll('input:not([type=hidden]), textarea, select');
        if (isErr(err) && inputs.length === 1) return true;
        if (node.tagName === 'FORM') break;
      }
      const all = [...document.querySelectorAll('.field-error')].map((e) => e.outerHTML).join(' ');
      return `no non-empty .field-error next to input[name=email]; found: ${all}`;
    });
    assert.equal(beside, true, beside);
    assert.equal(await page.getByText(THANK_YOU).count(), 0, 'the thank-you text is shown for an invalid submission');
  } catch (err) {
    throw await explain(page, err, 'field-error');
  } finally {
    await context.close();
  }
});

test('web UI: log in, see the lead in /leads, open its timeline', { timeout: 90_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    // The lead comes in through the Segment HTTP API, so this test does not hang on the forms.
    const email = `ui.${uniq()}@example.com`;
    await segmentIdentifyAndTrack(email, 'UI Demo Requested');
    const lead = await waitForLead(email);
    const activities = await waitFor(async () => {
      const items = await ll.activities(lead.id);
      return items.some((a) => a.name === 'UI Demo Requested') && items;
    }, { timeout: 20_000, what: `the track event on lead ${lead.id}'s timeline` });

    await signIn(page, { base: ll.base, email: ADMIN_EMAIL, password: ADMIN_PASSWORD });

    await gotoOk(page, `${ll.base}/leads`);
    assert.ok(new URL(page.url()).pathname.startsWith('/leads'), `GET /leads ended at ${page.url()} (not logged in?)`);
    const link = page.locator('a', { hasText: email }).first();
    await link.waitFor({ state: 'visible' });
    mkdirSync(SCREEN_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREEN_DIR, 'leads.png'), fullPage: true });

    await link.click();
    await page.waitForURL((u) => u.pathname !== '/leads' && u.pathname.startsWith('/leads/'), { timeout: UI_TIMEOUT });
    await page.getByText(email).first().waitFor({ state: 'visible' });
    const body = (await page.locator('body').innerText()).toLowerCase();
    assert.ok(
      body.includes('ui demo requested'),
      `the lead's page does not show its track event "UI Demo Requested" (timeline via API: ${activities.map((a) => `${a.type}:${a.name}`).join(', ')})`,
    );
    mkdirSync(SCREEN_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREEN_DIR, 'lead.png'), fullPage: true });
  } catch (err) {
    throw await explain(page, err, 'web-ui');
  } finally {
    await context.close();
  }
});
