//! Charts drawn on the server as SVG: the numbers are grouped here (pure, tested) and
//! laid out as rows of a horizontal bar chart, which reads well on a narrow phone with
//! long Chinese labels. `chart.html` draws the rows.

use std::collections::BTreeMap;

use time::{Date, OffsetDateTime};

/// One bar, placed: the template only writes these numbers into the SVG.
pub struct Row {
    pub label: String,
    pub value: String,
    /// Top of the row, in SVG units.
    pub y: u32,
    pub width: u32,
}

pub struct BarChart {
    pub title: String,
    pub rows: Vec<Row>,
    pub height: u32,
}

/// How long the longest bar is, leaving room for its value (`4.27 (10)`), in SVG units
/// of a box 400 wide: drawn at a phone's width, a unit is close to a pixel, so 14-unit
/// text stays readable. Each row's label stands above its bar, so a whole name fits.
pub const PLOT_WIDTH: u32 = 300;
const ROW_HEIGHT: u32 = 46;
/// What fits across the box at 14 units a character: 27 Chinese characters.
const LABEL_EMS: f64 = 27.0;

/// A label cut to what fits, with an ellipsis; Latin letters count about half a
/// Chinese character.
fn fit_label(label: String) -> String {
    let width = |c: char| if c.is_ascii() { 0.55 } else { 1.0 };
    if label.chars().map(width).sum::<f64>() <= LABEL_EMS {
        return label;
    }
    let mut used = 0.0;
    let mut cut: String = label
        .chars()
        .take_while(|c| {
            used += width(*c);
            used <= LABEL_EMS - 1.0
        })
        .collect();
    cut.push('…');
    cut
}

impl BarChart {
    /// Lays out `(label, value, value as text)` rows; bars scale to the largest value.
    pub fn new(title: String, data: Vec<(String, f64, String)>) -> Self {
        let max = data.iter().map(|d| d.1).fold(0.0_f64, f64::max);
        let rows: Vec<Row> = data
            .into_iter()
            .enumerate()
            .map(|(i, (label, value, text))| Row {
                label: fit_label(label),
                value: text,
                y: u32::try_from(i)
                    .unwrap_or(u32::MAX)
                    .saturating_mul(ROW_HEIGHT),
                width: if max > 0.0 {
                    // In 0..=PLOT_WIDTH by construction.
                    ((value / max) * f64::from(PLOT_WIDTH)).round() as u32
                } else {
                    0
                },
            })
            .collect();
        let height = u32::try_from(rows.len())
            .unwrap_or(u32::MAX)
            .saturating_mul(ROW_HEIGHT)
            .max(ROW_HEIGHT);
        BarChart {
            title,
            rows,
            height,
        }
    }

    /// Lays out rows of shares (0 to 1, more is drawn as 1): a full bar is all of it,
    /// whatever the largest share.
    pub fn of_shares(title: String, data: Vec<(String, f64, String)>) -> Self {
        let mut chart = Self::new(title, data.clone());
        for (row, (_, share, _)) in chart.rows.iter_mut().zip(&data) {
            // In 0..=PLOT_WIDTH by the clamp.
            row.width = (share.clamp(0.0, 1.0) * f64::from(PLOT_WIDTH)).round() as u32;
        }
        chart
    }

    pub fn value_x(&self, row: &Row) -> u32 {
        row.width + 6
    }
}

/// Activities per month over the twelve months up to `today` (Beijing time), oldest first.
pub fn per_month(starts: &[OffsetDateTime], today: Date) -> Vec<(String, u32)> {
    let month_index = |d: Date| i32::from(u8::from(d.month())) + d.year() * 12;
    let now = month_index(today);
    let mut counts: BTreeMap<i32, u32> = (now - 11..=now).map(|m| (m, 0)).collect();
    for at in starts {
        let m = month_index(youthloop_domain::parse::local_date(*at));
        if let Some(n) = counts.get_mut(&m) {
            *n += 1;
        }
    }
    counts
        .into_iter()
        .map(|(m, n)| {
            // Months are counted from 1: December of year y is y * 12 + 12.
            let (year, month) = ((m - 1).div_euclid(12), (m - 1).rem_euclid(12) + 1);
            (format!("{year}-{month:02}"), n)
        })
        .collect()
}

/// How many activities each service area had, largest first (ties by code).
pub fn per_area<'a>(areas: impl Iterator<Item = Option<&'a str>>) -> Vec<(String, u32)> {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    // An activity outside any order has no service area: counted as such, so that the
    // bars add up to every activity held.
    for area in areas {
        *counts
            .entry(area.unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    let mut list: Vec<_> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list
}

/// A day's places on shifts: how many are needed, held already (invited, assigned or
/// served), and proposed by a roster not yet published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCover {
    pub day: Date,
    pub needed: u32,
    pub held: u32,
    pub proposed: u32,
}

impl DayCover {
    /// The share of the day's places filled with what is proposed, from 0 to 1.
    pub fn share(&self) -> f64 {
        if self.needed == 0 {
            return 0.0;
        }
        f64::from(self.held + self.proposed) / f64::from(self.needed)
    }
}

/// Shifts' places per day (Beijing time), in order of days: `(start, needed, held,
/// proposed)` each. A shift never counts more places filled than it needs.
pub fn cover_per_day(
    shifts: impl Iterator<Item = (OffsetDateTime, u32, u32, u32)>,
) -> Vec<DayCover> {
    let mut days: BTreeMap<Date, DayCover> = BTreeMap::new();
    for (start, needed, held, proposed) in shifts {
        let day = youthloop_domain::parse::local_date(start);
        let held = held.min(needed);
        let proposed = proposed.min(needed - held);
        let d = days.entry(day).or_insert(DayCover {
            day,
            needed: 0,
            held: 0,
            proposed: 0,
        });
        d.needed += needed;
        d.held += held;
        d.proposed += proposed;
    }
    days.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_adds_up_per_beijing_day_and_never_past_the_need() {
        let days = cover_per_day(
            [
                // 23:30 on 6 December in Beijing.
                (datetime!(2026-12-06 15:30 UTC), 4, 1, 2),
                (datetime!(2026-12-07 01:00 UTC), 6, 2, 3),
                // Over-held and over-proposed: counts what it needs at most.
                (datetime!(2026-12-07 06:00 UTC), 5, 7, 1),
                (datetime!(2026-12-07 08:00 UTC), 5, 3, 9),
            ]
            .into_iter(),
        );
        assert_eq!(
            days,
            vec![
                DayCover {
                    day: date!(2026 - 12 - 06),
                    needed: 4,
                    held: 1,
                    proposed: 2
                },
                DayCover {
                    day: date!(2026 - 12 - 07),
                    needed: 16,
                    held: 10,
                    proposed: 5
                },
            ]
        );
        assert!((days[1].share() - 15.0 / 16.0).abs() < 1e-9);
    }

    #[test]
    fn shares_fill_the_bar_only_when_whole() {
        let chart = BarChart::of_shares(
            "cover".into(),
            vec![
                ("half".into(), 0.5, "1/2".into()),
                ("more".into(), 1.3, "13/10".into()),
                ("none".into(), 0.0, "0/4".into()),
            ],
        );
        let widths: Vec<u32> = chart.rows.iter().map(|r| r.width).collect();
        assert_eq!(widths, vec![PLOT_WIDTH / 2, PLOT_WIDTH, 0]);
    }
    use time::macros::{date, datetime};

    #[test]
    fn months_are_the_last_twelve_in_beijing_time() {
        let starts = [
            datetime!(2026-11-30 17:00 UTC), // 01:00 on 1 December in Beijing
            datetime!(2026-11-02 02:00 UTC),
            datetime!(2026-11-20 02:00 UTC),
            datetime!(2025-12-15 02:00 UTC),
            datetime!(2025-11-15 02:00 UTC), // thirteen months back: left out
        ];
        let months = per_month(&starts, date!(2026 - 12 - 01));
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], ("2026-01".to_owned(), 0));
        assert_eq!(months[10], ("2026-11".to_owned(), 2));
        assert_eq!(months[11], ("2026-12".to_owned(), 1));
        let months = per_month(&starts, date!(2026 - 11 - 15));
        assert_eq!(months[0], ("2025-12".to_owned(), 1));
    }

    #[test]
    fn areas_largest_first() {
        let areas = [Some("safety"), None, Some("volunteering"), Some("safety")];
        assert_eq!(
            per_area(areas.into_iter()),
            vec![
                ("safety".to_owned(), 2),
                (String::new(), 1),
                ("volunteering".to_owned(), 1)
            ]
        );
    }

    #[test]
    fn long_labels_are_cut_to_fit() {
        assert_eq!(
            fit_label("青禾街道青少年服务中心".into()),
            "青禾街道青少年服务中心"
        );
        assert_eq!(
            fit_label("一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十".into()),
            "一二三四五六七八九十一二三四五六七八九十一二三四五六…"
        );
        assert_eq!(
            fit_label("Psychological support".into()),
            "Psychological support"
        );
        assert_eq!(fit_label("2026-11".into()), "2026-11");
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let chart = BarChart::new(
            "t".into(),
            vec![
                ("a".into(), 2.0, "2".into()),
                ("b".into(), 4.0, "4".into()),
                ("c".into(), 0.0, "0".into()),
            ],
        );
        let widths: Vec<u32> = chart.rows.iter().map(|r| r.width).collect();
        assert_eq!(widths, vec![PLOT_WIDTH / 2, PLOT_WIDTH, 0]);
        assert_eq!(chart.rows[2].y, 2 * ROW_HEIGHT);
        assert_eq!(chart.height, 3 * ROW_HEIGHT);
        let empty = BarChart::new("t".into(), Vec::new());
        assert_eq!(empty.height, ROW_HEIGHT);
    }
}
