//! `content/site.yaml`: the site's identity, the consultation desk, and the vocabularies
//! (categories, areas, services, specialties) that facility records refer to by key.

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::fields;
use crate::diagnostics::{Diagnostic, Diagnostics, Position};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteFile {
    title: String,
    organization: String,
    base_url: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    desk: DeskFile,
    categories: Vec<TermFile>,
    areas: Vec<AreaFile>,
    services: Vec<TermFile>,
    #[serde(default)]
    specialties: Vec<String>,
    #[serde(default)]
    availability: Option<AvailabilityFile>,
    #[serde(default)]
    closures: Vec<ClosureFile>,
    #[serde(default)]
    print: PrintSettings,
}

/// `print:` of site.yaml: what `zaitaku build` does for the printed booklets.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrintSettings {
    /// Also print the booklets as PDFs into `public/print/` (like `zaitaku build --pdf`).
    #[serde(default)]
    pub pdf: bool,
}

/// One entry of `closures:` in site.yaml: a period the whole site treats as closed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClosureFile {
    key: Spanned<String>,
    name: Spanned<String>,
    from: Spanned<String>,
    #[serde(default)]
    to: Option<Spanned<String>>,
}

/// `availability:` of site.yaml: the vacancy statuses and when information counts as old.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AvailabilityFile {
    #[serde(default)]
    statuses: Vec<TermFile>,
    #[serde(default)]
    stale_days: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeskFile {
    name: String,
    phone: Spanned<String>,
    #[serde(default)]
    fax: Option<Spanned<String>>,
    #[serde(default)]
    email: Option<Spanned<String>>,
    hours: String,
    #[serde(default)]
    postal_code: Option<Spanned<String>>,
    address: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TermFile {
    key: Spanned<String>,
    label: String,
}

/// An area (圏域) with the 町 it covers, so readers can find theirs:
/// `- { key: north, label: 北部, towns: [川内町, 応神町] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaFile {
    key: Spanned<String>,
    label: String,
    #[serde(default)]
    towns: Vec<Spanned<String>>,
}

/// The fields of `site.yaml` that may hold tabs and line breaks.
pub fn is_multiline(field: &str) -> bool {
    matches!(field, "description" | "desk.hours")
}

/// A key and its Japanese label, e.g. `clinic` / 診療所.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Term {
    pub key: String,
    pub label: String,
}

/// 相談窓口.
#[derive(Debug, Clone, Serialize)]
pub struct Desk {
    pub name: String,
    pub phone: String,
    pub fax: Option<String>,
    pub email: Option<String>,
    pub hours: String,
    pub postal_code: Option<String>,
    pub address: String,
}

/// A 町 and the area (圏域) it belongs to, in the order of `site.yaml`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Town {
    pub name: String,
    /// The area's key.
    pub area: String,
}

/// The validated `site.yaml`.
#[derive(Debug, Clone, Serialize)]
pub struct SiteConfig {
    pub title: String,
    pub organization: String,
    /// Always ends with `/`.
    pub base_url: String,
    pub description: String,
    pub desk: Desk,
    pub categories: Vec<Term>,
    pub areas: Vec<Term>,
    /// Every area's 町 (`areas[].towns`), area by area; empty when none are written.
    pub towns: Vec<Town>,
    pub services: Vec<Term>,
    pub specialties: Vec<String>,
    /// Vacancy information (空き情報) settings.
    pub availability: super::availability::Settings,
    /// Site-wide closures (年末年始 …), in the file's order.
    pub closures: Vec<crate::ja::holidays::Closure>,
    /// `print:`: the booklets' PDFs.
    pub print: PrintSettings,
}

impl SiteConfig {
    pub fn category(&self, key: &str) -> Option<&Term> {
        self.categories.iter().find(|t| t.key == key)
    }

    pub fn area(&self, key: &str) -> Option<&Term> {
        self.areas.iter().find(|t| t.key == key)
    }

    pub fn service(&self, key: &str) -> Option<&Term> {
        self.services.iter().find(|t| t.key == key)
    }

    pub fn closure(&self, key: &str) -> Option<&crate::ja::holidays::Closure> {
        self.closures.iter().find(|c| c.key == key)
    }
}

/// Checks `closures:`: keys present and unique, names present, `from`/`to` as `MM-DD` (every
/// year) or `YYYY-MM-DD` (once), both of the same form, `to` not before `from` for a one-off.
fn check_closures(
    file: &str,
    raw: Vec<ClosureFile>,
    diagnostics: &mut Diagnostics,
) -> Vec<crate::ja::holidays::Closure> {
    use crate::ja::holidays::{Closure, ClosureDay};
    let mut out: Vec<Closure> = Vec::new();
    for (index, closure) in raw.into_iter().enumerate() {
        let field = |name: &str| format!("closures[{index}].{name}");
        let mut error = |at: serde_saphyr::Location, name: &str, message: String, hint: &str| {
            diagnostics.push(
                Diagnostic::error(file, Position::from(at), message)
                    .field(field(name))
                    .hint(hint.to_owned()),
            );
        };
        let key = closure.key.value.trim().to_owned();
        let mut ok = true;
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            error(
                closure.key.referenced,
                "key",
                format!("休業期間のキー「{}」は使えません。", closure.key.value),
                "半角の英小文字・数字・ハイフンで書いてください（例: year-end）。事業所の caremane_time[].closures から、このキーで指します。",
            );
            ok = false;
        } else if out.iter().any(|c| c.key == key) {
            error(
                closure.key.referenced,
                "key",
                format!("休業期間のキー「{key}」が 2 回出てきます。"),
                "キーは休業期間ごとに別のものにしてください。",
            );
            ok = false;
        }
        if closure.name.value.trim().is_empty() {
            error(
                closure.name.referenced,
                "name",
                "休業期間の名前（name）が空です。".to_owned(),
                "ページに出る名前を書いてください（例: 年末年始）。",
            );
            ok = false;
        }
        let day_hint =
            "「12-29」（毎年 12 月 29 日）か「2027-02-15」（その日だけ）の形で書いてください。";
        let from = ClosureDay::parse(&closure.from.value);
        if from.is_none() {
            error(
                closure.from.referenced,
                "from",
                format!(
                    "休業期間の始まり「{}」が日付として読めません。",
                    closure.from.value
                ),
                day_hint,
            );
        }
        let to = match &closure.to {
            Some(to) => {
                let parsed = ClosureDay::parse(&to.value);
                if parsed.is_none() {
                    error(
                        to.referenced,
                        "to",
                        format!("休業期間の終わり「{}」が日付として読めません。", to.value),
                        day_hint,
                    );
                }
                parsed
            }
            None => from,
        };
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        let at = closure
            .to
            .as_ref()
            .map(|t| t.referenced)
            .unwrap_or(closure.from.referenced);
        match (from, to) {
            (ClosureDay::Yearly { .. }, ClosureDay::Yearly { .. }) => {}
            (ClosureDay::Once { date: first }, ClosureDay::Once { date: last }) => {
                if last < first {
                    error(
                        at,
                        "to",
                        format!("休業期間の終わり（{last}）が始まり（{first}）より前です。"),
                        "from と to を入れ替えてください。",
                    );
                    ok = false;
                }
            }
            _ => {
                error(
                    at,
                    "to",
                    "休業期間の始まりと終わりの書き方がそろっていません（毎年の「月-日」と、年つきの日付が混ざっています）。".to_owned(),
                    "毎年なら両方を「12-29」「01-03」の形に、その年だけなら両方を「2027-02-15」の形にしてください。",
                );
                ok = false;
            }
        }
        if ok {
            out.push(Closure::new(&key, closure.name.value.trim(), from, to));
        }
    }
    out
}

fn at(location: serde_saphyr::Location) -> Position {
    Position::from(location)
}

fn check_terms(
    file: &str,
    vocabulary: &str,
    terms: Vec<TermFile>,
    diagnostics: &mut Diagnostics,
) -> Vec<Term> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (index, term) in terms.into_iter().enumerate() {
        let field = format!("{vocabulary}[{index}].key");
        if let Err(invalid) = fields::slug(&term.key.value) {
            diagnostics.push(
                Diagnostic::error(
                    file,
                    at(term.key.referenced),
                    format!("キー「{}」は使えません。", term.key.value),
                )
                .field(&field)
                .hint(invalid.hint.replace("ファイル名", "キー")),
            );
        }
        if seen.contains(&term.key.value) {
            diagnostics.push(
                Diagnostic::error(
                    file,
                    at(term.key.referenced),
                    format!(
                        "キー「{}」が {vocabulary} に 2 回あります。",
                        term.key.value
                    ),
                )
                .field(&field)
                .hint("キーは重ならないようにしてください。"),
            );
        }
        seen.push(term.key.value.clone());
        out.push(Term {
            key: term.key.value,
            label: term.label,
        });
    }
    if out.is_empty() {
        diagnostics.push(
            Diagnostic::error(file, Position::FILE, format!("{vocabulary} が空です。"))
                .field(vocabulary)
                .hint("少なくとも 1 つ「- { key: …, label: … }」を書いてください。"),
        );
    }
    out
}

fn check_phone(
    file: &str,
    field: &str,
    label: &str,
    value: &Spanned<String>,
    diagnostics: &mut Diagnostics,
) {
    if let Err(invalid) = fields::phone(&value.value, label) {
        diagnostics.push(
            Diagnostic::error(file, at(value.referenced), invalid.message)
                .field(field)
                .hint(invalid.hint),
        );
    }
}

/// The towns of the areas: each a name of its own, in one area only.
fn check_towns(file: &str, areas: &[AreaFile], diagnostics: &mut Diagnostics) -> Vec<Town> {
    let mut towns: Vec<Town> = Vec::new();
    for (area_index, area) in areas.iter().enumerate() {
        for (index, town) in area.towns.iter().enumerate() {
            let field = format!("areas[{area_index}].towns[{index}]");
            let name = town.value.trim();
            // (control characters are refused for every field of site.yaml by the reader)
            if name.is_empty() {
                diagnostics.push(
                    Diagnostic::error(file, at(town.referenced), "町の名前が空です。")
                        .field(&field)
                        .hint("「川内町」のように、町の名前だけを 1 行で書いてください。"),
                );
                continue;
            }
            if let Some(earlier) = towns.iter().find(|t| t.name == name) {
                let where_ = if earlier.area == area.key.value {
                    "同じ地域に".to_owned()
                } else {
                    format!("地域「{}」にも", earlier.area)
                };
                diagnostics.push(
                    Diagnostic::error(
                        file,
                        at(town.referenced),
                        format!("町「{name}」が{where_}書かれています。"),
                    )
                    .field(&field)
                    .hint("1 つの町は 1 つの地域にだけ書いてください（町の一部だけが別の地域なら「○○町（一部）」のように分けて書きます）。"),
                );
                continue;
            }
            towns.push(Town {
                name: name.to_owned(),
                area: area.key.value.clone(),
            });
        }
    }
    towns
}

/// Checks the parsed file; problems go to `diagnostics`.
pub fn validate(file: &str, raw: SiteFile, diagnostics: &mut Diagnostics) -> SiteConfig {
    let base_url = match fields::base_url(&raw.base_url.value) {
        Ok(base_url) => base_url,
        Err(invalid) => {
            diagnostics.push(
                Diagnostic::error(file, at(raw.base_url.referenced), invalid.message)
                    .field("base_url")
                    .hint(invalid.hint),
            );
            raw.base_url.value.trim().to_owned()
        }
    };
    let desk = raw.desk;
    check_phone(file, "desk.phone", "電話番号", &desk.phone, diagnostics);
    if let Some(fax) = &desk.fax {
        check_phone(file, "desk.fax", "FAX番号", fax, diagnostics);
    }
    if let Some(email) = &desk.email
        && let Err(invalid) = fields::email(&email.value)
    {
        diagnostics.push(
            Diagnostic::error(file, at(email.referenced), invalid.message)
                .field("desk.email")
                .hint(invalid.hint),
        );
    }
    if let Some(postal) = &desk.postal_code
        && let Err(invalid) = fields::postal_code(&postal.value)
    {
        diagnostics.push(
            Diagnostic::error(file, at(postal.referenced), invalid.message)
                .field("desk.postal_code")
                .hint(invalid.hint),
        );
    }
    let mut availability = super::availability::Settings::default();
    if let Some(settings) = raw.availability {
        if !settings.statuses.is_empty() {
            availability.statuses = check_terms(
                file,
                "availability.statuses",
                settings.statuses,
                diagnostics,
            );
        }
        if let Some(days) = settings.stale_days {
            if (1..=365).contains(&days.value) {
                availability.stale_days = days.value;
            } else {
                diagnostics.push(
                    Diagnostic::error(
                        file,
                        at(days.referenced),
                        format!(
                            "stale_days「{}」は 1〜365（日）にしてください。",
                            days.value
                        ),
                    )
                    .field("availability.stale_days")
                    .hint("空き情報を何日たったら「古い」と表示するかを書きます（ふつうは 7 か 14）。"),
                );
            }
        }
    }
    let closures = check_closures(file, raw.closures, diagnostics);
    SiteConfig {
        availability,
        closures,
        print: raw.print,
        description: raw.description.unwrap_or_default(),
        title: raw.title,
        organization: raw.organization,
        base_url,
        desk: Desk {
            name: desk.name,
            phone: desk.phone.value,
            fax: desk.fax.map(|f| f.value),
            email: desk.email.map(|e| e.value),
            hours: desk.hours,
            postal_code: desk.postal_code.map(|p| p.value),
            address: desk.address,
        },
        categories: check_terms(file, "categories", raw.categories, diagnostics),
        towns: check_towns(file, &raw.areas, diagnostics),
        areas: check_terms(
            file,
            "areas",
            raw.areas
                .into_iter()
                .map(|a| TermFile {
                    key: a.key,
                    label: a.label,
                })
                .collect(),
            diagnostics,
        ),
        services: check_terms(file, "services", raw.services, diagnostics),
        specialties: raw.specialties,
    }
}
