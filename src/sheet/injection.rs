//! Formula injection (CSV injection): a cell that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is run as a formula when the file is opened in Excel. The OWASP rule: put
//! a `'` in front of such a cell on export, and take exactly that `'` away on import, so that
//! exporting and importing back changes nothing.
//!
//! A value that itself starts with `'` followed by such a character gets one more `'`, so the
//! `'` that import removes is always the one export added. An Excel workbook holds typed
//! strings (never formulas), so only that second case needs a `'` there.

use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `text`, after any leading `'`, starts like a formula.
fn risky(text: &str) -> bool {
    text.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// A text value as a CSV cell: `'` in front when it would start a formula.
pub fn for_csv(text: &str) -> Cow<'_, str> {
    if risky(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A text value as an Excel string cell: `'` in front only when the value already starts with
/// `'` and a formula character (which import would otherwise take for the export's `'`).
pub fn for_xlsx(text: &str) -> Cow<'_, str> {
    if text.starts_with('\'') && risky(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A cell as read from a sheet: the `'` export put in front taken away.
pub fn restore(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if risky(rest) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for value in [
            "=HYPERLINK(\"http://example.com\")",
            "+81-88-600-1234",
            "-1",
            "@メモ",
            "\tタブ",
            "\r改行",
            "'=既に引用符",
            "''+二つ",
            "'普通の引用符",
            "普通の値",
            "",
            "'",
        ] {
            assert_eq!(restore(&for_csv(value)), value, "csv {value:?}");
            assert_eq!(restore(&for_xlsx(value)), value, "xlsx {value:?}");
        }
        assert_eq!(for_csv("=1+1"), "'=1+1");
        assert_eq!(for_xlsx("=1+1"), "=1+1");
        assert_eq!(for_csv("すだち"), "すだち");
    }
}
