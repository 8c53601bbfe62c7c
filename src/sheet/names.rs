//! Names: ids for new records made from the reading (ローマ字), and the legal-entity forms
//! (法人格: 医療法人社団, 株式会社, …) that national open data puts in front of names and
//! readings. The tables (ローマ字, 法人格 and their readings) are `ja`'s.

use crate::ja;

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
        let syllables = &ja::tables().romaji;
        let pair: String = chars[index..(index + 2).min(chars.len())].iter().collect();
        let single = c.to_string();
        let found = syllables
            .get(&pair)
            .map(|r| (r.as_str(), 2))
            .or_else(|| syllables.get(&single).map(|r| (r.as_str(), 1)));
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

/// Splits a leading 法人格 off a name: `医療法人社団 髙橋会 髙橋内科` → (`医療法人社団 髙橋会`,
/// `髙橋内科`). Only when spaces show where the corporation's name ends.
pub fn split_corporation(name: &str) -> Option<(String, String)> {
    let nfkc = ja::nfkc(name.trim());
    let form = ja::legal_forms()
        .iter()
        .find(|f| nfkc.starts_with(f.as_str()))?;
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
    let katakana: String = ja::nfkc(kana.trim()).chars().map(ja::to_katakana).collect();
    let form = ja::legal_form_readings()
        .iter()
        .find(|f| katakana.starts_with(f.as_str()))?;
    let rest = katakana[form.len()..].trim_start_matches([' ', '　']);
    if rest.is_empty() {
        return None;
    }
    // 法人格 法人名 事業所名: when spaces separate them, the corporation's name goes too.
    let words: Vec<&str> = rest.split([' ', '　']).filter(|w| !w.is_empty()).collect();
    if words.len() >= 2 {
        return Some((words[1..].join(" "), format!("{form}{}", words[0])));
    }
    Some((rest.to_owned(), form.clone()))
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
