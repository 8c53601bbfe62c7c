//! ケアマネタイム: the pages listing when each facility takes care managers' calls (all of them,
//! and one page per day), and the two scripts their "whom can I contact now" lookup reads:
//! `caremane-time/data.js` ([`lookup`]) and the holidays, `assets/holidays.js`.

pub mod lookup;

use serde::Serialize;
use tera::Value;

use super::directory::Summary;
use super::{Site, rows};
use crate::content::Content;
use crate::content::resource::CaremaneWindow;
use crate::error::Result;
use crate::ja;
use crate::render::Theme;
use crate::render::view::{Link, Output, home_crumb, link, root_prefix};

/// The day keys that have their own ケアマネタイム page, and the URL segment for each.
pub use ja::DAY_KEYS as CAREMANE_DAYS;

/// One ケアマネタイム window with the facility it belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct CaremaneRow {
    pub resource: Summary,
    pub verified: String,
    pub window: CaremaneWindow,
}

/// The generated scripts the ケアマネタイム pages load, and what each holds (for messages
/// about reserved addresses).
pub const DATA_FILES: [(&str, &str); 2] = [
    ("assets/holidays.js", "祝日のデータ"),
    ("caremane-time/data.js", "ケアマネタイムのデータ"),
];

/// The script of one of [`DATA_FILES`].
pub fn data_script(file: &str, content: &Content) -> String {
    match file {
        "assets/holidays.js" => ja::holidays::table().script(&content.site.closures),
        _ => lookup::data_script(content),
    }
}

fn caremane_days() -> Vec<Link> {
    CAREMANE_DAYS
        .iter()
        .map(|d| link(ja::day_long_label(d), format!("caremane-time/{d}/")))
        .collect()
}

impl Site<'_> {
    /// The ケアマネタイム windows as the table gets them ([`CaremaneRow`], each with its row as
    /// `html`: [`rows`]), in 五十音順 of the facilities; only the windows of `day` when given,
    /// then sorted by their start (stable: facilities with the same start stay in 五十音順).
    fn caremane_rows(&self, day: Option<&str>, theme: &Theme, url: &str) -> Result<Value> {
        let root = root_prefix(url);
        // Kept even within one build: the day pages share each window's row, and few
        // records have windows.
        let mut rows: Vec<(u16, Value)> = Vec::new();
        let resources = &self.content.resources;
        let with_windows: Vec<usize> = (0..resources.len())
            .filter(|&index| !resources[index].caremane_time.is_empty())
            .collect();
        for chunk in with_windows.chunks(rows::AHEAD) {
            let ahead = self.rows.ahead_caremane(chunk, theme, &root, day.is_none());
            for (&index, ahead) in chunk.iter().zip(ahead) {
                let resource = &resources[index];
                let made =
                    self.rows
                        .caremane(index, resource, theme, &root, day.is_none(), ahead)?;
                for (window, row) in resource.caremane_time.iter().zip(made) {
                    if day.is_some_and(|day| !window.days.contains(&day)) {
                        continue;
                    }
                    rows.push((window.from_minutes, row));
                }
            }
        }
        if day.is_some() {
            rows.sort_by_key(|(from, _)| *from);
        }
        Ok(rows::list(rows.into_iter().map(|(_, row)| row).collect()))
    }

    /// Every window, in 五十音順 of the facilities.
    pub(in crate::site) fn caremane_all(&self, theme: &Theme) -> Result<Output> {
        let url = "caremane-time/";
        let mut context = self
            .common
            .job_context(url, "ケアマネタイム", vec![home_crumb()]);
        context.insert_unkeyed("rows", self.caremane_rows(None, theme, url)?);
        context.insert("days", &caremane_days());
        context.insert("day_options", &ja::tables().days);
        context.insert("categories", &self.content.site.categories);
        context.insert("areas", &self.content.site.areas);
        context.insert("stale_days", &self.content.site.availability.stale_days);
        context.insert("closures", &self.content.site.closures);
        Ok(Output {
            file: format!("{url}index.html"),
            template: "caremane.html",
            context,
        })
    }

    /// The windows of one day, by their start.
    pub(in crate::site) fn caremane_day(&self, index: usize, theme: &Theme) -> Result<Output> {
        let day = CAREMANE_DAYS[index];
        let url = format!("caremane-time/{day}/");
        let rows = self.caremane_rows(Some(day), theme, &url)?;
        let title = format!("{}のケアマネタイム", ja::day_long_label(day));
        let mut context = self.common.job_context(
            &url,
            &title,
            vec![home_crumb(), link("ケアマネタイム", "caremane-time/")],
        );
        context.insert("day", day);
        context.insert("day_label", ja::day_long_label(day));
        context.insert(
            "upcoming_holidays",
            &ja::holidays::upcoming(self.today, day, 5),
        );
        context.insert_unkeyed("rows", rows);
        context.insert("days", &caremane_days());
        context.insert("closures", &self.content.site.closures);
        context.insert(
            "upcoming_closed",
            &ja::holidays::upcoming_closed(self.today, day, &self.content.site.closures, 7),
        );
        Ok(Output {
            file: format!("{url}index.html"),
            template: "caremane_day.html",
            context,
        })
    }
}
