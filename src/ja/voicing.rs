//! 濁音/清音 and small kana: the plain form of kana, for matching name readings that people
//! remember with the wrong voicing (やまさき ↔ やまざき, さこ ↔ ざこ, はっとり ↔ はつとり).
//! `search-engine.js` has the same rule (`voiceless`): NFD, then the voicing marks dropped.

use unicode_normalization::UnicodeNormalization;

/// Text with the voicing marks (゛゜) of its kana removed: ガ→カ, パ→ハ, ヴ→ウ, が→か.
pub fn voiceless(text: &str) -> String {
    text.nfd()
        .filter(|&c| c != '\u{3099}' && c != '\u{309A}')
        .nfc()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_go() {
        assert_eq!(voiceless("ヤマザキ"), "ヤマサキ");
        assert_eq!(voiceless("ぱぴぷ"), "はひふ");
        assert_eq!(voiceless("ヴ"), "ウ");
        assert_eq!(voiceless("山崎ガ"), "山崎カ");
    }
}
