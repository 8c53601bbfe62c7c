//! Japanese text rules of the domain: kana checks and normalisation, 五十音 order and rows,
//! weekdays, and dates in both 西暦 and 和暦.

pub mod holidays;
pub mod lay_words;
pub mod voicing;

use jiff::civil::{Date, Weekday};
use unicode_normalization::UnicodeNormalization;

/// The text rules of search (kana folding, 異体字, 法人格, numerals …), read by Rust and, shipped
/// with the ケアマネタイム data, by the browser.
pub const RULES_JSON: &str = include_str!("rules.json");

/// NFKC: half-width katakana and full-width ASCII become their ordinary forms.
pub fn nfkc(text: &str) -> String {
    text.nfkc().collect()
}

fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}')
}

fn is_katakana(c: char) -> bool {
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
    text.chars()
        .map(|c| {
            if matches!(c, '\u{30A1}'..='\u{30F6}' | '\u{30FD}' | '\u{30FE}') {
                char::from_u32(c as u32 - 0x60).unwrap_or(c)
            } else {
                c
            }
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
    let decomposed: Vec<char> = c.to_string().nfd().collect();
    let base = decomposed[0];
    match base {
        'ぁ' => 'あ',
        'ぃ' => 'い',
        'ぅ' => 'う',
        'ぇ' => 'え',
        'ぉ' => 'お',
        'っ' => 'つ',
        'ゃ' => 'や',
        'ゅ' => 'ゆ',
        'ょ' => 'よ',
        'ゎ' => 'わ',
        'ゕ' => 'か',
        'ゖ' => 'け',
        other => other,
    }
}

fn vowel_of(c: char) -> Option<char> {
    const ROWS: [&str; 5] = [
        "あかさたなはまやらわがざだばぱぁゃゎ",
        "いきしちにひみりぎじぢびぴぃ",
        "うくすつぬふむゆるぐずづぶぷぅっゅゔ",
        "えけせてねへめれげぜでべぺぇ",
        "おこそとのほもよろをごぞどぼぽぉょ",
    ];
    const VOWELS: [char; 5] = ['あ', 'い', 'う', 'え', 'お'];
    ROWS.iter()
        .position(|row| row.contains(c))
        .map(|index| VOWELS[index])
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
    let first = gojuon_sort_key(reading).0.chars().next().unwrap_or('あ');
    const ROWS: [(&str, &str); 10] = [
        ("あ", "あいうえおゔ"),
        ("か", "かきくけこ"),
        ("さ", "さしすせそ"),
        ("た", "たちつてと"),
        ("な", "なにぬねの"),
        ("は", "はひふへほ"),
        ("ま", "まみむめも"),
        ("や", "やゆよ"),
        ("ら", "らりるれろ"),
        ("わ", "わゐゑをん"),
    ];
    let first = seion(first);
    ROWS.iter()
        .find(|(_, letters)| letters.contains(first))
        .map(|(row, _)| *row)
        .unwrap_or("わ")
}

/// The ten rows in order, for index navigation.
pub const GOJUON_ROWS: [&str; 10] = ["あ", "か", "さ", "た", "な", "は", "ま", "や", "ら", "わ"];

/// Roman names of the 五十音 rows, used in URLs (`resources/kana/ka/`) and anchors.
pub const ROW_SLUGS: [(&str, &str); 10] = [
    ("あ", "a"),
    ("か", "ka"),
    ("さ", "sa"),
    ("た", "ta"),
    ("な", "na"),
    ("は", "ha"),
    ("ま", "ma"),
    ("や", "ya"),
    ("ら", "ra"),
    ("わ", "wa"),
];

/// `mon` … `sun`, and `hol` for 祝日, as used in records.
pub const DAY_KEYS: [&str; 8] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "hol"];

/// 月 火 … 日 祝, short labels for tables.
pub fn day_label(key: &str) -> &'static str {
    match key {
        "mon" => "月",
        "tue" => "火",
        "wed" => "水",
        "thu" => "木",
        "fri" => "金",
        "sat" => "土",
        "sun" => "日",
        "hol" => "祝",
        _ => "?",
    }
}

/// 月曜日 … 日曜日, 祝日, long labels for headings.
pub fn day_long_label(key: &str) -> &'static str {
    match key {
        "mon" => "月曜日",
        "tue" => "火曜日",
        "wed" => "水曜日",
        "thu" => "木曜日",
        "fri" => "金曜日",
        "sat" => "土曜日",
        "sun" => "日曜日",
        "hol" => "祝日",
        _ => "?",
    }
}

pub fn weekday_label(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "月",
        Weekday::Tuesday => "火",
        Weekday::Wednesday => "水",
        Weekday::Thursday => "木",
        Weekday::Friday => "金",
        Weekday::Saturday => "土",
        Weekday::Sunday => "日",
    }
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
    const ERAS: [(&str, i16, i8, i8); 5] = [
        ("令和", 2019, 5, 1),
        ("平成", 1989, 1, 8),
        ("昭和", 1926, 12, 25),
        ("大正", 1912, 7, 30),
        ("明治", 1868, 10, 23),
    ];
    for (name, year, month, day) in ERAS {
        let start = Date::new(year, month, day).expect("era start dates are valid");
        if date >= start {
            let era_year = date.year() - year + 1;
            let year_text = if era_year == 1 {
                "元".to_owned()
            } else {
                era_year.to_string()
            };
            return format!("{name}{year_text}年{}月{}日", date.month(), date.day());
        }
    }
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

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
