"""segment_python: the real Segment Python client (segment-analytics-python)
talking to leadline's Segment-compatible ingest (POST {host}/v1/batch).

Scenario: an anonymous page view with UTM campaign context, an identify that
names the visitor (same anonymousId), a track, and a batch of several events.
The lead must exist exactly once and its timeline must hold the anonymous page
view stitched to it, the identify and the track. Resending the same
messageIds must not change the timeline.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from segment.analytics.client import Client

from helpers import Leadline, wait_until

ACTIVITY_KEYS = ("id", "type", "name", "message_id", "occurred_at")


@pytest.fixture(scope="module")
def ll():
    server = Leadline(name="segment_python").start()
    try:
        yield server
    finally:
        server.stop()


def _parse_ts(value) -> dt.datetime:
    """occurred_at as RFC 3339 text, or a number of epoch milliseconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value / 1000, tz=dt.timezone.utc)
    assert isinstance(value, str), f"occurred_at is neither text nor a number: {value!r}"
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


class Visitor:
    """Everything one test run sends, with fixed messageIds so it can be resent."""

    def __init__(self):
        run = uuid.uuid4().hex[:12]
        self.run = run
        self.anon = f"anon-py-{run}"
        self.user_id = f"user-py-{run}"
        self.email = f"ada.{run}@example.com"
        self.mid = {k: f"py-{k}-{run}" for k in ("page", "identify", "track", "b_page", "b_track1", "b_track2", "b_identify")}

    def send_singles(self, client: Client):
        campaign = {"name": "spring-launch", "source": "google", "medium": "cpc", "term": "lead management", "content": "ad-a"}
        client.page(
            anonymous_id=self.anon,
            name="Pricing",
            properties={"path": "/pricing", "url": "https://www.example.com/pricing?utm_source=google", "title": "Pricing", "referrer": "https://www.google.com/"},
            context={"campaign": campaign, "page": {"path": "/pricing", "url": "https://www.example.com/pricing?utm_source=google"}, "ip": "203.0.113.7"},
            message_id=self.mid["page"],
        )
        client.identify(
            user_id=self.user_id,
            anonymous_id=self.anon,
            traits={"email": self.email, "firstName": "Ada", "lastName": "Lovelace", "company": "Analytical Engines"},
            message_id=self.mid["identify"],
        )
        client.track(
            user_id=self.user_id,
            anonymous_id=self.anon,
            event="Demo Requested",
            properties={"plan": "enterprise", "seats": 25},
            message_id=self.mid["track"],
        )

    def send_batch(self, client: Client):
        client.page(anonymous_id=self.anon, name="Docs", properties={"path": "/docs"}, message_id=self.mid["b_page"])
        client.track(user_id=self.user_id, event="Pricing Viewed", properties={"plan": "pro"}, message_id=self.mid["b_track1"])
        client.track(user_id=self.user_id, anonymous_id=self.anon, event="Webinar Registered", properties={"webinar": "Q3"}, message_id=self.mid["b_track2"])
        client.identify(user_id=self.user_id, traits={"email": self.email, "title": "CTO"}, message_id=self.mid["b_identify"])


def _sync_client(ll: Leadline, write_key: str) -> Client:
    # sync_mode posts each call as its own one-message batch and raises on any error status.
    return Client(write_key=write_key, host=ll.base, sync_mode=True, max_retries=0, timeout=10)


def _send_batch(ll: Leadline, write_key: str, visitor: Visitor):
    errors = []
    client = Client(
        write_key=write_key,
        host=ll.base,
        upload_size=100,
        upload_interval=1.0,
        max_retries=1,
        timeout=10,
        on_error=lambda exc, batch: errors.append((exc, len(batch))),
    )
    try:
        visitor.send_batch(client)
        client.flush()
    finally:
        client.join()
    assert not errors, f"batch upload to {ll.base}/v1/batch failed: {errors!r}"


def _one_lead(ll: Leadline, email: str) -> dict:
    page = ll.find_leads(email)
    items = page["items"]
    assert len(items) == 1, f"GET /api/v1/leads?q={email}: expected exactly one lead, got {len(items)}: {page!r}"
    assert page.get("next", "missing") is None, f"GET /api/v1/leads?q={email}: expected next=null, got {page!r}"
    lead = items[0]
    assert lead.get("email") == email, f"lead email {lead.get('email')!r} != {email!r}: {lead!r}"
    assert "id" in lead, lead
    return lead


def _timeline_has(ll: Leadline, lead_id, message_ids) -> list[dict]:
    items = ll.activities(lead_id)
    have = {a.get("message_id") for a in items}
    missing = sorted(set(message_ids) - have)
    if missing:
        raise AssertionError(f"lead {lead_id}'s timeline lacks message_ids {missing}; it has {[(a.get('type'), a.get('name'), a.get('message_id')) for a in items]}")
    return items


def test_segment_python_client(ll: Leadline):
    src = ll.create_source("web")
    write_key = src["write_key"]
    v = Visitor()

    client = _sync_client(ll, write_key)
    v.send_singles(client)
    _send_batch(ll, write_key, v)

    # The lead exists (ingest may be asynchronous: wait for it, bounded).
    wait_until(lambda: ll.find_leads(v.email)["items"], timeout=20, what=f"a lead with email {v.email}")
    lead = _one_lead(ll, v.email)

    expected = set(v.mid.values())
    items = wait_until(
        lambda: _timeline_has(ll, lead["id"], expected),
        timeout=20,
        what=f"all {len(expected)} sent messageIds on lead {lead['id']}'s timeline",
    )

    for a in items:
        missing = [k for k in ACTIVITY_KEYS if k not in a]
        assert not missing, f"activity lacks {missing}: {a!r}"

    by_mid = {a["message_id"]: a for a in items}
    page = by_mid[v.mid["page"]]
    assert page["type"] == "page", f"anonymous page view has type {page['type']!r}: {page!r}"
    assert page["name"] == "Pricing", page
    assert by_mid[v.mid["identify"]]["type"] == "identify", by_mid[v.mid["identify"]]
    track = by_mid[v.mid["track"]]
    assert track["type"] == "track" and track["name"] == "Demo Requested", track
    assert by_mid[v.mid["b_page"]]["type"] == "page" and by_mid[v.mid["b_page"]]["name"] == "Docs", by_mid[v.mid["b_page"]]
    assert by_mid[v.mid["b_track2"]]["name"] == "Webinar Registered", by_mid[v.mid["b_track2"]]

    mids = [a["message_id"] for a in items]
    assert len(mids) == len(set(mids)), f"duplicate message_ids on the timeline: {mids}"
    stamps = [_parse_ts(a["occurred_at"]) for a in items]
    assert stamps == sorted(stamps, reverse=True), f"activities are not newest first: {[a['occurred_at'] for a in items]}"
    # The page view was the first thing sent: it is the oldest of the singles.
    assert _parse_ts(page["occurred_at"]) <= _parse_ts(track["occurred_at"]), (page, track)

    count_before = len(items)

    # Resend everything with the same messageIds, then one new sentinel event; once
    # the sentinel is on the timeline the resends have been handled too.
    v.send_singles(client)
    _send_batch(ll, write_key, v)
    sentinel = f"py-sentinel-{v.run}"
    client.track(user_id=v.user_id, event="Dedup Sentinel", message_id=sentinel)
    items_after = wait_until(
        lambda: _timeline_has(ll, lead["id"], expected | {sentinel}), timeout=20, what="the sentinel event on the timeline"
    )
    mids_after = [a["message_id"] for a in items_after]
    assert len(items_after) == count_before + 1, (
        f"resending the same messageIds changed the timeline: {count_before} activities before, "
        f"{len(items_after)} after (expected {count_before} + 1 sentinel): {mids_after}"
    )
    assert len(mids_after) == len(set(mids_after)), f"duplicate message_ids after resend: {mids_after}"
    _one_lead(ll, v.email)

