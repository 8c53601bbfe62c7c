//! Japanese text rules of the domain: kana checks and normalisation, 異体字, 法人格, 五十音
//! order and rows, weekdays, and dates in both 西暦 and 和暦. Every table lives in
//! `rules.json` ([`tables`]), which the browser reads too.

pub mod holidays;
pub mod lay_words;
pub mod tables;
pub mod voicing;

use std::sync::LazyLock;

use jiff::civil::{Date, Weekday};
use unicode_normalization::UnicodeNormalization;

pub use tables::{LegalForm, RULES_JSON, browser_rules, tables};

/// NFKC: half-width katakana and full-width ASCII become their ordinary forms.
pub fn nfkc(text: &str) -> String {
    text.nfkc().collect()
}

pub fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}')
}

pub fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | '\u{30FD}' | '\u{30FE}')
}

/// Whether a reading is written in kana only (spaces, ー and ・ allowed), after NFKC.
pub fn is_kana_reading(text: &str) -> bool {
    let text = nfkc(text);
    !text.trim().is_empty()
        && text.chars().all(|c| {
            is_hiragana(c) || is_katakana(c) || matches!(c, 'ー' | '・' | ' ' | '　' | 'ヽ' | 'ヾ')
        })
}

/// Katakana to hiragana, leaving everything else alone.
pub fn to_hiragana(text: &str) -> String {
    text.chars().map(to_hiragana_char).collect()
}

/// Hiragana to katakana, leaving everything else alone.
pub fn to_katakana(c: char) -> char {
    match c {
        '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}' => {
            char::from_u32(c as u32 + 0x60).unwrap_or(c)
        }
        _ => c,
    }
}

/// Small kana at full size (ッ→ツ, ヶ→ケ, ぁ→あ); everything else as it is.
pub fn full_size(c: char) -> char {
    let small = &tables().small_kana;
    if is_hiragana(c) {
        small
            .get(&to_katakana(c))
            .map(|&big| to_hiragana_char(big))
            .unwrap_or(c)
    } else {
        small.get(&c).copied().unwrap_or(c)
    }
}

fn to_hiragana_char(c: char) -> char {
    if matches!(c, '\u{30A1}'..='\u{30F6}' | '\u{30FD}' | '\u{30FE}') {
        char::from_u32(c as u32 - 0x60).unwrap_or(c)
    } else {
        c
    }
}

/// The value of a kanji digit (〇 … 九).
pub fn kanji_digit(c: char) -> Option<u64> {
    tables().digits.get(&c).copied()
}

/// The value of a kanji unit (十 百 千).
pub fn kanji_unit(c: char) -> Option<u64> {
    tables().units.get(&c).copied()
}

/// The 法人格, longest first (then in code point order), so that the first that matches is
/// the whole form (医療法人社団 before 医療法人).
pub fn legal_forms() -> &'static [String] {
    static FORMS: LazyLock<Vec<String>> =
        LazyLock::new(|| longest_first(tables().legal_forms.iter().map(|f| f.form.clone())));
    &FORMS
}

/// Every reading of a 法人格 (katakana), longest first.
pub fn legal_form_readings() -> &'static [String] {
    static READINGS: LazyLock<Vec<String>> = LazyLock::new(|| {
        longest_first(
            tables()
                .legal_forms
                .iter()
                .flat_map(|f| f.readings.iter().cloned()),
        )
    });
    &READINGS
}

fn longest_first(words: impl Iterator<Item = String>) -> Vec<String> {
    let mut words: Vec<String> = words.collect();
    words.sort_by(|a, b| {
        b.chars()
            .count()
            .cmp(&a.chars().count())
            .then_with(|| a.cmp(b))
    });
    words.dedup();
    words
}

/// A 異体字 as the form it is matched as (齊 → 斎), other characters as they are.
pub fn standard_form(c: char) -> char {
    tables().variants.get(&c).copied().unwrap_or(c)
}

/// For matching names and addresses: NFKC, 異体字 folded as search folds them
/// ([`standard_form`]), no spaces or middle dots, and the usual ways of writing 丁目
/// numbers made the same.
pub fn loose_text(text: &str) -> String {
    nfkc(text)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '・' | '･' | '　'))
        .map(standard_form)
        .map(|c| match c {
            'ー' | '−' | '―' | '‐' | '－' => '-',
            other => other,
        })
        .collect()
}

/// A reading as shown to readers: NFKC (so half-width katakana is fixed) and in hiragana.
pub fn display_reading(text: &str) -> String {
    to_hiragana(&nfkc(text))
        .replace(['　'], " ")
        .trim()
        .to_owned()
}

/// The plain (清音, full-size) form of a hiragana letter: が→か, ぱ→は, ぁ→あ, ゔ→う.
fn seion(c: char) -> char {
    // Kana decompose into a base letter (a starter) and a voicing mark, so the first letter of
    // the canonical decomposition is the first of the NFD (reordering only moves marks).
    let base = if ('\u{3041}'..='\u{30FF}').contains(&c) {
        let mut first = None;
        unicode_normalization::char::decompose_canonical(c, |d| {
            first.get_or_insert(d);
        });
        first.unwrap_or(c)
    } else {
        c.to_string().nfd().next().unwrap_or(c)
    };
    if is_hiragana(base) {
        full_size(base)
    } else {
        base
    }
}

fn vowel_of(c: char) -> Option<char> {
    tables().vowels.get(&c).copied()
}

/// The key that sorts readings in 五十音順 as a Japanese dictionary does: first by the plain
/// letters (so が sorts with か, not after all of か's words), then by the exact spelling.
pub fn gojuon_sort_key(reading: &str) -> (String, String) {
    let hiragana: String = display_reading(reading)
        .chars()
        .filter(|c| !matches!(c, ' ' | '・'))
        .collect();
    let mut plain = String::with_capacity(hiragana.len());
    let mut previous: Option<char> = None;
    for c in hiragana.chars() {
        let mapped = if c == 'ー' {
            previous.and_then(vowel_of).unwrap_or(c)
        } else {
            seion(c)
        };
        plain.push(mapped);
        previous = Some(c);
    }
    (plain, hiragana)
}

/// The 五十音 row (あ か さ た な は ま や ら わ) a reading belongs in, for the directory index.
pub fn gojuon_row(reading: &str) -> &'static str {
    gojuon_row_of_key(&gojuon_sort_key(reading))
}

/// [`gojuon_row`] of a reading whose [`gojuon_sort_key`] is already made.
pub fn gojuon_row_of_key(sort_key: &(String, String)) -> &'static str {
    let first = sort_key.0.chars().next().unwrap_or('あ');
    let first = seion(first);
    let rows = &tables().gojuon;
    rows.iter()
        .find(|row| row.letters.contains(first))
        .or(rows.last())
        .map(|row| row.row.as_str())
        .unwrap_or("わ")
}

/// The rows in order, for index navigation.
pub static GOJUON_ROWS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| tables().gojuon.iter().map(|r| r.row.as_str()).collect());

/// Roman names of the 五十音 rows, used in URLs (`resources/kana/ka/`) and anchors.
pub static ROW_SLUGS: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    tables()
        .gojuon
        .iter()
        .map(|r| (r.row.as_str(), r.slug.as_str()))
        .collect()
});

/// `mon` … `sun`, and `hol` for 祝日, as used in records.
pub static DAY_KEYS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| tables().days.iter().map(|d| d.key.as_str()).collect());

fn day(key: &str) -> Option<&'static tables::Day> {
    tables().days.iter().find(|d| d.key == key)
}

/// 月 火 … 日 祝, short labels for tables.
pub fn day_label(key: &str) -> &'static str {
    day(key).map(|d| d.short.as_str()).unwrap_or("?")
}

/// 月曜日 … 日曜日, 祝日, long labels for headings.
pub fn day_long_label(key: &str) -> &'static str {
    day(key).map(|d| d.long.as_str()).unwrap_or("?")
}

/// The day key of a weekday (`mon` … `sun`).
pub fn weekday_key(weekday: Weekday) -> &'static str {
    DAY_KEYS[weekday.to_monday_zero_offset() as usize]
}

pub fn weekday_label(weekday: Weekday) -> &'static str {
    day_label(weekday_key(weekday))
}

/// 2026年12月15日 (dates printed in letters and forms).
pub fn year_month_day(date: Date) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// 11月20日 (the date a short, recent fact was true).
pub fn month_day(date: Date) -> String {
    format!("{}月{}日", date.month(), date.day())
}

/// 2025年2月23日（日）
pub fn seireki(date: Date) -> String {
    format!(
        "{}年{}月{}日（{}）",
        date.year(),
        date.month(),
        date.day(),
        weekday_label(date.weekday())
    )
}

/// 令和7年2月23日 (元年 for the first year of an era).
pub fn wareki(date: Date) -> String {
    for era in &tables().eras {
        if date >= era.start {
            let era_year = date.year() - era.start.year() + 1;
            let year_text = if era_year == 1 {
                "元".to_owned()
            } else {
                era_year.to_string()
            };
            return format!(
                "{}{year_text}年{}月{}日",
                era.name,
                date.month(),
                date.day()
            );
        }
    }
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seion_of_kana_is_the_first_letter_of_their_nfd() {
        for c in ('\u{3000}'..='\u{30FF}').chain(['a', 'ｶ', '漢']) {
            let nfd_first = c.to_string().nfd().next().unwrap_or(c);
            let expected = if is_hiragana(nfd_first) {
                full_size(nfd_first)
            } else {
                nfd_first
            };
            assert_eq!(seion(c), expected, "{c}");
        }
    }

    #[test]
    fn kana_checks() {
        assert!(is_kana_reading("たかはし ないか"));
        assert!(is_kana_reading("ﾀｶﾊｼﾅｲｶ"));
        assert!(is_kana_reading("ホームヘルプ・ステーション"));
        assert!(!is_kana_reading("高橋"));
        assert!(!is_kana_reading("takahashi"));
    }

    #[test]
    fn readings_display_in_hiragana() {
        assert_eq!(display_reading("ﾀｶﾊｼ"), "たかはし");
        assert_eq!(display_reading("クリニック"), "くりにっく");
    }

    #[test]
    fn dictionary_order() {
        let mut words = vec!["かき", "があ", "かあ", "きく", "あい"];
        words.sort_by_key(|w| gojuon_sort_key(w));
        assert_eq!(words, vec!["あい", "かあ", "があ", "かき", "きく"]);
    }

    #[test]
    fn rows() {
        assert_eq!(gojuon_row("がっこう"), "か");
        assert_eq!(gojuon_row("ぱん"), "は");
        assert_eq!(gojuon_row("ヴィラ"), "あ");
        assert_eq!(gojuon_row("をかし"), "わ");
    }

    #[test]
    fn japanese_dates() {
        let date = Date::new(2025, 2, 23).unwrap();
        assert_eq!(seireki(date), "2025年2月23日（日）");
        assert_eq!(wareki(date), "令和7年2月23日");
        assert_eq!(wareki(Date::new(2019, 5, 1).unwrap()), "令和元年5月1日");
        assert_eq!(wareki(Date::new(2019, 4, 30).unwrap()), "平成31年4月30日");
    }
}
