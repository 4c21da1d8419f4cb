//! What the attribution and ROI reports read: the journeys of the leads that converted in a
//! period (and, for Markov and Shapley, of those created in it that did not), costs, campaign
//! names, the self-reported channel and markers.
//!
//! Built for a million leads and ten million activities on SQLite: one pass for every
//! outcome a report asks for (see [`journeys`]), each lead's touches read once from the
//! covering `activities_lead(lead_id, occurred_at, channel, campaign_id, type)` index and
//! streamed row by row into `core::journey` (no per-lead round trip, no activity held beyond
//! its lead). On SQLite the pass is split by lead over the cores, each part on a connection
//! and thread of its own, calling SQLite directly.

use std::collections::HashMap;
use std::sync::Arc;

use leadline_core::attribution::Model;
use leadline_core::journey::credit::{JourneySet, Settings};
use leadline_core::journey::report::{self, AttributionReport, By, Cost, RoiReport};
use leadline_core::journey::{Journey, Outcome, SharedNames};
use leadline_core::period::Period;

mod pass;

use pass::{Part, journeys};

use crate::capture::tx::Tx;
use crate::{Backend, Result, Store};

/// Everything one report reads: its journeys in one pass (split over connections on SQLite),
/// campaign names and costs.
struct Read {
    sets: Vec<(Outcome, JourneySet)>,
    campaigns: HashMap<String, String>,
    costs: Vec<Cost>,
}

#[derive(Clone)]
struct Ask {
    outcomes: Vec<Outcome>,
    period: Period,
    lookback_ms: i64,
    with_nulls: bool,
}

impl Store {
    /// The journeys of `outcome` in `period`: one per lead (not merged away) whose milestone
    /// falls in `[from, to)`, plus with `with_nulls` one per lead created in the period that
    /// did not reach it (their touches up to the period's end).
    pub async fn journeys(
        &self,
        outcome: Outcome,
        period: Period,
        settings: &Settings,
        with_nulls: bool,
    ) -> Result<JourneySet> {
        let parts = self.read_parts() as usize;
        self.journeys_in_parts(outcome, period, settings, with_nulls, parts)
            .await
    }

    /// [`Self::journeys`] read in `parts` parts however many cores there are, so tests can
    /// check that a split read gives what one whole read gives.
    #[doc(hidden)]
    pub async fn journeys_in_parts(
        &self,
        outcome: Outcome,
        period: Period,
        settings: &Settings,
        with_nulls: bool,
        parts: usize,
    ) -> Result<JourneySet> {
        let ask = Ask {
            outcomes: vec![outcome],
            period,
            lookback_ms: i64::from(settings.lookback_days) * 86_400_000,
            with_nulls,
        };
        let mut read = self.read(ask, parts.max(1) as i64).await?;
        Ok(read.sets.pop().map(|s| s.1).unwrap_or_default())
    }

    /// The attribution report: `outcome` in `period` credited under each of `models`.
    pub async fn attribution_report(
        &self,
        outcome: Outcome,
        period: Period,
        by: By,
        models: &[Model],
        settings: Settings,
    ) -> Result<AttributionReport> {
        let with_nulls = models
            .iter()
            .any(|m| matches!(m, Model::Markov { .. } | Model::Shapley));
        let ask = Ask {
            outcomes: vec![outcome],
            period,
            lookback_ms: i64::from(settings.lookback_days) * 86_400_000,
            with_nulls,
        };
        let mut read = self.read(ask, self.read_parts()).await?;
        let set = read.sets.pop().map(|s| s.1).unwrap_or_default();
        // Only this report shows them; ROI and the journeys do not read them.
        let heard_about = self
            .heard_about_counts(period.from, period.to)
            .await?
            .into_iter()
            .map(|(c, n)| (c, n.max(0) as u64))
            .collect();
        let markers = self
            .markers_between(period.from, period.to)
            .await?
            .into_iter()
            .map(|m| (m.at, m.channel, m.title))
            .collect();
        Ok(report::attribution(report::AttributionInput {
            set: &set,
            outcome,
            period,
            by,
            models,
            settings,
            campaign_names: &read.campaigns,
            heard_about,
            markers,
        }))
    }

    /// Campaign ROI for `period` under `model`: costs beside attributed leads, MQLs, SQLs,
    /// opportunities (pipeline) and customers (revenue), by channel and by campaign.
    pub async fn roi_report(
        &self,
        period: Period,
        model: &Model,
        settings: Settings,
    ) -> Result<RoiReport> {
        let ask = Ask {
            outcomes: vec![
                Outcome::Leads,
                Outcome::Mqls,
                Outcome::Sqls,
                Outcome::Opportunities,
                Outcome::Revenue,
            ],
            period,
            lookback_ms: i64::from(settings.lookback_days) * 86_400_000,
            with_nulls: matches!(model, Model::Markov { .. } | Model::Shapley),
        };
        let read = self.read(ask, self.read_parts()).await?;
        let started = std::time::Instant::now();
        let out = report::roi(
            &read.sets,
            &read.costs,
            model,
            &settings,
            period,
            &read.campaigns,
        );
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            "attribution: roi credited"
        );
        Ok(out)
    }

    /// How many parts a pass is split into: on an SQLite file one per core (up to four),
    /// each on a thread and connection of its own; PostgreSQL answers one query.
    fn read_parts(&self) -> i64 {
        match self.sqlite_file() {
            Some(_) => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)) as i64,
            None => 1,
        }
    }

    /// Reads everything `ask` needs, the journeys' pass split by lead into `of` parts
    /// ([`Part`]) read at once (on SQLite: PostgreSQL reads in one part). Their touches share
    /// one name table, so the parts' journeys are simply appended.
    async fn read(&self, ask: Ask, of: i64) -> Result<Read> {
        let started = std::time::Instant::now();
        let of = match self.backend() {
            Backend::Sqlite => of,
            Backend::Postgres => 1,
        };
        let names = Arc::new(SharedNames::default());
        let part = |k: i64| {
            let (ask, names) = (ask.clone(), names.clone());
            self.read_pass("attribution-part", async move |tx| {
                journeys(tx, &ask, Part { k, of }, names).await
            })
        };
        let first = {
            let (ask, names) = (ask.clone(), names.clone());
            self.read_pass("attribution-read", async move |tx| {
                read_all(tx, &ask, Part { k: 0, of }, names).await
            })
        };
        let ((mut journeys, campaigns, costs), rest) = futures_util::future::try_join(
            first,
            futures_util::future::try_join_all((1..of).map(part)),
        )
        .await?;
        for (k, all) in journeys.iter_mut().enumerate() {
            all.reserve(rest.iter().map(|p| p[k].len()).sum());
        }
        for part in rest {
            for (all, mut more) in journeys.iter_mut().zip(part) {
                all.append(&mut more);
            }
        }
        let (channel_names, campaign_ids) = names.snapshot();
        let sets = ask
            .outcomes
            .iter()
            .zip(journeys)
            .map(|(&o, journeys)| {
                let set = JourneySet {
                    channels: channel_names.clone(),
                    campaigns: campaign_ids.clone(),
                    journeys,
                };
                (o, set)
            })
            .collect();
        tracing::debug!(
            parts = of,
            ms = started.elapsed().as_millis() as u64,
            "attribution: read"
        );
        Ok(Read {
            sets,
            campaigns,
            costs,
        })
    }
}

/// The first part's journeys (each outcome's, in `Ask::outcomes` order), with the campaign
/// names and the period's costs read on the same connection.
async fn read_all(
    tx: &mut Tx<'_>,
    ask: &Ask,
    part: Part,
    names: Arc<SharedNames>,
) -> Result<(Vec<Vec<Journey>>, HashMap<String, String>, Vec<Cost>)> {
    let (from, to) = (ask.period.from, ask.period.to);
    let journeys = journeys(tx, ask, part, names).await?;
    let mut campaigns = HashMap::new();
    tx.scan("SELECT id, name FROM campaigns", vec![], |r| {
        campaigns.insert(
            r.text(0)?.unwrap_or_default().to_owned(),
            r.text(1)?.unwrap_or_default().to_owned(),
        );
        Ok(())
    })
    .await?;
    let mut costs = Vec::new();
    tx.scan(
        "SELECT campaign_id, channel, CAST(SUM(amount_minor) AS BIGINT) FROM costs \
         WHERE day >= $1 AND day < $2 GROUP BY campaign_id, channel",
        vec![from.into(), to.into()],
        |r| {
            costs.push(Cost {
                campaign_id: r.text(0)?.map(str::to_owned),
                channel: r.text(1)?.unwrap_or_default().to_owned(),
                amount_minor: r.int(2)?,
            });
            Ok(())
        },
    )
    .await?;
    Ok((journeys, campaigns, costs))
}
