use proptest::prelude::*;

use super::*;

const H: i64 = 3_600_000;
/// 2026-11-02 00:00 UTC.
const MONDAY: i64 = 1_793_577_600_000;

fn handover(lead: &str, owner: &str, source: &str, assigned: i64) -> Handover {
    Handover {
        lead_id: lead.into(),
        owner: owner.into(),
        team: Some("emea".into()),
        source: source.into(),
        assigned_at: assigned,
        accept_due_at: Some(assigned + 4 * H),
        touch_due_at: Some(assigned + 8 * H),
        accepted_at: None,
        rejected_at: None,
        first_touch_at: None,
        rejection_reason: None,
    }
}

#[test]
fn reject_reasons_read_as_people_write_them() {
    for r in RejectReason::ALL {
        assert_eq!(RejectReason::parse(r.code()), Some(r));
        assert_eq!(RejectReason::parse(r.label()), Some(r));
    }
    assert_eq!(
        RejectReason::parse("Not-a-fit"),
        Some(RejectReason::NotAFit)
    );
    assert_eq!(RejectReason::parse("meh"), None);
}

#[test]
fn a_deadline_is_kept_late_or_still_pending() {
    assert_eq!(kept(Some(10), Some(10), 0), Kept::OnTime);
    assert_eq!(kept(Some(10), Some(11), 0), Kept::Late);
    assert_eq!(kept(Some(10), None, 10), Kept::Pending);
    assert_eq!(kept(Some(10), None, 11), Kept::Late);
    assert_eq!(kept(None, Some(99), 0), Kept::OnTime);
    assert_eq!(kept(None, None, 99), Kept::Pending);
}

/// Alice accepts and calls one lead in time and one late; Bob ignores one, has a fresh one
/// and rejects one without calling.
fn week() -> (Vec<Handover>, i64) {
    let now = MONDAY + 48 * H;
    let mut a = handover("a", "alice", "web form", MONDAY);
    a.accepted_at = Some(MONDAY + H);
    a.first_touch_at = Some(MONDAY + 2 * H);
    let mut b = handover("b", "alice", "webinar", MONDAY);
    b.accepted_at = Some(MONDAY + 5 * H);
    b.first_touch_at = Some(MONDAY + 10 * H);
    let c = handover("c", "bob", "web form", MONDAY);
    let d = handover("d", "bob", "web form", now - H);
    let mut e = handover("e", "bob", "webinar", MONDAY);
    e.rejected_at = Some(MONDAY + H);
    (vec![a, b, c, d, e], now)
}

#[test]
fn by_rep_the_report_counts_what_each_did_in_time() {
    let (hs, now) = week();
    let rows = report(&hs, By::Rep, now);
    let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["alice", "bob", "total"]);
    let alice = &rows[0];
    assert_eq!(
        (alice.assigned, alice.accepted_on_time, alice.accepted_late),
        (2, 1, 1)
    );
    assert_eq!((alice.touched_on_time, alice.touched_late), (1, 1));
    assert_eq!(alice.accepted_on_time_rate, Some(0.5));
    assert_eq!(alice.median_hours_to_touch, Some(6.0));
    let bob = &rows[1];
    assert_eq!((bob.assigned, bob.rejected, bob.pending), (3, 1, 1));
    // c was never accepted (late) and never touched; e was rejected without a touch.
    assert_eq!((bob.accepted_late, bob.never_touched), (1, 2));
    assert_eq!(bob.accepted_on_time_rate, Some(0.0));
    assert_eq!(bob.touched_on_time_rate, Some(0.0));
    assert_eq!(bob.median_hours_to_touch, None);
    let total = &rows[2];
    assert_eq!(
        (total.assigned, total.never_touched, total.pending),
        (5, 2, 1)
    );
    assert_eq!(total.touched_on_time_rate, Some(1.0 / 4.0));
    let ids: Vec<&str> = never_touched(&hs, now)
        .iter()
        .map(|h| h.lead_id.as_str())
        .collect();
    assert_eq!(ids, ["c", "e"]);
}

#[test]
fn rows_by_source_team_and_month() {
    let (mut hs, now) = week();
    hs[4].team = None;
    hs[4].assigned_at = MONDAY - 40 * 24 * H;
    let by = |b: By| -> Vec<String> { report(&hs, b, now).into_iter().map(|r| r.key).collect() };
    assert_eq!(by(By::Source), ["web form", "webinar", "total"]);
    assert_eq!(by(By::Team), ["(no team)", "emea", "total"]);
    assert_eq!(by(By::Month), ["2026-09", "2026-11", "total"]);
    hs[0].rejected_at = Some(MONDAY);
    hs[0].rejection_reason = Some("no_budget: next year".into());
    hs[1].rejected_at = Some(MONDAY);
    hs[1].rejection_reason = Some("no_budget".into());
    let rows = report(&hs, By::Reason, now);
    let no_budget = rows.iter().find(|r| r.key == "no_budget").unwrap();
    assert_eq!(no_budget.rejected, 2);
    assert!(rows.iter().any(|r| r.key == "(not rejected)"));
}

fn any_handover() -> impl Strategy<Value = Handover> {
    let t = || proptest::option::of(0i64..100);
    (0usize..4, 0usize..3, 0i64..50, t(), t(), t(), t(), t()).prop_map(
        |(owner, source, assigned, ad, td, acc, rej, touch)| Handover {
            lead_id: format!("l{assigned}"),
            owner: ["ann", "ben", "cai", "dee"][owner].into(),
            team: (owner < 3).then(|| "t".into()),
            source: ["web", "event", "list"][source].into(),
            assigned_at: assigned * H,
            accept_due_at: ad.map(|d| (assigned + d) * H),
            touch_due_at: td.map(|d| (assigned + d) * H),
            accepted_at: acc.map(|d| (assigned + d) * H),
            rejected_at: rej.map(|d| (assigned + d) * H),
            first_touch_at: touch.map(|d| (assigned + d) * H),
            rejection_reason: rej
                .map(|d| ["no_budget", "not_a_fit: too small"][(d % 2) as usize].into()),
        },
    )
}

proptest! {
    #[test]
    fn groups_add_up_to_the_total(
        hs in proptest::collection::vec(any_handover(), 0..40),
        now in 0i64..200,
        by in proptest::sample::select(vec![By::Rep, By::Team, By::Source, By::Month, By::Reason]),
    ) {
        let now = now * H;
        let rows = report(&hs, by, now);
        let (total, groups) = rows.split_last().unwrap();
        let sum = |f: fn(&FollowupRow) -> u64| groups.iter().map(f).sum::<u64>();
        prop_assert_eq!(sum(|r| r.assigned), hs.len() as u64);
        prop_assert_eq!(sum(|r| r.assigned), total.assigned);
        prop_assert_eq!(sum(|r| r.accepted_on_time), total.accepted_on_time);
        prop_assert_eq!(sum(|r| r.touched_late), total.touched_late);
        prop_assert_eq!(sum(|r| r.never_touched), total.never_touched);
        prop_assert_eq!(sum(|r| r.pending), total.pending);
        prop_assert_eq!(total.never_touched, never_touched(&hs, now).len() as u64);
        for r in &rows {
            // Each lead's acceptance is on time, late, rejected or still open.
            prop_assert!(r.accepted_on_time + r.accepted_late + r.rejected <= r.assigned);
            for rate in [r.accepted_on_time_rate, r.touched_on_time_rate].into_iter().flatten() {
                prop_assert!((0.0..=1.0).contains(&rate));
            }
        }
    }
}
