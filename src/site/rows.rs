//! Rows rendered once per record and reused: a facility's row in the listings and 五十音 rows,
//! its ケアマネタイム windows' rows (on the page of all windows, and on the day pages), and its
//! entries in the printed directory's booklets. The pages that list facilities are assembled
//! from these rows instead of rendering every row again inside each list's loop.
//!
//! A theme gives each row as a template of its own (the row templates: [`FACILITY_ROW`],
//! [`CAREMANE_ROW`], [`ENTRY_ROW`], [`CAREMANE_ENTRY_ROW`]). When the theme has a row template,
//! each record's row is rendered with it once, and the lists get it as the item's `html`
//! beside the item's data; a theme without it (an older copy) gets the data alone and renders
//! the rows in its own loops as before (the booklets then render their entries in parts
//! with `print_entries.html` and `print_caremane_entries.html`). docs/themes.md describes the
//! contract.
//!
//! The data of each item (a `tera::Value`) is also made once per record: tera's values are
//! reference-counted, so every list that shows a record holds a pointer to the same value.
//!
//! What a row is made from: the record as loaded (keyed by `crate::build::record_key`), the
//! theme, and for the booklets' entries the marks of `site.yaml`'s services. [`Rows`] holds
//! one build's rows by record; the preview keeps them between saves by record key
//! (`crate::build::live`), and forgets them all when the theme or `site.yaml` changes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use tera::Value;
use tera::value::Key as Name;

use super::caremane::CaremaneRow;
use super::directory::Summary;
use super::print::{Entry, Mark};
use crate::content::resource::Resource;
use crate::error::Result;
use crate::ja;
use crate::render::Theme;
use crate::render::key::Key;

/// A facility as listings and 五十音 rows show it (`r`, with `root`): `{{ <facility_item r={r} /> }}`.
pub const FACILITY_ROW: &str = "row_facility.html";
/// One ケアマネタイム window (`row`, with `root` and `show_days`).
pub const CAREMANE_ROW: &str = "row_caremane.html";
/// A facility's entry in a booklet of the printed directory (`e`, with `single_level`).
pub const ENTRY_ROW: &str = "print_entry.html";
/// A facility's windows in the printed ケアマネタイム table (`e`).
pub const CAREMANE_ENTRY_ROW: &str = "print_caremane_entry.html";

/// Every record's rows for one build (or one save of the preview), by the record's place in
/// the content.
#[derive(Default)]
pub struct Rows {
    slots: Vec<OnceLock<Arc<RecordRows>>>,
    /// Whether the listings' rows and the booklets' entries are kept once rendered. Kept,
    /// every record's rows stay in memory to the end of the build: in one `zaitaku build`
    /// that cost more memory (+40 % peak at 10,000 records, docs/benchmarks.md) than
    /// rendering them again saves, so only rows kept for the next build (the preview's,
    /// [`KeptRows`]) are. The ケアマネタイム rows are always kept (the day pages share them).
    keep: bool,
}

impl Rows {
    /// Empty rows for `count` records.
    pub fn new(count: usize) -> Rows {
        Rows {
            slots: (0..count).map(|_| OnceLock::new()).collect(),
            keep: false,
        }
    }

    /// Empty rows for `count` records that keep what they render (for rows kept for the next
    /// build: [`KeptRows`]).
    pub fn keeping(count: usize) -> Rows {
        Rows {
            keep: true,
            ..Rows::new(count)
        }
    }

    /// Whether rows are kept once rendered.
    pub fn keeps(&self) -> bool {
        self.keep
    }

    /// The rows of the record at `index` (empty until asked for).
    pub fn of(&self, index: usize) -> &RecordRows {
        self.slots[index].get_or_init(Default::default)
    }

    /// Gives the record at `index` the rows made before (of a record with the same key).
    pub fn seed(&self, index: usize, rows: Arc<RecordRows>) {
        let _ = self.slots[index].set(rows);
    }

    /// The rows made so far, by record (`None`: none asked for).
    pub fn made(&self) -> Vec<Option<Arc<RecordRows>>> {
        self.slots.iter().map(|slot| slot.get().cloned()).collect()
    }
}

/// Rows kept from one build to the next by record key (the preview's, between saves).
#[derive(Default)]
pub struct KeptRows {
    /// What every kept row was made with (the theme, `site.yaml` as loaded, the day).
    made_with: Option<Key>,
    by_key: HashMap<Key, Arc<RecordRows>>,
}

impl KeptRows {
    pub fn new() -> KeptRows {
        KeptRows::default()
    }

    /// The rows of a build whose records have the keys `keys` (in the content's order), made
    /// with `made_with` (`None`: not keyed): each keyed record gets the rows kept for its key,
    /// or new ones kept from now on. The rows of records no longer there are forgotten, and
    /// all of them when `made_with` is not the one they were made with.
    pub fn rows_for(&mut self, made_with: Option<&Key>, keys: &[Option<Key>]) -> Rows {
        if made_with.is_none() || self.made_with.as_ref() != made_with {
            self.by_key.clear();
        }
        self.made_with = made_with.cloned();
        let mut by_key = HashMap::with_capacity(keys.len());
        let rows = Rows::keeping(keys.len());
        for (index, key) in keys.iter().enumerate() {
            let Some(key) = key.as_ref().filter(|_| made_with.is_some()) else {
                continue;
            };
            let record = by_key
                .entry(key.clone())
                .or_insert_with(|| self.by_key.remove(key).unwrap_or_default())
                .clone();
            rows.seed(index, record);
        }
        self.by_key = by_key;
        rows
    }
}

/// One record's rows, each rendered when first asked for. A row is kept with the `root` it
/// was rendered for; asked for another, it is rendered again (and not kept).
#[derive(Default)]
pub struct RecordRows {
    listing: OnceLock<Made<Value>>,
    /// The windows' rows: with the days column (the page of all windows), and without.
    caremane: [OnceLock<Made<Vec<Value>>>; 2],
    /// The booklets' entry: under a two-level heading (the whole directory), and one level.
    entry: [OnceLock<String>; 2],
    caremane_entry: OnceLock<String>,
}

struct Made<T> {
    root: String,
    value: T,
}

/// A value from a cell, or made now (and kept when `keep` and it was made for the cell's
/// `root`).
fn made<T: Clone>(
    cell: &OnceLock<Made<T>>,
    root: &str,
    keep: bool,
    make: impl FnOnce() -> Result<T>,
) -> Result<T> {
    if let Some(made) = cell.get() {
        if made.root == root {
            return Ok(made.value.clone());
        }
        return make();
    }
    let value = make()?;
    if !keep {
        return Ok(value);
    }
    let made = cell.get_or_init(|| Made {
        root: root.to_owned(),
        value: value.clone(),
    });
    Ok(if made.root == root {
        made.value.clone()
    } else {
        value
    })
}

/// A string from a cell, or rendered now (and kept when `keep`).
fn kept(
    cell: &OnceLock<String>,
    keep: bool,
    make: impl FnOnce() -> Result<String>,
) -> Result<Cow<'_, str>> {
    if let Some(text) = cell.get() {
        return Ok(Cow::Borrowed(text));
    }
    let text = make()?;
    Ok(if keep {
        Cow::Borrowed(cell.get_or_init(|| text))
    } else {
        Cow::Owned(text)
    })
}

/// Renders the row template `template` with `item` as `name` (and `extra`), and gives the
/// item's value with the rendered row as its `html`. Without the row template, the value alone.
fn with_row(
    theme: &Theme,
    template: &str,
    name: &'static str,
    item: Value,
    extra: &[(&'static str, Value)],
) -> Result<Value> {
    if !theme.has(template) {
        return Ok(item);
    }
    let mut context = tera::Context::new();
    context.insert_value(name, item.clone());
    for (key, value) in extra {
        context.insert_value(*key, value.clone());
    }
    let html = theme.render(template, &context)?;
    drop(context);
    let mut map = item.into_map().unwrap_or_default();
    map.insert(Name::from("html"), Value::safe_string(&html));
    Ok(Value::from(map))
}

impl RecordRows {
    /// The facility as listings show it ([`Summary`]), with its row as `html`, for a page
    /// whose links begin with `root`.
    pub fn listing(
        &self,
        resource: &Resource,
        theme: &Theme,
        root: &str,
        keep: bool,
    ) -> Result<Value> {
        made(&self.listing, root, keep, || {
            let item = Value::from_serializable(&Summary::of(resource));
            with_row(
                theme,
                FACILITY_ROW,
                "r",
                item,
                &[("root", Value::from(root))],
            )
        })
    }

    /// The facility's ケアマネタイム windows ([`CaremaneRow`]), each with its row as `html`;
    /// `show_days`: with the days column.
    pub fn caremane(
        &self,
        resource: &Resource,
        theme: &Theme,
        root: &str,
        show_days: bool,
        keep: bool,
    ) -> Result<Vec<Value>> {
        made(&self.caremane[usize::from(show_days)], root, keep, || {
            let summary = Summary::of(resource);
            let verified = ja::seireki(resource.verified);
            resource
                .caremane_time
                .iter()
                .map(|window| {
                    let item = Value::from_serializable(&CaremaneRow {
                        resource: summary.clone(),
                        verified: verified.clone(),
                        window: window.clone(),
                    });
                    with_row(
                        theme,
                        CAREMANE_ROW,
                        "row",
                        item,
                        &[
                            ("root", Value::from(root)),
                            ("show_days", Value::from(show_days)),
                        ],
                    )
                })
                .collect()
        })
    }

    /// The facility's entry in a booklet ([`ENTRY_ROW`]; the theme has the template), kept
    /// when `keep`.
    pub fn entry(
        &self,
        resource: &Resource,
        theme: &Theme,
        marks: &[Mark],
        single_level: bool,
        keep: bool,
    ) -> Result<Cow<'_, str>> {
        kept(&self.entry[usize::from(single_level)], keep, || {
            let mut context = tera::Context::new();
            context.insert("e", &Entry::of(resource, marks));
            context.insert("single_level", &single_level);
            theme.render(ENTRY_ROW, &context)
        })
    }

    /// The facility's windows in the printed ケアマネタイム table ([`CAREMANE_ENTRY_ROW`]; the
    /// theme has the template), kept when `keep`.
    pub fn caremane_entry(
        &self,
        resource: &Resource,
        theme: &Theme,
        keep: bool,
    ) -> Result<Cow<'_, str>> {
        kept(&self.caremane_entry, keep, || {
            let mut context = tera::Context::new();
            context.insert("e", &Entry::of(resource, &[]));
            theme.render(CAREMANE_ENTRY_ROW, &context)
        })
    }
}

/// A list of items as the templates get it.
pub fn list(items: Vec<Value>) -> Value {
    Value::from(items)
}

/// A map of named values, as the templates get a struct.
pub fn map(fields: Vec<(&'static str, Value)>) -> Value {
    let mut map = tera::Map::default();
    for (name, value) in fields {
        map.insert(Name::from(name), value);
    }
    Value::from(map)
}

/// A value as the templates get it.
pub fn value<T: Serialize + ?Sized>(value: &T) -> Value {
    Value::from_serializable(value)
}
