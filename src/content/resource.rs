//! Facility records (`content/resources/**/*.yaml`): the raw file format and its validation
//! into the [`Resource`] the templates, search and print directory use.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{Arc, LazyLock};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::body::NoteBody;
use super::fields;
use super::site::{SiteConfig, Term};
use crate::diagnostics::{Diagnostic, Position};
use crate::ja;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceFile {
    name: Spanned<String>,
    kana: Spanned<String>,
    category: Spanned<String>,
    #[serde(default)]
    corporation: Option<String>,
    #[serde(default)]
    area: Option<Spanned<String>>,
    #[serde(default)]
    postal_code: Option<Spanned<String>>,
    address: Spanned<String>,
    #[serde(default)]
    phone: Option<Spanned<String>>,
    #[serde(default)]
    fax: Option<Spanned<String>>,
    #[serde(default)]
    email: Option<Spanned<String>>,
    #[serde(default)]
    url: Option<Spanned<String>>,
    #[serde(default)]
    location: Option<LocationFile>,
    #[serde(default)]
    specialties: Vec<Spanned<String>>,
    #[serde(default)]
    services: Vec<Spanned<String>>,
    #[serde(default)]
    hours: Vec<HoursFile>,
    #[serde(default)]
    closed: Option<String>,
    #[serde(default)]
    caremane_time: Vec<CaremaneFile>,
    #[serde(default)]
    source_ids: Option<SourceIds>,
    #[serde(default)]
    note: Option<Spanned<String>>,
    #[serde(default)]
    availability: Option<super::availability::AvailabilityFile>,
    verified: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocationFile {
    lat: Spanned<f64>,
    lng: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursFile {
    days: Spanned<Vec<Spanned<String>>>,
    open: Spanned<String>,
    close: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaremaneFile {
    days: Spanned<Vec<Spanned<String>>>,
    from: Spanned<String>,
    to: Spanned<String>,
    #[serde(default)]
    methods: Vec<Spanned<String>>,
    #[serde(default)]
    contact: Option<String>,
    #[serde(default)]
    appointment: bool,
    #[serde(default)]
    note: Option<String>,
    /// Keys of site-wide closures (`site.yaml` `closures:`) on which this window applies.
    #[serde(default)]
    closures: Vec<Spanned<String>>,
}

impl ResourceFile {
    /// The values as written, without their positions ([`super::record`]): what import,
    /// export and the confirmation round compare and rewrite.
    pub fn values(&self) -> super::record::Record {
        use super::record::{Band, Location, Record, Window};
        let text = |value: &Option<Spanned<String>>| value.as_ref().map(|v| v.value.clone());
        let list = |values: &[Spanned<String>]| values.iter().map(|v| v.value.clone()).collect();
        Record {
            name: self.name.value.clone(),
            kana: self.kana.value.clone(),
            category: self.category.value.clone(),
            corporation: self.corporation.clone(),
            area: text(&self.area),
            postal_code: text(&self.postal_code),
            address: self.address.value.clone(),
            phone: text(&self.phone),
            fax: text(&self.fax),
            email: text(&self.email),
            url: text(&self.url),
            location: self.location.as_ref().map(|l| Location {
                lat: l.lat.value,
                lng: l.lng.value,
            }),
            specialties: list(&self.specialties),
            services: list(&self.services),
            hours: self
                .hours
                .iter()
                .map(|band| Band {
                    days: list(&band.days.value),
                    open: band.open.value.clone(),
                    close: band.close.value.clone(),
                })
                .collect(),
            closed: self.closed.clone(),
            caremane_time: self
                .caremane_time
                .iter()
                .map(|window| Window {
                    days: list(&window.days.value),
                    from: window.from.value.clone(),
                    to: window.to.value.clone(),
                    methods: list(&window.methods),
                    contact: window.contact.clone(),
                    appointment: window.appointment,
                    note: window.note.clone(),
                    closures: list(&window.closures),
                })
                .collect(),
            source_ids: self.source_ids.clone(),
            note: text(&self.note),
            availability: self.availability.as_ref().map(|a| a.values()),
            verified: self.verified.value.clone(),
        }
    }
}

/// Ids of the same facility in national open data, so yearly re-imports match it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SourceIds {
    /// 介護サービス情報公表システムの事業所番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jigyosho: Option<String>,
    /// 医療情報ネット（ナビイ）の ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub navii: Option<String>,
}

/// The fields that may hold tabs and line breaks: the Markdown note, and the prose notes a
/// window or the closing days may need to spread over lines.
pub fn is_multiline(field: &str) -> bool {
    matches!(field, "note" | "closed" | "caremane_time[].note")
}

/// Contact methods a care manager may use, with their labels.
pub const METHODS: [(&str, &str); 5] = [
    ("phone", "電話"),
    ("fax", "FAX"),
    ("email", "メール"),
    ("visit", "面談"),
    ("online", "オンライン"),
];

/// [`METHODS`] as terms, made once: every window holds references to these.
static METHOD_TERMS: LazyLock<Vec<Term>> = LazyLock::new(|| {
    METHODS
        .iter()
        .map(|(key, label)| Term::new(*key, *label))
        .collect()
});

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct LatLng {
    pub lat: f64,
    pub lng: f64,
}

/// One band of opening hours on some days.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Hash)]
pub struct HoursBand {
    /// Day keys (`ja::DAY_KEYS`), in their order.
    pub days: Vec<&'static str>,
    pub open: String,
    pub close: String,
}

/// One weekday row of the hours table.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Hash)]
pub struct DayHours {
    pub day: &'static str,
    pub label: &'static str,
    /// "09:00〜12:30" per band, in time order; empty when closed.
    pub bands: Vec<String>,
}

/// A ケアマネタイム window.
#[derive(Debug, Clone, Serialize)]
pub struct CaremaneWindow {
    /// Day keys (`ja::DAY_KEYS`), in their order.
    pub days: Vec<&'static str>,
    /// 月・水・金
    pub days_label: String,
    pub from: String,
    pub to: String,
    /// Minutes since midnight, for filtering by time.
    pub from_minutes: u16,
    pub to_minutes: u16,
    pub methods: Vec<Term>,
    pub contact: Option<String>,
    pub appointment: bool,
    pub note: Option<String>,
    /// The site-wide closures (年末年始 …) on which this window applies, whatever its days;
    /// on a closure's days every other window is closed. Key = the closure's key, label = its
    /// name.
    pub closures: Vec<Term>,
}

/// Whether a record confirmed on `verified` is out of date on `today`: confirmed more than a
/// year before. `zaitaku check` lists these records for the staff, and each one's page tells
/// the public when it was confirmed.
pub fn is_stale(verified: Date, today: Date) -> bool {
    today
        .checked_sub(jiff::Span::new().years(1))
        .is_ok_and(|year_ago| verified < year_ago)
}

/// A validated facility.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub id: String,
    /// Source file relative to the site root.
    pub file: String,
    pub name: String,
    /// The reading in hiragana.
    pub kana: String,
    /// 五十音 row (あ, か, …).
    pub row: &'static str,
    #[serde(skip)]
    pub sort_key: (String, String),
    pub category: Term,
    pub corporation: Option<String>,
    pub area: Option<Term>,
    pub postal_code: Option<String>,
    pub address: String,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
    pub url: Option<String>,
    pub location: Option<LatLng>,
    pub specialties: Vec<String>,
    pub services: Vec<Term>,
    pub hours: Shared<HoursBand>,
    pub hours_table: HoursTable,
    pub closed: Option<String>,
    pub caremane_time: Vec<CaremaneWindow>,
    pub source_ids: SourceIds,
    /// Markdown source of the note. Never shown as it is: everything published takes
    /// [`Resource::note_rendered`].
    #[serde(skip_serializing)]
    pub note: Option<String>,
    /// The note rendered once when the record is loaded ([`super::body`]).
    #[serde(skip)]
    pub note_rendered: Option<NoteBody>,
    /// Where `note` is written, for messages about its Markdown.
    #[serde(skip)]
    pub note_position: Position,
    pub verified: Date,
    /// Vacancy information (空き情報), when the record has it.
    pub availability: Option<super::availability::Availability>,
    /// Where `name` and `phone` are in the file, for cross-file messages.
    #[serde(skip)]
    pub name_position: Position,
    #[serde(skip)]
    pub phone_position: Position,
}

/// Half-width katakana, which Excel exports and old systems produce, becomes full-width;
/// the rest of the text (full-width brackets, 異体字) is left exactly as typed.
pub fn normalize_halfwidth_kana(text: &str) -> String {
    if !text.chars().any(|c| ('\u{FF61}'..='\u{FF9F}').contains(&c)) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars() {
        if ('\u{FF61}'..='\u{FF9F}').contains(&c) {
            run.push(c);
        } else {
            if !run.is_empty() {
                out.push_str(&ja::nfkc(&run));
                run.clear();
            }
            out.push(c);
        }
    }
    out.push_str(&ja::nfkc(&run));
    out
}

struct Checker<'a> {
    file: &'a str,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, at: serde_saphyr::Location, field: &str, message: String, hint: String) {
        self.diagnostics.push(
            Diagnostic::error(self.file, Position::from(at), message)
                .field(field)
                .hint(hint),
        );
    }

    fn warning(&mut self, at: serde_saphyr::Location, field: &str, message: String, hint: String) {
        self.diagnostics.push(
            Diagnostic::warning(self.file, Position::from(at), message)
                .field(field)
                .hint(hint),
        );
    }

    /// `field` names the field in a message; it is written out only when there is one (most
    /// fields of most records are right, and their paths are never needed).
    fn check<T>(
        &mut self,
        value: &Spanned<String>,
        field: impl Display,
        result: Result<T, fields::Invalid>,
    ) -> Option<T> {
        match result {
            Ok(ok) => Some(ok),
            Err(invalid) => {
                self.error(
                    value.referenced,
                    &field.to_string(),
                    invalid.message,
                    invalid.hint,
                );
                None
            }
        }
    }

    fn non_empty(&mut self, value: &Spanned<String>, field: &str, label: &str) {
        if value.value.trim().is_empty() {
            self.error(
                value.referenced,
                field,
                format!("{label}が空です。"),
                format!("{label}を書いてください。"),
            );
        }
    }

    fn term(
        &mut self,
        value: &Spanned<String>,
        field: impl Display,
        vocabulary: &str,
        terms: &[Term],
    ) -> Option<Term> {
        if let Some(term) = terms.iter().find(|t| t.key == value.value) {
            return Some(term.clone());
        }
        let by_label = terms.iter().find(|t| t.label == value.value.trim());
        let suggestion = by_label.map(|t| t.key.as_str()).or_else(|| {
            crate::content::yaml::closest(&value.value, terms.iter().map(|t| t.key.as_str()))
        });
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
        let keys: Vec<String> = terms
            .iter()
            .map(|t| format!("{}（{}）", t.key, t.label))
            .collect();
        self.error(
            value.referenced,
            &field.to_string(),
            message,
            format!("次のキーから選んでください: {}", keys.join("、")),
        );
        None
    }

    fn days(
        &mut self,
        days: &Spanned<Vec<Spanned<String>>>,
        field: impl Display,
    ) -> Vec<&'static str> {
        if days.value.is_empty() {
            self.error(
                days.referenced,
                &field.to_string(),
                "曜日が 1 つもありません。".to_owned(),
                "[mon, tue] のように曜日を書いてください。".to_owned(),
            );
        }
        let mut out: Vec<&'static str> = Vec::new();
        for (index, day) in days.value.iter().enumerate() {
            let key = day.value.trim().to_lowercase();
            if let Some(&known) = ja::DAY_KEYS.iter().find(|k| **k == key) {
                if !out.contains(&known) {
                    out.push(known);
                }
            } else {
                let suggestion = crate::content::yaml::closest(&key, ja::DAY_KEYS.iter().copied());
                let message = match suggestion {
                    Some(s) => format!(
                        "曜日「{}」がわかりません。「{s}」の誤りではありませんか。",
                        day.value
                    ),
                    None => format!("曜日「{}」がわかりません。", day.value),
                };
                self.error(
                    day.referenced,
                    &format!("{field}[{index}]"),
                    message,
                    "mon（月）tue（火）wed（水）thu（木）fri（金）sat（土）sun（日）hol（祝日）から選んでください。".to_owned(),
                );
            }
        }
        out.sort_by_key(|d| ja::DAY_KEYS.iter().position(|k| k == d));
        out
    }

    fn time_range(
        &mut self,
        start: &Spanned<String>,
        end: &Spanned<String>,
        start_field: impl Display,
        end_field: impl Display,
    ) -> Option<(u16, u16)> {
        let from = self.check(start, start_field, fields::time_of_day(&start.value));
        let to = self.check(end, &end_field, fields::time_of_day(&end.value));
        let (from, to) = (from?, to?);
        if to <= from {
            self.error(
                end.referenced,
                &end_field.to_string(),
                format!(
                    "終わりの時刻「{}」が始まりの時刻「{}」より後になっていません。",
                    end.value, start.value
                ),
                "終わりは始まりより後の時刻にしてください。夜をまたぐ場合は 24:00 までと 00:00 からの 2 つに分けて書きます。".to_owned(),
            );
            return None;
        }
        Some((from, to))
    }
}

/// Everything resource validation needs to know beyond the file itself.
pub struct ResourceContext<'a> {
    pub site: &'a SiteConfig,
    pub today: Date,
}

impl ResourceContext<'_> {
    /// What validation reads of `site.yaml`: [`validate`] sees the site through this only.
    pub fn rules(&self) -> RecordRules<'_> {
        let site = self.site;
        RecordRules {
            categories: &site.categories,
            areas: &site.areas,
            services: &site.services,
            specialties: &site.specialties,
            closures: &site.closures,
            availability: &site.availability,
        }
    }
}

/// The parts of `site.yaml` a record's validation reads, and nothing else: the parse cache
/// (`super::parsed`) keys every record by them (with the day and the binary), so a change
/// anywhere else in `site.yaml` does not make the records be read again.
#[derive(Serialize)]
pub struct RecordRules<'a> {
    pub categories: &'a [Term],
    pub areas: &'a [Term],
    pub services: &'a [Term],
    pub specialties: &'a [String],
    pub closures: &'a [crate::ja::holidays::Closure],
    pub availability: &'a super::availability::Settings,
}

impl RecordRules<'_> {
    fn closure(&self, key: &str) -> Option<&crate::ja::holidays::Closure> {
        self.closures.iter().find(|c| c.key == key)
    }
}

/// The contact method `key` ([`METHODS`]) as a term, shared by every window.
pub(super) fn method_term(key: &str) -> Option<Term> {
    METHOD_TERMS.iter().find(|term| term.key == key).cloned()
}

/// Validates one parsed record. Returns the resource (even when it has errors, so later checks
/// such as duplicates still run) and its diagnostics.
pub fn validate(
    id: &str,
    file: &str,
    raw: ResourceFile,
    context: &ResourceContext<'_>,
) -> (Resource, Vec<Diagnostic>) {
    let site = context.rules();
    let mut checker = Checker {
        file,
        diagnostics: Vec::new(),
    };

    checker.non_empty(&raw.name, "name", "名称");
    checker.non_empty(&raw.address, "address", "住所");
    let kana_source = normalize_halfwidth_kana(raw.kana.value.trim());
    if !ja::is_kana_reading(&kana_source) {
        checker.error(
            raw.kana.referenced,
            "kana",
            format!("ふりがな「{}」にかな以外の文字があります。", raw.kana.value),
            "ひらがなかカタカナだけで書いてください（例: たかはしないかくりにっく）。五十音順の並べ替えに使います。".to_owned(),
        );
    }
    let category = checker
        .term(&raw.category, "category", "categories", site.categories)
        .unwrap_or_else(|| Term::new(raw.category.value.clone(), raw.category.value.clone()));
    let area = raw
        .area
        .as_ref()
        .and_then(|area| checker.term(area, "area", "areas", site.areas));
    if let Some(postal) = &raw.postal_code {
        checker.check(postal, "postal_code", fields::postal_code(&postal.value));
    }
    if let Some(phone) = &raw.phone {
        checker.check(phone, "phone", fields::phone(&phone.value, "電話番号"));
    }
    if let Some(fax) = &raw.fax {
        checker.check(fax, "fax", fields::phone(&fax.value, "FAX番号"));
    }
    if raw.phone.is_none() && raw.fax.is_none() {
        checker.warning(
            raw.name.referenced,
            "phone",
            "電話番号も FAX 番号もありません。".to_owned(),
            "連絡先がわかれば phone: か fax: を書いてください。".to_owned(),
        );
    }
    if let Some(email) = &raw.email {
        checker.check(email, "email", fields::email(&email.value));
    }
    if let Some(url) = &raw.url {
        checker.check(url, "url", fields::web_url(&url.value));
    }
    let location = raw.location.as_ref().and_then(|location| {
        let mut ok = true;
        for (value, field, limit, label) in [
            (&location.lat, "location.lat", 90.0, "緯度"),
            (&location.lng, "location.lng", 180.0, "経度"),
        ] {
            if !value.value.is_finite() || value.value.abs() > limit {
                ok = false;
                checker.error(
                    value.referenced,
                    field,
                    format!("{label}「{}」が範囲外です（-{limit}〜{limit}）。", value.value),
                    "地図で場所を確かめ、緯度（lat）は 34.07、経度（lng）は 134.55 のように書いてください。".to_owned(),
                );
            }
        }
        let in_japan = (20.0..=46.0).contains(&location.lat.value)
            && (122.0..=154.0).contains(&location.lng.value);
        if ok && !in_japan {
            checker.warning(
                location.lat.referenced,
                "location",
                format!(
                    "位置（緯度 {}、経度 {}）が日本の外になっています。",
                    location.lat.value, location.lng.value
                ),
                "緯度と経度が入れ替わっていないか確認してください。".to_owned(),
            );
        }
        ok.then_some(LatLng {
            lat: location.lat.value,
            lng: location.lng.value,
        })
    });

    let mut specialties = Vec::new();
    for (index, specialty) in raw.specialties.iter().enumerate() {
        let value = specialty.value.trim();
        if !site.specialties.is_empty() && !site.specialties.iter().any(|s| s == value) {
            let suggestion = site
                .specialties
                .iter()
                .map(|s| (strsim::levenshtein(value, s), s))
                .filter(|(d, _)| *d <= 1)
                .min_by_key(|(d, _)| *d)
                .map(|(_, s)| s.clone());
            let message = match &suggestion {
                Some(s) => format!(
                    "診療科目「{value}」は site.yaml の specialties にない書き方です。「{s}」ではありませんか。"
                ),
                None => {
                    format!("診療科目「{value}」は site.yaml の specialties にない書き方です。")
                }
            };
            checker.warning(
                specialty.referenced,
                &format!("specialties[{index}]"),
                message,
                "表記をそろえるか、正しい科目名なら site.yaml の specialties に追加してください。"
                    .to_owned(),
            );
        }
        specialties.push(value.to_owned());
    }
    let mut services: Vec<Term> = Vec::new();
    for (index, service) in raw.services.iter().enumerate() {
        if let Some(term) = checker.term(
            service,
            format_args!("services[{index}]"),
            "services",
            site.services,
        ) && !services.contains(&term)
        {
            services.push(term);
        }
    }
    services.sort_by_key(|t| site.services.iter().position(|s| s.key == t.key));

    let mut hours = Vec::new();
    for (index, band) in raw.hours.iter().enumerate() {
        let days = checker.days(&band.days, format_args!("hours[{index}].days"));
        let range = checker.time_range(
            &band.open,
            &band.close,
            format_args!("hours[{index}].open"),
            format_args!("hours[{index}].close"),
        );
        if range.is_some() {
            hours.push(HoursBand {
                days,
                open: band.open.value.clone(),
                close: band.close.value.clone(),
            });
        }
    }
    let (hours, hours_table) = shared_hours(hours);

    let mut caremane_time = Vec::new();
    for (index, window) in raw.caremane_time.iter().enumerate() {
        let mut closures: Vec<Term> = Vec::new();
        for (closure_index, key) in window.closures.iter().enumerate() {
            match site.closure(key.value.trim()) {
                Some(closure) => {
                    let term = Term::new(closure.key.clone(), closure.name.clone());
                    if !closures.contains(&term) {
                        closures.push(term);
                    }
                }
                None => {
                    let known: Vec<String> = site
                        .closures
                        .iter()
                        .map(|c| format!("{}（{}）", c.key, c.name))
                        .collect();
                    checker.error(
                        key.referenced,
                        &format!("caremane_time[{index}].closures[{closure_index}]"),
                        format!(
                            "休業期間「{}」は site.yaml の closures にありません。",
                            key.value
                        ),
                        if known.is_empty() {
                            "site.yaml に closures:（例: { key: year-end, name: 年末年始, from: \"12-29\", to: \"01-03\" }）を書くか、この行を消してください。".to_owned()
                        } else {
                            format!("{} から選んでください。", known.join("、"))
                        },
                    );
                }
            }
        }
        // A window only for closures (年末年始の当番 …) needs no weekdays.
        let days = if window.days.value.is_empty() && !window.closures.is_empty() {
            Vec::new()
        } else {
            checker.days(&window.days, format_args!("caremane_time[{index}].days"))
        };
        let range = checker.time_range(
            &window.from,
            &window.to,
            format_args!("caremane_time[{index}].from"),
            format_args!("caremane_time[{index}].to"),
        );
        let mut methods = Vec::new();
        for (method_index, method) in window.methods.iter().enumerate() {
            match METHOD_TERMS
                .iter()
                .find(|term| term.key == method.value.trim())
            {
                Some(term) => {
                    if !methods.contains(term) {
                        methods.push(term.clone());
                    }
                }
                None => {
                    let suggestion = crate::content::yaml::closest(
                        &method.value,
                        METHODS.iter().map(|(k, _)| *k),
                    );
                    let message = match suggestion {
                        Some(s) => format!(
                            "連絡方法「{}」がわかりません。「{s}」の誤りではありませんか。",
                            method.value
                        ),
                        None => format!("連絡方法「{}」がわかりません。", method.value),
                    };
                    checker.error(
                        method.referenced,
                        &format!("caremane_time[{index}].methods[{method_index}]"),
                        message,
                        "phone（電話）fax（FAX）email（メール）visit（面談）online（オンライン）から選んでください。".to_owned(),
                    );
                }
            }
        }
        methods.sort_by_key(|m| METHODS.iter().position(|(k, _)| *k == m.key));
        if window.methods.is_empty() {
            checker.error(
                window.from.referenced,
                &format!("caremane_time[{index}].methods"),
                "連絡方法（methods）がありません。".to_owned(),
                "methods: [phone, fax] のように、ケアマネジャーが使える連絡方法を書いてください。"
                    .to_owned(),
            );
        }
        if let Some((from_minutes, to_minutes)) = range {
            caremane_time.push(CaremaneWindow {
                days_label: days
                    .iter()
                    .map(|d| ja::day_label(d).to_owned())
                    .chain(closures.iter().map(|c| c.label.clone()))
                    .collect::<Vec<_>>()
                    .join("・"),
                days,
                from: window.from.value.clone(),
                to: window.to.value.clone(),
                from_minutes,
                to_minutes,
                methods,
                contact: window.contact.clone(),
                appointment: window.appointment,
                note: window.note.clone(),
                closures,
            });
        }
    }

    let verified = checker
        .check(&raw.verified, "verified", fields::date(&raw.verified.value))
        .unwrap_or(context.today);
    if verified > context.today {
        checker.warning(
            raw.verified.referenced,
            "verified",
            format!(
                "最終確認日「{verified}」が今日（{}）より後です。",
                context.today
            ),
            "実際に確認した日付を書いてください。".to_owned(),
        );
    } else if let Ok(year_ago) = context.today.checked_sub(jiff::Span::new().years(1))
        && verified < year_ago
    {
        checker.warning(
            raw.verified.referenced,
            "verified",
            format!("最終確認日が {verified} で、1 年以上前です。"),
            "事業所に内容を確認し、verified を確認した日付に更新してください。".to_owned(),
        );
    }

    let availability = raw.availability.as_ref().and_then(|block| {
        super::availability::validate(
            file,
            block,
            site.availability,
            context.today,
            &mut checker.diagnostics,
        )
    });
    let name_position = Position::from(raw.name.referenced);
    let phone_position = raw
        .phone
        .as_ref()
        .map(|p| Position::from(p.referenced))
        .unwrap_or(name_position);
    let name = normalize_halfwidth_kana(raw.name.value.trim());
    let kana = ja::display_reading(&kana_source);
    let sort_key = ja::gojuon_sort_key(&kana);
    let resource = Resource {
        id: id.to_owned(),
        file: file.to_owned(),
        row: ja::gojuon_row_of_key(&sort_key),
        sort_key,
        kana,
        name,
        category,
        corporation: raw.corporation.map(|c| normalize_halfwidth_kana(c.trim())),
        area,
        postal_code: raw.postal_code.map(|p| p.value),
        address: normalize_halfwidth_kana(raw.address.value.trim()),
        phone: raw.phone.map(|p| p.value.trim().to_owned()),
        fax: raw.fax.map(|p| p.value.trim().to_owned()),
        email: raw.email.map(|e| e.value.trim().to_owned()),
        url: raw.url.map(|u| u.value.trim().to_owned()),
        location,
        specialties,
        services,
        hours,
        hours_table,
        closed: raw.closed,
        caremane_time,
        source_ids: raw.source_ids.unwrap_or_default(),
        note_position: raw
            .note
            .as_ref()
            .map(|n| Position::from(n.referenced))
            .unwrap_or(name_position),
        note: raw.note.map(|n| n.value),
        note_rendered: None,
        verified,
        availability,
        name_position,
        phone_position,
    };
    (resource, checker.diagnostics)
}

/// A list shared between the records that have the same one (their hours, their hours
/// tables): most of a directory's 100,000 records open on a few dozen patterns, and lists of
/// their own took about 1.2 KB of the loaded model per record. It reads and serialises as
/// the list of its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared<T>(Arc<[T]>);

/// A record's hours table: a row per weekday ([`shared_hours`]).
pub type HoursTable = Shared<DayHours>;

impl<T> std::ops::Deref for Shared<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<'a, T> IntoIterator for &'a Shared<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.as_ref().serialize(serializer)
    }
}

/// Hours and their tables made so far, by the hours: a record with the same hours shares
/// them. Emptied when it holds [`SHARED_HOURS`] (then a list is only shared less, never
/// wrong).
type HoursTables = HashMap<Vec<HoursBand>, (Shared<HoursBand>, HoursTable)>;
static HOURS: std::sync::Mutex<Option<HoursTables>> = std::sync::Mutex::new(None);
const SHARED_HOURS: usize = 4096;

/// A record's hours and its hours table, shared with the records that have the same hours.
pub(super) fn shared_hours(hours: Vec<HoursBand>) -> (Shared<HoursBand>, HoursTable) {
    let mut shared = HOURS.lock().unwrap_or_else(|e| e.into_inner());
    let shared = shared.get_or_insert_with(HashMap::new);
    if let Some(found) = shared.get(&hours) {
        return found.clone();
    }
    if shared.len() >= SHARED_HOURS {
        shared.clear();
    }
    let made = (
        Shared(hours.clone().into()),
        Shared(hours_table(&hours).into()),
    );
    shared.insert(hours, made.clone());
    made
}

/// The rows of the hours table of `hours`: each weekday's bands in time order.
fn hours_table(hours: &[HoursBand]) -> Vec<DayHours> {
    ja::DAY_KEYS
        .iter()
        .map(|day| {
            let mut bands: Vec<(&str, &str)> = hours
                .iter()
                .filter(|band| band.days.iter().any(|d| d == day))
                .map(|band| (band.open.as_str(), band.close.as_str()))
                .collect();
            bands.sort();
            DayHours {
                day,
                label: ja::day_label(day),
                bands: bands.iter().map(|(o, c)| format!("{o}〜{c}")).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halfwidth_kana_is_widened_and_the_rest_kept() {
        assert_eq!(
            normalize_halfwidth_kana("訪問看護ｽﾃｰｼｮﾝ（南）"),
            "訪問看護ステーション（南）"
        );
        assert_eq!(normalize_halfwidth_kana("ｶﾞｯｺｳ"), "ガッコウ");
        assert_eq!(normalize_halfwidth_kana("髙橋"), "髙橋");
    }

    #[test]
    fn records_with_the_same_hours_share_them_and_their_table() {
        let (mon, tue) = (ja::DAY_KEYS[0], ja::DAY_KEYS[1]);
        let band = |days: &[&'static str], open: &str, close: &str| HoursBand {
            days: days.to_vec(),
            open: open.to_owned(),
            close: close.to_owned(),
        };
        // Bands out of time order: the table puts each day's bands in order.
        let hours = || {
            vec![
                band(&[mon], "14:00", "18:00"),
                band(&[mon, tue], "09:00", "12:30"),
            ]
        };
        let (a_hours, a_table) = shared_hours(hours());
        let (b_hours, b_table) = shared_hours(hours());
        let (c_hours, c_table) = shared_hours(vec![band(&[mon], "09:00", "12:30")]);
        assert!(Arc::ptr_eq(&a_hours.0, &b_hours.0) && Arc::ptr_eq(&a_table.0, &b_table.0));
        assert!(!Arc::ptr_eq(&a_hours.0, &c_hours.0) && !Arc::ptr_eq(&a_table.0, &c_table.0));
        assert_eq!(a_table[0].bands, ["09:00〜12:30", "14:00〜18:00"]);
        assert_eq!(a_table[1].bands, ["09:00〜12:30"]);
        assert!(a_table[2].bands.is_empty());
        assert_eq!(c_table[0].bands, ["09:00〜12:30"]);
        // Read and written as the lists they stand for.
        assert_eq!(
            serde_json::to_value(&a_table).unwrap(),
            serde_json::to_value(hours_table(&hours())).unwrap()
        );
        assert_eq!(
            serde_json::to_value(&a_hours).unwrap(),
            serde_json::to_value(hours()).unwrap()
        );
        assert_eq!((&a_hours).into_iter().count(), 2);
    }
}
