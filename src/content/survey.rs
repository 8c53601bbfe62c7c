//! The yearly confirmation round (確認調査): `content/survey.yaml` says when the round started,
//! when answers are due and which facilities it covers; `content/survey-letter.md` is the
//! cover letter (送付状) the staff edit. Both are versioned with the data, so `check` can say
//! who has not answered yet.
//!
//! A facility has answered when its `verified` date is on or after the round's start.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::fields;
use super::resource::Resource;
use super::site::{SiteConfig, Term};
use crate::diagnostics::{Diagnostic, Position};

/// Where the round's state lives, relative to `content/`.
pub const FILE_NAME: &str = "survey.yaml";
/// The cover letter's template, relative to `content/`.
pub const LETTER_NAME: &str = "survey-letter.md";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyFile {
    #[serde(default)]
    title: Option<String>,
    start: Spanned<String>,
    due: Spanned<String>,
    #[serde(default)]
    selection: Option<SelectionFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SelectionFile {
    #[serde(default)]
    categories: Vec<Spanned<String>>,
    #[serde(default)]
    areas: Vec<Spanned<String>>,
}

/// The validated round.
#[derive(Debug, Clone, Serialize)]
pub struct Survey {
    /// `content/survey.yaml`, for messages.
    pub file: String,
    pub title: String,
    pub start: Date,
    pub due: Date,
    /// Category keys the round covers (empty: all).
    pub categories: Vec<String>,
    /// Area keys the round covers (empty: all).
    pub areas: Vec<String>,
    /// The cover letter's Markdown, when `content/survey-letter.md` exists.
    pub letter: Option<Letter>,
}

/// The cover letter template.
#[derive(Debug, Clone, Serialize)]
pub struct Letter {
    pub file: String,
    pub source: String,
}

impl Survey {
    /// Whether the round covers `resource`.
    pub fn selects(&self, resource: &Resource) -> bool {
        (self.categories.is_empty() || self.categories.contains(&resource.category.key))
            && (self.areas.is_empty()
                || resource
                    .area
                    .as_ref()
                    .is_some_and(|a| self.areas.contains(&a.key)))
    }

    /// Whether `resource` has answered this round (its 最終確認日 is on or after the start).
    pub fn answered(&self, resource: &Resource) -> bool {
        resource.verified >= self.start
    }
}

/// The placeholders the cover letter may use, and what each stands for.
pub const PLACEHOLDERS: [(&str, &str); 8] = [
    ("事業所名", "あて先の事業所の名称"),
    ("回答期限", "survey.yaml の due（例: 2026年12月15日）"),
    ("開始日", "survey.yaml の start"),
    ("発行日", "確認票を作った日"),
    ("センター名", "site.yaml の organization"),
    ("窓口名", "site.yaml の desk.name"),
    ("返信FAX", "site.yaml の desk.fax"),
    ("返信メール", "site.yaml の desk.email"),
];

/// `2026年12月15日`.
pub use crate::ja::year_month_day as japanese_date;

/// Every `{{名前}}` in `source`: its name and byte offset.
pub fn placeholders(source: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = source[from..].find("{{").map(|i| i + from) {
        let Some(end) = source[start + 2..].find("}}").map(|i| i + start + 2) else {
            out.push((String::new(), start));
            break;
        };
        out.push((source[start + 2..end].trim().to_owned(), start));
        from = end + 2;
    }
    out
}

/// The cover letter with its placeholders filled (`values` by placeholder name).
pub fn fill_letter(source: &str, values: &dyn Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start + 2..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&values(rest[start + 2..start + 2 + end].trim()));
        rest = &rest[start + 2 + end + 2..];
    }
    out.push_str(rest);
    out
}

/// Checks the cover letter's placeholders.
pub fn check_letter(file: &str, source: &str) -> Vec<Diagnostic> {
    let known: Vec<&str> = PLACEHOLDERS.iter().map(|(name, _)| *name).collect();
    let list: Vec<String> = PLACEHOLDERS
        .iter()
        .map(|(name, about)| format!("{{{{{name}}}}}（{about}）"))
        .collect();
    placeholders(source)
        .into_iter()
        .filter(|(name, _)| !known.contains(&name.as_str()))
        .map(|(name, offset)| {
            let position = crate::content::yaml::position_of(source, offset);
            let message = if name.is_empty() {
                "「{{」が「}}」で閉じられていません。".to_owned()
            } else {
                format!("差し込み「{{{{{name}}}}}」はありません。")
            };
            Diagnostic::error(file, position, message).hint(format!(
                "使える差し込みは次のとおりです: {}",
                list.join("、")
            ))
        })
        .collect()
}

fn date_field(
    file: &str,
    value: &Spanned<String>,
    field: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Date> {
    match fields::date(value.value.trim()) {
        Ok(date) => Some(date),
        Err(invalid) => {
            diagnostics.push(
                Diagnostic::error(file, Position::from(value.referenced), invalid.message)
                    .field(field)
                    .hint(invalid.hint),
            );
            None
        }
    }
}

fn keys(
    file: &str,
    values: &[Spanned<String>],
    field: &str,
    vocabulary: &str,
    terms: &[Term],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (index, value) in values.iter().enumerate() {
        let key = value.value.trim();
        if terms.iter().any(|t| t.key == key) {
            if !out.iter().any(|k| k == key) {
                out.push(key.to_owned());
            }
            continue;
        }
        let choices: Vec<String> = terms
            .iter()
            .map(|t| format!("{}（{}）", t.key, t.label))
            .collect();
        let suggestion = terms
            .iter()
            .find(|t| t.label == key)
            .map(|t| t.key.as_str())
            .or_else(|| crate::content::yaml::closest(key, terms.iter().map(|t| t.key.as_str())));
        let message = match suggestion {
            Some(s) => format!(
                "「{}」は site.yaml の {vocabulary} にありません。「{s}」の誤りではありませんか。",
                value.value
            ),
            None => format!(
                "「{}」は site.yaml の {vocabulary} にありません。",
                value.value
            ),
        };
        diagnostics.push(
            Diagnostic::error(file, Position::from(value.referenced), message)
                .field(format!("{field}[{index}]"))
                .hint(format!(
                    "次のキーから選んでください: {}",
                    choices.join("、")
                )),
        );
    }
    out
}

/// Validates the parsed `survey.yaml`.
pub fn validate(
    file: &str,
    raw: SurveyFile,
    site: &SiteConfig,
    letter: Option<Letter>,
) -> (Option<Survey>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let start = date_field(file, &raw.start, "start", &mut diagnostics);
    let due = date_field(file, &raw.due, "due", &mut diagnostics);
    let selection = raw.selection.unwrap_or(SelectionFile {
        categories: Vec::new(),
        areas: Vec::new(),
    });
    let categories = keys(
        file,
        &selection.categories,
        "selection.categories",
        "categories",
        &site.categories,
        &mut diagnostics,
    );
    let areas = keys(
        file,
        &selection.areas,
        "selection.areas",
        "areas",
        &site.areas,
        &mut diagnostics,
    );
    let (Some(start), Some(due)) = (start, due) else {
        return (None, diagnostics);
    };
    if due < start {
        diagnostics.push(
            Diagnostic::error(
                file,
                Position::from(raw.due.referenced),
                format!("回答期限（due: {due}）が開始日（start: {start}）より前です。"),
            )
            .field("due")
            .hint("回答期限は開始日と同じ日か、それより後の日付にしてください。"),
        );
        return (None, diagnostics);
    }
    let title = raw
        .title
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("{}年度 資源情報の確認", start.year()));
    (
        Some(Survey {
            file: file.to_owned(),
            title,
            start,
            due,
            categories,
            areas,
            letter,
        }),
        diagnostics,
    )
}

/// The summary warning `check` shows while a round is open: how many of the selected
/// facilities have not answered, and whether the due date has passed.
pub fn summary(survey: &Survey, resources: &[Resource], today: Date) -> Option<Diagnostic> {
    let selected: Vec<&Resource> = resources.iter().filter(|r| survey.selects(r)).collect();
    let waiting = selected.iter().filter(|r| !survey.answered(r)).count();
    if waiting == 0 || today < survey.start {
        return None;
    }
    let when = if today > survey.due {
        format!("回答期限（{}）を過ぎています", japanese_date(survey.due))
    } else {
        format!("回答期限は {}", japanese_date(survey.due))
    };
    Some(
        Diagnostic::warning(
            &survey.file,
            Position::FILE,
            format!(
                "確認調査「{}」: 対象 {} 件のうち {waiting} 件がまだ回答していません（最終確認日が開始日 {} より前）。{when}。",
                survey.title,
                selected.len(),
                survey.start
            ),
        )
        .hint("zaitaku survey status で、まだの事業所を種別・圏域ごとに見られます（--out で表にも書き出せます）。FAX で「変更なし」と返ってきた事業所は zaitaku survey confirm ID で確認済みにします。"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_filled() {
        let source = "{{事業所名}} 様\n期限: {{ 回答期限 }}\n{{なにか}}";
        let found: Vec<String> = placeholders(source).into_iter().map(|p| p.0).collect();
        assert_eq!(found, ["事業所名", "回答期限", "なにか"]);
        let filled = fill_letter(source, &|name| format!("<{name}>"));
        assert_eq!(filled, "<事業所名> 様\n期限: <回答期限>\n<なにか>");
        let problems = check_letter("content/survey-letter.md", source);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].position, Position::new(3, 1));
        assert!(
            check_letter("x", "{{事業所名")[0]
                .message
                .contains("閉じられて")
        );
    }
}
