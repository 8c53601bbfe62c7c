//! The one text normalisation of search, used for the index, for `zaitaku search` and — as a
//! line-by-line port in `themes/default/static/assets/search-engine.js` — in the browser.
//! Keep the two in step: the parity test runs every query of `tests/search/queries.tsv`
//! through both.
//!
//! * [`prep`]: NFKC (full-/half-width letters, digits and katakana), ASCII lower case and the
//!   異体字 table of `src/ja/rules.json`. Lindera reads prepped text, and queries are split into words
//!   on prepped text.
//! * [`normalize`]: prep, then katakana for hiragana, full-size for small kana (ッ→ツ, ヶ→ケ),
//!   ー dropped after kana (long vowels) and every dash variant turned into `-` elsewhere,
//!   ヶ/ケ/が/カ between kanji as ケ, 丁目/番地/番/号 after a number (kanji or digits) as
//!   `3-12-`, spaces dropped and punctuation as a word boundary (`' '`). Every output
//!   character remembers the input character it came from, for highlighting.

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

use crate::ja::{self, kanji_digit, kanji_unit};
pub use crate::ja::{is_hiragana, is_katakana};

/// The search's view of the rules of `ja` (`src/ja/rules.json`).
pub struct Rules {
    variants: &'static ja::tables::CharMap<char>,
    /// Prepped 法人格, longest first.
    pub legal_prefixes: Vec<Vec<char>>,
    /// Prepped particles (hiragana).
    pub particles: Vec<Vec<char>>,
    /// Prepped noise words, longest first.
    pub noise: Vec<Vec<char>>,
    /// Normalised particles and noise words: pieces of a query that are not searched for.
    pub stop: HashSet<String>,
    /// The rules as the browser reads them (copied into `search-index/meta.bin`).
    pub json: serde_json::Value,
}

/// The rules, parsed once.
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let tables = ja::tables();
        let mut rules = Rules {
            variants: &tables.variants,
            legal_prefixes: Vec::new(),
            particles: Vec::new(),
            noise: Vec::new(),
            stop: HashSet::new(),
            json: ja::browser_rules(),
        };
        let by_length =
            |list: &mut dyn Iterator<Item = &String>, rules: &Rules| -> Vec<Vec<char>> {
                let mut out: Vec<Vec<char>> = list.map(|w| prep_chars(w, rules)).collect();
                // Longest first, then code point order: the browser sorts the same way.
                out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
                out
            };
        rules.legal_prefixes = by_length(&mut tables.legal_forms.iter().map(|f| &f.form), &rules);
        rules.particles = by_length(&mut tables.particles.iter(), &rules);
        rules.noise = by_length(&mut tables.noise.iter(), &rules);
        let mut stop = HashSet::new();
        for word in tables.particles.iter().chain(&tables.noise) {
            stop.insert(normalize_with(word, &rules).text());
        }
        rules.stop = stop;
        rules
    })
}

/// Text after normalisation: characters, each with the index (in `char`s) of the input
/// character it came from. `' '` separates words (punctuation); there are no other spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    pub chars: Vec<char>,
    pub source: Vec<usize>,
}

impl Normalized {
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    fn push(&mut self, c: char, source: usize) {
        self.chars.push(c);
        self.source.push(source);
    }

    fn last(&self) -> Option<char> {
        self.chars.last().copied()
    }
}

/// Kanji (CJK ideographs, with 々 〆 〇).
pub fn is_kanji(c: char) -> bool {
    matches!(c,
        '\u{3005}'..='\u{3007}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}')
}

/// Spaces of every kind: removed by normalisation (names are written with and without them).
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200B}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// Punctuation and symbols: word boundaries.
pub fn is_boundary(c: char) -> bool {
    if c.is_ascii() {
        return !c.is_ascii_alphanumeric();
    }
    matches!(c,
        '\u{80}'..='\u{BF}' | '\u{D7}' | '\u{F7}'
        | '\u{2000}'..='\u{206F}'
        | '\u{2190}'..='\u{2BFF}'
        | '\u{3000}'..='\u{3004}'
        | '\u{3008}'..='\u{303F}'
        | '\u{30FB}'
        | '\u{FE10}'..='\u{FE6F}'
        | '\u{FF00}'..='\u{FF65}'
        | '\u{FFF0}'..='\u{FFFF}'
        | '\u{1F000}'..='\u{1FFFF}')
}

/// Dash variants: a long vowel after kana, `-` elsewhere (addresses, phone numbers).
pub fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            ..='\u{2015}'
                | '\u{2043}'
                | '\u{2212}'
                | '\u{2500}'
                | '\u{2501}'
                | '\u{30FC}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{FF70}'
    )
}

fn is_voicing_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}' | '\u{3099}' | '\u{309A}' | '\u{FF9E}' | '\u{FF9F}'
    )
}

fn is_kanji_numeral(c: char) -> bool {
    kanji_digit(c).is_some() || kanji_unit(c).is_some()
}

/// 二十三 → 23, 一二 → 12, 百 → 100.
fn kanji_number(run: &[char]) -> String {
    if run.iter().any(|&c| kanji_unit(c).is_some()) {
        let mut total: u64 = 0;
        let mut current: u64 = 0;
        for &c in run {
            let Some(unit) = kanji_unit(c) else {
                current = current * 10 + kanji_digit(c).unwrap_or(0);
                continue;
            };
            total += current.max(1) * unit;
            current = 0;
        }
        (total + current).to_string()
    } else {
        run.iter()
            .map(|&c| char::from(b'0' + kanji_digit(c).unwrap_or(0) as u8))
            .collect()
    }
}

/// Katakana for hiragana, full-size for small kana.
fn fold_kana(c: char) -> char {
    ja::full_size(ja::to_katakana(c))
}

/// Characters NFKC leaves as they are when no mark follows them: ASCII, hiragana, katakana
/// (ー included) and the common kanji — most of every text, spared the NFKC iterator.
fn nfkc_stable(c: char) -> bool {
    c.is_ascii()
        || matches!(c,
            '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{30FC}' | '\u{4E00}'..='\u{9FFF}')
}

/// Splits text into units (a character and the voicing or combining marks after it), NFKC's
/// each unit, and hands every resulting character to `emit` with the unit's start index.
fn units(text: &str, rules: &Rules, mut emit: impl FnMut(char, usize)) {
    let mut emit = |c: char, start: usize| {
        let c = c.to_ascii_lowercase();
        emit(rules.variants.get(&c).copied().unwrap_or(c), start);
    };
    let mut chars = text.chars().enumerate().peekable();
    let mut unit = String::new();
    while let Some((start, c)) = chars.next() {
        let marked = chars.peek().is_some_and(|&(_, next)| is_voicing_mark(next));
        if !marked && nfkc_stable(c) {
            emit(c, start);
            continue;
        }
        unit.clear();
        unit.push(c);
        while let Some(&(_, next)) = chars.peek()
            && is_voicing_mark(next)
        {
            unit.push(next);
            chars.next();
        }
        for c in unit.nfkc() {
            emit(c, start);
        }
    }
}

fn prep_chars(text: &str, rules: &Rules) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    units(text, rules, |c, _| out.push(c));
    out
}

/// NFKC, ASCII lower case and the 異体字 table: what lindera reads and queries are split on.
pub fn prep(text: &str) -> String {
    prep_chars(text, rules()).into_iter().collect()
}

/// Prep with source indices.
pub fn prep_mapped(text: &str) -> Normalized {
    let rules = rules();
    let mut out = Normalized::default();
    units(text, rules, |c, source| out.push(c, source));
    out
}

/// The full normalisation (see the module documentation).
pub fn normalize(text: &str) -> Normalized {
    normalize_with(text, rules())
}

fn normalize_with(text: &str, rules: &Rules) -> Normalized {
    // 1. Units: NFKC, lower case, 異体字, kana folding.
    let mut folded = Normalized::default();
    units(text, rules, |c, source| folded.push(fold_kana(c), source));

    // 2. Dashes and long vowels, ヶ between kanji, spaces, punctuation.
    let mut second = Normalized::default();
    let n = folded.chars.len();
    for i in 0..n {
        let c = folded.chars[i];
        let source = folded.source[i];
        if is_dash(c) {
            match second.last() {
                None | Some(' ') | Some('-') => {}
                Some(previous) if is_katakana(previous) => {}
                Some(_) => second.push('-', source),
            }
            continue;
        }
        if matches!(c, 'ケ' | 'ガ' | 'カ')
            && second
                .last()
                .is_some_and(|p| is_kanji(p) || p.is_ascii_digit())
            && i + 1 < n
            && is_kanji(folded.chars[i + 1])
        {
            second.push('ケ', source);
            continue;
        }
        if is_space(c) {
            continue;
        }
        if is_boundary(c) {
            if second.last().is_some_and(|p| p != ' ') {
                second.push(' ', source);
            }
            continue;
        }
        second.push(c, source);
    }
    while second.last() == Some(' ') {
        second.chars.pop();
        second.source.pop();
    }

    // 3. Numbers before 丁目, 番地, 番 and 号: kanji numerals as digits, the counter as `-`.
    let chars = &second.chars;
    let n = chars.len();
    let mut out = Normalized::default();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        let kanji = is_kanji_numeral(c);
        if kanji || c.is_ascii_digit() {
            let mut j = i;
            while j < n
                && (if kanji {
                    is_kanji_numeral(chars[j])
                } else {
                    chars[j].is_ascii_digit()
                })
            {
                j += 1;
            }
            let counter = counter_at(chars, j);
            if counter > 0 {
                if kanji {
                    for digit in kanji_number(&chars[i..j]).chars() {
                        out.push(digit, second.source[i]);
                    }
                } else {
                    for (&c, &source) in chars[i..j].iter().zip(&second.source[i..j]) {
                        out.push(c, source);
                    }
                }
                if chars[j] != '号' && out.last() != Some('-') {
                    out.push('-', second.source[j]);
                }
                i = j + counter;
                continue;
            }
            for (&c, &source) in chars[i..j].iter().zip(&second.source[i..j]) {
                out.push(c, source);
            }
            i = j;
            continue;
        }
        if c == '-' && out.last() == Some('-') {
            i += 1;
            continue;
        }
        out.push(c, second.source[i]);
        i += 1;
    }
    out
}

/// The length of an address counter (丁目, 番地, 番, 号) at `at`, or 0.
fn counter_at(chars: &[char], at: usize) -> usize {
    let next = |k: usize| chars.get(at + k).copied();
    match next(0) {
        Some('丁') if next(1) == Some('目') => 2,
        Some('番') if next(1) == Some('地') => 2,
        Some('番') => match next(1) {
            None | Some(' ') | Some('-') => 1,
            Some(c) if c.is_ascii_digit() || is_kanji_numeral(c) => 1,
            _ => 0,
        },
        Some('号') => 1,
        _ => 0,
    }
}

/// Normalised text without word boundaries: a query word or a token.
pub fn fold(text: &str) -> String {
    normalize(text)
        .chars
        .into_iter()
        .filter(|&c| c != ' ')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> String {
        normalize(text).text()
    }

    #[test]
    fn width_case_and_kana() {
        assert_eq!(n("ｸﾘﾆｯｸ"), "クリニツク");
        assert_eq!(n("くりにっく"), "クリニツク");
        assert_eq!(n("ＡＣＰ"), "acp");
        assert_eq!(n("ｶﾞｲﾄﾞ"), "ガイド");
        assert_eq!(n("ケアマネージャー"), n("けあまねじゃ"));
    }

    /// `units` as it was before its quick path: every unit through NFKC.
    fn units_slowly(text: &str, rules: &Rules) -> Vec<(char, usize)> {
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let start = i;
            let mut unit = String::from(chars[i]);
            i += 1;
            while i < chars.len() && is_voicing_mark(chars[i]) {
                unit.push(chars[i]);
                i += 1;
            }
            for c in unit.nfkc() {
                let c = c.to_ascii_lowercase();
                out.push((rules.variants.get(&c).copied().unwrap_or(c), start));
            }
        }
        out
    }

    #[test]
    fn the_quick_path_is_nfkc() {
        // Every character the quick path passes, alone, between others and before voicing marks.
        let rules = rules();
        let stable = (0..0x80u32)
            .chain(0x3041..=0x3096)
            .chain(0x30A1..=0x30FC)
            .chain(0x4E00..=0x9FFF)
            .filter_map(char::from_u32);
        for c in stable {
            for text in [
                c.to_string(),
                format!("ｶ{c}ﾞa"),
                format!("{c}\u{3099}"),
                format!("{c}\u{FF9F}\u{309A}A"),
            ] {
                let mut quick = Vec::new();
                units(&text, rules, |c, i| quick.push((c, i)));
                assert_eq!(quick, units_slowly(&text, rules), "{text:?}");
            }
        }
    }

    #[test]
    fn variants() {
        assert_eq!(n("髙橋"), "高橋");
        assert_eq!(n("山﨑"), "山崎");
        assert_eq!(n("渡邊"), n("渡辺"));
        assert_eq!(n("齋藤"), n("斉藤"));
        assert_eq!(n("濵田"), "浜田");
        assert_eq!(n("德島"), "徳島");
        assert_eq!(n("廣瀬"), "広瀬");
        assert_eq!(n("澤田"), "沢田");
    }

    #[test]
    fn ke_and_dashes() {
        assert_eq!(n("霞ヶ関"), "霞ケ関");
        assert_eq!(n("霞が関"), "霞ケ関");
        assert_eq!(n("霞ケ関"), "霞ケ関");
        assert_eq!(n("088ー600ー1100"), "088-600-1100");
        assert_eq!(n("088−600–1100"), "088-600-1100");
    }

    #[test]
    fn addresses() {
        assert_eq!(n("山城西四丁目12番地"), "山城西4-12-");
        assert_eq!(n("山城西4丁目12番地"), "山城西4-12-");
        assert_eq!(n("山城西4-12"), "山城西4-12");
        assert_eq!(n("幸町三丁目"), "幸町3-");
        assert_eq!(n("南昭和町二十三番五号"), "南昭和町23-5");
        assert_eq!(n("佐古一番町"), "佐古一番町");
        assert_eq!(n("三木"), "三木");
    }

    #[test]
    fn boundaries_and_sources() {
        let text = "ケアプラン すずえ・かつら";
        let normalized = normalize(text);
        assert_eq!(normalized.text(), "ケアプランスズエ カツラ");
        let chars: Vec<char> = text.chars().collect();
        let k = normalized.chars.iter().position(|&c| c == 'カ').unwrap();
        assert_eq!(chars[normalized.source[k]], 'か');
    }
}
