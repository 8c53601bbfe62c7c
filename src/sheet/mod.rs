//! Spreadsheets, both ways: `zaitaku import` (the staff's own sheet, and the national open
//! data: 介護サービス情報公表システム and 医療情報ネット（ナビイ）) and `zaitaku export`.
//!
//! A sheet row becomes an [`Incoming`] record holding only the fields the sheet has columns
//! for. It is matched with an existing record (by id, by national id, then by name), merged
//! into it, compared field by field, validated with the same code as `zaitaku check`, and only
//! then, with `--write`, written: changed fields are replaced inside the existing file, so a
//! record whose data did not change is never touched.

pub mod availability;
pub mod columns;
pub mod export;
pub mod import;
pub mod injection;
pub mod names;
pub mod opendata;
pub mod returned;
pub mod staff;
pub mod table;
pub mod values;
pub mod xlsx;
pub mod yaml_out;

use std::collections::BTreeSet;

use jiff::civil::Date;

use crate::content::record::{Key, Record};
use crate::content::site::SiteConfig;

/// A record read from one row of a sheet.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The row number as the spreadsheet shows it.
    pub row: usize,
    /// The id (file name) given in the sheet's ID column.
    pub id: Option<String>,
    pub record: Record,
    /// The fields the row gives a value for; the others are kept as they are in the file.
    pub present: BTreeSet<Key>,
    /// Of the ケアマネタイム columns, which the sheet has (the others are kept per window).
    pub caremane_columns: BTreeSet<columns::Column>,
    /// Whether the row's 事業所番号 / ナビイ ID columns exist (each kept otherwise).
    pub has_jigyosho: bool,
    pub has_navii: bool,
}

impl Incoming {
    pub fn new(row: usize) -> Incoming {
        Incoming {
            row,
            id: None,
            record: Record::default(),
            present: BTreeSet::new(),
            caremane_columns: BTreeSet::new(),
            has_jigyosho: false,
            has_navii: false,
        }
    }

    /// The facility's name for messages.
    pub fn label(&self) -> &str {
        self.record.name.trim()
    }
}

/// A row that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub row: usize,
    /// The facility's name if the row has one.
    pub name: String,
    /// The column's header.
    pub column: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

/// A known problem in the data that import handled (fixed, or left out) and reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    pub row: usize,
    pub name: String,
    pub column: String,
    pub message: String,
}

/// What reading rows needs to know.
pub struct Context<'a> {
    pub site: &'a SiteConfig,
    pub today: Date,
    /// `--category`: the category for rows that do not say, and the only one imported.
    pub category: Option<&'a str>,
    /// `--city`: open data rows in other cities are skipped.
    pub city: Option<&'a str>,
}

/// Rows read from a sheet.
#[derive(Debug, Default)]
pub struct Rows {
    pub incoming: Vec<Incoming>,
    pub problems: Vec<Problem>,
    pub notices: Vec<Notice>,
    /// Headers of columns that are not imported.
    pub ignored_columns: Vec<String>,
    /// Rows left out on purpose (another city or category), with why.
    pub skipped: Vec<(usize, String)>,
}

/// A category key from a key or its Japanese label (`clinic`, `診療所`).
pub fn category_key(site: &SiteConfig, text: &str) -> Option<String> {
    let value = crate::ja::nfkc(text.trim());
    site.categories
        .iter()
        .find(|t| t.key == value || crate::ja::nfkc(&t.label) == value)
        .map(|t| t.key.clone())
}

/// An area key from a key or its label.
pub fn area_key(site: &SiteConfig, text: &str) -> Option<String> {
    let value = crate::ja::nfkc(text.trim());
    site.areas
        .iter()
        .find(|t| t.key == value || crate::ja::nfkc(&t.label) == value)
        .map(|t| t.key.clone())
}
