//! The demo's markers and channel-level costs (`leadline_core::demo::markers`,
//! `channel_costs`), written once: a database that already has markers keeps its own.

use leadline_core::demo;
use leadline_store::Store;
use leadline_store::costs::NewCost;
use leadline_store::markers::NewMarker;

/// Adds the demo's dozen markers and the SEO retainer unless markers exist already.
pub async fn add(store: &Store, now: i64) -> anyhow::Result<()> {
    if !store.markers_between(i64::MIN, i64::MAX).await?.is_empty() {
        return Ok(());
    }
    let markers = demo::markers(now);
    for m in &markers {
        let new = NewMarker {
            at: m.at,
            channel: m.channel,
            campaign_id: None,
            title: m.title.into(),
            url: m.url.map(str::to_owned),
            note: None,
        };
        store.add_marker(&new, None, now).await?;
    }
    let costs = demo::channel_costs(now);
    for c in &costs {
        let new = NewCost {
            channel: Some(c.channel),
            day: c.day,
            amount_minor: c.amount_minor,
            note: Some(c.note.into()),
            ..NewCost::default()
        };
        store.add_cost(&new, None, now).await?;
    }
    eprintln!(
        "added {} markers and {} channel costs",
        markers.len(),
        costs.len()
    );
    Ok(())
}
