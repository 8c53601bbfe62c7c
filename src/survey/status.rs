//! `zaitaku survey status`: who has answered the round (their 最終確認日 is on or after its
//! start) and who has not, counted by category and area, and listed for reminder calls (as a
//! sheet written like `zaitaku export`).

use std::path::Path;

use jiff::civil::Date;
use serde::Serialize;

use crate::content::resource::Resource;
use crate::content::site::Term;
use crate::content::survey::Survey;
use crate::error::Result;
use crate::sheet::export::{Layout, Value};

/// One facility of the round.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: String,
    pub name: String,
    pub category: Term,
    pub area: Option<Term>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
    pub verified: Date,
    pub answered: bool,
    pub file: String,
}

/// The counts of one category in one area (or with no area).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub category: Term,
    pub area: Option<Term>,
    pub selected: usize,
    pub answered: usize,
}

/// The round as of `today`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub survey: Survey,
    pub today: Date,
    /// Not answered first, then by category and area as in site.yaml, then 五十音順.
    pub entries: Vec<Entry>,
    /// By category, then area, as in site.yaml; only those with selected facilities.
    pub groups: Vec<Group>,
}

impl Status {
    pub fn answered(&self) -> usize {
        self.entries.iter().filter(|e| e.answered).count()
    }

    pub fn waiting(&self) -> usize {
        self.entries.len() - self.answered()
    }

    /// The reminder sheet: a header, then every facility of the round.
    pub fn rows(&self) -> Vec<Vec<Value>> {
        let text = |s: &str| Value::Text(s.to_owned());
        let optional = |s: &Option<String>| Value::Text(s.clone().unwrap_or_default());
        let mut rows = vec![
            SHEET_COLUMNS
                .iter()
                .map(|(header, _)| text(header))
                .collect::<Vec<_>>(),
        ];
        for entry in &self.entries {
            rows.push(vec![
                text(if entry.answered {
                    "回答あり"
                } else {
                    "未回答"
                }),
                text(&entry.id),
                text(&entry.name),
                text(&entry.category.label),
                text(entry.area.as_ref().map(|a| a.label.as_str()).unwrap_or("")),
                optional(&entry.phone),
                optional(&entry.fax),
                optional(&entry.email),
                Value::Date(entry.verified),
                text(&entry.file),
            ]);
        }
        rows
    }
}

/// The reminder sheet's columns and their widths.
const SHEET_COLUMNS: [(&str, f64); 10] = [
    ("回答", 10.0),
    ("ID", 18.0),
    ("名称", 30.0),
    ("種別", 18.0),
    ("圏域", 10.0),
    ("電話番号", 14.0),
    ("FAX", 14.0),
    ("メール", 20.0),
    ("最終確認日", 12.0),
    ("ファイル", 40.0),
];

/// The reminder sheet's layout in Excel.
pub fn layout() -> Layout<'static> {
    Layout {
        sheet: "確認調査",
        widths: SHEET_COLUMNS.iter().map(|(_, width)| *width).collect(),
        freeze: (1, 3),
    }
}

fn position(terms: &[Term], term: Option<&Term>) -> usize {
    term.and_then(|t| terms.iter().position(|x| x.key == t.key))
        .unwrap_or(usize::MAX)
}

/// The round's state of `resources` (in 五十音順, as loaded).
pub fn of(
    survey: &Survey,
    site: &crate::content::site::SiteConfig,
    resources: &[Resource],
    today: Date,
) -> Status {
    let mut entries: Vec<Entry> = resources
        .iter()
        .filter(|r| survey.selects(r))
        .map(|r| Entry {
            id: r.id.clone(),
            name: r.name.clone(),
            category: r.category.clone(),
            area: r.area.clone(),
            phone: r.phone.clone(),
            fax: r.fax.clone(),
            email: r.email.clone(),
            verified: r.verified,
            answered: survey.answered(r),
            file: r.file.clone(),
        })
        .collect();
    // A stable sort keeps 五十音順 within each group.
    entries.sort_by_key(|e| {
        (
            e.answered,
            position(&site.categories, Some(&e.category)),
            position(&site.areas, e.area.as_ref()),
        )
    });
    let mut groups: Vec<Group> = Vec::new();
    for entry in &entries {
        match groups
            .iter_mut()
            .find(|g| g.category == entry.category && g.area == entry.area)
        {
            Some(group) => {
                group.selected += 1;
                group.answered += usize::from(entry.answered);
            }
            None => groups.push(Group {
                category: entry.category.clone(),
                area: entry.area.clone(),
                selected: 1,
                answered: usize::from(entry.answered),
            }),
        }
    }
    groups.sort_by_key(|g| {
        (
            position(&site.categories, Some(&g.category)),
            position(&site.areas, g.area.as_ref()),
        )
    });
    Status {
        survey: survey.clone(),
        today,
        entries,
        groups,
    }
}

/// The round's state of the site at `root` as of `today`.
pub fn status(root: &Path, today: Date) -> Result<Status> {
    let (content, survey) = super::load(root, today)?;
    Ok(of(&survey, &content.site, &content.resources, today))
}
