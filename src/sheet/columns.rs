//! The sheet's columns: the layout `zaitaku export` writes, and the mapping from the Japanese
//! headers staff use to record fields. The mapping has sensible aliases built in and can be
//! extended with a small YAML file (`import-mapping.yaml` in the site folder, or `--mapping`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::content::record::Key;
use crate::error::{Error, Result};
use crate::ja;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    Id,
    Category,
    Name,
    Kana,
    Corporation,
    Area,
    PostalCode,
    Address,
    Phone,
    Fax,
    Email,
    Url,
    Lat,
    Lng,
    Specialties,
    Services,
    Hours,
    Closed,
    CaremaneDays,
    CaremaneTime,
    CaremaneMethods,
    CaremaneContact,
    CaremaneAppointment,
    CaremaneNote,
    Jigyosho,
    Navii,
    Note,
    Verified,
    /// Explicitly not imported.
    Ignore,
}

/// The layout of an exported sheet: header and column, left to right.
pub const LAYOUT: &[(&str, Column)] = &[
    ("ID", Column::Id),
    ("種別", Column::Category),
    ("名称", Column::Name),
    ("ふりがな", Column::Kana),
    ("法人名", Column::Corporation),
    ("圏域", Column::Area),
    ("郵便番号", Column::PostalCode),
    ("住所", Column::Address),
    ("電話番号", Column::Phone),
    ("FAX", Column::Fax),
    ("メール", Column::Email),
    ("ホームページ", Column::Url),
    ("緯度", Column::Lat),
    ("経度", Column::Lng),
    ("診療科目", Column::Specialties),
    ("対応サービス", Column::Services),
    ("診療時間", Column::Hours),
    ("休診日", Column::Closed),
    ("ケアマネタイム曜日", Column::CaremaneDays),
    ("ケアマネタイム時間", Column::CaremaneTime),
    ("ケアマネタイム連絡方法", Column::CaremaneMethods),
    ("ケアマネタイム窓口", Column::CaremaneContact),
    ("ケアマネタイム予約", Column::CaremaneAppointment),
    ("ケアマネタイム備考", Column::CaremaneNote),
    ("事業所番号", Column::Jigyosho),
    ("ナビイID", Column::Navii),
    ("備考", Column::Note),
    ("最終確認日", Column::Verified),
];

/// Other headers staff commonly use for the same columns.
const ALIASES: &[(&str, Column)] = &[
    ("id", Column::Id),
    ("ファイル名", Column::Id),
    ("区分", Column::Category),
    ("種類", Column::Category),
    ("施設種別", Column::Category),
    ("事業所名", Column::Name),
    ("施設名", Column::Name),
    ("医療機関名", Column::Name),
    ("名前", Column::Name),
    ("フリガナ", Column::Kana),
    ("よみがな", Column::Kana),
    ("ヨミガナ", Column::Kana),
    ("読み", Column::Kana),
    ("カナ", Column::Kana),
    ("法人", Column::Corporation),
    ("法人の名称", Column::Corporation),
    ("運営法人", Column::Corporation),
    ("地区", Column::Area),
    ("日常生活圏域", Column::Area),
    ("〒", Column::PostalCode),
    ("所在地", Column::Address),
    ("電話", Column::Phone),
    ("tel", Column::Phone),
    ("電話番号(代表)", Column::Phone),
    ("fax番号", Column::Fax),
    ("ファクス", Column::Fax),
    ("ファックス", Column::Fax),
    ("メールアドレス", Column::Email),
    ("e-mail", Column::Email),
    ("email", Column::Email),
    ("url", Column::Url),
    ("ホームページアドレス", Column::Url),
    ("hp", Column::Url),
    ("標榜科目", Column::Specialties),
    ("サービス", Column::Services),
    ("対応できること", Column::Services),
    ("営業時間", Column::Hours),
    ("受付時間", Column::Hours),
    ("定休日", Column::Closed),
    ("休業日", Column::Closed),
    ("ケアマネタイム", Column::CaremaneTime),
    ("ケアマネタイム方法", Column::CaremaneMethods),
    ("ケアマネタイム連絡先", Column::CaremaneContact),
    ("ケアマネタイム担当", Column::CaremaneContact),
    ("ケアマネタイム要予約", Column::CaremaneAppointment),
    ("ナビイ", Column::Navii),
    ("医療情報ネットid", Column::Navii),
    ("介護保険事業所番号", Column::Jigyosho),
    ("メモ", Column::Note),
    ("確認日", Column::Verified),
    ("最終確認", Column::Verified),
    ("更新日", Column::Verified),
];

impl Column {
    /// Whether a cell of this column may hold several lines (and tabs): the lines are hours
    /// bands, list items, ケアマネタイム windows or a note's lines. Other columns hold one line.
    pub fn multiline(self) -> bool {
        matches!(
            self,
            Column::Hours
                | Column::Closed
                | Column::Specialties
                | Column::Services
                | Column::CaremaneDays
                | Column::CaremaneTime
                | Column::CaremaneMethods
                | Column::CaremaneContact
                | Column::CaremaneAppointment
                | Column::CaremaneNote
                | Column::Note
        )
    }

    /// The record field the column belongs to (`None` for the id and ignored columns).
    pub fn key(self) -> Option<Key> {
        Some(match self {
            Column::Id | Column::Ignore => return None,
            Column::Category => Key::Category,
            Column::Name => Key::Name,
            Column::Kana => Key::Kana,
            Column::Corporation => Key::Corporation,
            Column::Area => Key::Area,
            Column::PostalCode => Key::PostalCode,
            Column::Address => Key::Address,
            Column::Phone => Key::Phone,
            Column::Fax => Key::Fax,
            Column::Email => Key::Email,
            Column::Url => Key::Url,
            Column::Lat | Column::Lng => Key::Location,
            Column::Specialties => Key::Specialties,
            Column::Services => Key::Services,
            Column::Hours => Key::Hours,
            Column::Closed => Key::Closed,
            Column::CaremaneDays
            | Column::CaremaneTime
            | Column::CaremaneMethods
            | Column::CaremaneContact
            | Column::CaremaneAppointment
            | Column::CaremaneNote => Key::CaremaneTime,
            Column::Jigyosho | Column::Navii => Key::SourceIds,
            Column::Note => Key::Note,
            Column::Verified => Key::Verified,
        })
    }

    /// The name used for the column in `import-mapping.yaml`.
    pub fn config_name(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Category => "category",
            Column::Name => "name",
            Column::Kana => "kana",
            Column::Corporation => "corporation",
            Column::Area => "area",
            Column::PostalCode => "postal_code",
            Column::Address => "address",
            Column::Phone => "phone",
            Column::Fax => "fax",
            Column::Email => "email",
            Column::Url => "url",
            Column::Lat => "lat",
            Column::Lng => "lng",
            Column::Specialties => "specialties",
            Column::Services => "services",
            Column::Hours => "hours",
            Column::Closed => "closed",
            Column::CaremaneDays => "caremane_days",
            Column::CaremaneTime => "caremane_time",
            Column::CaremaneMethods => "caremane_methods",
            Column::CaremaneContact => "caremane_contact",
            Column::CaremaneAppointment => "caremane_appointment",
            Column::CaremaneNote => "caremane_note",
            Column::Jigyosho => "jigyosho",
            Column::Navii => "navii",
            Column::Note => "note",
            Column::Verified => "verified",
            Column::Ignore => "ignore",
        }
    }

    fn from_config_name(name: &str) -> Option<Column> {
        LAYOUT
            .iter()
            .map(|(_, c)| *c)
            .chain([Column::Ignore])
            .find(|c| c.config_name() == name.trim())
    }

    /// The header `zaitaku export` writes for the column.
    pub fn header(self) -> &'static str {
        LAYOUT
            .iter()
            .find(|(_, c)| *c == self)
            .map(|(h, _)| *h)
            .unwrap_or("（取り込まない列）")
    }
}

/// Headers are compared after NFKC, without spaces, brackets' content kept, case-insensitive.
pub fn normalize_header(header: &str) -> String {
    ja::nfkc(header)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{FEFF}')
        .collect::<String>()
        .to_lowercase()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    columns: BTreeMap<String, String>,
}

/// Header → column.
#[derive(Debug, Clone)]
pub struct Mapping {
    entries: BTreeMap<String, Column>,
    /// Where the extra entries came from, for messages.
    pub source: Option<String>,
}

impl Default for Mapping {
    fn default() -> Self {
        let mut entries = BTreeMap::new();
        for (header, column) in LAYOUT.iter().chain(ALIASES.iter()) {
            entries.insert(normalize_header(header), *column);
        }
        Mapping {
            entries,
            source: None,
        }
    }
}

impl Mapping {
    /// The built-in mapping plus `file` (YAML: `columns: { 見出し: 項目 }`).
    pub fn load(file: Option<&Path>) -> Result<Mapping> {
        let mut mapping = Mapping::default();
        let Some(file) = file else {
            return Ok(mapping);
        };
        let shown = file.display().to_string();
        let bytes = super::table::read_regular_file(file, 1 << 20, "列の対応表（YAML）")?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::Setup(format!(
                "{shown} は UTF-8 の文字として読めません。UTF-8 で保存し直してください。"
            ))
        })?;
        let parsed: MappingFile = crate::content::yaml::parse(&shown, &text, 0).map_err(|d| {
            Error::Setup(format!(
                "列の対応表を読み込めません。\n{d}\n  書き方: columns: の下に「見出し: 項目名」を 1 行ずつ書きます（例:   施設名: name）。"
            ))
        })?;
        for (header, target) in parsed.columns {
            let Some(column) = Column::from_config_name(&target) else {
                let names: Vec<&str> = LAYOUT
                    .iter()
                    .map(|(_, c)| c.config_name())
                    .chain(["ignore"])
                    .collect();
                return Err(Error::Setup(format!(
                    "{shown}: 見出し「{header}」の項目名「{target}」がわかりません。\n  次のどれかを書いてください: {}",
                    names.join(", ")
                )));
            };
            mapping.entries.insert(normalize_header(&header), column);
        }
        mapping.source = Some(shown);
        Ok(mapping)
    }

    pub fn column(&self, header: &str) -> Option<Column> {
        self.entries.get(&normalize_header(header)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_matched_loosely() {
        let mapping = Mapping::default();
        assert_eq!(mapping.column(" 名称 "), Some(Column::Name));
        assert_eq!(mapping.column("ＦＡＸ"), Some(Column::Fax));
        assert_eq!(mapping.column("TEL"), Some(Column::Phone));
        assert_eq!(
            mapping.column("ケアマネタイム曜日"),
            Some(Column::CaremaneDays)
        );
        assert_eq!(mapping.column("担当者"), None);
    }
}
