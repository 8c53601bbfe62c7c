//! A facility record's values as written in its YAML file, before validation: what import
//! compares and writes, export reads and the confirmation round updates. The file is read
//! through the one schema of a record file, [`super::resource::ResourceFile`] (the build reads
//! it too), and its values are kept here without their positions. Comparing is by meaning (day
//! order, phone hyphens, half-width kana and the like do not count as changes), so a record
//! whose data did not change is never rewritten.

use super::resource::{ResourceFile, SourceIds, normalize_halfwidth_kana};
use crate::ja;

/// A record's top-level fields, in the order the file format documents them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Name,
    Kana,
    Category,
    Corporation,
    Area,
    PostalCode,
    Address,
    Phone,
    Fax,
    Email,
    Url,
    Location,
    Specialties,
    Services,
    Hours,
    Closed,
    CaremaneTime,
    SourceIds,
    Note,
    Verified,
}

impl Key {
    pub const ALL: [Key; 20] = [
        Key::Name,
        Key::Kana,
        Key::Category,
        Key::Corporation,
        Key::Area,
        Key::PostalCode,
        Key::Address,
        Key::Phone,
        Key::Fax,
        Key::Email,
        Key::Url,
        Key::Location,
        Key::Specialties,
        Key::Services,
        Key::Hours,
        Key::Closed,
        Key::CaremaneTime,
        Key::SourceIds,
        Key::Note,
        Key::Verified,
    ];

    /// The field's name in the YAML file.
    pub fn yaml(self) -> &'static str {
        match self {
            Key::Name => "name",
            Key::Kana => "kana",
            Key::Category => "category",
            Key::Corporation => "corporation",
            Key::Area => "area",
            Key::PostalCode => "postal_code",
            Key::Address => "address",
            Key::Phone => "phone",
            Key::Fax => "fax",
            Key::Email => "email",
            Key::Url => "url",
            Key::Location => "location",
            Key::Specialties => "specialties",
            Key::Services => "services",
            Key::Hours => "hours",
            Key::Closed => "closed",
            Key::CaremaneTime => "caremane_time",
            Key::SourceIds => "source_ids",
            Key::Note => "note",
            Key::Verified => "verified",
        }
    }

    pub fn from_yaml(name: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.yaml() == name)
    }

    /// The field's Japanese name, as in the sheet's headers.
    pub fn label(self) -> &'static str {
        match self {
            Key::Name => "名称",
            Key::Kana => "ふりがな",
            Key::Category => "種別",
            Key::Corporation => "法人名",
            Key::Area => "圏域",
            Key::PostalCode => "郵便番号",
            Key::Address => "住所",
            Key::Phone => "電話番号",
            Key::Fax => "FAX",
            Key::Email => "メール",
            Key::Url => "ホームページ",
            Key::Location => "緯度・経度",
            Key::Specialties => "診療科目",
            Key::Services => "対応サービス",
            Key::Hours => "診療時間",
            Key::Closed => "休診日",
            Key::CaremaneTime => "ケアマネタイム",
            Key::SourceIds => "事業所番号・ナビイID",
            Key::Note => "備考",
            Key::Verified => "最終確認日",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Location {
    pub lat: f64,
    pub lng: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Band {
    pub days: Vec<String>,
    pub open: String,
    pub close: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    pub days: Vec<String>,
    pub from: String,
    pub to: String,
    pub methods: Vec<String>,
    pub contact: Option<String>,
    pub appointment: bool,
    pub note: Option<String>,
    /// Site-wide closures the window applies on (no sheet column: kept from the YAML file).
    pub closures: Vec<String>,
}

/// One facility, field by field as in `content/resources/**/*.yaml`, without positions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub name: String,
    pub kana: String,
    pub category: String,
    pub corporation: Option<String>,
    pub area: Option<String>,
    pub postal_code: Option<String>,
    pub address: String,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
    pub url: Option<String>,
    pub location: Option<Location>,
    pub specialties: Vec<String>,
    pub services: Vec<String>,
    pub hours: Vec<Band>,
    pub closed: Option<String>,
    pub caremane_time: Vec<Window>,
    pub source_ids: Option<SourceIds>,
    pub note: Option<String>,
    /// Vacancy information, kept as written (updated by the availability sheet only).
    pub availability: Option<AvailabilityRecord>,
    pub verified: String,
}

/// A record's `availability` block as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AvailabilityRecord {
    pub status: String,
    pub count: Option<i64>,
    pub note: Option<String>,
    pub as_of: String,
}

/// Parses a record file's text (already decoded) with the record file's schema. The error is
/// serde-saphyr's, in English; callers show their own Japanese message and point to
/// `zaitaku check` for details (which reads the file with the same schema).
pub fn parse(text: &str) -> Result<Record, String> {
    serde_saphyr::from_str::<ResourceFile>(text)
        .map(|file| file.values())
        .map_err(|e| e.to_string())
}

fn clean(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl Record {
    pub fn jigyosho(&self) -> Option<&str> {
        self.source_ids
            .as_ref()
            .and_then(|s| s.jigyosho.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    pub fn navii(&self) -> Option<&str> {
        self.source_ids
            .as_ref()
            .and_then(|s| s.navii.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// Copies one field from `other`.
    pub fn set_from(&mut self, key: Key, other: &Record) {
        match key {
            Key::Name => self.name = other.name.clone(),
            Key::Kana => self.kana = other.kana.clone(),
            Key::Category => self.category = other.category.clone(),
            Key::Corporation => self.corporation = other.corporation.clone(),
            Key::Area => self.area = other.area.clone(),
            Key::PostalCode => self.postal_code = other.postal_code.clone(),
            Key::Address => self.address = other.address.clone(),
            Key::Phone => self.phone = other.phone.clone(),
            Key::Fax => self.fax = other.fax.clone(),
            Key::Email => self.email = other.email.clone(),
            Key::Url => self.url = other.url.clone(),
            Key::Location => self.location = other.location,
            Key::Specialties => self.specialties = other.specialties.clone(),
            Key::Services => self.services = other.services.clone(),
            Key::Hours => self.hours = other.hours.clone(),
            Key::Closed => self.closed = other.closed.clone(),
            Key::CaremaneTime => self.caremane_time = other.caremane_time.clone(),
            Key::SourceIds => self.source_ids = other.source_ids.clone(),
            Key::Note => self.note = other.note.clone(),
            Key::Verified => self.verified = other.verified.clone(),
        }
    }

    /// Whether the field has a value (so that it is written to the file).
    pub fn has(&self, key: Key) -> bool {
        match key {
            Key::Name | Key::Kana | Key::Category | Key::Address | Key::Verified => true,
            Key::Corporation => clean(&self.corporation).is_some(),
            Key::Area => clean(&self.area).is_some(),
            Key::PostalCode => clean(&self.postal_code).is_some(),
            Key::Phone => clean(&self.phone).is_some(),
            Key::Fax => clean(&self.fax).is_some(),
            Key::Email => clean(&self.email).is_some(),
            Key::Url => clean(&self.url).is_some(),
            Key::Location => self.location.is_some(),
            Key::Specialties => !self.specialties.is_empty(),
            Key::Services => !self.services.is_empty(),
            Key::Hours => !self.hours.is_empty(),
            Key::Closed => clean(&self.closed).is_some(),
            Key::CaremaneTime => !self.caremane_time.is_empty(),
            Key::SourceIds => self.jigyosho().is_some() || self.navii().is_some(),
            Key::Note => clean(&self.note).is_some(),
        }
    }

    /// Whether `self` and `other` say the same thing in field `key`. With `loose`, names and
    /// addresses are compared ignoring 異体字 and spacing, as national open data spells them
    /// in standard characters while a centre may keep the facility's own spelling.
    pub fn same(&self, other: &Record, key: Key, loose: bool) -> bool {
        let text = |a: &str, b: &str| {
            if loose {
                ja::loose_text(a) == ja::loose_text(b)
            } else {
                tidy(a) == tidy(b)
            }
        };
        let opt_text = |a: &Option<String>, b: &Option<String>| match (clean(a), clean(b)) {
            (None, None) => true,
            (Some(a), Some(b)) => text(&a, &b),
            _ => false,
        };
        let digits = |a: &Option<String>, b: &Option<String>| {
            let d = |v: &Option<String>| {
                clean(v).map(|v| {
                    ja::nfkc(&v)
                        .chars()
                        .filter(char::is_ascii_digit)
                        .collect::<String>()
                })
            };
            d(a) == d(b)
        };
        match key {
            Key::Name => text(&self.name, &other.name),
            Key::Kana => reading(&self.kana) == reading(&other.kana),
            Key::Category => self.category.trim() == other.category.trim(),
            Key::Corporation => opt_text(&self.corporation, &other.corporation),
            Key::Area => clean(&self.area) == clean(&other.area),
            Key::PostalCode => digits(&self.postal_code, &other.postal_code),
            Key::Address => text(&self.address, &other.address),
            Key::Phone => digits(&self.phone, &other.phone),
            Key::Fax => digits(&self.fax, &other.fax),
            Key::Email => clean(&self.email) == clean(&other.email),
            Key::Url => clean(&self.url) == clean(&other.url),
            Key::Location => match (self.location, other.location) {
                (None, None) => true,
                (Some(a), Some(b)) => {
                    if loose {
                        (a.lat - b.lat).abs() < 0.0001 && (a.lng - b.lng).abs() < 0.0001
                    } else {
                        a == b
                    }
                }
                _ => false,
            },
            Key::Specialties => trimmed_list(&self.specialties) == trimmed_list(&other.specialties),
            Key::Services => trimmed_list(&self.services) == trimmed_list(&other.services),
            Key::Hours => canonical_hours(&self.hours) == canonical_hours(&other.hours),
            Key::Closed => opt_text(&self.closed, &other.closed),
            Key::CaremaneTime => {
                canonical_windows(&self.caremane_time) == canonical_windows(&other.caremane_time)
            }
            Key::SourceIds => self.jigyosho() == other.jigyosho() && self.navii() == other.navii(),
            Key::Note => {
                let n = |v: &Option<String>| clean(v).map(|v| v.replace("\r\n", "\n"));
                n(&self.note) == n(&other.note)
            }
            Key::Verified => self.verified.trim() == other.verified.trim(),
        }
    }

    /// The fields in which `other` differs from `self`.
    pub fn differences(&self, other: &Record, loose: bool) -> Vec<Key> {
        Key::ALL
            .into_iter()
            .filter(|key| !self.same(other, *key, loose))
            .collect()
    }
}

/// Trimmed, half-width katakana widened, runs of spaces made one (full-width spaces too).
pub fn tidy(text: &str) -> String {
    let widened = normalize_halfwidth_kana(text.trim());
    let mut out = String::with_capacity(widened.len());
    let mut space = false;
    for c in widened.chars() {
        if c == ' ' || c == '　' {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// A reading compared as hiragana without spaces.
pub fn reading(kana: &str) -> String {
    ja::display_reading(kana)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '・')
        .collect()
}

fn trimmed_list(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|s| tidy(s))
        .filter(|s| !s.is_empty())
        .collect()
}

fn day_order(day: &str) -> usize {
    ja::DAY_KEYS.iter().position(|d| *d == day).unwrap_or(99)
}

/// Day keys lower-cased, without repeats, in week order.
pub fn canonical_days(days: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for day in days {
        let day = day.trim().to_lowercase();
        if !out.contains(&day) {
            out.push(day);
        }
    }
    out.sort_by_key(|d| (day_order(d), d.clone()));
    out
}

/// The hours as a weekly table (each day's sorted times), so that the same week written with
/// bands grouped differently compares equal.
fn canonical_hours(hours: &[Band]) -> std::collections::BTreeMap<String, Vec<(String, String)>> {
    let mut table: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for band in hours {
        for day in canonical_days(&band.days) {
            let times = table.entry(day).or_default();
            let time = (band.open.trim().to_owned(), band.close.trim().to_owned());
            if !times.contains(&time) {
                times.push(time);
            }
        }
    }
    for times in table.values_mut() {
        times.sort();
    }
    table
}

type WindowKey = (
    Vec<String>,
    String,
    String,
    Vec<String>,
    Option<String>,
    bool,
    Option<String>,
    Vec<String>,
);

fn canonical_windows(windows: &[Window]) -> Vec<WindowKey> {
    windows
        .iter()
        .map(|w| {
            let mut methods: Vec<String> = w.methods.iter().map(|m| m.trim().to_owned()).collect();
            methods.sort();
            methods.dedup();
            (
                canonical_days(&w.days),
                w.from.trim().to_owned(),
                w.to.trim().to_owned(),
                methods,
                clean(&w.contact).map(|c| tidy(&c)),
                w.appointment,
                clean(&w.note).map(|c| tidy(&c)),
                w.closures
                    .iter()
                    .map(|c| c.trim().to_owned())
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_by_meaning() {
        let a = Record {
            name: "ﾃﾞｲｻｰﾋﾞｽ はればれ".into(),
            kana: "ﾃﾞｲｻｰﾋﾞｽ ﾊﾚﾊﾞﾚ".into(),
            phone: Some("088-600-1234".into()),
            hours: vec![Band {
                days: vec!["wed".into(), "mon".into()],
                open: "09:00".into(),
                close: "12:00".into(),
            }],
            ..Record::default()
        };
        let b = Record {
            name: "デイサービス はればれ".into(),
            kana: "でいさーびす はればれ".into(),
            phone: Some("0886001234".into()),
            hours: vec![
                Band {
                    days: vec!["mon".into()],
                    open: "09:00".into(),
                    close: "12:00".into(),
                },
                Band {
                    days: vec!["wed".into()],
                    open: "09:00".into(),
                    close: "12:00".into(),
                },
            ],
            ..Record::default()
        };
        assert!(a.differences(&b, false).is_empty());
        let c = Record {
            name: "髙橋内科".into(),
            ..Record::default()
        };
        let d = Record {
            name: "高橋内科".into(),
            ..Record::default()
        };
        assert_eq!(c.differences(&d, false), vec![Key::Name]);
        assert!(c.differences(&d, true).is_empty());
    }
}
