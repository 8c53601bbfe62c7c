//! Vacancy information (空き情報): the optional `availability` block of a record (a short stay
//! with a bed free this week, a care planning office taking new clients …) and the settings
//! of `site.yaml` it is read with.
//!
//! ```yaml
//! availability:
//!   status: available     # site.yaml の availability.statuses のキー（既定: available / ask / full）
//!   count: 2              # 空きの数（省略可）
//!   note: 男性の個室のみ   # ひとこと（省略可）
//!   as_of: 2026-11-20     # この情報がいつのものか（必須）
//! ```
//!
//! Information older than `availability.stale_days` (14 by default) is never shown as
//! current: pages say 「情報が古くなっています（○月○日時点）」 instead.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::fields;
use super::site::Term;
use crate::diagnostics::{Diagnostic, Position};
use crate::ja;

/// The status key pages and filters treat as 「空きあり」.
pub const AVAILABLE: &str = "available";

/// The label of [`AVAILABLE`] when `site.yaml` does not name one; search also finds every
/// current 「空きあり」 by it.
pub const AVAILABLE_LABEL: &str = "空きあり";

/// The statuses when `site.yaml` names none.
pub fn default_statuses() -> Vec<Term> {
    [
        (AVAILABLE, AVAILABLE_LABEL),
        ("ask", "要相談"),
        ("full", "空きなし"),
    ]
    .into_iter()
    .map(|(key, label)| Term {
        key: key.to_owned(),
        label: label.to_owned(),
    })
    .collect()
}

/// Days after which vacancy information is shown as old, when `site.yaml` does not say.
pub const DEFAULT_STALE_DAYS: i64 = 14;

/// `site.yaml`'s `availability` settings, validated.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub statuses: Vec<Term>,
    pub stale_days: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            statuses: default_statuses(),
            stale_days: DEFAULT_STALE_DAYS,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityFile {
    status: Spanned<String>,
    #[serde(default)]
    count: Option<Spanned<i64>>,
    #[serde(default)]
    note: Option<String>,
    as_of: Spanned<String>,
}

impl AvailabilityFile {
    /// The block's values as written, without their positions ([`super::record`]).
    pub fn values(&self) -> super::record::AvailabilityRecord {
        super::record::AvailabilityRecord {
            status: self.status.value.clone(),
            count: self.count.as_ref().map(|c| c.value),
            note: self.note.clone(),
            as_of: self.as_of.value.clone(),
        }
    }
}

/// A record's vacancy information as pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct Availability {
    pub status: Term,
    /// Whether the status is 「空きあり」 ([`AVAILABLE`]).
    pub available: bool,
    pub count: Option<u32>,
    pub note: Option<String>,
    pub as_of: Date,
    /// 11月20日
    pub as_of_label: String,
    /// Days between `as_of` and the day the site was built.
    pub age_days: i64,
    /// Older than the site's limit: shown as 「情報が古くなっています」, never as current.
    pub stale: bool,
}

/// The largest count that makes sense (beds, places).
const MAX_COUNT: i64 = 999;

/// Validates a record's `availability` block as of `today`.
pub fn validate(
    file: &str,
    raw: &AvailabilityFile,
    settings: &Settings,
    today: Date,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Availability> {
    let at = |s: serde_saphyr::Location| Position::from(s);
    let key = raw.status.value.trim();
    let status = match settings.statuses.iter().find(|t| t.key == key) {
        Some(term) => Some(term.clone()),
        None => {
            let by_label = settings.statuses.iter().find(|t| t.label == key);
            let suggestion = by_label.map(|t| t.key.as_str()).or_else(|| {
                crate::content::yaml::closest(key, settings.statuses.iter().map(|t| t.key.as_str()))
            });
            let choices: Vec<String> = settings
                .statuses
                .iter()
                .map(|t| format!("{}（{}）", t.key, t.label))
                .collect();
            diagnostics.push(
                Diagnostic::error(
                    file,
                    at(raw.status.referenced),
                    match suggestion {
                        Some(s) => format!(
                            "空き状況「{}」は site.yaml の availability.statuses にありません。「{s}」の誤りではありませんか。",
                            raw.status.value
                        ),
                        None => format!(
                            "空き状況「{}」は site.yaml の availability.statuses にありません。",
                            raw.status.value
                        ),
                    },
                )
                .field("availability.status")
                .hint(format!("次のキーから選んでください: {}", choices.join("、"))),
            );
            None
        }
    };
    let count = match &raw.count {
        Some(count) if !(0..=MAX_COUNT).contains(&count.value) => {
            diagnostics.push(
                Diagnostic::error(
                    file,
                    at(count.referenced),
                    format!("空きの数「{}」は 0〜{MAX_COUNT} にしてください。", count.value),
                )
                .field("availability.count")
                .hint("空いている床・枠の数を半角の数字で書くか、わからなければ count の行を消してください。"),
            );
            None
        }
        Some(count) => Some(count.value as u32),
        None => None,
    };
    let as_of = match fields::date(raw.as_of.value.trim()) {
        Ok(date) if date > today => {
            diagnostics.push(
                Diagnostic::error(
                    file,
                    at(raw.as_of.referenced),
                    format!("空き情報の日付「{date}」が今日（{today}）より後です。"),
                )
                .field("availability.as_of")
                .hint("as_of には、この空き状況を確かめた日（今日かそれより前）を書いてください。"),
            );
            None
        }
        Ok(date) => Some(date),
        Err(invalid) => {
            diagnostics.push(
                Diagnostic::error(file, at(raw.as_of.referenced), invalid.message)
                    .field("availability.as_of")
                    .hint(invalid.hint),
            );
            None
        }
    };
    let (status, as_of) = (status?, as_of?);
    let age_days = (today - as_of).get_days() as i64;
    Some(Availability {
        available: status.key == AVAILABLE,
        status,
        count,
        note: raw
            .note
            .as_ref()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
        as_of_label: ja::month_day(as_of),
        as_of,
        age_days,
        stale: age_days > settings.stale_days,
    })
}
