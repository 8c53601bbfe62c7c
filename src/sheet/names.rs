//! Names: ids for new records made from the reading (ローマ字), and the legal-entity forms
//! (法人格: 医療法人社団, 株式会社, …) that national open data puts in front of names and
//! readings.

use crate::ja;

const SYLLABLES: &[(&str, &str)] = &[
    ("きゃ", "kya"),
    ("きゅ", "kyu"),
    ("きょ", "kyo"),
    ("しゃ", "sha"),
    ("しゅ", "shu"),
    ("しょ", "sho"),
    ("ちゃ", "cha"),
    ("ちゅ", "chu"),
    ("ちょ", "cho"),
    ("にゃ", "nya"),
    ("にゅ", "nyu"),
    ("にょ", "nyo"),
    ("ひゃ", "hya"),
    ("ひゅ", "hyu"),
    ("ひょ", "hyo"),
    ("みゃ", "mya"),
    ("みゅ", "myu"),
    ("みょ", "myo"),
    ("りゃ", "rya"),
    ("りゅ", "ryu"),
    ("りょ", "ryo"),
    ("ぎゃ", "gya"),
    ("ぎゅ", "gyu"),
    ("ぎょ", "gyo"),
    ("じゃ", "ja"),
    ("じゅ", "ju"),
    ("じょ", "jo"),
    ("びゃ", "bya"),
    ("びゅ", "byu"),
    ("びょ", "byo"),
    ("ぴゃ", "pya"),
    ("ぴゅ", "pyu"),
    ("ぴょ", "pyo"),
    ("てぃ", "ti"),
    ("でぃ", "di"),
    ("ふぁ", "fa"),
    ("ふぃ", "fi"),
    ("ふぇ", "fe"),
    ("ふぉ", "fo"),
    ("うぃ", "wi"),
    ("うぇ", "we"),
    ("うぉ", "wo"),
    ("しぇ", "she"),
    ("じぇ", "je"),
    ("ちぇ", "che"),
    ("ゔぁ", "va"),
    ("あ", "a"),
    ("い", "i"),
    ("う", "u"),
    ("え", "e"),
    ("お", "o"),
    ("か", "ka"),
    ("き", "ki"),
    ("く", "ku"),
    ("け", "ke"),
    ("こ", "ko"),
    ("さ", "sa"),
    ("し", "shi"),
    ("す", "su"),
    ("せ", "se"),
    ("そ", "so"),
    ("た", "ta"),
    ("ち", "chi"),
    ("つ", "tsu"),
    ("て", "te"),
    ("と", "to"),
    ("な", "na"),
    ("に", "ni"),
    ("ぬ", "nu"),
    ("ね", "ne"),
    ("の", "no"),
    ("は", "ha"),
    ("ひ", "hi"),
    ("ふ", "fu"),
    ("へ", "he"),
    ("ほ", "ho"),
    ("ま", "ma"),
    ("み", "mi"),
    ("む", "mu"),
    ("め", "me"),
    ("も", "mo"),
    ("や", "ya"),
    ("ゆ", "yu"),
    ("よ", "yo"),
    ("ら", "ra"),
    ("り", "ri"),
    ("る", "ru"),
    ("れ", "re"),
    ("ろ", "ro"),
    ("わ", "wa"),
    ("ゐ", "i"),
    ("ゑ", "e"),
    ("を", "o"),
    ("ん", "n"),
    ("が", "ga"),
    ("ぎ", "gi"),
    ("ぐ", "gu"),
    ("げ", "ge"),
    ("ご", "go"),
    ("ざ", "za"),
    ("じ", "ji"),
    ("ず", "zu"),
    ("ぜ", "ze"),
    ("ぞ", "zo"),
    ("だ", "da"),
    ("ぢ", "ji"),
    ("づ", "zu"),
    ("で", "de"),
    ("ど", "do"),
    ("ば", "ba"),
    ("び", "bi"),
    ("ぶ", "bu"),
    ("べ", "be"),
    ("ぼ", "bo"),
    ("ぱ", "pa"),
    ("ぴ", "pi"),
    ("ぷ", "pu"),
    ("ぺ", "pe"),
    ("ぽ", "po"),
    ("ゔ", "vu"),
    ("ぁ", "a"),
    ("ぃ", "i"),
    ("ぅ", "u"),
    ("ぇ", "e"),
    ("ぉ", "o"),
    ("ゃ", "ya"),
    ("ゅ", "yu"),
    ("ょ", "yo"),
    ("ゎ", "wa"),
];

/// A reading in ローマ字 for ids: `ほうもんかんご すてーしょん` → `houmonkango-suteshon`.
pub fn romaji(reading: &str) -> String {
    let hiragana = ja::display_reading(reading);
    let chars: Vec<char> = hiragana.chars().collect();
    let mut out = String::new();
    let mut index = 0;
    let mut double_next = false;
    while index < chars.len() {
        let c = chars[index];
        if c == 'っ' {
            double_next = true;
            index += 1;
            continue;
        }
        if c.is_whitespace() || matches!(c, '・' | '　') {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            index += 1;
            continue;
        }
        let pair: String = chars[index..(index + 2).min(chars.len())].iter().collect();
        let single = c.to_string();
        let found = SYLLABLES
            .iter()
            .find(|(kana, _)| *kana == pair)
            .map(|(_, r)| (*r, 2))
            .or_else(|| {
                SYLLABLES
                    .iter()
                    .find(|(kana, _)| *kana == single)
                    .map(|(_, r)| (*r, 1))
            });
        match found {
            Some((roman, length)) => {
                if double_next {
                    let first = roman.chars().next().unwrap_or('x');
                    out.push(if roman.starts_with("ch") { 't' } else { first });
                }
                out.push_str(roman);
                index += length;
            }
            None => {
                if c.is_ascii_alphanumeric() {
                    out.push(c.to_ascii_lowercase());
                }
                index += 1;
            }
        }
        double_next = false;
    }
    out.trim_matches('-').to_owned()
}

/// A new id from the reading, at most `max` characters, cut at a word boundary when possible.
pub fn id_from_reading(reading: &str, max: usize) -> String {
    let full = romaji(reading);
    if full.len() <= max {
        return full;
    }
    let cut = &full[..max];
    match cut.rfind('-') {
        Some(index) if index >= 8 => cut[..index].to_owned(),
        _ => cut.trim_end_matches('-').to_owned(),
    }
}

/// 法人格 as written in names, longest first.
const FORMS: &[&str] = &[
    "地方独立行政法人",
    "特定非営利活動法人",
    "独立行政法人",
    "一般社団法人",
    "公益社団法人",
    "一般財団法人",
    "公益財団法人",
    "社会医療法人",
    "社会福祉法人",
    "医療法人社団",
    "医療法人財団",
    "医療生活協同組合",
    "生活協同組合",
    "医療法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "NPO法人",
    "(医)",
    "(医社)",
    "(医財)",
    "(福)",
    "(社福)",
    "(株)",
    "(有)",
    "(同)",
    "(一社)",
    "(公社)",
    "(特非)",
];

/// 法人格 as read in kana (katakana), longest first.
const FORM_READINGS: &[&str] = &[
    "チホウドクリツギョウセイホウジン",
    "トクテイヒエイリカツドウホウジン",
    "ドクリツギョウセイホウジン",
    "イッパンシャダンホウジン",
    "コウエキシャダンホウジン",
    "イッパンザイダンホウジン",
    "コウエキザイダンホウジン",
    "シャカイイリョウホウジン",
    "シャカイフクシホウジン",
    "イリョウホウジンシャダン",
    "イリョウホウジンザイダン",
    "イリョウセイカツキョウドウクミアイ",
    "セイカツキョウドウクミアイ",
    "イリョウホウジン",
    "カブシキガイシャ",
    "カブシキカイシャ",
    "ユウゲンガイシャ",
    "ユウゲンカイシャ",
    "ゴウドウガイシャ",
    "ゴウドウカイシャ",
    "ゴウシガイシャ",
    "ゴウメイガイシャ",
    "エヌピーオーホウジン",
    "(イ)",
    "(フク)",
    "(カ)",
    "(ユ)",
];

/// Splits a leading 法人格 off a name: `医療法人社団 髙橋会 髙橋内科` → (`医療法人社団 髙橋会`,
/// `髙橋内科`). Only when spaces show where the corporation's name ends.
pub fn split_corporation(name: &str) -> Option<(String, String)> {
    let nfkc = ja::nfkc(name.trim());
    let form = FORMS.iter().find(|f| nfkc.starts_with(*f))?;
    let rest = nfkc[form.len()..].trim_start();
    let words: Vec<&str> = rest.split_whitespace().collect();
    match words.as_slice() {
        [corporation, facility @ ..] if !facility.is_empty() => {
            let corporation = if nfkc[form.len()..].starts_with(' ') {
                format!("{form} {corporation}")
            } else {
                format!("{form}{corporation}")
            };
            // Keep the facility name as it was written (not NFKC'd) when possible.
            let facility_text = facility.join(" ");
            Some((corporation, facility_text))
        }
        _ => None,
    }
}

/// Removes a leading 法人格 reading from a kana reading (the facility's own name is what the
/// directory sorts by): `イリョウホウジンシャダン タカハシナイカ` → `タカハシナイカ`. Returns the
/// removed form too.
pub fn strip_form_reading(kana: &str) -> Option<(String, String)> {
    let katakana: String = ja::nfkc(kana.trim())
        .chars()
        .map(|c| {
            if matches!(c, '\u{3041}'..='\u{3096}') {
                char::from_u32(c as u32 + 0x60).unwrap_or(c)
            } else {
                c
            }
        })
        .collect();
    let form = FORM_READINGS.iter().find(|f| katakana.starts_with(*f))?;
    let rest = katakana[form.len()..].trim_start_matches([' ', '　']);
    if rest.is_empty() {
        return None;
    }
    // 法人格 法人名 事業所名: when spaces separate them, the corporation's name goes too.
    let words: Vec<&str> = rest.split([' ', '　']).filter(|w| !w.is_empty()).collect();
    if words.len() >= 2 {
        return Some((words[1..].join(" "), format!("{form}{}", words[0])));
    }
    Some((rest.to_owned(), (*form).to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn romaji_ids() {
        assert_eq!(
            romaji("たかはしないかくりにっく"),
            "takahashinaikakurinikku"
        );
        assert_eq!(romaji("ﾃﾞｲｻｰﾋﾞｽ はればれ"), "deisabisu-harebare");
        assert_eq!(romaji("きょうりつ"), "kyouritsu");
        assert_eq!(romaji("まっちゃ"), "matcha");
        assert_eq!(
            id_from_reading("ほうもんかんごすてーしょん みなみしょうわ", 24),
            "houmonkangosuteshon"
        );
    }

    #[test]
    fn legal_forms() {
        assert_eq!(
            split_corporation("医療法人社団 髙橋会 髙橋内科"),
            Some(("医療法人社団 髙橋会".into(), "髙橋内科".into()))
        );
        assert_eq!(split_corporation("髙橋内科"), None);
        assert_eq!(
            strip_form_reading("ｲﾘｮｳﾎｳｼﾞﾝｼｬﾀﾞﾝ ﾀｶﾊｼﾅｲｶ"),
            Some(("タカハシナイカ".into(), "イリョウホウジンシャダン".into()))
        );
        assert_eq!(
            strip_form_reading("カブシキガイシャサクラ サクラキョタク"),
            Some(("サクラキョタク".into(), "カブシキガイシャサクラ".into()))
        );
        assert_eq!(
            strip_form_reading("かぶしきがいしゃ　ひまわり"),
            Some(("ヒマワリ".into(), "カブシキガイシャ".into()))
        );
        assert_eq!(strip_form_reading("タカハシナイカ"), None);
    }
}
