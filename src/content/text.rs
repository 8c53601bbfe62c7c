//! Which characters a text in `content/` may hold: the one home of the rule.
//!
//! Control characters (C0 except tab and line feed, DEL, C1), bidirectional overrides and
//! isolates (U+202A–202E, U+2066–2069), line and paragraph separators and tag characters
//! are errors wherever they appear: they reorder or hide what the reader sees,
//! break a terminal, a feed or a calendar, and no editor types them on purpose. Tab and line
//! feed are allowed only in multi-line fields (a record's `note`, a page's body).
//!
//! Invisible characters that slip in with copy and paste (zero-width space, word joiner, a BOM
//! in the middle of a text, left-to-right marks, soft hyphen, Hangul fillers) are warnings: the
//! page looks right, but search, duplicate detection and phone-number checks no longer match
//! what the editor sees. Zero-width joiners and variation selectors are kept silently: emoji
//! and 異体字 (IVS) need them. Characters of the private use area (外字 from old systems) are a
//! warning too: a reader's phone shows them as empty boxes. So are noncharacters (U+FFFE,
//! U+FFFF, U+FDD0–FDEF): nothing shows them, and every output leaves them out by its own rules.

/// How bad a character is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A character that should not be in a text, with its Japanese name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    pub character: char,
    pub severity: Severity,
    /// What it is, in Japanese, e.g. 「制御文字 ESC」.
    pub name: &'static str,
}

impl Problem {
    /// `制御文字 ESC（U+001B）`
    pub fn describe(&self) -> String {
        format!("{}（U+{:04X}）", self.name, self.character as u32)
    }

    /// The Japanese message for this character at `index` (1-based) of a value, or at the
    /// position the diagnostic gives when `index` is `None`.
    pub fn message(&self, index: Option<usize>) -> String {
        let place = match index {
            Some(index) => format!("{index} 文字目に"),
            None => "この位置に".to_owned(),
        };
        match self.severity {
            Severity::Error => {
                format!("{place}、画面に出ない{}が含まれています。", self.describe())
            }
            Severity::Warning => format!(
                "{place}、見えない文字{}が含まれています。検索や重複の確認で別の文字として扱われます。",
                self.describe()
            ),
        }
    }

    /// The diagnostic for this character at `position` of `file`, with `message` and the
    /// hint that fits the character; an error or a warning as the character is.
    pub fn diagnostic(
        &self,
        file: &str,
        position: crate::diagnostics::Position,
        message: String,
    ) -> crate::diagnostics::Diagnostic {
        let make = match self.severity {
            Severity::Error => crate::diagnostics::Diagnostic::error,
            Severity::Warning => crate::diagnostics::Diagnostic::warning,
        };
        make(file, position, message).hint(self.hint())
    }

    pub fn hint(&self) -> &'static str {
        match (self.severity, self.character) {
            (_, '\t') => {
                "タブ文字は複数行の項目（note や本文）でしか使えません。半角スペースに置き換えてください。"
            }
            (_, '\n' | '\u{2028}' | '\u{2029}') => {
                "この項目は 1 行で書きます。改行を消してください（改行できるのは note や本文だけです）。"
            }
            (_, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}') => {
                "外字は閲覧者の端末で表示できません。ふつうの漢字に置き換えるか、読みを書いてください。"
            }
            (Severity::Error, _) => {
                "ほかの文書やウェブページから貼り付けたときに紛れ込んだ文字です。その位置の文字を消して打ち直してください（エディタで見えない場合は、その前後の数文字を消して打ち直します）。"
            }
            (Severity::Warning, _) => {
                "貼り付けたときに紛れ込んだ見えない文字です。その位置の前後の数文字を消して打ち直してください。"
            }
        }
    }
}

fn error(character: char, name: &'static str) -> Option<Problem> {
    Some(Problem {
        character,
        severity: Severity::Error,
        name,
    })
}

fn warning(character: char, name: &'static str) -> Option<Problem> {
    Some(Problem {
        character,
        severity: Severity::Warning,
        name,
    })
}

const C0_NAMES: [&str; 32] = [
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF", "CR",
    "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC",
    "FS", "GS", "RS", "US",
];

/// The problem with `c`, if any, in a field that is `multiline` (tab and line feed allowed).
pub fn classify(c: char, multiline: bool) -> Option<Problem> {
    match c {
        '\t' | '\n' if multiline => None,
        '\t' => error(c, "タブ文字"),
        '\n' | '\r' => error(c, "改行"),
        '\u{0}'..='\u{1F}' => error(c, control_name(c)),
        '\u{7F}' => error(c, "制御文字 DEL"),
        '\u{80}'..='\u{9F}' => error(c, "制御文字（C1）"),
        '\u{202A}'..='\u{202E}' => error(c, "文字の向きを変える制御文字"),
        '\u{2066}'..='\u{2069}' => error(c, "文字の向きを変える制御文字"),
        '\u{2028}' => error(c, "行区切り文字"),
        '\u{2029}' => error(c, "段落区切り文字"),
        '\u{E0001}' | '\u{E0020}'..='\u{E007F}' => error(c, "見えないタグ文字"),
        '\u{FDD0}'..='\u{FDEF}' => warning(c, "文字ではない符号（非文字）"),
        c if (c as u32) & 0xFFFE == 0xFFFE => warning(c, "文字ではない符号（非文字）"),
        '\u{FFF9}'..='\u{FFFB}' => error(c, "見えない注釈記号"),
        '\u{200B}' => warning(c, "ゼロ幅スペース"),
        '\u{2060}' => warning(c, "ゼロ幅の結合禁止文字"),
        '\u{2061}'..='\u{2064}' => warning(c, "見えない数式記号"),
        '\u{FEFF}' => warning(c, "ゼロ幅ノーブレークスペース（BOM）"),
        '\u{200E}' | '\u{200F}' | '\u{061C}' => warning(c, "文字の向きの目印"),
        '\u{00AD}' => warning(c, "ソフトハイフン"),
        '\u{034F}' => warning(c, "見えない結合文字"),
        '\u{180E}' => warning(c, "見えない区切り文字"),
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' => warning(c, "ハングルの空白文字"),
        '\u{1D173}'..='\u{1D17A}' => warning(c, "見えない書式文字"),
        '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}' => {
            warning(c, "外字（私用領域の文字）")
        }
        _ => None,
    }
}

fn control_name(c: char) -> &'static str {
    match C0_NAMES[c as usize] {
        "NUL" => "制御文字 NUL",
        "BEL" => "制御文字 BEL",
        "BS" => "制御文字 BS",
        "VT" => "制御文字 VT",
        "FF" => "改ページ文字（FF）",
        "ESC" => "制御文字 ESC",
        _ => "制御文字",
    }
}

/// Every problem in `text`, with the 0-based char index in `text`, the 0-based line within
/// it and the 0-based column (in chars) on that line.
pub fn problems(text: &str, multiline: bool) -> Vec<Found> {
    let mut out = Vec::new();
    let (mut line, mut column) = (0u64, 0u64);
    for (index, c) in text.chars().enumerate() {
        if let Some(problem) = classify(c, multiline) {
            out.push(Found {
                problem,
                index,
                line,
                column,
            });
        }
        if c == '\n' {
            line += 1;
            column = 0;
        } else {
            column += 1;
        }
    }
    out
}

/// One problem character found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub problem: Problem,
    /// 0-based index in chars.
    pub index: usize,
    /// 0-based line and column (chars) within the text.
    pub line: u64,
    pub column: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_warnings_and_allowed() {
        assert_eq!(classify('\u{1B}', true).unwrap().severity, Severity::Error);
        assert_eq!(classify('\u{85}', true).unwrap().severity, Severity::Error);
        assert_eq!(
            classify('\u{202E}', true).unwrap().severity,
            Severity::Error
        );
        assert_eq!(
            classify('\u{2067}', true).unwrap().severity,
            Severity::Error
        );
        assert_eq!(classify('\u{7F}', true).unwrap().severity, Severity::Error);
        assert_eq!(classify('\t', false).unwrap().severity, Severity::Error);
        assert_eq!(
            classify('\u{FFFF}', false).unwrap().severity,
            Severity::Warning
        );
        assert!(classify('\t', true).is_none());
        assert!(classify('\n', true).is_none());
        assert_eq!(
            classify('\u{200B}', true).unwrap().severity,
            Severity::Warning
        );
        // Emoji sequences and 異体字 selectors are text.
        assert!(classify('\u{200D}', false).is_none());
        assert!(classify('\u{FE0F}', false).is_none());
        assert!(classify('\u{E0100}', false).is_none());
        assert!(classify('髙', false).is_none());
    }

    #[test]
    fn positions() {
        let found = problems("ab\ncd\u{1B}", true);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].index, found[0].line, found[0].column), (5, 1, 2));
    }
}
