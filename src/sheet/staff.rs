//! The staff's own sheet (and what `zaitaku export` writes): one facility a row, Japanese
//! headers mapped to fields by [`Mapping`].

use std::collections::BTreeMap;

use super::columns::{Column, Mapping};
use super::table::{Cell, Row, Table};
use super::values::{self, Unreadable};
use super::{Context, Incoming, Notice, Problem, Rows, area_key, category_key};
use crate::content::fields;
use crate::content::record::{Key, Location, Window};

/// The index (in `table.rows`) of the header row: the first of the first 20 rows that has a
/// name column and at least one other known column.
pub fn header_row(table: &Table, mapping: &Mapping) -> Option<usize> {
    table.rows.iter().take(20).position(|row| {
        let columns: Vec<Column> = row
            .cells
            .iter()
            .filter_map(|c| mapping.column(&c.text()))
            .collect();
        columns.contains(&Column::Name) && columns.len() >= 2
    })
}

/// The columns of the header row: for each cell, the column it maps to (the first column of
/// each kind wins).
pub fn header_columns(
    header: &Row,
    mapping: &Mapping,
    ignored: &mut Vec<String>,
) -> Vec<(usize, Column, String)> {
    let mut seen: Vec<Column> = Vec::new();
    let mut out = Vec::new();
    for (index, cell) in header.cells.iter().enumerate() {
        let text = cell.text().trim().to_owned();
        if text.is_empty() {
            continue;
        }
        match mapping.column(&text) {
            Some(Column::Ignore) => ignored.push(text),
            Some(column) if seen.contains(&column) => {
                ignored.push(format!(
                    "{text}（「{}」の列が先にあるため）",
                    column.header()
                ));
            }
            Some(column) => {
                seen.push(column);
                out.push((index, column, text));
            }
            None => ignored.push(text),
        }
    }
    out
}

struct RowReader<'a> {
    row: &'a Row,
    name: String,
    problems: Vec<Problem>,
    notices: Vec<Notice>,
}

impl RowReader<'_> {
    fn problem(&mut self, header: &str, error: Unreadable) {
        self.problems.push(Problem {
            row: self.row.number,
            name: self.name.clone(),
            column: Some(header.to_owned()),
            message: error.message,
            hint: Some(error.hint),
        });
    }

    fn notice(&mut self, header: &str, message: String) {
        self.notices.push(Notice {
            row: self.row.number,
            name: self.name.clone(),
            column: header.to_owned(),
            message,
        });
    }
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Lines of a multi-line cell, without trailing empty lines.
fn lines(cell: &Cell) -> Vec<String> {
    let text = cell.text();
    let mut lines: Vec<String> = text.split('\n').map(|l| l.trim().to_owned()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Reads every row under the header.
pub fn read(table: &Table, header_index: usize, mapping: &Mapping, context: &Context) -> Rows {
    let mut rows = Rows::default();
    let columns = header_columns(
        &table.rows[header_index],
        mapping,
        &mut rows.ignored_columns,
    );
    for row in &table.rows[header_index + 1..] {
        if row.cells.iter().all(Cell::is_empty) {
            continue;
        }
        read_row(row, &columns, context, &mut rows);
    }
    rows
}

fn read_row(row: &Row, columns: &[(usize, Column, String)], context: &Context, rows: &mut Rows) {
    let site = context.site;
    let name = columns
        .iter()
        .find(|(_, c, _)| *c == Column::Name)
        .map(|(i, _, _)| row.cell(*i).text().trim().to_owned())
        .unwrap_or_default();
    let mut reader = RowReader {
        row,
        name: name.clone(),
        problems: Vec::new(),
        notices: Vec::new(),
    };
    let mut incoming = Incoming::new(row.number);
    let mut lat: Option<(String, Option<f64>)> = None;
    let mut lng: Option<(String, Option<f64>)> = None;
    let mut caremane: BTreeMap<Column, (String, Vec<String>)> = BTreeMap::new();
    for (index, column, header) in columns {
        let cell = row.cell(*index);
        if let Some(reason) = cell.unusable(column.multiline()) {
            reader.problem(header, reason);
            continue;
        }
        let text = cell.text().trim().to_owned();
        let record = &mut incoming.record;
        if let Some(key) = column.key()
            && !matches!(
                column,
                Column::Category | Column::Verified | Column::Lat | Column::Lng
            )
            && key != Key::CaremaneTime
            && key != Key::SourceIds
        {
            incoming.present.insert(key);
        }
        match column {
            Column::Ignore => {}
            Column::Id => {
                if !text.is_empty() {
                    match fields::slug(&text) {
                        Ok(()) => incoming.id = Some(text),
                        Err(invalid) => reader.problem(
                            header,
                            Unreadable {
                                message: format!("ID「{text}」はファイル名に使えません。"),
                                hint: invalid.hint,
                            },
                        ),
                    }
                }
            }
            Column::Category => {
                if !text.is_empty() {
                    match category_key(site, &text) {
                        Some(key) => {
                            record.category = key;
                            incoming.present.insert(Key::Category);
                        }
                        None => {
                            let labels: Vec<&str> =
                                site.categories.iter().map(|t| t.label.as_str()).collect();
                            reader.problem(
                                header,
                                Unreadable {
                                    message: format!("種別「{text}」がわかりません。"),
                                    hint: format!("次から選んでください: {}", labels.join("、")),
                                },
                            );
                        }
                    }
                }
            }
            Column::Name => {
                record.name = text.clone();
                if text.is_empty() {
                    reader.problem(
                        header,
                        Unreadable {
                            message: "名称がありません。".to_owned(),
                            hint: "事業所の名称を書いてください。".to_owned(),
                        },
                    );
                }
            }
            Column::Kana => record.kana = text,
            Column::Corporation => record.corporation = optional(&text),
            Column::Area => {
                record.area = None;
                if !text.is_empty() {
                    match area_key(site, &text) {
                        Some(key) => record.area = Some(key),
                        None => {
                            let labels: Vec<&str> =
                                site.areas.iter().map(|t| t.label.as_str()).collect();
                            reader.problem(
                                header,
                                Unreadable {
                                    message: format!("圏域「{text}」がわかりません。"),
                                    hint: format!(
                                        "次から選ぶか、空欄にしてください: {}",
                                        labels.join("、")
                                    ),
                                },
                            );
                        }
                    }
                }
            }
            Column::PostalCode => {
                record.postal_code = optional(&text).map(|t| values::tidy_postal(&t))
            }
            Column::Address => record.address = text,
            Column::Phone | Column::Fax => {
                let value = if let Cell::Number(number) = cell {
                    let digits = format!("0{}", super::table::number_text(*number));
                    reader.notice(
                        header,
                        format!(
                            "数値として保存されていて先頭の 0 が消えていたため、「{digits}」として読みました。セルの書式を「文字列」にしてください。"
                        ),
                    );
                    Some(digits)
                } else {
                    optional(&text).map(|t| values::tidy_phone(&t))
                };
                if *column == Column::Phone {
                    record.phone = value;
                } else {
                    record.fax = value;
                }
            }
            Column::Email => record.email = optional(&text),
            Column::Url => record.url = optional(&text),
            Column::Lat | Column::Lng => {
                let value = crate::ja::nfkc(&text).trim().parse::<f64>().ok();
                let entry = Some((text.clone(), value));
                if *column == Column::Lat {
                    lat = entry;
                } else {
                    lng = entry;
                }
            }
            Column::Specialties => record.specialties = values::split_list(&text),
            Column::Services => {
                record.services.clear();
                for item in values::split_list(&text) {
                    let nfkc = crate::ja::nfkc(&item);
                    match site
                        .services
                        .iter()
                        .find(|t| t.key == nfkc || crate::ja::nfkc(&t.label) == nfkc)
                    {
                        Some(term) => record.services.push(term.key.clone()),
                        None => {
                            let labels: Vec<&str> =
                                site.services.iter().map(|t| t.label.as_str()).collect();
                            reader.problem(
                                header,
                                Unreadable {
                                    message: format!("対応サービス「{item}」がわかりません。"),
                                    hint: format!(
                                        "「、」で区切って、次から選んでください: {}",
                                        labels.join("、")
                                    ),
                                },
                            );
                        }
                    }
                }
            }
            Column::Hours => match values::parse_hours(&text) {
                Ok(bands) => record.hours = bands,
                Err(error) => reader.problem(header, error),
            },
            Column::Closed => record.closed = optional(&text),
            Column::CaremaneDays
            | Column::CaremaneTime
            | Column::CaremaneMethods
            | Column::CaremaneContact
            | Column::CaremaneAppointment
            | Column::CaremaneNote => {
                caremane.insert(*column, (header.clone(), lines(cell)));
            }
            Column::Jigyosho | Column::Navii => {
                let width = if *column == Column::Jigyosho { 10 } else { 13 };
                let value = match cell {
                    Cell::Number(number) => {
                        let digits = super::table::number_text(*number);
                        Some(format!("{digits:0>width$}"))
                    }
                    _ => optional(&text),
                };
                let ids = record.source_ids.get_or_insert_with(Default::default);
                if *column == Column::Jigyosho {
                    ids.jigyosho = value;
                    incoming.has_jigyosho = true;
                } else {
                    ids.navii = value;
                    incoming.has_navii = true;
                }
                incoming.present.insert(Key::SourceIds);
            }
            Column::Note => record.note = optional(&cell.text()).map(|n| n.trim_end().to_owned()),
            Column::Verified => {
                let date = match cell {
                    Cell::DateTime(year, month, day, _, _) => {
                        jiff::civil::Date::new(*year, *month, *day).map_err(|_| Unreadable {
                            message: format!("日付「{text}」が読めません。"),
                            hint: "2026-04-01 のように書いてください。".to_owned(),
                        })
                    }
                    _ if text.is_empty() => continue,
                    _ => values::parse_date(&text),
                };
                match date {
                    Ok(date) => {
                        record.verified = date.to_string();
                        incoming.present.insert(Key::Verified);
                    }
                    Err(error) => reader.problem(header, error),
                }
            }
        }
    }
    match (&lat, &lng) {
        (Some((lat_text, lat_value)), Some((lng_text, lng_value))) => {
            incoming.present.insert(Key::Location);
            match (lat_value, lng_value) {
                (Some(lat), Some(lng)) => {
                    incoming.record.location = Some(Location {
                        lat: *lat,
                        lng: *lng,
                    })
                }
                _ if lat_text.is_empty() && lng_text.is_empty() => {
                    incoming.record.location = None
                }
                _ => reader.problem(
                    "緯度・経度",
                    Unreadable {
                        message: format!("緯度「{lat_text}」・経度「{lng_text}」が読めません。"),
                        hint: "緯度は 34.07、経度は 134.55 のように数字で書くか、両方とも空欄にしてください。"
                            .to_owned(),
                    },
                ),
            }
        }
        (None, None) => {}
        _ => rows
            .ignored_columns
            .push("緯度・経度（片方の列しかないため。緯度と経度の両方の列が必要です）".to_owned()),
    }
    if caremane.contains_key(&Column::CaremaneDays) || caremane.contains_key(&Column::CaremaneTime)
    {
        read_caremane(&mut reader, &mut incoming, &caremane);
    } else if !caremane.is_empty() {
        rows.ignored_columns
            .push("ケアマネタイムの列（曜日の列と時間の列がないため）".to_owned());
    }
    if let Some(category) = context.category
        && incoming.present.contains(&Key::Category)
        && incoming.record.category != category
    {
        rows.skipped.push((
            row.number,
            format!("種別が --category {category} と違うため"),
        ));
        return;
    }
    rows.notices.append(&mut reader.notices);
    if reader.problems.is_empty() {
        rows.incoming.push(incoming);
    } else {
        rows.problems.append(&mut reader.problems);
    }
}

fn read_caremane(
    reader: &mut RowReader,
    incoming: &mut Incoming,
    caremane: &BTreeMap<Column, (String, Vec<String>)>,
) {
    incoming.present.insert(Key::CaremaneTime);
    incoming.caremane_columns = caremane.keys().copied().collect();
    let count = caremane.values().map(|(_, l)| l.len()).max().unwrap_or(0);
    let line = |column: Column, index: usize| -> Option<(String, String)> {
        caremane.get(&column).map(|(header, lines)| {
            (
                header.clone(),
                lines.get(index).cloned().unwrap_or_default(),
            )
        })
    };
    let mut windows = Vec::new();
    for index in 0..count {
        let mut window = Window::default();
        let nth = if count > 1 {
            format!("（{} 行目の枠）", index + 1)
        } else {
            String::new()
        };
        let with_nth = |mut error: Unreadable| {
            error.message = format!("{}{nth}", error.message);
            error
        };
        if let Some((header, text)) = line(Column::CaremaneDays, index) {
            match values::parse_days(&text) {
                Ok(days) => window.days = days,
                Err(error) => reader.problem(&header, with_nth(error)),
            }
        }
        if let Some((header, text)) = line(Column::CaremaneTime, index) {
            match values::parse_range(&text) {
                Ok((from, to)) => {
                    window.from = from;
                    window.to = to;
                }
                Err(error) => reader.problem(&header, with_nth(error)),
            }
        }
        if let Some((header, text)) = line(Column::CaremaneMethods, index) {
            match values::parse_methods(&text) {
                Ok(methods) => window.methods = methods,
                Err(error) => reader.problem(&header, with_nth(error)),
            }
        }
        if let Some((_, text)) = line(Column::CaremaneContact, index) {
            window.contact = optional(&text);
        }
        if let Some((header, text)) = line(Column::CaremaneAppointment, index) {
            match values::parse_appointment(&text) {
                Ok(value) => window.appointment = value,
                Err(error) => reader.problem(&header, with_nth(error)),
            }
        }
        if let Some((_, text)) = line(Column::CaremaneNote, index) {
            window.note = optional(&text);
        }
        windows.push(window);
    }
    incoming.record.caremane_time = windows;
}
