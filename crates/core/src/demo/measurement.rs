//! The demo's indirect touches and channel-level spend: a dozen dated markers over the demo
//! year (an analyst report, press releases, blog posts, a keynote) and an SEO agency's
//! monthly retainer, so the trend charts and cost reports have something to show.

use crate::Channel;

const DAY_MS: i64 = 86_400_000;

/// A dated indirect touch of the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMarker {
    pub at: i64,
    pub channel: Channel,
    pub title: &'static str,
    pub url: Option<&'static str>,
}

/// A cost of a channel alone (no campaign).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoChannelCost {
    pub channel: Channel,
    /// The UTC midnight of the day, epoch ms.
    pub day: i64,
    pub amount_minor: i64,
    pub note: &'static str,
}

/// Days before `now` of each marker, with its channel and title.
const MARKERS: [(i64, Channel, &str, Option<&str>); 12] = [
    (
        350,
        Channel::Blog,
        "Blog: Why dashboards fail (and how to fix them)",
        Some("https://northwind.example/blog/dashboards-fail"),
    ),
    (
        320,
        Channel::PressRelease,
        "Press release: Northwind raises Series B",
        Some("https://northwind.example/press/series-b"),
    ),
    (290, Channel::Blog, "Blog: Metrics layer explained", None),
    (
        260,
        Channel::Analyst,
        "Analyst report: named a Leader in BI Wave",
        Some("https://analyst.example/wave-bi"),
    ),
    (
        230,
        Channel::PressRelease,
        "Press release: Embedded analytics launch",
        None,
    ),
    (
        200,
        Channel::EventPresentation,
        "Keynote at DataConf",
        Some("https://dataconf.example/keynotes"),
    ),
    (170, Channel::Blog, "Blog: Customer 360 in a week", None),
    (
        140,
        Channel::Analyst,
        "Analyst note: Northwind on the BI shortlist",
        None,
    ),
    (
        110,
        Channel::PressRelease,
        "Press release: SOC 2 Type II",
        None,
    ),
    (
        80,
        Channel::Blog,
        "Blog: Benchmarks against the incumbents",
        None,
    ),
    (
        50,
        Channel::EventPresentation,
        "Webinar panel with an analyst",
        None,
    ),
    (
        20,
        Channel::PressRelease,
        "Press release: 1,000th customer",
        None,
    ),
];

/// A dozen markers dated within the year before `now_ms` (same dates for every seed).
pub fn markers(now_ms: i64) -> Vec<DemoMarker> {
    let today = now_ms - now_ms.rem_euclid(DAY_MS);
    MARKERS
        .iter()
        .map(|&(days, channel, title, url)| DemoMarker {
            at: today - days * DAY_MS,
            channel,
            title,
            url,
        })
        .collect()
}

/// An SEO agency's retainer of 2,500 USD on the first of each of the last 12 months.
pub fn channel_costs(now_ms: i64) -> Vec<DemoChannelCost> {
    let Ok(now) = jiff::Timestamp::from_millisecond(now_ms) else {
        return Vec::new();
    };
    let first = now
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .first_of_month();
    (0..12)
        .filter_map(|back| {
            let d = first.checked_sub(jiff::Span::new().months(back)).ok()?;
            let day = d
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .ok()?
                .timestamp()
                .as_millisecond();
            Some(DemoChannelCost {
                channel: Channel::OrganicSearch,
                day,
                amount_minor: 250_000,
                note: "SEO agency retainer",
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_retainers_fall_within_the_demo_year() {
        let now = 1_790_000_000_000;
        let m = markers(now);
        assert_eq!(m.len(), 12);
        assert!(m.iter().all(|m| m.at < now && m.at > now - 366 * DAY_MS));
        let c = channel_costs(now);
        assert_eq!(c.len(), 12);
        assert!(
            c.iter()
                .all(|c| c.day <= now && c.day > now - 366 * DAY_MS && c.day % DAY_MS == 0)
        );
    }

    #[test]
    fn demo_answers_differ_from_the_measured_touch_half_the_time() {
        use super::super::data::{HEARD_ABOUT, heard_about};
        assert_eq!(heard_about(Channel::PaidSearch, 0), "Google");
        assert_eq!(heard_about(Channel::Webinar, 3), "A colleague told me");
        assert_eq!(heard_about(Channel::PressRelease, 1), "Analyst report");
        assert_eq!(
            heard_about(Channel::PaidSearch, HEARD_ABOUT.len() + 1),
            "LinkedIn"
        );
    }
}
