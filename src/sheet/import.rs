//! `zaitaku import`: what would change (new, changed field by field, missing), and with
//! `--write` the record files written.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use jiff::civil::Date;

use super::columns::{Column, Mapping};
use super::opendata::{self, Kind};
use super::{Context, Incoming, Notice, Problem, Rows, staff, table, values, yaml_out};
use crate::content::record::{self, Key, Record};
use crate::content::resource::{ResourceContext, ResourceFile};
use crate::content::site::SiteConfig;
use crate::content::{self, fields, source};
use crate::diagnostics::{Diagnostic, display_path};
use crate::error::{Error, Result};
use crate::output::guard;
use crate::{ja, lock, owned};

/// The sheet's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Judged from the headings.
    Auto,
    /// A list of facilities (the layout of `zaitaku export`, or one a column mapping reads).
    Sheet,
    /// The open data of 介護サービス情報公表システム (CSV).
    Kaigo,
    /// The open data of 医療情報ネット (ナビイ), its facility table (CSV).
    Navii,
}

/// What to import (`zaitaku import`).
#[derive(Debug, Clone)]
pub struct ImportArgs {
    /// The sheet (.xlsx / .csv, or the open data's CSV).
    pub file: PathBuf,
    /// A category key: a sheet without a category column is read as this category, and rows of
    /// other categories are skipped.
    pub category: Option<String>,
    /// Write the record files (otherwise only say what would change).
    pub write: bool,
    /// The Excel sheet's name (`None`: the first visible sheet).
    pub sheet: Option<String>,
    /// The column mapping (YAML); `None`: `<root>/import-mapping.yaml` when there is one.
    pub mapping: Option<PathBuf>,
    /// The city whose facilities the open data gives (徳島市 or 36201); `None`: the city of the
    /// centre's address.
    pub city: Option<String>,
    /// ナビイ's table of departments and hours (CSV), read with its facility table.
    pub hours: Option<PathBuf>,
    pub format: Format,
    /// "Today": the 最終確認日 of new records.
    pub today: Date,
    /// Returned 確認票: every record that came back gets this 最終確認日, changed or not.
    pub verified: Option<Date>,
}

/// A record file under `content/resources/`.
#[derive(Debug, Clone)]
pub struct Existing {
    pub id: String,
    pub path: PathBuf,
    /// Relative to the site root, for messages.
    pub file: String,
    /// The decoded text, or `None` if the file could not be read.
    pub text: Option<String>,
    pub record: Option<Record>,
    /// Whether the file was not UTF-8 (it is rewritten as UTF-8 when it changes).
    pub converted: bool,
}

/// One field that changes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub label: &'static str,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct NewRecord {
    pub row: usize,
    pub id: String,
    pub name: String,
    pub file: String,
    #[serde(skip)]
    pub text: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ChangedRecord {
    pub row: usize,
    pub id: String,
    pub name: String,
    pub file: String,
    pub changes: Vec<FieldChange>,
    #[serde(skip)]
    pub text: String,
    /// Whether the whole file had to be rewritten (its layout could not be kept).
    pub rewritten: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct MissingRecord {
    pub id: String,
    pub name: String,
    pub file: String,
}

/// Everything `zaitaku import` found.
#[derive(Debug, serde::Serialize)]
pub struct ImportReport {
    pub file: String,
    /// The worksheet read (Excel only).
    pub sheet: Option<String>,
    pub format: String,
    /// What the reader did that the user should know (merged cells filled, …).
    pub notes: Vec<String>,
    /// Column letter (`C`) by header, for naming the cell of a problem.
    pub letters: BTreeMap<String, String>,
    pub kind: String,
    pub header_row: usize,
    pub data_rows: usize,
    pub city: Option<String>,
    pub mapping: Option<String>,
    pub ignored_columns: Vec<String>,
    pub new: Vec<NewRecord>,
    pub changed: Vec<ChangedRecord>,
    pub unchanged: usize,
    pub missing: Vec<MissingRecord>,
    pub missing_note: String,
    pub problems: Vec<Problem>,
    pub notices: Vec<Notice>,
    pub skipped: Vec<(usize, String)>,
    /// Record files that could not be read for comparing.
    pub unreadable_files: Vec<String>,
    pub written: bool,
}

/// Reads `content/site.yaml` alone (records may have errors; import still works).
pub fn load_site(root: &Path) -> Result<SiteConfig> {
    let path = root.join("content").join("site.yaml");
    if !path.is_file() {
        return Err(Error::Setup(format!(
            "{} が見つかりません。サイトのフォルダで実行するか、--root でサイトのフォルダを指定してください。",
            path.display()
        )));
    }
    let file = display_path(root, &path);
    let text = source::read(&file, &path).map_err(|d| content_error(vec![d]))?;
    let raw = crate::content::yaml::parse::<content::site::SiteFile>(&file, &text.text, 0)
        .map_err(|d| content_error(vec![d]))?;
    let mut diagnostics = crate::diagnostics::Diagnostics::new();
    let site = content::site::validate(&file, raw, &mut diagnostics);
    if diagnostics.has_errors() {
        return Err(content_error(diagnostics.sorted()));
    }
    Ok(site)
}

fn content_error(diagnostics: Vec<Diagnostic>) -> Error {
    Error::Content {
        errors: diagnostics.iter().filter(|d| d.is_error()).count().max(1),
        diagnostics,
    }
}

/// Every record file under `content/resources/`, sorted by path: the files the build reads
/// (through the same walk, [`content::record_files`]), read with the same schema. A file the
/// build refuses or cannot read is kept without a record, so that nothing is written while
/// it is there.
pub fn load_existing(root: &Path) -> Result<Vec<Existing>> {
    let mut out = Vec::new();
    for found in content::record_files(root)? {
        let path = found.path;
        let file = display_path(root, &path);
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if found.refused {
            out.push(Existing {
                id,
                path,
                file,
                text: None,
                record: None,
                converted: false,
            });
            continue;
        }
        let (text, converted) = match source::read(&file, &path) {
            Ok(text) => (Some(text.text), !text.warnings.is_empty()),
            Err(_) => (None, false),
        };
        let record = text.as_deref().and_then(|t| record::parse(t).ok());
        // Keep the raw text (with CRLF and BOM) so that edits keep them too.
        let raw = std::fs::read(&path)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok());
        out.push(Existing {
            id,
            path,
            file,
            text: if converted { text } else { raw.or(text) },
            record,
            converted,
        });
    }
    Ok(out)
}

/// Runs the import (writing only with `write`).
pub fn run(root: &Path, args: &ImportArgs) -> Result<ImportReport> {
    run_with(root, args, &mut |_| {})
}

/// Like [`run`]; with `--write`, `waiting` gets a Japanese line when another import writes into
/// the same `content/` and this one waits for it (and then compares with what it wrote).
pub fn run_with(
    root: &Path,
    args: &ImportArgs,
    waiting: &mut dyn FnMut(&str),
) -> Result<ImportReport> {
    let _lock = if args.write {
        Some(lock_content(root, waiting)?)
    } else {
        None
    };
    if args.file.is_dir() {
        return Err(Error::Setup(format!(
            "{} はフォルダです。フォルダの中の表をまとめて取り込むのは、返ってきた確認票を取り込むとき（--verified を付けたとき）だけです。",
            args.file.display()
        )));
    }
    let site = load_site(root)?;
    let today = args.today;
    let existing = load_existing(root)?;
    let mut report = prepare(root, args, &args.file, &site, today, &existing)?;
    if args.write {
        if !report.unreadable_files.is_empty() {
            return Err(unreadable_error(&report));
        }
        write(root, &existing, &report)?;
        report.written = true;
    }
    Ok(report)
}

/// One writer of `content/` at a time (import, survey confirm); what killed imports left is
/// removed once the lock is held.
pub fn lock_content(root: &Path, waiting: &mut dyn FnMut(&str)) -> Result<lock::Lock> {
    let content = guard::resolve(&root.join("content"))?;
    if !content.is_dir() {
        return Err(Error::Setup(format!(
            "content フォルダが見つかりません: {}\n  サイトのフォルダで実行するか、--root でサイトのフォルダを指定してください。",
            root.join("content").display()
        )));
    }
    let lock = lock::acquire(&content, lock::Purpose::Import, waiting)?;
    remove_abandoned(root);
    Ok(lock)
}

/// Refuses to write while some record files cannot be read (a row might add one twice).
pub fn unreadable_error(report: &ImportReport) -> Error {
    Error::Setup(format!(
        "次のファイルが読めないため、同じ事業所を 2 重に登録しないよう、書き込みを止めました:\n  {}\n  zaitaku check でこれらのファイルの誤りを直してから、もう一度取り込んでください。",
        report.unreadable_files.join("\n  ")
    ))
}

/// Reads `file` and compares it with the records (`existing`): what an import would do,
/// nothing written.
pub fn prepare(
    root: &Path,
    args: &ImportArgs,
    file: &Path,
    site: &SiteConfig,
    today: Date,
    existing: &[Existing],
) -> Result<ImportReport> {
    let site = site.clone();
    if let Some(category) = &args.category
        && site.category(category).is_none()
    {
        let keys: Vec<String> = site
            .categories
            .iter()
            .map(|t| format!("{}（{}）", t.key, t.label))
            .collect();
        return Err(Error::Setup(format!(
            "--category「{category}」は site.yaml の categories にありません。次から選んでください: {}",
            keys.join("、")
        )));
    }
    let table = table::read(file, args.sheet.as_deref())?;
    let detected = opendata::detect(&table);
    let kind = match (args.format, detected) {
        (Format::Auto, Some((kind, index))) => Some((kind, index)),
        (Format::Kaigo, Some((Kind::Kaigo, index))) => Some((Kind::Kaigo, index)),
        (Format::Navii, Some((Kind::Navii, index))) => Some((Kind::Navii, index)),
        (Format::Kaigo | Format::Navii, _) => {
            return Err(Error::Setup(format!(
                "{} は指定された形式（{}）の見出しになっていません。",
                table.file,
                if args.format == Format::Kaigo {
                    Kind::Kaigo.label()
                } else {
                    Kind::Navii.label()
                }
            )));
        }
        _ => None,
    };
    if let Some((Kind::NaviiHours, _)) = kind {
        return Err(Error::Setup(format!(
            "{} はナビイの診療科・診療時間票です。施設票の CSV と一緒に、--hours {} として指定してください。",
            table.file, table.file
        )));
    }
    let open_data = kind.is_some();
    let city = if open_data {
        match &args.city {
            Some(city) => Some(city.clone()),
            None => Some(opendata::city_of(&site.desk.address).ok_or_else(|| {
                Error::Setup(
                    "取り込む市区町村がわかりません。--city 徳島市 のように指定してください。"
                        .to_owned(),
                )
            })?),
        }
    } else {
        None
    };
    let context = Context {
        site: &site,
        today,
        category: args.category.as_deref(),
        city: city.as_deref(),
    };
    let mut mapping_source = None;
    let (rows, header_index, kind_label) = match kind {
        Some((Kind::Kaigo, index)) => (
            opendata::read_kaigo(&table, index, &context),
            index,
            Kind::Kaigo.label().to_owned(),
        ),
        Some((Kind::Navii, index)) => {
            let hours = match &args.hours {
                Some(path) => {
                    let hours_table = table::read(path, None)?;
                    Some(opendata::read_navii_hours(&hours_table)?.ok_or_else(|| {
                        Error::Setup(format!(
                            "{} はナビイの診療科・診療時間票（ID、診療科目名、月_診療開始時間 … の列）ではありません。",
                            hours_table.file
                        ))
                    })?)
                }
                None => None,
            };
            (
                opendata::read_navii(&table, index, &context, hours.as_ref()),
                index,
                Kind::Navii.label().to_owned(),
            )
        }
        _ => {
            let default_mapping = root.join("import-mapping.yaml");
            let mapping_path = args
                .mapping
                .clone()
                .or_else(|| default_mapping.is_file().then_some(default_mapping));
            let mapping = Mapping::load(mapping_path.as_deref())?;
            mapping_source = mapping.source.clone();
            let Some(index) = staff::header_row(&table, &mapping) else {
                return Err(Error::Setup(format!(
                    "{} に見出しの行が見つかりません。最初の方の行に「名称」と、「住所」「電話番号」などの見出しを書いてください（見出しの名前は docs/workflow.md の表のとおり。違う名前なら列の対応表 import-mapping.yaml に書けます）。",
                    table.file
                )));
            };
            (
                staff::read(&table, index, &mapping, &context),
                index,
                "事業所の一覧表".to_owned(),
            )
        }
    };
    let data_rows = table.rows[header_index + 1..]
        .iter()
        .filter(|r| !r.cells.iter().all(|c| c.is_empty()))
        .count();
    let mut report = ImportReport {
        file: table.file.clone(),
        sheet: table.sheet.clone(),
        format: table.format.clone(),
        notes: table.notes.clone(),
        letters: table.rows[header_index]
            .cells
            .iter()
            .enumerate()
            .rev()
            .map(|(index, cell)| (cell.text().trim().to_owned(), table::column_letter(index)))
            .filter(|(header, _)| !header.is_empty())
            .collect(),
        kind: kind_label,
        header_row: table.rows[header_index].number,
        data_rows,
        city,
        mapping: mapping_source,
        ignored_columns: Vec::new(),
        new: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
        missing: Vec::new(),
        missing_note: String::new(),
        problems: Vec::new(),
        notices: Vec::new(),
        skipped: Vec::new(),
        unreadable_files: existing
            .iter()
            .filter(|e| e.record.is_none())
            .map(|e| e.file.clone())
            .collect(),
        written: false,
    };
    plan(
        root,
        &site,
        today,
        existing,
        rows,
        kind.map(|k| k.0),
        args.category.as_deref(),
        args.verified,
        &mut report,
    );
    Ok(report)
}

/// Finds the existing record a row is about.
fn find_match(
    incoming: &Incoming,
    existing: &[Existing],
    taken: &BTreeSet<usize>,
    open_data: bool,
) -> Option<usize> {
    let candidates = || {
        existing
            .iter()
            .enumerate()
            .filter(|(index, e)| e.record.is_some() && !taken.contains(index))
    };
    let new = &incoming.record;
    if let Some(id) = &incoming.id {
        return existing.iter().position(|e| &e.id == id);
    }
    let category_ok = |record: &Record| {
        !incoming.present.contains(&Key::Category) || record.category.trim() == new.category
    };
    if let Some(number) = new.jigyosho()
        && let Some((index, _)) = candidates().find(|(_, e)| {
            let record = e.record.as_ref().expect("filtered");
            record.jigyosho() == Some(number) && category_ok(record)
        })
    {
        return Some(index);
    }
    if let Some(id) = new.navii()
        && let Some((index, _)) =
            candidates().find(|(_, e)| e.record.as_ref().expect("filtered").navii() == Some(id))
    {
        return Some(index);
    }
    // By name: the same facility unless its own national id says otherwise.
    let name = ja::loose_text(&new.name);
    let same_name: Vec<usize> = candidates()
        .filter(|(_, e)| {
            let record = e.record.as_ref().expect("filtered");
            let conflicting_id = (new.jigyosho().is_some()
                && record.jigyosho().is_some()
                && record.jigyosho() != new.jigyosho())
                || (new.navii().is_some()
                    && record.navii().is_some()
                    && record.navii() != new.navii());
            ja::loose_text(&record.name) == name && category_ok(record) && !conflicting_id
        })
        .map(|(index, _)| index)
        .collect();
    let same_contact = |index: &usize| {
        let record = existing[*index].record.as_ref().expect("filtered");
        let phone_same = new.phone.is_some() && record.same(new, Key::Phone, true);
        let address_same = !new.address.is_empty() && record.same(new, Key::Address, true);
        phone_same || address_same
    };
    match same_name.as_slice() {
        [] => None,
        [only] if !open_data || same_contact(only) || new.phone.is_none() => Some(*only),
        several => several.iter().copied().find(same_contact),
    }
}

/// Fills in what the row does not say from the existing record.
fn merge(
    existing: Option<&Record>,
    incoming: &Incoming,
    context_category: Option<&str>,
    today: Date,
) -> Record {
    let mut merged = existing.cloned().unwrap_or_default();
    for key in &incoming.present {
        match key {
            Key::SourceIds => {
                let ids = merged.source_ids.get_or_insert_with(Default::default);
                let new_ids = incoming.record.source_ids.clone().unwrap_or_default();
                if incoming.has_jigyosho {
                    ids.jigyosho = new_ids.jigyosho.filter(|s| !s.trim().is_empty());
                }
                if incoming.has_navii {
                    ids.navii = new_ids.navii.filter(|s| !s.trim().is_empty());
                }
                if ids.jigyosho.is_none() && ids.navii.is_none() {
                    merged.source_ids = None;
                }
            }
            Key::CaremaneTime => {
                let old = existing
                    .map(|r| r.caremane_time.clone())
                    .unwrap_or_default();
                let mut windows = incoming.record.caremane_time.clone();
                for (index, window) in windows.iter_mut().enumerate() {
                    let Some(previous) = old.get(index) else {
                        continue;
                    };
                    let has = |c: Column| incoming.caremane_columns.contains(&c);
                    if !has(Column::CaremaneDays) {
                        window.days = previous.days.clone();
                    }
                    if !has(Column::CaremaneTime) {
                        window.from = previous.from.clone();
                        window.to = previous.to.clone();
                    }
                    if !has(Column::CaremaneMethods) {
                        window.methods = previous.methods.clone();
                    }
                    if !has(Column::CaremaneContact) {
                        window.contact = previous.contact.clone();
                    }
                    if !has(Column::CaremaneAppointment) {
                        window.appointment = previous.appointment;
                    }
                    if !has(Column::CaremaneNote) {
                        window.note = previous.note.clone();
                    }
                    // No sheet has a column for it: the YAML file's closures stay.
                    window.closures = previous.closures.clone();
                }
                merged.caremane_time = windows;
            }
            key => merged.set_from(*key, &incoming.record),
        }
    }
    if existing.is_none() {
        if merged.category.trim().is_empty()
            && let Some(category) = context_category
        {
            merged.category = category.to_owned();
        }
        if merged.verified.trim().is_empty() {
            merged.verified = today.to_string();
        }
    }
    merged
}

/// How a field's value is shown in the report.
pub fn show(record: &Record, key: Key, site: &SiteConfig) -> String {
    let none = || "（なし）".to_owned();
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(none)
    };
    let shown = match key {
        Key::Name => record.name.trim().to_owned(),
        Key::Kana => record.kana.trim().to_owned(),
        Key::Category => site
            .category(record.category.trim())
            .map(|t| t.label.clone())
            .unwrap_or_else(|| record.category.clone()),
        Key::Corporation => text(&record.corporation),
        Key::Area => record
            .area
            .as_deref()
            .map(|a| {
                site.area(a.trim())
                    .map(|t| t.label.clone())
                    .unwrap_or_else(|| a.to_owned())
            })
            .unwrap_or_else(none),
        Key::PostalCode => text(&record.postal_code),
        Key::Address => record.address.trim().to_owned(),
        Key::Phone => text(&record.phone),
        Key::Fax => text(&record.fax),
        Key::Email => text(&record.email),
        Key::Url => text(&record.url),
        Key::Location => record
            .location
            .map(|l| format!("{}, {}", l.lat, l.lng))
            .unwrap_or_else(none),
        Key::Specialties => record.specialties.join(values::LIST_SEPARATOR),
        Key::Services => record
            .services
            .iter()
            .map(|s| {
                site.service(s.trim())
                    .map(|t| t.label.clone())
                    .unwrap_or_else(|| s.clone())
            })
            .collect::<Vec<_>>()
            .join(values::LIST_SEPARATOR),
        Key::Hours => values::format_hours(&record.hours).replace('\n', "／"),
        Key::Closed => text(&record.closed),
        Key::CaremaneTime => record
            .caremane_time
            .iter()
            .map(|w| {
                let mut parts = vec![
                    values::format_days(&w.days),
                    format!("{}〜{}", w.from.trim(), w.to.trim()),
                    values::format_methods(&w.methods),
                ];
                if let Some(contact) = w.contact.as_deref().filter(|c| !c.trim().is_empty()) {
                    parts.push(format!("窓口 {}", contact.trim()));
                }
                if w.appointment {
                    parts.push(values::APPOINTMENT_TEXT.to_owned());
                }
                if let Some(note) = w.note.as_deref().filter(|c| !c.trim().is_empty()) {
                    parts.push(format!("（{}）", note.trim()));
                }
                parts.join(" ")
            })
            .collect::<Vec<_>>()
            .join("／"),
        Key::SourceIds => {
            let mut parts = Vec::new();
            if let Some(id) = record.jigyosho() {
                parts.push(format!("事業所番号 {id}"));
            }
            if let Some(id) = record.navii() {
                parts.push(format!("ナビイID {id}"));
            }
            parts.join("、")
        }
        Key::Note => {
            let note = text(&record.note).replace('\n', " ");
            let short: String = note.chars().take(40).collect();
            if short.chars().count() < note.chars().count() {
                format!("{short}…")
            } else {
                short
            }
        }
        Key::Verified => record.verified.trim().to_owned(),
    };
    if shown.is_empty() { none() } else { shown }
}

/// Column header for a validation message's field (`hours[1].close` → 診療時間).
fn column_for_field(field: Option<&str>) -> Option<String> {
    let field = field?;
    let root: String = field
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if root == "caremane_time" {
        let header = if field.ends_with(".from") || field.ends_with(".to") {
            "ケアマネタイム時間"
        } else if field.contains(".methods") {
            "ケアマネタイム連絡方法"
        } else {
            "ケアマネタイム曜日"
        };
        return Some(header.to_owned());
    }
    if root == "location" {
        return Some("緯度・経度".to_owned());
    }
    Key::from_yaml(&root).map(|k| k.label().to_owned())
}

/// Validates a record's text with the loader's own checks; the errors as problems.
pub fn validate(
    site: &SiteConfig,
    today: Date,
    id: &str,
    file: &str,
    text: &str,
    row: usize,
    name: &str,
) -> Vec<Problem> {
    let to_problem = |d: Diagnostic| Problem {
        row,
        name: name.to_owned(),
        column: column_for_field(d.field.as_deref()),
        message: d.message,
        hint: d.hint,
    };
    let raw = match crate::content::yaml::parse::<ResourceFile>(file, text, 0) {
        Ok(raw) => raw,
        Err(diagnostic) => return vec![to_problem(diagnostic)],
    };
    let context = ResourceContext { site, today };
    let (_, diagnostics) = content::resource::validate(id, file, raw, &context);
    diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .map(to_problem)
        .collect()
}

fn new_id(incoming: &Incoming, record: &Record, taken: &BTreeSet<String>) -> String {
    let base = incoming.id.clone().unwrap_or_else(|| {
        let from_reading = super::names::id_from_reading(&record.kana, 32);
        if fields::slug(&from_reading).is_ok() {
            from_reading
        } else if let Some(number) = record.jigyosho() {
            format!("jigyosho-{number}")
        } else if let Some(id) = record.navii() {
            format!("navii-{id}")
        } else {
            format!("{}-{}", record.category.trim(), incoming.row)
        }
    });
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .expect("some suffix is free")
}

#[allow(clippy::too_many_arguments)]
fn plan(
    root: &Path,
    site: &SiteConfig,
    today: Date,
    existing: &[Existing],
    rows: Rows,
    open_data: Option<Kind>,
    category: Option<&str>,
    verified: Option<Date>,
    report: &mut ImportReport,
) {
    let Rows {
        incoming,
        problems,
        notices,
        ignored_columns,
        skipped,
    } = rows;
    report.problems = problems;
    report.notices = notices;
    report.ignored_columns = ignored_columns;
    report.skipped = skipped;
    let mut taken: BTreeSet<usize> = BTreeSet::new();
    let mut matched_rows: BTreeMap<usize, usize> = BTreeMap::new();
    let mut ids: BTreeSet<String> = existing.iter().map(|e| e.id.clone()).collect();
    let mut new_rows: BTreeMap<(String, String), usize> = BTreeMap::new();
    let loose = open_data.is_some();
    for row in incoming {
        let name = row.label().to_owned();
        let index = find_match(&row, existing, &taken, loose);
        if let Some(index) = index {
            if let Some(first_row) = matched_rows.get(&index) {
                report.problems.push(Problem {
                    row: row.row,
                    name,
                    column: None,
                    message: format!(
                        "{} 行目と同じ事業所（{}）の行です。",
                        first_row, existing[index].file
                    ),
                    hint: Some(
                        "どちらかの行を消すか、別の事業所なら名称や ID を確かめてください。"
                            .to_owned(),
                    ),
                });
                continue;
            }
            let target = &existing[index];
            let Some(old) = target.record.as_ref() else {
                report.problems.push(Problem {
                    row: row.row,
                    name,
                    column: None,
                    message: format!("{} が読めないため、比べられません。", target.file),
                    hint: Some(
                        "zaitaku check でこのファイルの誤りを直してから、もう一度取り込んでください。"
                            .to_owned(),
                    ),
                });
                continue;
            };
            taken.insert(index);
            matched_rows.insert(index, row.row);
            let mut proposed = merge(Some(old), &row, category, today);
            // A returned sheet confirms the whole record, changed or not (never backwards).
            if let Some(date) = verified
                && old
                    .verified
                    .trim()
                    .parse::<Date>()
                    .ok()
                    .is_none_or(|current| current < date)
            {
                proposed.verified = date.to_string();
            }
            let changed = old.differences(&proposed, loose);
            if changed.is_empty() {
                report.unchanged += 1;
                continue;
            }
            // Only the fields that changed take the sheet's values; the rest stay as written.
            let mut merged = old.clone();
            for key in &changed {
                merged.set_from(*key, &proposed);
            }
            let original = target.text.clone().unwrap_or_default();
            let mut text = yaml_out::update(&original, &merged, &changed);
            let mut rewritten = false;
            let reparsed = record::parse(text.trim_start_matches('\u{FEFF}'));
            let faithful = reparsed
                .map(|r| merged.differences(&r, false).is_empty())
                .unwrap_or(false);
            if !faithful || target.converted {
                text = yaml_out::render(&merged);
                rewritten = true;
            }
            let problems = validate(
                site,
                today,
                &target.id,
                &target.file,
                text.trim_start_matches('\u{FEFF}'),
                row.row,
                &name,
            );
            if !problems.is_empty() {
                report.problems.extend(problems);
                continue;
            }
            report.changed.push(ChangedRecord {
                row: row.row,
                id: target.id.clone(),
                name: merged.name.trim().to_owned(),
                file: target.file.clone(),
                changes: changed
                    .iter()
                    .map(|key| FieldChange {
                        field: key.yaml(),
                        label: key.label(),
                        before: show(old, *key, site),
                        after: show(&merged, *key, site),
                    })
                    .collect(),
                text,
                rewritten,
            });
        } else if verified.is_some() {
            let id = row.id.as_deref().map(crate::error::printable);
            report.problems.push(Problem {
                row: row.row,
                name,
                column: Some("ID".to_owned()),
                message: match id {
                    Some(id) => format!("ID「{id}」の事業所はありません。"),
                    None => "どの事業所の確認票か、わかりません（ID が空で、名称の同じ事業所もありません）。".to_owned(),
                },
                hint: Some(
                    "返ってきた確認票では新しい事業所を登録しません。ID の欄を確認票のとおりに直すか、新しい事業所なら --verified を付けずに取り込んでください。"
                        .to_owned(),
                ),
            });
        } else {
            if let Some(id) = &row.id
                && ids.contains(id)
            {
                report.problems.push(Problem {
                    row: row.row,
                    name,
                    column: Some("ID".to_owned()),
                    message: format!("ID「{id}」はほかの事業所が使っています。"),
                    hint: Some(
                        "別の ID にするか、ID の欄を空にしてください（空なら自動で付けます）。"
                            .to_owned(),
                    ),
                });
                continue;
            }
            let merged = merge(None, &row, category, today);
            if merged.category.trim().is_empty() {
                report.problems.push(Problem {
                    row: row.row,
                    name,
                    column: Some("種別".to_owned()),
                    message: "種別がありません。".to_owned(),
                    hint: Some(
                        "種別の列に「診療所」などを書くか、--category で種別を指定してください。"
                            .to_owned(),
                    ),
                });
                continue;
            }
            let missing: Vec<Key> = [Key::Name, Key::Kana, Key::Address]
                .into_iter()
                .filter(|key| match key {
                    Key::Name => merged.name.trim().is_empty(),
                    Key::Kana => merged.kana.trim().is_empty(),
                    _ => merged.address.trim().is_empty(),
                })
                .collect();
            if !missing.is_empty() {
                for key in missing {
                    report.problems.push(Problem {
                        row: row.row,
                        name: name.clone(),
                        column: Some(key.label().to_owned()),
                        message: format!("新しい事業所なのに{}がありません。", key.label()),
                        hint: Some(format!(
                            "{}を書いてください（新しい事業所には名称・ふりがな・住所が必要です）。",
                            key.label()
                        )),
                    });
                }
                continue;
            }
            let id = new_id(&row, &merged, &ids);
            let path = root
                .join("content")
                .join("resources")
                .join(merged.category.trim())
                .join(format!("{id}.yaml"));
            let file = display_path(root, &path);
            let text = yaml_out::render(&merged);
            let problems = validate(site, today, &id, &file, &text, row.row, &name);
            if !problems.is_empty() {
                report.problems.extend(problems);
                continue;
            }
            // The same new facility twice in the sheet.
            let key = (
                ja::loose_text(&merged.name),
                merged.category.trim().to_owned(),
            );
            if let Some(first) = new_rows.get(&key) {
                report.problems.push(Problem {
                    row: row.row,
                    name,
                    column: Some("名称".to_owned()),
                    message: format!("{first} 行目と同じ新しい事業所です。"),
                    hint: Some("どちらかの行を消してください。".to_owned()),
                });
                continue;
            }
            new_rows.insert(key, row.row);
            ids.insert(id.clone());
            report.new.push(NewRecord {
                row: row.row,
                id,
                name: merged.name.trim().to_owned(),
                file,
                text,
            });
        }
    }
    // Records the sheet does not have.
    let in_category = |r: &Record| category.is_none_or(|c| r.category.trim() == c);
    let scope = |r: &Record| match open_data {
        Some(Kind::Kaigo) => r.jigyosho().is_some() && in_category(r),
        Some(_) => r.navii().is_some() && in_category(r),
        None => in_category(r),
    };
    let note = match open_data {
        Some(Kind::Kaigo) => {
            "事業所番号があるのに今回のデータにない事業所です。廃止・休止したか、市区町村や種別が変わった可能性があります。ファイルは消していません。"
        }
        Some(_) => {
            "ナビイ ID があるのに今回のデータにない事業所です。廃止・休止した可能性があります。ファイルは消していません。"
        }
        None => {
            "表にない事業所です。ファイルは消していません。閉鎖などで不要なら、ファイルを削除してください。"
        }
    };
    let covered_categories: BTreeSet<String> = if open_data.is_some() {
        report
            .changed
            .iter()
            .filter_map(|c| existing.iter().find(|e| e.id == c.id))
            .filter_map(|e| e.record.as_ref().map(|r| r.category.trim().to_owned()))
            .chain(
                report
                    .new
                    .iter()
                    .filter_map(|n| n.file.split('/').nth(2).map(str::to_owned)),
            )
            .chain(taken.iter().filter_map(|i| {
                existing[*i]
                    .record
                    .as_ref()
                    .map(|r| r.category.trim().to_owned())
            }))
            .collect()
    } else {
        BTreeSet::new()
    };
    for (index, entry) in existing.iter().enumerate() {
        let Some(record) = &entry.record else {
            continue;
        };
        if taken.contains(&index) || !scope(record) {
            continue;
        }
        if open_data.is_some() && !covered_categories.contains(record.category.trim()) {
            continue;
        }
        report.missing.push(MissingRecord {
            id: entry.id.clone(),
            name: record.name.trim().to_owned(),
            file: entry.file.clone(),
        });
    }
    report.missing_note = note.to_owned();
    if verified.is_some() {
        // Returned sheets hold one facility each: the others are not missing.
        report.missing.clear();
    }
    report.problems.sort_by_key(|p| p.row);
    report.notices.sort_by_key(|n| n.row);
}

/// The prefix of the files `import --write` writes before renaming them into place (and what
/// the next import removes when their owner is gone).
pub const TEMPORARY_PREFIX: &str = ".zaitaku-import-";

/// Writes one record file in one step (a temporary file beside it, renamed over it), never
/// outside `content/`: an existing file keeps its permissions and, where allowed, its owner; a
/// new one gets the usual permissions (0644 under the usual umask).
pub fn write_file(root: &Path, path: &Path, text: &str) -> Result<()> {
    use std::io::Write as _;
    let parent = path.parent().unwrap_or(Path::new("."));
    // Judged again once the folders exist.
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
    let target = guard::content_file(root, path)?;
    owned::replace_file(&target, TEMPORARY_PREFIX, |file| {
        file.as_file_mut()
            .write_all(text.as_bytes())
            .map_err(|e| Error::io(path, "書き込み", e))
    })
}

/// Removes what killed imports left in the record folders (only files whose owner is gone).
fn remove_abandoned(root: &Path) {
    let resources = root.join("content").join("resources");
    for entry in walkdir::WalkDir::new(&resources)
        .follow_links(false)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_dir())
    {
        owned::remove_abandoned(entry.path(), TEMPORARY_PREFIX);
    }
}

/// Writes what `report` found: new and changed record files (every file judged first).
pub fn write(root: &Path, existing: &[Existing], report: &ImportReport) -> Result<()> {
    let mut files: Vec<(PathBuf, &str)> = Vec::new();
    for new in &report.new {
        let path = root.join(&new.file);
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(Error::Setup(format!(
                "{} がすでにあるため、書き込みませんでした。",
                new.file
            )));
        }
        files.push((path, &new.text));
    }
    for changed in &report.changed {
        let target = existing
            .iter()
            .find(|e| e.id == changed.id)
            .expect("changed records exist");
        files.push((target.path.clone(), &changed.text));
    }
    // Every file is judged before the first is written: a refusal writes nothing.
    for (path, _) in &files {
        guard::content_file(root, path)?;
    }
    for (path, text) in &files {
        write_file(root, path, text)?;
    }
    Ok(())
}

impl ImportReport {
    /// `C 列「電話番号」`, or `列「緯度・経度」` for a column the sheet does not have as such.
    fn column_text(&self, header: &str) -> String {
        match self.letters.get(header) {
            Some(letter) => format!("{letter} 列「{header}」"),
            None => format!("列「{header}」"),
        }
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "取り込み元: {}", self.file)?;
        writeln!(f, "形式: {}（{}）", self.kind, self.format)?;
        for note in &self.notes {
            writeln!(f, "注意: {note}")?;
        }
        write!(
            f,
            "見出しは {} 行目、データは {} 行",
            self.header_row, self.data_rows
        )?;
        if let Some(city) = &self.city {
            write!(f, "、{city}の事業所だけを取り込みます")?;
        }
        writeln!(f)?;
        if let Some(mapping) = &self.mapping {
            writeln!(f, "列の対応表: {mapping}")?;
        }
        if !self.ignored_columns.is_empty() {
            writeln!(f, "取り込まない列: {}", self.ignored_columns.join("、"))?;
        }
        if !self.skipped.is_empty() {
            let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
            for (_, reason) in &self.skipped {
                *reasons.entry(reason.as_str()).or_default() += 1;
            }
            let text: Vec<String> = reasons
                .iter()
                .map(|(reason, count)| format!("{reason} {count} 行"))
                .collect();
            writeln!(f, "飛ばした行: {}", text.join("、"))?;
        }
        for file in &self.unreadable_files {
            writeln!(
                f,
                "注意: {file} は読めないため比べていません（zaitaku check で直してください）。"
            )?;
        }
        writeln!(f)?;
        if !self.new.is_empty() {
            writeln!(f, "新規 {} 件:", self.new.len())?;
            for new in &self.new {
                writeln!(f, "  + {} 行目 {} → {}", new.row, new.name, new.file)?;
            }
        }
        if !self.changed.is_empty() {
            writeln!(f, "変更 {} 件:", self.changed.len())?;
            for changed in &self.changed {
                writeln!(
                    f,
                    "  ~ {} 行目 {}（{}）",
                    changed.row, changed.name, changed.file
                )?;
                for change in &changed.changes {
                    writeln!(
                        f,
                        "      {}: {} → {}",
                        change.label, change.before, change.after
                    )?;
                }
                if changed.rewritten {
                    writeln!(
                        f,
                        "      （ファイルの書き方を保てないため、ファイル全体を書き直します。コメントは消えます）"
                    )?;
                }
            }
        }
        writeln!(f, "変更なし {} 件", self.unchanged)?;
        if !self.missing.is_empty() {
            writeln!(f, "取り込んだ表にない事業所 {} 件:", self.missing.len())?;
            writeln!(f, "  （{}）", self.missing_note)?;
            for missing in &self.missing {
                writeln!(f, "  - {}（{}）", missing.name, missing.file)?;
            }
        }
        if !self.notices.is_empty() {
            writeln!(
                f,
                "データの問題 {} 件（直して取り込んだか、その項目だけ取り込まなかったもの）:",
                self.notices.len()
            )?;
            for notice in &self.notices {
                writeln!(
                    f,
                    "  * {} 行目「{}」 {}: {}",
                    notice.row,
                    notice.name,
                    self.column_text(&notice.column),
                    notice.message
                )?;
            }
        }
        if !self.problems.is_empty() {
            let rows: BTreeSet<usize> = self.problems.iter().map(|p| p.row).collect();
            let place = match &self.sheet {
                Some(sheet) => format!("{}、シート「{sheet}」", self.file),
                None => self.file.clone(),
            };
            writeln!(
                f,
                "読めなかった行 {} 行（{place}。この行は取り込んでいません。表を直してもう一度取り込んでください）:",
                rows.len()
            )?;
            for problem in &self.problems {
                let mut line = format!("  ! {} 行目", problem.row);
                if !problem.name.is_empty() {
                    let _ = write!(line, "「{}」", problem.name);
                }
                if let Some(column) = &problem.column {
                    let _ = write!(line, " {}", self.column_text(column));
                }
                writeln!(f, "{line}: {}", problem.message)?;
                if let Some(hint) = &problem.hint {
                    writeln!(f, "      直し方: {hint}")?;
                }
            }
        }
        writeln!(f)?;
        if self.written {
            write!(
                f,
                "書き込みました: 新規 {} 件、変更 {} 件（変更のない {} 件のファイルはそのままです）。zaitaku check で確かめてから build してください。",
                self.new.len(),
                self.changed.len(),
                self.unchanged
            )
        } else if self.new.is_empty() && self.changed.is_empty() {
            write!(f, "書き込む変更はありません。")
        } else {
            write!(
                f,
                "確認だけで、ファイルはまだ変更していません。この内容で書き込むには --write を付けて、もう一度実行してください。"
            )
        }
    }
}
