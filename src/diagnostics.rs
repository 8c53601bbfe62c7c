//! Diagnostics: the Japanese error and warning messages shown to the centre's editors.
//!
//! Every problem found in `content/` becomes a [`Diagnostic`] naming the file, line, column and
//! field, what is wrong and how to fix it. Validation collects them all instead of stopping at
//! the first, so an editor can fix a whole batch in one pass.

use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a diagnostic is: errors stop the build, warnings do not.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A 1-based line and column in a source file; `0:0` means "the whole file".
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

impl Position {
    pub const FILE: Position = Position { line: 0, column: 0 };

    pub fn new(line: u64, column: u64) -> Self {
        Position { line, column }
    }
}

impl From<serde_saphyr::Location> for Position {
    fn from(location: serde_saphyr::Location) -> Self {
        Position::new(location.line(), location.column())
    }
}

/// One problem in one place of the content.
/// (Deserialised only from zaitaku's own parse cache, `crate::content::parsed`.)
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the site root, with `/` separators, e.g. `content/resources/a.yaml`.
    pub file: String,
    pub position: Position,
    /// The field's name as written in the file (`phone`, `hours[1].close`), if any.
    pub field: Option<String>,
    /// What is wrong, in Japanese.
    pub message: String,
    /// How to fix it, in Japanese.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, position: Position, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            position,
            field: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn warning(
        file: impl Into<String>,
        position: Position,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, position, message)
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column`, or just the file when the position is unknown.
    pub fn location(&self) -> String {
        if self.position.line == 0 {
            self.file.clone()
        } else {
            format!(
                "{}:{}:{}",
                self.file, self.position.line, self.position.column
            )
        }
    }
}

/// `text` as a terminal may show it: hidden controls written out (one rule for every printed
/// message, [`printable`]); messages quote file names and values as written.
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    printable(text)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "エラー",
            Severity::Warning => "警告",
        };
        write!(f, "{label}: {}", shown(&self.location()))?;
        if let Some(field) = &self.field {
            write!(f, " 項目「{}」", shown(field))?;
        }
        write!(f, "\n  {}", shown(&self.message))?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  直し方: {}", shown(hint))?;
        }
        Ok(())
    }
}

/// Characters that do something other than show a letter: C0 controls but tab and line feed,
/// DEL, C1 controls, the Unicode line and paragraph separators, and the bidirectional
/// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
pub fn is_hidden_control(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{B}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text safe to print on a terminal: the characters of [`is_hidden_control`] shown as
/// `<U+001B>`, so that a name taken from a file cannot move the cursor, clear the screen or
/// reverse what follows.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_hidden_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hidden_control(c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// All diagnostics of one run, in a stable order.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// Sorted by file, then position, errors before warnings, so output is reproducible
    /// whatever order the files were read in.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (&a.file, a.position, a.severity, &a.field, &a.message)
                .cmp(&(&b.file, b.position, b.severity, &b.field, &b.message))
        });
        self.items.dedup();
        self.items
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// A path as shown in messages: relative to the site root, with `/` separators.
pub fn display_path(root: &Path, path: &Path) -> String {
    let relative: PathBuf = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
