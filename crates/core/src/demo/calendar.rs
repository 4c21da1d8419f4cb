//! When things happen: B2B buyers act on weekdays in working hours, and more of them
//! arrived recently than a year ago, because the demo company's marketing grew.

use super::DAY_MS;
use super::rng::Rng;

pub(crate) const HOUR_MS: i64 = 3_600_000;

/// A uniformly random time of a working day (07:00–19:00 UTC, peaking early afternoon).
pub(crate) fn working_hours(rng: &mut Rng) -> i64 {
    let spread = rng.below(4 * HOUR_MS as u64)
        + rng.below(4 * HOUR_MS as u64)
        + rng.below(4 * HOUR_MS as u64);
    7 * HOUR_MS + spread as i64
}

/// A time in `[lo, hi]` on a working day and hour where possible: most B2B traffic is on
/// weekdays, so weekend days move to Friday or Monday seven times out of ten.
pub(crate) fn business_time(rng: &mut Rng, lo: i64, hi: i64, growth: bool) -> i64 {
    let mut u = rng.unit();
    if growth && rng.chance(450) {
        u = u.sqrt(); // more leads recently: marketing grew over the year
    }
    let t = lo + ((hi - lo) as f64 * u) as i64;
    let mut day = t.div_euclid(DAY_MS);
    let weekday = (day + 3).rem_euclid(7); // 1970-01-01 was a Thursday; Monday = 0
    if weekday >= 5 && rng.chance(700) {
        day += if weekday == 5 { -1 } else { 1 };
    }
    (day * DAY_MS + working_hours(rng)).clamp(lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_times_stay_in_range_and_mostly_fall_on_weekdays() {
        let mut rng = Rng::new(1, 2);
        let (lo, hi) = (0, 70 * DAY_MS);
        let mut weekend = 0;
        for _ in 0..10_000 {
            let t = business_time(&mut rng, lo, hi, true);
            assert!((lo..=hi).contains(&t));
            if (t.div_euclid(DAY_MS) + 3).rem_euclid(7) >= 5 {
                weekend += 1;
            }
            let hour = t.rem_euclid(DAY_MS) / HOUR_MS;
            assert!((7..19).contains(&hour));
        }
        // 2/7 of days are weekend days; seven in ten of those move to a weekday.
        assert!((500..1_200).contains(&weekend), "{weekend}");
    }

    #[test]
    fn growth_puts_more_times_in_the_second_half() {
        let mut rng = Rng::new(3, 4);
        let hi = 100 * DAY_MS;
        let late = (0..10_000)
            .filter(|_| business_time(&mut rng, 0, hi, true) > hi / 2)
            .count();
        assert!(late > 5_700, "{late}");
    }
}
