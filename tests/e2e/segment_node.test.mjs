// segment_node: the real Segment Node client (@segment/analytics-node) talking
// to leadline's Segment-compatible ingest (POST {host}/v1/batch).
// Same scenario as test_segment_python.py.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Analytics } from '@segment/analytics-node';
import { startLeadline, waitFor, uniq } from './lib.mjs';

const ACTIVITY_KEYS = ['id', 'type', 'name', 'message_id', 'occurred_at'];
// occurred_at as RFC 3339 text, or a number of epoch milliseconds.
const ts = (v) => (typeof v === 'number' ? v : Date.parse(v));

let ll;
before(async () => {
  ll = await startLeadline({ name: 'segment_node' });
});
after(async () => {
  await ll?.stop();
});

/** A client that records every HTTP answer and every per-event error. */
function client(writeKey, flushAt) {
  const analytics = new Analytics({ writeKey, host: ll.base, flushAt, flushInterval: 200, maxRetries: 1, httpRequestTimeout: 10_000 });
  const responses = [];
  const errors = [];
  analytics.on('http_response', (r) => responses.push(r.status));
  analytics.on('error', (e) => errors.push(e?.reason?.message ?? e?.message ?? String(e)));
  const cb = (err) => {
    if (err) errors.push(err?.message ?? String(err));
  };
  return { analytics, responses, errors, cb };
}

/** Call analytics[method](params) and wait for that event's delivery callback. */
function deliver(c, method, params) {
  return new Promise((resolve) => {
    c.analytics[method](params, (err) => {
      if (err) c.errors.push(`${method} ${params.messageId}: ${err?.reason?.message ?? err?.message ?? String(err)}`);
      resolve();
    });
  });
}

async function closeAndCheck(c, what) {
  await c.analytics.closeAndFlush({ timeout: 20_000 });
  assert.deepEqual(c.errors, [], `${what}: delivery errors: ${c.errors.join('; ')}`);
  assert.ok(c.responses.length > 0, `${what}: the client made no request to ${ll.base}/v1/batch`);
  const bad = c.responses.filter((s) => s < 200 || s >= 300);
  assert.deepEqual(bad, [], `${what}: POST ${ll.base}/v1/batch answered ${c.responses.join(', ')}`);
}

class Visitor {
  constructor() {
    this.run = uniq();
    this.anon = `anon-node-${this.run}`;
    this.userId = `user-node-${this.run}`;
    this.email = `grace.${this.run}@example.com`;
    this.mid = Object.fromEntries(
      ['page', 'identify', 'track', 'b_page', 'b_track1', 'b_track2', 'b_identify'].map((k) => [k, `node-${k}-${this.run}`]),
    );
  }

  /** page, identify, track one after another, each delivered before the next (as a visitor would). */
  async sendSingles(c) {
    const campaign = { name: 'spring-launch', source: 'newsletter', medium: 'email', term: 'crm', content: 'hero' };
    await deliver(c, 'page', {
      anonymousId: this.anon,
      name: 'Pricing',
      properties: { path: '/pricing', url: 'https://www.example.com/pricing?utm_source=newsletter', title: 'Pricing', referrer: 'https://news.example.org/' },
      context: { campaign, page: { path: '/pricing', url: 'https://www.example.com/pricing?utm_source=newsletter' }, ip: '203.0.113.9' },
      messageId: this.mid.page,
    });
    await deliver(c, 'identify', {
      userId: this.userId,
      anonymousId: this.anon,
      traits: { email: this.email, firstName: 'Grace', lastName: 'Hopper', company: 'Navy Labs' },
      messageId: this.mid.identify,
    });
    await deliver(c, 'track', {
      userId: this.userId,
      anonymousId: this.anon,
      event: 'Demo Requested',
      properties: { plan: 'enterprise', seats: 40 },
      messageId: this.mid.track,
    });
  }

  sendBatch({ analytics, cb }) {
    analytics.page({ anonymousId: this.anon, name: 'Docs', properties: { path: '/docs' }, messageId: this.mid.b_page }, cb);
    analytics.track({ userId: this.userId, event: 'Pricing Viewed', properties: { plan: 'pro' }, messageId: this.mid.b_track1 }, cb);
    analytics.track(
      { userId: this.userId, anonymousId: this.anon, event: 'Webinar Registered', properties: { webinar: 'Q3' }, messageId: this.mid.b_track2 },
      cb,
    );
    analytics.identify({ userId: this.userId, traits: { email: this.email, title: 'Rear Admiral' }, messageId: this.mid.b_identify }, cb);
  }
}

async function timelineHas(leadId, mids) {
  const items = await ll.activities(leadId);
  const have = new Set(items.map((a) => a.message_id));
  const missing = mids.filter((m) => !have.has(m));
  if (missing.length) {
    throw new Error(`lead ${leadId}'s timeline lacks message_ids ${missing}; it has ${JSON.stringify(items.map((a) => [a.type, a.name, a.message_id]))}`);
  }
  return items;
}

test('segment_node: page, identify, track and a batch reach one lead, idempotently', { timeout: 120_000 }, async () => {
  const src = await ll.createSource('web');
  const v = new Visitor();

  // One event per request, each delivered before the next.
  const singles = client(src.write_key, 1);
  await v.sendSingles(singles);
  await closeAndCheck(singles, 'page/identify/track');

  // Several events in one request.
  const batch = client(src.write_key, 4);
  v.sendBatch(batch);
  await closeAndCheck(batch, 'batch of 4');
  assert.equal(batch.responses.length, 1, `expected the 4 events to go in one batch request, saw ${batch.responses.length} requests`);

  await waitFor(async () => (await ll.findLeads(v.email)).items.length > 0, { timeout: 20_000, what: `a lead with email ${v.email}` });
  const lead = await ll.oneLead(v.email);

  const expected = Object.values(v.mid);
  const items = await waitFor(() => timelineHas(lead.id, expected), {
    timeout: 20_000,
    what: `all ${expected.length} sent messageIds on lead ${lead.id}'s timeline`,
  });

  for (const a of items) {
    const missing = ACTIVITY_KEYS.filter((k) => !(k in a));
    assert.deepEqual(missing, [], `activity lacks ${missing}: ${JSON.stringify(a)}`);
  }
  const byMid = Object.fromEntries(items.map((a) => [a.message_id, a]));
  const page = byMid[v.mid.page];
  assert.equal(page.type, 'page', `anonymous page view: ${JSON.stringify(page)}`);
  assert.equal(page.name, 'Pricing', JSON.stringify(page));
  assert.equal(byMid[v.mid.identify].type, 'identify', JSON.stringify(byMid[v.mid.identify]));
  const track = byMid[v.mid.track];
  assert.equal(track.type, 'track', JSON.stringify(track));
  assert.equal(track.name, 'Demo Requested', JSON.stringify(track));
  assert.equal(byMid[v.mid.b_page].name, 'Docs', JSON.stringify(byMid[v.mid.b_page]));
  assert.equal(byMid[v.mid.b_track2].name, 'Webinar Registered', JSON.stringify(byMid[v.mid.b_track2]));

  const mids = items.map((a) => a.message_id);
  assert.equal(new Set(mids).size, mids.length, `duplicate message_ids on the timeline: ${mids}`);
  const stamps = items.map((a) => ts(a.occurred_at));
  assert.ok(stamps.every((t) => Number.isFinite(t)), `occurred_at not parseable: ${items.map((a) => a.occurred_at)}`);
  assert.ok(
    stamps.every((t, i) => i === 0 || stamps[i - 1] >= t),
    `activities are not newest first: ${items.map((a) => a.occurred_at)}`,
  );
  assert.ok(ts(page.occurred_at) <= ts(track.occurred_at), `the page view (${page.occurred_at}) was sent before the track (${track.occurred_at})`);

  const countBefore = items.length;

  // Resend everything with the same messageIds, then a new sentinel: once the
  // sentinel is on the timeline, the resends have been handled too.
  const again = client(src.write_key, 1);
  await v.sendSingles(again);
  await closeAndCheck(again, 'resend page/identify/track');
  const againBatch = client(src.write_key, 4);
  v.sendBatch(againBatch);
  await closeAndCheck(againBatch, 'resend batch');
  const sentinel = `node-sentinel-${v.run}`;
  const last = client(src.write_key, 1);
  last.analytics.track({ userId: v.userId, event: 'Dedup Sentinel', messageId: sentinel }, last.cb);
  await closeAndCheck(last, 'sentinel');

  const after = await waitFor(() => timelineHas(lead.id, [...expected, sentinel]), { timeout: 20_000, what: 'the sentinel event on the timeline' });
  const midsAfter = after.map((a) => a.message_id);
  assert.equal(
    after.length,
    countBefore + 1,
    `resending the same messageIds changed the timeline: ${countBefore} before, ${after.length} after (expected ${countBefore} + 1 sentinel): ${midsAfter}`,
  );
  assert.equal(new Set(midsAfter).size, midsAfter.length, `duplicate message_ids after resend: ${midsAfter}`);
  await ll.oneLead(v.email);
});
