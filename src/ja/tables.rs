//! The tables of the Japanese text rules, read from `rules.json` — the one file both Rust and
//! the browser read. Rust parses it once ([`tables`]); the browser gets the part it needs
//! ([`browser_rules`]) inside `search-index/meta.bin` and `caremane-time/data.js`, and the
//! days inside `assets/holidays.js`, all written from this same file at build time, so a
//! table is never copied by hand.

use std::collections::HashMap;
use std::sync::OnceLock;

use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value;

/// The rules file (`src/ja/rules.json`).
pub const RULES_JSON: &str = include_str!("rules.json");

/// The keys of `rules.json` search-engine.js reads (in `meta.bin`, and in the ケアマネタイム
/// data for caremane.js's name filter). The days go to the browser in `assets/holidays.js`.
const BROWSER_KEYS: [&str; 6] = [
    "variants",
    "legal_forms",
    "small_kana",
    "numerals",
    "particles",
    "noise",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    about: String,
    variants: HashMap<String, String>,
    legal_forms: Vec<LegalForm>,
    small_kana: HashMap<String, String>,
    numerals: Numerals,
    days: Vec<Day>,
    gojuon: Vec<GojuonRow>,
    vowel_rows: HashMap<String, String>,
    eras: Vec<EraEntry>,
    romaji: Vec<(String, String)>,
    particles: Vec<String>,
    noise: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Numerals {
    digits: HashMap<String, u64>,
    units: HashMap<String, u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EraEntry {
    name: String,
    start: String,
}

/// A 法人格 as written (after NFKC) and its readings in katakana.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalForm {
    pub form: String,
    pub readings: Vec<String>,
}

/// A day of the record format: `mon` … `sun`, `hol` (祝日).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Day {
    pub key: String,
    /// 月
    pub short: String,
    /// 月曜日
    pub long: String,
}

/// A row of the 五十音 index.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GojuonRow {
    /// か
    pub row: String,
    /// `ka`, in URLs and anchors.
    pub slug: String,
    /// The plain letters that start a reading in the row: かきくけこ.
    pub letters: String,
}

/// A 和暦 era and its first day.
#[derive(Debug, Clone)]
pub struct Era {
    pub name: String,
    pub start: Date,
}

/// A table keyed by character. Lookups of characters outside the range of its keys (most
/// characters of most text) skip the hash.
pub struct CharMap<V> {
    low: char,
    high: char,
    map: HashMap<char, V>,
}

impl<V> CharMap<V> {
    fn new(map: HashMap<char, V>) -> Self {
        let low = map.keys().min().copied().unwrap_or('\u{1}');
        let high = map.keys().max().copied().unwrap_or('\u{0}');
        CharMap { low, high, map }
    }

    pub fn get(&self, c: &char) -> Option<&V> {
        if *c < self.low || *c > self.high {
            return None;
        }
        self.map.get(c)
    }

    pub fn contains_key(&self, c: &char) -> bool {
        self.get(c).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&char, &V)> {
        self.map.iter()
    }
}

impl<V> std::ops::Index<&char> for CharMap<V> {
    type Output = V;
    fn index(&self, c: &char) -> &V {
        &self.map[c]
    }
}

/// `rules.json`, parsed.
pub struct Tables {
    /// 異体字 → the form they are matched as.
    pub variants: CharMap<char>,
    /// 法人格, in the file's order.
    pub legal_forms: Vec<LegalForm>,
    /// Small katakana → full size.
    pub small_kana: CharMap<char>,
    /// 〇 … 九.
    pub digits: CharMap<u64>,
    /// 十 百 千.
    pub units: CharMap<u64>,
    /// Monday first, 祝日 last.
    pub days: Vec<Day>,
    pub gojuon: Vec<GojuonRow>,
    /// Letter → the vowel it ends in (あ い う え お).
    pub vowels: CharMap<char>,
    /// Newest first.
    pub eras: Vec<Era>,
    /// Kana → ローマ字.
    pub romaji: HashMap<String, String>,
    pub particles: Vec<String>,
    pub noise: Vec<String>,
}

/// The tables, parsed once.
pub fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| parse(RULES_JSON).unwrap_or_else(|e| panic!("src/ja/rules.json: {e}")))
}

fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

fn char_map<V: Clone>(map: &HashMap<String, V>, name: &str) -> Result<HashMap<char, V>, String> {
    map.iter()
        .map(|(from, to)| {
            single_char(from)
                .map(|c| (c, to.clone()))
                .ok_or_else(|| format!("{name}: 「{from}」 is not one character"))
        })
        .collect()
}

fn char_to_char(map: &HashMap<String, String>, name: &str) -> Result<HashMap<char, char>, String> {
    char_map(map, name)?
        .into_iter()
        .map(|(from, to)| {
            single_char(&to)
                .map(|to| (from, to))
                .ok_or_else(|| format!("{name}: 「{to}」 is not one character"))
        })
        .collect()
}

fn parse(json: &str) -> Result<Tables, String> {
    let file: File = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut vowels = HashMap::new();
    for (vowel, letters) in &file.vowel_rows {
        let vowel = single_char(vowel).ok_or("vowel_rows: a key is not one character")?;
        for letter in letters.chars() {
            vowels.insert(letter, vowel);
        }
    }
    let eras = file
        .eras
        .iter()
        .map(|era| {
            Ok(Era {
                name: era.name.clone(),
                start: era
                    .start
                    .parse()
                    .map_err(|e| format!("eras: {}: {e}", era.start))?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Tables {
        variants: CharMap::new(char_to_char(&file.variants, "variants")?),
        legal_forms: file.legal_forms,
        small_kana: CharMap::new(char_to_char(&file.small_kana, "small_kana")?),
        digits: CharMap::new(char_map(&file.numerals.digits, "numerals.digits")?),
        units: CharMap::new(char_map(&file.numerals.units, "numerals.units")?),
        days: file.days,
        gojuon: file.gojuon,
        vowels: CharMap::new(vowels),
        eras,
        romaji: file.romaji.into_iter().collect(),
        particles: file.particles,
        noise: file.noise,
    })
}

/// The part of `rules.json` the browser reads, as it is in the file.
pub fn browser_rules() -> Value {
    let file: Value = serde_json::from_str(RULES_JSON).expect("src/ja/rules.json is JSON");
    let mut out = serde_json::Map::new();
    for key in BROWSER_KEYS {
        out.insert(key.to_owned(), file[key].clone());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_parses_and_the_browser_part_is_complete() {
        let tables = tables();
        assert_eq!(tables.days.len(), 8);
        assert_eq!(tables.gojuon.len(), 10);
        let browser = browser_rules();
        for key in BROWSER_KEYS {
            assert!(!browser[key].is_null(), "{key} missing for the browser");
        }
    }

    #[test]
    fn no_table_repeats_an_entry() {
        let file: Value = serde_json::from_str(RULES_JSON).unwrap();
        // A JSON object with a key twice would silently keep the last one.
        for key in ["variants", "small_kana", "vowel_rows"] {
            let text_count = RULES_JSON.matches(&format!("\"{key}\"")).count();
            assert_eq!(text_count, 1, "{key}");
            let entries = file[key].as_object().unwrap().len();
            let section = RULES_JSON.split(&format!("\"{key}\"")).nth(1).unwrap();
            let section = &section[..section.find('}').unwrap()];
            assert_eq!(
                section.matches("\":").count(),
                entries,
                "{key} has a key twice"
            );
        }
        let mut forms: Vec<&str> = tables()
            .legal_forms
            .iter()
            .map(|f| f.form.as_str())
            .collect();
        let count = forms.len();
        forms.sort();
        forms.dedup();
        assert_eq!(forms.len(), count, "a 法人格 is listed twice");
    }

    #[test]
    fn variants_fold_to_a_form_that_is_not_itself_folded() {
        // 齊 → 斎 and 斉 → 斎: one canonical form, so every consumer agrees on 齊藤/斉藤/斎藤.
        let variants = &tables().variants;
        for (from, to) in variants.iter() {
            assert!(
                !variants.contains_key(to),
                "{from} → {to} → {}",
                variants[to]
            );
        }
        assert_eq!(variants[&'齊'], '斎');
        assert_eq!(variants[&'斉'], '斎');
        assert_eq!(variants[&'齋'], '斎');
    }
}
