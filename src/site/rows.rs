//! Rows rendered once per record and reused: a facility's row in the listings and 五十音 rows,
//! its ケアマネタイム windows' rows (on the page of all windows, and on the day pages), and its
//! entries in the printed directory's booklets. The pages that list facilities are assembled
//! from these rows instead of rendering every row again inside each list's loop.
//!
//! A theme gives each row as a template of its own (the row templates: [`FACILITY_ROW`],
//! [`CAREMANE_ROW`], [`ENTRY_ROW`], [`CAREMANE_ENTRY_ROW`]). When the theme has a row template,
//! each record's row is rendered with it once, and the lists get each item as its row alone
//! (`html`): a list is assembled from its rows without making any item's data, so a page of
//! every ケアマネタイム window or a listing costs little more than copying its rows. A theme
//! without it (an older copy) gets the items' data and renders the rows in its own loops as
//! before (the booklets then render their entries in parts with `print_entries.html` and
//! `print_caremane_entries.html`). docs/themes.md describes the contract.
//!
//! Only a row's HTML is kept, never an item's data. What a row is made from: the record as
//! loaded (keyed by `crate::build::record_key`), the theme, what every page shares
//! (`site.yaml`, the day; the booklets' entries show the marks of its services), the row's
//! kind and the `root` of the page's links. Where the rows are kept:
//! - in one plain build, only the ケアマネタイム rows, in memory (the 8 pages share them): keeping
//!   every row cost more memory than rendering them again saves (docs/benchmarks.md);
//! - in a `zaitaku build` with the build cache, every row goes to a [`Store`] as it is rendered
//!   (`crate::build::rows_disk`: a file of `.zaitaku-cache/`, read back row by row), so the
//!   next build renders only the rows of the records that changed;
//! - in the preview, in memory by record key between saves ([`KeptRows`], `crate::build::live`),
//!   all forgotten when the theme or `site.yaml` changes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

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

/// The kinds of a record's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// [`FACILITY_ROW`].
    Listing = 0,
    /// [`CAREMANE_ROW`] of every window, with the days column (the page of all windows).
    CaremaneWithDays = 1,
    /// [`CAREMANE_ROW`] of every window, without (a day's page).
    Caremane = 2,
    /// [`ENTRY_ROW`] under a two-level heading (the whole directory).
    Entry = 3,
    /// [`ENTRY_ROW`] under one level (a booklet of one area or category).
    EntrySingle = 4,
    /// [`CAREMANE_ENTRY_ROW`].
    CaremaneEntry = 5,
}

impl Kind {
    /// How many kinds there are.
    pub const COUNT: usize = 6;

    fn is_caremane(self) -> bool {
        matches!(self, Kind::CaremaneWithDays | Kind::Caremane)
    }

    /// The ケアマネタイム window rows, with the days column or without.
    fn caremane(show_days: bool) -> Kind {
        match show_days {
            true => Kind::CaremaneWithDays,
            false => Kind::Caremane,
        }
    }

    /// The booklet entries, under one heading level or two.
    fn entry(single_level: bool) -> Kind {
        match single_level {
            true => Kind::EntrySingle,
            false => Kind::Entry,
        }
    }
}

/// Where a build keeps its rows beyond memory (`crate::build::rows_disk`). A row is text made
/// for one `root`; asked for another root, a store gives nothing.
pub trait Store: Send + Sync {
    /// The row `kind` of the record at `index` (in the content's order), made for `root`.
    fn get(&self, index: usize, kind: Kind, root: &str) -> Option<String>;
    /// The rows `kind` of the records at `indices`, made for `root`, in that order (as many
    /// [`Store::get`]s, read together where the store can).
    fn get_many(&self, indices: &[usize], kind: Kind, root: &str) -> Vec<Option<String>> {
        indices
            .iter()
            .map(|&index| self.get(index, kind, root))
            .collect()
    }
    /// Keeps a row just rendered.
    fn put(&self, index: usize, kind: Kind, root: &str, row: &str);
}

/// Every record's rows for one build (or one save of the preview), by the record's place in
/// the content.
#[derive(Default)]
pub struct Rows {
    slots: Vec<OnceLock<Arc<RecordRows>>>,
    /// Whether every row is kept in memory once rendered (the preview's, [`KeptRows`]); the
    /// ケアマネタイム rows always are, unless a [`Store`] keeps them.
    keep: bool,
    store: Option<Arc<dyn Store>>,
    /// Rows rendered with a row template so far.
    rendered: AtomicUsize,
    /// Held while a row that is not kept yet is looked up and rendered (one of these by the
    /// row's record and kind), so that two pages showing the same row at the same time render
    /// it once and the count of rows rendered is the same in every run.
    making: [Mutex<()>; STRIPES],
}

/// The most rows a list reads ahead at once ([`Rows::ahead`]).
pub const AHEAD: usize = 4096;

/// How many locks [`Rows::making`] has: a few times the threads that render pages.
const STRIPES: usize = 32;

impl Rows {
    /// Empty rows for `count` records.
    pub fn new(count: usize) -> Rows {
        Rows {
            slots: (0..count).map(|_| OnceLock::new()).collect(),
            ..Rows::default()
        }
    }

    /// Empty rows for `count` records that keep what they render in memory (for rows kept for
    /// the next save: [`KeptRows`]).
    pub fn keeping(count: usize) -> Rows {
        Rows {
            keep: true,
            ..Rows::new(count)
        }
    }

    /// Rows for records that `store` keeps (and gets back) as they are rendered.
    pub fn stored(store: Arc<dyn Store>) -> Rows {
        Rows {
            store: Some(store),
            ..Rows::default()
        }
    }

    /// Gives the record at `index` the rows made before (of a record with the same key).
    pub fn seed(&self, index: usize, rows: Arc<RecordRows>) {
        let _ = self.slots[index].set(rows);
    }

    /// How many rows were rendered with a row template.
    pub fn rendered(&self) -> usize {
        self.rendered.load(Ordering::Relaxed)
    }

    /// What the store keeps of the rows `kind` of the records at `indices` for a page whose
    /// links begin with `root`, read together ([`Store::get_many`]), in that order; all `None`
    /// without a store or when the theme has no row template for them (`has`). A list gives
    /// each record's to the method that makes its row (`ahead`).
    fn ahead(&self, indices: &[usize], kind: Kind, root: &str, has: bool) -> Vec<Option<String>> {
        match &self.store {
            Some(store) if has => store.get_many(indices, kind, root),
            _ => vec![None; indices.len()],
        }
    }

    /// [`Rows::ahead`] for [`Rows::listing`].
    pub fn ahead_listings(
        &self,
        indices: &[usize],
        theme: &Theme,
        root: &str,
    ) -> Vec<Option<String>> {
        self.ahead(indices, Kind::Listing, root, theme.has(FACILITY_ROW))
    }

    /// [`Rows::ahead`] for [`Rows::caremane`].
    pub fn ahead_caremane(
        &self,
        indices: &[usize],
        theme: &Theme,
        root: &str,
        show_days: bool,
    ) -> Vec<Option<String>> {
        let kind = Kind::caremane(show_days);
        self.ahead(indices, kind, root, theme.has(CAREMANE_ROW))
    }

    /// [`Rows::ahead`] for [`Rows::entry`].
    pub fn ahead_entries(
        &self,
        indices: &[usize],
        theme: &Theme,
        single_level: bool,
    ) -> Vec<Option<String>> {
        let kind = Kind::entry(single_level);
        self.ahead(indices, kind, "", theme.has(ENTRY_ROW))
    }

    /// [`Rows::ahead`] for [`Rows::caremane_entry`].
    pub fn ahead_caremane_entries(&self, indices: &[usize], theme: &Theme) -> Vec<Option<String>> {
        self.ahead(
            indices,
            Kind::CaremaneEntry,
            "",
            theme.has(CAREMANE_ENTRY_ROW),
        )
    }

    /// The row `kind` of the record at `index` for a page whose links begin with `root`: kept
    /// (`ahead`: read already from the store, [`Rows::ahead`]), or rendered now by `make` (and
    /// kept where rows of its kind are).
    fn row(
        &self,
        index: usize,
        kind: Kind,
        root: &str,
        ahead: Option<String>,
        make: impl FnOnce() -> Result<String>,
    ) -> Result<Got<'_>> {
        let making = || {
            self.making[(index * Kind::COUNT + kind as usize) % STRIPES]
                .lock()
                .unwrap_or_else(|p| p.into_inner())
        };
        if let Some(store) = &self.store {
            if let Some(row) = ahead {
                return Ok(Got::Fresh(row));
            }
            let _making = making();
            if let Some(row) = store.get(index, kind, root) {
                return Ok(Got::Fresh(row));
            }
            let row = self.render(make)?;
            store.put(index, kind, root, &row);
            return Ok(Got::Fresh(row));
        }
        let keeps = self.keep || kind.is_caremane();
        let record = match keeps {
            true => Some(self.slots[index].get_or_init(Default::default)),
            false => self.slots[index].get(),
        };
        let Some(cell) = record.map(|record| &record.0[kind as usize]) else {
            return self.render(make).map(Got::Fresh);
        };
        let _making = match cell.get() {
            Some(_) => None,
            None => Some(making()),
        };
        if let Some(kept) = cell.get() {
            if &*kept.root == root {
                return Ok(Got::Kept(&kept.made));
            }
            return self.render(make).map(Got::Fresh);
        }
        let row = self.render(make)?;
        if !keeps {
            return Ok(Got::Fresh(row));
        }
        let kept = cell.get_or_init(|| Kept {
            root: root.into(),
            made: Made::of(kind, row),
        });
        Ok(Got::Kept(&kept.made))
    }

    fn render(&self, make: impl FnOnce() -> Result<String>) -> Result<String> {
        self.rendered.fetch_add(1, Ordering::Relaxed);
        make()
    }

    /// The facility at `index` as listings show it, for a page whose links begin with `root`:
    /// its row alone as `html` when the theme has [`FACILITY_ROW`] ([`row_item`]), otherwise
    /// its data ([`Summary`]) for the theme's own loop. `ahead`: its row read already
    /// ([`Rows::ahead_listings`]).
    pub fn listing(
        &self,
        index: usize,
        resource: &Resource,
        theme: &Theme,
        root: &str,
        ahead: Option<String>,
    ) -> Result<Value> {
        if !theme.has(FACILITY_ROW) {
            return Ok(Value::from_serializable(&Summary::of(resource)));
        }
        let html = self.row(index, Kind::Listing, root, ahead, || {
            let item = Value::from_serializable(&Summary::of(resource));
            render_row(
                theme,
                FACILITY_ROW,
                "r",
                &item,
                &[("root", Value::from(root))],
            )
        })?;
        Ok(match html {
            Got::Kept(Made::Items {
                items,
                joined: false,
            }) if items.len() == 1 => items[0].clone(),
            got => row_item(&got.text()),
        })
    }

    /// The facility's ケアマネタイム windows, for a page whose links begin with `root`
    /// (`show_days`: with the days column): each window's row alone as `html` when the theme
    /// has [`CAREMANE_ROW`] ([`row_item`]), otherwise each window's data ([`CaremaneRow`]).
    /// `ahead`: its rows read already ([`Rows::ahead_caremane`]).
    pub fn caremane(
        &self,
        index: usize,
        resource: &Resource,
        theme: &Theme,
        root: &str,
        show_days: bool,
        ahead: Option<String>,
    ) -> Result<Vec<Value>> {
        let items = || {
            let summary = Summary::of(resource);
            let verified = ja::seireki(resource.verified);
            resource
                .caremane_time
                .iter()
                .map(|window| {
                    Value::from_serializable(&CaremaneRow {
                        resource: summary.clone(),
                        verified: verified.clone(),
                        window: window.clone(),
                    })
                })
                .collect::<Vec<Value>>()
        };
        if !theme.has(CAREMANE_ROW) {
            return Ok(items());
        }
        let kind = Kind::caremane(show_days);
        let extra = [
            ("root", Value::from(root)),
            ("show_days", Value::from(show_days)),
        ];
        let got = self.row(index, kind, root, ahead, || {
            let rows = items()
                .iter()
                .map(|item| render_row(theme, CAREMANE_ROW, "row", item, &extra))
                .collect::<Result<Vec<String>>>()?;
            Ok(join(&rows))
        })?;
        let windows = resource.caremane_time.len();
        if let Got::Kept(Made::Items {
            items,
            joined: true,
        }) = &got
            && items.len() == windows
        {
            return Ok(items.to_vec());
        }
        let joined = got.text();
        let rows = split(&joined).filter(|rows| rows.len() == windows);
        match rows {
            Some(rows) => Ok(rows.into_iter().map(row_item).collect()),
            // Not ours (never from a store that checks its rows): rendered as the theme says.
            None => items()
                .iter()
                .map(|item| {
                    let html =
                        self.render(|| render_row(theme, CAREMANE_ROW, "row", item, &extra))?;
                    Ok(row_item(&html))
                })
                .collect(),
        }
    }

    /// The facility's entry in a booklet ([`ENTRY_ROW`]; the theme has the template).
    /// `ahead`: read already ([`Rows::ahead_entries`]).
    pub fn entry(
        &self,
        index: usize,
        resource: &Resource,
        theme: &Theme,
        marks: &[Mark],
        single_level: bool,
        ahead: Option<String>,
    ) -> Result<Cow<'_, str>> {
        let kind = Kind::entry(single_level);
        self.row(index, kind, "", ahead, || {
            let mut context = tera::Context::new();
            context.insert("e", &Entry::of(resource, marks));
            context.insert("single_level", &single_level);
            theme.render(ENTRY_ROW, &context)
        })
        .map(Got::text)
    }

    /// The facility's windows in the printed ケアマネタイム table ([`CAREMANE_ENTRY_ROW`]; the
    /// theme has the template). `ahead`: read already ([`Rows::ahead_caremane_entries`]).
    pub fn caremane_entry(
        &self,
        index: usize,
        resource: &Resource,
        theme: &Theme,
        ahead: Option<String>,
    ) -> Result<Cow<'_, str>> {
        self.row(index, Kind::CaremaneEntry, "", ahead, || {
            let mut context = tera::Context::new();
            context.insert("e", &Entry::of(resource, &[]));
            theme.render(CAREMANE_ENTRY_ROW, &context)
        })
        .map(Got::text)
    }
}

/// Rows kept from one save to the next by record key (the preview's).
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

/// One record's rows kept in memory: each kind's HTML, with the `root` it was made for.
#[derive(Default)]
pub struct RecordRows([OnceLock<Kept>; Kind::COUNT]);

struct Kept {
    root: Box<str>,
    made: Made,
}

/// A kept row, in the form its pages take it: a list's rows as the list's items, ready to be
/// shared by every list and every save that shows them (a `Value` is a shared pointer, so
/// each list clones a pointer instead of copying the row into a new item), a booklet's entry
/// as its text.
enum Made {
    /// A list's rows as its items; `joined`: the rows of a record's windows (text: [`join`]).
    Items {
        items: Box<[Value]>,
        joined: bool,
    },
    Html(Box<str>),
}

impl Made {
    /// `row`, just rendered with the row template of `kind`, in the form its pages take it.
    fn of(kind: Kind, row: String) -> Made {
        match kind {
            Kind::Listing => Made::Items {
                items: Box::new([row_item(&row)]),
                joined: false,
            },
            Kind::CaremaneWithDays | Kind::Caremane => match split(&row) {
                Some(rows) => Made::Items {
                    items: rows.into_iter().map(row_item).collect(),
                    joined: true,
                },
                None => Made::Html(row.into()),
            },
            Kind::Entry | Kind::EntrySingle | Kind::CaremaneEntry => Made::Html(row.into()),
        }
    }
}

/// A row as [`Rows::row`] gives it: kept (in the form its pages take it) or made now.
enum Got<'a> {
    Kept(&'a Made),
    Fresh(String),
}

impl<'a> Got<'a> {
    /// The row as text (for a list's items, the rows joined as [`join`] does).
    fn text(self) -> Cow<'a, str> {
        match self {
            Got::Fresh(row) => Cow::Owned(row),
            Got::Kept(Made::Html(row)) => Cow::Borrowed(row),
            Got::Kept(Made::Items { items, joined }) => {
                let rows: Vec<String> = items
                    .iter()
                    .map(|item| item_html(item).to_owned())
                    .collect();
                match (joined, rows.as_slice()) {
                    (false, [one]) => Cow::Owned(one.clone()),
                    _ => Cow::Owned(join(&rows)),
                }
            }
        }
    }
}

/// Renders the row template `template` with `item` as `name` (and `extra`).
fn render_row(
    theme: &Theme,
    template: &str,
    name: &'static str,
    item: &Value,
    extra: &[(&'static str, Value)],
) -> Result<String> {
    let mut context = tera::Context::new();
    context.insert_value(name, item.clone());
    for (key, value) in extra {
        context.insert_value(*key, value.clone());
    }
    theme.render(template, &context)
}

/// A list's item when the theme renders its rows with a row template: the row alone, as
/// `html`. The pages need nothing else of an item (they count the items and show each `html`),
/// so a list is assembled from its rows without making any item's data (docs/themes.md).
fn row_item(html: &str) -> Value {
    let mut map = tera::Map::default();
    map.insert(Name::from("html"), Value::safe_string(html));
    Value::from(map)
}

/// The `html` of an item [`row_item`] made.
fn item_html(item: &Value) -> &str {
    item.as_map()
        .and_then(|map| map.get(&Name::from("html")))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The rows of a record's windows as one text: each as its length in bytes, `:`, the row.
fn join(rows: &[String]) -> String {
    let mut joined = String::with_capacity(rows.iter().map(|row| row.len() + 8).sum());
    for row in rows {
        joined.push_str(&row.len().to_string());
        joined.push(':');
        joined.push_str(row);
    }
    joined
}

/// The rows [`join`] made (`None`: not made by it).
fn split(mut joined: &str) -> Option<Vec<&str>> {
    let mut rows = Vec::new();
    while !joined.is_empty() {
        let (length, rest) = joined.split_once(':')?;
        let length: usize = length.parse().ok()?;
        let row = rest.get(..length)?;
        rows.push(row);
        joined = &rest[length..];
    }
    Some(rows)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_rows_split_again() {
        let rows = vec![
            "<tr>1:2</tr>".to_owned(),
            String::new(),
            "日本語の行".to_owned(),
        ];
        assert_eq!(split(&join(&rows)).unwrap(), rows);
        assert_eq!(split("").unwrap(), Vec::<&str>::new());
        assert!(split("5:abc").is_none());
        assert!(split("x:abc").is_none());
    }
}
