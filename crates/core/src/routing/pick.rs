//! Choosing within a rule's target: its owner, or one member of its team by the team's
//! method. Every member passed over is reported with the reason, chosen or not, so the
//! preview can say who was out.

use std::collections::BTreeMap;

use super::{Method, RepDirectory, RoutingState, Skip, StateUpdate, Target, Team, TeamState, Via};

/// Who was passed over, and who was chosen (if anyone).
pub(super) struct Pick {
    pub skips: Vec<Skip>,
    pub chosen: Option<Chosen>,
}

pub(super) struct Chosen {
    pub rep: String,
    pub via: Via,
    /// `bob chosen by round robin (next after alice)`.
    pub reason: String,
    pub update: Option<StateUpdate>,
}

pub(super) fn pick(target: &Target, reps: &RepDirectory, state: &RoutingState) -> Pick {
    match target {
        Target::Owner(owner) => match reps.unavailable(owner, None) {
            None => Pick {
                skips: vec![],
                chosen: Some(Chosen {
                    rep: owner.clone(),
                    via: Via::Owner,
                    reason: format!("{owner} chosen as the rule's owner"),
                    update: None,
                }),
            },
            Some(why) => Pick {
                skips: vec![Skip {
                    rep: owner.clone(),
                    why,
                }],
                chosen: None,
            },
        },
        Target::Team(team) => {
            let empty = TeamState::default();
            pick_member(team, reps, state.teams.get(&team.name).unwrap_or(&empty))
        }
    }
}

fn pick_member(team: &Team, reps: &RepDirectory, state: &TeamState) -> Pick {
    let mut skips = vec![];
    let mut eligible = vec![false; team.members.len()];
    for (i, m) in team.members.iter().enumerate() {
        match reps.unavailable(&m.rep, m.capacity) {
            None => eligible[i] = true,
            Some(why) => skips.push(Skip {
                rep: m.rep.clone(),
                why,
            }),
        }
    }
    let order: Vec<usize> = rotation(team, state).filter(|&i| eligible[i]).collect();
    let mut credit = state.credit.clone();
    let choice = match team.method {
        Method::RoundRobin => order.first().map(|&i| (i, round_robin_reason(state))),
        Method::Capacity => lightest(team, reps, &order),
        Method::Weighted => smooth_weighted(team, &eligible, &mut credit).map(|(i, total)| {
            let weight = team.members[i].weight;
            let reason =
                format!("weighted rotation (weight {weight} of {total} among those available)");
            (i, reason)
        }),
    };
    let Some((i, reason)) = choice else {
        return Pick {
            skips,
            chosen: None,
        };
    };
    let rep = team.members[i].rep.clone();
    let via = match team.method {
        Method::RoundRobin => Via::RoundRobin,
        Method::Weighted => Via::Weighted,
        Method::Capacity => Via::Capacity,
    };
    let update = StateUpdate {
        team: team.name.clone(),
        state: TeamState {
            last: Some(rep.clone()),
            credit,
        },
    };
    Pick {
        skips,
        chosen: Some(Chosen {
            reason: format!("{rep} chosen by {reason}"),
            rep,
            via,
            update: Some(update),
        }),
    }
}

/// Member positions in rotation order: starting after the one chosen last, wrapping around;
/// from the top when there is no last one or they have left the team.
fn rotation<'a>(team: &'a Team, state: &TeamState) -> impl Iterator<Item = usize> + 'a {
    let n = team.members.len();
    let start = state
        .last
        .as_ref()
        .and_then(|last| team.members.iter().position(|m| &m.rep == last))
        .map_or(0, |p| p + 1);
    (0..n).map(move |k| (start + k) % n)
}

/// The member of `order` with the lowest open/capacity, compared without division;
/// `min_by` keeps the first of equals, so ties go round in rotation order.
fn lightest(team: &Team, reps: &RepDirectory, order: &[usize]) -> Option<(usize, String)> {
    let load = |i: usize| {
        let m = &team.members[i];
        let open = reps.get(&m.rep).map_or(0, |r| r.open);
        (u64::from(open), u64::from(m.capacity.unwrap_or(u32::MAX)))
    };
    let i = order.iter().copied().min_by(|&a, &b| {
        let ((oa, ca), (ob, cb)) = (load(a), load(b));
        (oa * cb).cmp(&(ob * ca))
    })?;
    let (open, capacity) = load(i);
    Some((
        i,
        format!("capacity ({open} of {capacity} open, the lightest load)"),
    ))
}

fn round_robin_reason(state: &TeamState) -> String {
    match &state.last {
        Some(last) => format!("round robin (next after {last})"),
        None => "round robin (first in the rotation)".into(),
    }
}

/// Smooth weighted round robin (as in nginx): every available member earns its weight in
/// credit, the richest (first of equals) is chosen and pays the total. Over any run of
/// `total` decisions from zero credit each member is chosen exactly `weight` times, spread
/// out rather than in blocks, and with no randomness. Members who are unavailable neither
/// earn nor pay, so the credits keep summing to zero. Credits of former members are
/// dropped. Returns the chosen member's index and the total weight that took part.
fn smooth_weighted(
    team: &Team,
    eligible: &[bool],
    credit: &mut BTreeMap<String, i64>,
) -> Option<(usize, i64)> {
    credit.retain(|rep, _| team.members.iter().any(|m| &m.rep == rep));
    let mut total: i64 = 0;
    let mut best: Option<(usize, i64)> = None;
    for (i, m) in team.members.iter().enumerate() {
        if !eligible.get(i).copied().unwrap_or(false) {
            continue;
        }
        let w = i64::from(m.weight);
        total = total.saturating_add(w);
        let c = credit.entry(m.rep.clone()).or_insert(0);
        *c = c.saturating_add(w);
        if best.is_none_or(|(_, b)| *c > b) {
            best = Some((i, *c));
        }
    }
    let (i, _) = best?;
    if let Some(c) = credit.get_mut(&team.members[i].rep) {
        *c = c.saturating_sub(total);
    }
    Some((i, total))
}
