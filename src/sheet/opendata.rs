//! The Ministry of Health's open data, filtered to one city:
//!
//! - 介護サービス情報公表システム: one CSV per service type (UTF-8 with BOM), with 事業所名,
//!   事業所名カナ, サービスの種類, 住所, 方書（ビル名等）, 緯度, 経度, 電話番号, FAX番号,
//!   法人の名称, 事業所番号, URL, ….
//! - 医療情報ネット（ナビイ）: the facility CSVs (`01-1_hospital_facility_info_*.csv`, …) with ID,
//!   正式名称, 正式名称（フリガナ）, 略称, 略称（フリガナ）, 機関区分, 所在地, 所在地座標（緯度）,
//!   所在地座標（経度）, 案内用ホームページアドレス, …, and optionally the matching hours CSV
//!   (`*_speciality_hours_*.csv`: ID, 診療科目名, 月_診療開始時間, 月_診療終了時間, …).
//!
//! Known problems in the data are handled and reported as [`Notice`]s, not imported blindly:
//! a URL column holding a phone number, `00:00-00:00` placeholder hours, 法人格 in front of the
//! reading, phone numbers in brackets, coordinates outside Japan.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use super::columns::normalize_header;
use super::names;
use super::table::{Row, Table};
use super::values::{self, Unreadable};
use super::{Context, Incoming, Notice, Problem, Rows};
use crate::content::fields;
use crate::content::record::{Band, Key, Location};
use crate::content::resource::SourceIds;
use crate::error::{Error, Result};
use crate::ja;

/// Which kind of open data a table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Kaigo,
    Navii,
    NaviiHours,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Kaigo => "介護サービス情報公表システムのオープンデータ",
            Kind::Navii => "医療情報ネット（ナビイ）のオープンデータ（施設票）",
            Kind::NaviiHours => "医療情報ネット（ナビイ）のオープンデータ（診療科・診療時間票）",
        }
    }
}

/// Column positions by normalized header, and each column's header as written.
struct Headers {
    positions: HashMap<String, usize>,
    written: Vec<String>,
}

impl Headers {
    fn new(row: &Row) -> Headers {
        let mut positions = HashMap::new();
        let mut written = Vec::new();
        for (index, cell) in row.cells.iter().enumerate() {
            positions
                .entry(normalize_header(&cell.text()))
                .or_insert(index);
            written.push(cell.text().trim().to_owned());
        }
        Headers { positions, written }
    }

    fn has(&self, name: &str) -> bool {
        self.positions.contains_key(&normalize_header(name))
    }

    fn index(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|name| self.positions.get(&normalize_header(name)).copied())
    }

    fn header(&self, index: usize) -> &str {
        self.written.get(index).map(String::as_str).unwrap_or("")
    }
}

/// One row's cells, read by header. A cell that cannot be imported as it is (an Excel error,
/// control characters, text over Excel's limit) reads as empty and is kept as a problem, so
/// the row is reported instead of imported.
struct RowCells<'a> {
    headers: &'a Headers,
    row: &'a Row,
    refused: RefCell<Vec<(String, Unreadable)>>,
}

impl<'a> RowCells<'a> {
    fn new(headers: &'a Headers, row: &'a Row) -> Self {
        RowCells {
            headers,
            row,
            refused: RefCell::new(Vec::new()),
        }
    }

    fn get(&self, names: &[&str]) -> String {
        let Some(index) = self.headers.index(names) else {
            return String::new();
        };
        let cell = self.row.cell(index);
        if let Some(reason) = cell.unusable(false) {
            let header = self.headers.header(index).to_owned();
            let mut refused = self.refused.borrow_mut();
            if !refused.iter().any(|(h, _)| *h == header) {
                refused.push((header, reason));
            }
            return String::new();
        }
        cell.text().trim().to_owned()
    }

    /// Whether a cell was refused; its problems go to `rows` (the row is then not imported).
    fn refused(&self, rows: &mut Rows, name: &str) -> bool {
        let refused = self.refused.take();
        let any = !refused.is_empty();
        for (header, reason) in refused {
            rows.problems.push(Problem {
                row: self.row.number,
                name: name.to_owned(),
                column: Some(header),
                message: reason.message,
                hint: Some(reason.hint),
            });
        }
        any
    }
}

/// Recognizes open data by its headers in the first rows: (kind, header row index).
pub fn detect(table: &Table) -> Option<(Kind, usize)> {
    for (index, row) in table.rows.iter().take(5).enumerate() {
        let headers = Headers::new(row);
        if headers.has("事業所番号")
            && headers.has("事業所名")
            && (headers.has("事業所名カナ") || headers.has("サービスの種類"))
        {
            return Some((Kind::Kaigo, index));
        }
        if headers.has("ID") && headers.has("診療科目名") {
            return Some((Kind::NaviiHours, index));
        }
        if headers.has("ID")
            && headers.has("所在地")
            && (headers.has("正式名称") || (headers.has("名称") && headers.has("フリガナ")))
        {
            return Some((Kind::Navii, index));
        }
    }
    None
}

/// サービスの種類 → category key.
const SERVICE_TYPES: &[(&str, &str)] = &[
    ("訪問介護", "home-help"),
    ("訪問入浴介護", "home-bathing"),
    ("訪問看護", "home-nursing"),
    ("訪問リハビリテーション", "home-rehab"),
    ("通所介護", "day-service"),
    ("地域密着型通所介護", "day-service"),
    ("通所リハビリテーション", "day-rehab"),
    ("短期入所生活介護", "short-stay"),
    ("短期入所療養介護", "short-stay"),
    ("居宅介護支援", "care-planning"),
    ("地域包括支援センター", "community-support"),
];

struct RowContext<'a> {
    row: usize,
    name: String,
    notices: &'a mut Vec<Notice>,
}

impl RowContext<'_> {
    fn notice(&mut self, column: &str, message: String) {
        self.notices.push(Notice {
            row: self.row,
            name: self.name.clone(),
            column: column.to_owned(),
            message,
        });
    }
}

/// The city part of an address without the prefecture: `徳島県徳島市幸町` → `徳島市幸町`.
pub fn without_prefecture(address: &str) -> &str {
    let address = address.trim();
    for suffix in ["都", "道", "府", "県"] {
        if let Some(position) = address.find(suffix) {
            let prefix = &address[..position];
            let count = prefix.chars().count();
            if (2..=3).contains(&count) && !prefix.contains(['市', '区', '町', '村']) {
                return address[position + suffix.len()..].trim_start();
            }
        }
    }
    address
}

/// The city of the consultation desk's address (`徳島市幸町三丁目` → `徳島市`).
pub fn city_of(address: &str) -> Option<String> {
    let rest = without_prefecture(address);
    let position = rest.find('市').map(|p| p + '市'.len_utf8()).or_else(|| {
        ['町', '村']
            .iter()
            .filter_map(|c| rest.find(*c).map(|p| p + c.len_utf8()))
            .min()
    })?;
    let city = &rest[..position];
    (city.chars().count() >= 2).then(|| city.to_owned())
}

fn in_city(city: &str, city_column: &str, address: &str) -> bool {
    let city = city.trim();
    if !city_column.is_empty() {
        return city_column == city || city_column.ends_with(city);
    }
    without_prefecture(address).starts_with(city)
}

/// A phone number as it appears in open data, tidied, or `None` (with a notice) when it is not
/// a phone number.
fn phone(context: &mut RowContext, column: &str, text: &str, label: &str) -> Option<String> {
    if text.trim().is_empty() {
        return None;
    }
    let tidy = values::tidy_phone(text);
    match fields::phone(&tidy, label) {
        Ok(()) => {
            if tidy != text.trim() {
                context.notice(
                    column,
                    format!("{label}「{}」を「{tidy}」に直しました。", text.trim()),
                );
            }
            Some(tidy)
        }
        Err(_) => {
            context.notice(
                column,
                format!(
                    "{label}「{}」は電話番号の形ではないため、取り込みませんでした。",
                    text.trim()
                ),
            );
            None
        }
    }
}

/// The URL column, which sometimes holds a phone number or lacks `http://`.
fn url(context: &mut RowContext, column: &str, text: &str, incoming: &mut Incoming) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    let tidy = values::tidy_phone(text);
    if fields::phone(&tidy, "電話番号").is_ok() {
        if incoming.record.phone.is_none() {
            context.notice(
                column,
                format!("URL の欄に電話番号「{text}」が入っていました。URL にはせず、電話番号として取り込みました。"),
            );
            incoming.record.phone = Some(tidy);
            incoming.present.insert(Key::Phone);
        } else {
            context.notice(
                column,
                format!("URL の欄に電話番号「{text}」が入っていたため、取り込みませんでした。"),
            );
        }
        return;
    }
    let candidate = if text.starts_with("http://") || text.starts_with("https://") {
        text.to_owned()
    } else if text.starts_with("www.") || (text.contains('.') && !text.contains(' ')) {
        format!("http://{text}")
    } else {
        text.to_owned()
    };
    match fields::web_url(&candidate) {
        Ok(()) => {
            if candidate != text {
                context.notice(
                    column,
                    format!("URL「{text}」に http:// がなかったため、「{candidate}」としました。"),
                );
            }
            incoming.record.url = Some(candidate);
            incoming.present.insert(Key::Url);
        }
        Err(_) => context.notice(
            column,
            format!(
                "URL の欄「{text}」はホームページのアドレスではないため、取り込みませんでした。"
            ),
        ),
    }
}

/// The reading: 法人格 removed (with a notice), in hiragana; `None` with a notice if it is not
/// kana after that.
fn reading(context: &mut RowContext, column: &str, text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut kana = text.to_owned();
    if let Some((rest, form)) = names::strip_form_reading(text) {
        context.notice(
            column,
            format!(
                "ふりがな「{text}」の先頭の法人の読み「{form}」を取り除きました（五十音順は事業所の名前で並べます）。"
            ),
        );
        kana = rest;
    }
    let hiragana = ja::display_reading(&kana);
    if ja::is_kana_reading(&hiragana) {
        Some(hiragana)
    } else {
        context.notice(
            column,
            format!("ふりがな「{text}」にかな以外の文字があるため、取り込みませんでした。"),
        );
        None
    }
}

fn location(context: &mut RowContext, lat: &str, lng: &str) -> Option<Location> {
    if lat.trim().is_empty() && lng.trim().is_empty() {
        return None;
    }
    let parse = |t: &str| ja::nfkc(t).trim().parse::<f64>().ok();
    match (parse(lat), parse(lng)) {
        (Some(lat), Some(lng))
            if (20.0..=46.0).contains(&lat) && (122.0..=154.0).contains(&lng) =>
        {
            Some(Location { lat, lng })
        }
        (Some(a), Some(b)) if (20.0..=46.0).contains(&b) && (122.0..=154.0).contains(&a) => {
            context.notice(
                "緯度・経度",
                format!(
                    "緯度「{lat}」と経度「{lng}」が入れ替わっていたため、入れ替えて取り込みました。"
                ),
            );
            Some(Location { lat: b, lng: a })
        }
        _ => {
            context.notice(
                "緯度・経度",
                format!(
                    "緯度「{lat}」・経度「{lng}」が日本の範囲にないため、取り込みませんでした。"
                ),
            );
            None
        }
    }
}

fn finish(
    incoming: Incoming,
    context: &Context,
    rows: &mut Rows,
    category_column: &str,
    category_text: &str,
) {
    let row = incoming.row;
    let name = incoming.record.name.clone();
    let problem = |message: String, hint: &str, column: &str| Problem {
        row,
        name: name.clone(),
        column: Some(column.to_owned()),
        message,
        hint: Some(hint.to_owned()),
    };
    if incoming.record.name.trim().is_empty() {
        rows.problems.push(problem(
            "名称がありません。".to_owned(),
            "元のデータを確かめてください。",
            "名称",
        ));
        return;
    }
    if incoming.record.category.is_empty() {
        rows.problems.push(problem(
            format!("「{category_text}」がどの種別かわかりません。"),
            "--category で種別のキー（例: --category home-nursing）を指定してください。",
            category_column,
        ));
        return;
    }
    if let Some(category) = context.category
        && incoming.record.category != category
    {
        rows.skipped
            .push((row, format!("種別が --category {category} と違うため")));
        return;
    }
    rows.incoming.push(incoming);
}

/// Reads the 介護サービス情報公表システム CSV.
pub fn read_kaigo(table: &Table, header_index: usize, context: &Context) -> Rows {
    let headers = Headers::new(&table.rows[header_index]);
    let mut rows = Rows::default();
    for row in &table.rows[header_index + 1..] {
        if row.cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        let cells = RowCells::new(&headers, row);
        let get = |names: &[&str]| cells.get(names);
        let address = get(&["住所"]);
        if let Some(city) = context.city
            && !in_city(city, &get(&["市区町村名"]), &address)
        {
            rows.skipped.push((row.number, format!("{city}以外のため")));
            continue;
        }
        let mut incoming = Incoming::new(row.number);
        let name = crate::content::record::tidy(&get(&["事業所名"]));
        incoming.record.name = name.clone();
        incoming.present.insert(Key::Name);
        let mut notices = Vec::new();
        let mut ctx = RowContext {
            row: row.number,
            name: name.clone(),
            notices: &mut notices,
        };
        if let Some(kana) = reading(&mut ctx, "事業所名カナ", &get(&["事業所名カナ"])) {
            incoming.record.kana = kana;
            incoming.present.insert(Key::Kana);
        }
        let service = get(&["サービスの種類"]);
        let category = SERVICE_TYPES
            .iter()
            .find(|(label, _)| *label == service.trim())
            .map(|(_, key)| (*key).to_owned())
            .filter(|key| context.site.category(key).is_some())
            .or_else(|| super::category_key(context.site, &service))
            .or_else(|| context.category.map(str::to_owned));
        if let Some(category) = category {
            incoming.record.category = category;
            incoming.present.insert(Key::Category);
        }
        let building = get(&["方書（ビル名等）", "方書"]);
        let full_address = format!("{}{}", without_prefecture(&address), building.trim());
        if !full_address.trim().is_empty() {
            incoming.record.address = full_address;
            incoming.present.insert(Key::Address);
        }
        if let Some(value) = phone(&mut ctx, "電話番号", &get(&["電話番号"]), "電話番号")
        {
            incoming.record.phone = Some(value);
            incoming.present.insert(Key::Phone);
        }
        if let Some(value) = phone(&mut ctx, "FAX番号", &get(&["FAX番号"]), "FAX番号") {
            incoming.record.fax = Some(value);
            incoming.present.insert(Key::Fax);
        }
        let corporation = crate::content::record::tidy(&get(&["法人の名称"]));
        if !corporation.is_empty() {
            incoming.record.corporation = Some(corporation);
            incoming.present.insert(Key::Corporation);
        }
        if let Some(value) = location(&mut ctx, &get(&["緯度"]), &get(&["経度"])) {
            incoming.record.location = Some(value);
            incoming.present.insert(Key::Location);
        }
        url(&mut ctx, "URL", &get(&["URL"]), &mut incoming);
        let number = get(&["事業所番号"]);
        if !number.is_empty() {
            incoming.record.source_ids = Some(SourceIds {
                jigyosho: Some(number),
                navii: None,
            });
            incoming.has_jigyosho = true;
            incoming.present.insert(Key::SourceIds);
        }
        if cells.refused(&mut rows, &name) {
            continue;
        }
        rows.notices.append(&mut notices);
        finish(incoming, context, &mut rows, "サービスの種類", &service);
    }
    rows
}

/// Hours and specialties by ナビイ ID, from the 診療科・診療時間票.
#[derive(Debug, Default)]
pub struct NaviiHours {
    pub by_id: BTreeMap<String, (Vec<Band>, Vec<String>)>,
    /// Placeholder or impossible hours left out: (ID, 診療科目名, day, text).
    pub dropped: Vec<(String, String, String, String)>,
}

/// Reads the 診療科・診療時間票: every `<曜>_診療開始時間[n]` / `<曜>_診療終了時間[n]` pair.
/// `None` when the table is not one; an error naming the cell when a cell it reads cannot be
/// imported (the hours of many facilities would otherwise be silently incomplete).
pub fn read_navii_hours(table: &Table) -> Result<Option<NaviiHours>> {
    let Some((Kind::NaviiHours, header_index)) = detect(table) else {
        return Ok(None);
    };
    let header = &table.rows[header_index];
    let headers = Headers::new(header);
    // (day key, start column, end column)
    let mut pairs: Vec<(&str, usize, usize)> = Vec::new();
    for (index, cell) in header.cells.iter().enumerate() {
        let text = normalize_header(&cell.text());
        for key in ja::DAY_KEYS.iter().copied() {
            // The columns are named by the days' short labels: 月_診療開始時間1.
            let prefix = ja::day_label(key);
            if let Some(rest) = text.strip_prefix(&format!("{prefix}_診療開始時間")) {
                let end_name = format!("{prefix}_診療終了時間{rest}");
                if let Some(end) = headers.index(&[end_name.as_str()]) {
                    pairs.push((key, index, end));
                }
            }
        }
    }
    let mut out = NaviiHours::default();
    // ID → (open, close) → days
    let mut slots: BTreeMap<String, BTreeMap<(String, String), Vec<String>>> = BTreeMap::new();
    for row in &table.rows[header_index + 1..] {
        let cells = RowCells::new(&headers, row);
        let id = cells.get(&["ID"]);
        let specialty = cells.get(&["診療科目名"]);
        for (_, start, end) in &pairs {
            for index in [*start, *end] {
                if let Some(reason) = row.cell(index).unusable(false) {
                    cells
                        .refused
                        .borrow_mut()
                        .push((headers.header(index).to_owned(), reason));
                }
            }
        }
        if let Some((header, reason)) = cells.refused.take().into_iter().next() {
            let index = headers.index(&[header.as_str()]).unwrap_or(0);
            return Err(Error::Setup(format!(
                "{} の {} 行目 {} 列「{header}」: {}\n  直し方: {}\n  （診療科・診療時間票のこのセルを直してから、もう一度取り込んでください。）",
                table.file,
                row.number,
                super::table::column_letter(index),
                reason.message,
                reason.hint
            )));
        }
        if id.is_empty() {
            continue;
        }
        let entry = out.by_id.entry(id.clone()).or_default();
        if !specialty.is_empty() && !entry.1.contains(&specialty) {
            entry.1.push(specialty.clone());
        }
        for (day, start, end) in &pairs {
            let open_text = row.cell(*start).text();
            let close_text = row.cell(*end).text();
            if open_text.trim().is_empty() && close_text.trim().is_empty() {
                continue;
            }
            let open = values::parse_time(&open_text);
            let close = values::parse_time(&close_text);
            match (open, close) {
                (Some(open), Some(close)) if open < close => {
                    let days = slots
                        .entry(id.clone())
                        .or_default()
                        .entry((open, close))
                        .or_default();
                    if !days.iter().any(|d| d == day) {
                        days.push((*day).to_owned());
                    }
                }
                _ => out.dropped.push((
                    id.clone(),
                    specialty.clone(),
                    (*day).to_owned(),
                    format!("{}-{}", open_text.trim(), close_text.trim()),
                )),
            }
        }
    }
    for (id, times) in slots {
        let bands: Vec<Band> = times
            .into_iter()
            .map(|((open, close), days)| Band {
                days: crate::content::record::canonical_days(&days),
                open,
                close,
            })
            .collect();
        out.by_id.entry(id).or_default().0 = bands;
    }
    Ok(Some(out))
}

fn navii_category(context: &Context, headers: &Headers, text: &str, file: &str) -> Option<String> {
    let by_code = match ja::nfkc(text).trim() {
        "1" | "病院" => Some("hospital"),
        "2" | "診療所" | "一般診療所" => Some("clinic"),
        "3" | "歯科診療所" => Some("dental"),
        "5" | "薬局" => Some("pharmacy"),
        _ => None,
    };
    let by_headers = (!headers.has("正式名称") && headers.has("フリガナ")).then_some("pharmacy");
    let lower = file.to_ascii_lowercase();
    let by_file = if lower.contains("hospital") {
        Some("hospital")
    } else if lower.contains("clinic") {
        Some("clinic")
    } else if lower.contains("dental") {
        Some("dental")
    } else if lower.contains("pharmacy") {
        Some("pharmacy")
    } else {
        None
    };
    context
        .category
        .map(str::to_owned)
        .or_else(|| {
            by_code
                .or(by_headers)
                .or(by_file)
                .map(str::to_owned)
                .filter(|key| context.site.category(key).is_some())
        })
        .or_else(|| super::category_key(context.site, text))
}

/// Reads a ナビイ facility CSV, with hours from the hours CSV when given.
pub fn read_navii(
    table: &Table,
    header_index: usize,
    context: &Context,
    hours: Option<&NaviiHours>,
) -> Rows {
    let headers = Headers::new(&table.rows[header_index]);
    let mut rows = Rows::default();
    for row in &table.rows[header_index + 1..] {
        if row.cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        let cells = RowCells::new(&headers, row);
        let get = |names: &[&str]| cells.get(names);
        let address = get(&["所在地"]);
        if let Some(city) = context.city {
            let code = format!("{}{}", get(&["都道府県コード"]), get(&["市区町村コード"]));
            let by_code = city.chars().all(|c| c.is_ascii_digit()) && code == city;
            if !by_code && !in_city(city, "", &address) {
                rows.skipped.push((row.number, format!("{city}以外のため")));
                continue;
            }
        }
        let short = get(&["略称"]);
        let official = get(&["正式名称", "名称"]);
        let mut notices = Vec::new();
        let mut incoming = Incoming::new(row.number);
        let (mut name, kana_text, kana_column) = if !short.is_empty() {
            (short, get(&["略称（フリガナ）"]), "略称（フリガナ）")
        } else {
            (
                official.clone(),
                get(&["正式名称（フリガナ）", "フリガナ"]),
                "正式名称（フリガナ）",
            )
        };
        let mut kana_text = kana_text;
        let mut ctx = RowContext {
            row: row.number,
            name: official.clone(),
            notices: &mut notices,
        };
        if let Some((corporation, facility)) = names::split_corporation(&name) {
            ctx.name = crate::content::record::tidy(&facility);
            ctx.notice(
                "正式名称",
                format!("名称「{name}」の先頭の法人名「{corporation}」を法人名に分けました。"),
            );
            // The reading then usually has the corporation's words in front too.
            let kana_words: Vec<&str> = kana_text
                .split([' ', '　'])
                .filter(|w| !w.is_empty())
                .collect();
            let facility_words = facility.split_whitespace().count();
            if kana_words.len() > facility_words {
                kana_text = kana_words[kana_words.len() - facility_words..].join(" ");
            }
            incoming.record.corporation = Some(corporation);
            incoming.present.insert(Key::Corporation);
            name = facility;
        }
        let name = crate::content::record::tidy(&name);
        ctx.name = name.clone();
        incoming.record.name = name;
        incoming.present.insert(Key::Name);
        if let Some(kana) = reading(&mut ctx, kana_column, &kana_text) {
            incoming.record.kana = kana;
            incoming.present.insert(Key::Kana);
        }
        let kind_text = get(&["機関区分"]);
        if let Some(category) = navii_category(context, &headers, &kind_text, &table.file) {
            incoming.record.category = category;
            incoming.present.insert(Key::Category);
        }
        let address = without_prefecture(&address).to_owned();
        if !address.is_empty() {
            incoming.record.address = address;
            incoming.present.insert(Key::Address);
        }
        if let Some(value) = phone(
            &mut ctx,
            "案内用電話番号",
            &get(&["案内用電話番号", "電話番号"]),
            "電話番号",
        ) {
            incoming.record.phone = Some(value);
            incoming.present.insert(Key::Phone);
        }
        if let Some(value) = location(
            &mut ctx,
            &get(&["所在地座標（緯度）", "緯度"]),
            &get(&["所在地座標（経度）", "経度"]),
        ) {
            incoming.record.location = Some(value);
            incoming.present.insert(Key::Location);
        }
        url(
            &mut ctx,
            "案内用ホームページアドレス",
            &get(&["案内用ホームページアドレス", "ホームページアドレス"]),
            &mut incoming,
        );
        let id = get(&["ID"]);
        if let Some(hours) = hours {
            if let Some((bands, specialties)) = hours.by_id.get(&id) {
                if !bands.is_empty() {
                    incoming.record.hours = bands.clone();
                    incoming.present.insert(Key::Hours);
                }
                if !specialties.is_empty() {
                    incoming.record.specialties = specialties.clone();
                    incoming.present.insert(Key::Specialties);
                }
            }
            // One notice per specialty and value, listing the days.
            let mut dropped: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
            for (_, specialty, day, text) in hours.dropped.iter().filter(|d| d.0 == id) {
                let days = dropped.entry((specialty, text)).or_default();
                if !days.contains(&ja::day_label(day)) {
                    days.push(ja::day_label(day));
                }
            }
            for ((specialty, text), mut days) in dropped {
                days.sort_by_key(|label| {
                    ja::DAY_KEYS
                        .iter()
                        .position(|key| ja::day_label(key) == *label)
                });
                let placeholder = text.starts_with("00:00-00:00") || text == "00:00-00:00";
                let why = if placeholder {
                    "は仮の値（時間が登録されていない印）"
                } else {
                    "は読めないか、終わりが始まりより前"
                };
                ctx.notice(
                    "診療時間",
                    format!(
                        "{specialty}の {} の診療時間「{text}」{why}のため、その曜日の時間は取り込みませんでした。",
                        days.join("・")
                    ),
                );
            }
        }
        if !id.is_empty() {
            incoming.record.source_ids = Some(SourceIds {
                jigyosho: None,
                navii: Some(id),
            });
            incoming.has_navii = true;
            incoming.present.insert(Key::SourceIds);
        }
        if cells.refused(&mut rows, &incoming.record.name) {
            continue;
        }
        rows.notices.append(&mut notices);
        finish(incoming, context, &mut rows, "機関区分", &kind_text);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cities_and_prefectures() {
        assert_eq!(without_prefecture("徳島県徳島市幸町1-1"), "徳島市幸町1-1");
        assert_eq!(without_prefecture("徳島市幸町1-1"), "徳島市幸町1-1");
        assert_eq!(without_prefecture("神奈川県横浜市"), "横浜市");
        assert_eq!(
            city_of("徳島市幸町三丁目（架空）").as_deref(),
            Some("徳島市")
        );
        assert_eq!(
            city_of("徳島県名西郡石井町高川原").as_deref(),
            Some("名西郡石井町")
        );
        assert!(in_city("徳島市", "", "徳島県徳島市国府町"));
        assert!(!in_city("徳島市", "", "徳島県鳴門市撫養町"));
        assert!(in_city("徳島市", "徳島市", ""));
    }
}
