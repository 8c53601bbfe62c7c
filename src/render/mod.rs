//! Rendering with the theme: loading Tera 2 templates and static files from
//! `themes/default/` (or the copy built into the binary), the ids the theme uses, and what
//! every page is rendered with ([`view`], [`jsonld`]). Which pages there are is `crate::site`'s.

pub mod jsonld;
pub mod key;
pub mod template_errors;
pub mod view;

use std::collections::HashMap;
use std::path::Path;

use include_dir::{Dir, include_dir};
use tera::{Context, Kwargs, State, Tera};

use crate::content::Content;
use crate::content::body::{BODY_FIELD, in_note};
use crate::content::markdown::IdUse;
use crate::diagnostics::{Diagnostic, Position};
use crate::error::{Error, Result, TemplateProblem};
use template_errors::Reporter;

/// The default theme, built into the binary so `zaitaku build` works in any site folder.
static BUILTIN_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// Templates plus the static files (CSS, JS, icons) copied into every site.
pub struct Theme {
    tera: Tera,
    pub static_files: Vec<(String, Vec<u8>)>,
    /// The ids the templates give elements; content may not use them.
    pub ids: ReservedIds,
    /// Where the templates come from, as put before a template's name in messages.
    origin: String,
    /// Template name → text, for quoting the line of an error.
    sources: HashMap<String, String>,
}

/// The `id`s a theme's templates write: fixed ones (`main-content`) and the fixed beginnings of
/// made ones (`chapter-` of `id="chapter-{{ chapter.slug }}"`).
#[derive(Debug, Clone, Default)]
pub struct ReservedIds {
    exact: std::collections::BTreeSet<String>,
    prefixes: std::collections::BTreeSet<String>,
}

impl ReservedIds {
    /// Collects the ids of the templates' `id="…"` (or `'…'`) attributes.
    pub fn of_templates<'t>(templates: impl IntoIterator<Item = &'t str>) -> ReservedIds {
        let mut ids = ReservedIds::default();
        for template in templates {
            let mut rest = template;
            while let Some(at) = rest.find("id=") {
                let before = rest[..at].chars().next_back();
                rest = &rest[at + 3..];
                if !before.is_some_and(char::is_whitespace) {
                    continue;
                }
                let Some(quote) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
                    continue;
                };
                let Some(end) = rest[1..].find(quote) else {
                    continue;
                };
                let value = &rest[1..1 + end];
                match value.find("{{").or_else(|| value.find("{%")) {
                    None if !value.is_empty() => {
                        ids.exact.insert(value.to_owned());
                    }
                    Some(made) if made > 0 => {
                        ids.prefixes.insert(value[..made].to_owned());
                    }
                    _ => {}
                }
            }
        }
        ids
    }

    /// Whether a template may give an element this id.
    pub fn holds(&self, id: &str) -> bool {
        self.exact.contains(id)
            || self
                .prefixes
                .iter()
                .any(|prefix| id.starts_with(prefix.as_str()))
    }

    /// Every id written in a page body or note that the theme's templates also use (the page
    /// would have two elements with one id: the skip link or a form would lead to the wrong
    /// one). An error naming the file, line and field, with the id to choose instead.
    pub fn check(&self, content: &Content) -> Result<()> {
        let mut problems = Vec::new();
        let clash = |id: &IdUse| {
            self.holds(&id.id).then(|| {
                format!(
                    "id「{}」はサイトのひな形（テーマ）がすでに使っています。同じ id が 1 ページに 2 つあると、「本文へ移動」などのリンクや検索欄が正しく動きません。",
                    id.id
                )
            })
        };
        let hint = |id: &IdUse| {
            format!(
                "ほかと重ならない id に変えてください（例: {{#{}-honbun}}）。この id へのリンク（#{}）を書いていれば、そちらも直してください。",
                id.id, id.id
            )
        };
        for page in &content.pages {
            for id in &page.rendered.ids {
                if let Some(message) = clash(id) {
                    let line = page.body_line + id.line.saturating_sub(1);
                    problems.push(
                        Diagnostic::error(&page.file, Position::new(line, id.column), message)
                            .field(BODY_FIELD)
                            .hint(hint(id)),
                    );
                }
            }
        }
        for resource in &content.resources {
            for id in resource.note_rendered.iter().flat_map(|note| &note.ids) {
                if let Some(message) = clash(id) {
                    problems.push(
                        Diagnostic::error(
                            &resource.file,
                            in_note(resource, id.line, id.column),
                            message,
                        )
                        .field("note")
                        .hint(hint(id)),
                    );
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Content {
                errors: problems.len(),
                diagnostics: problems,
            })
        }
    }
}

/// The built-in theme's templates, as messages name them.
const BUILTIN_ORIGIN: &str = "（zaitaku に組み込みのテーマ）templates/";

impl Theme {
    /// Loads `<root>/themes/default` when the site has one, else the built-in theme.
    pub fn load(root: &Path) -> Result<Theme> {
        let on_disk = root.join("themes").join("default");
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let origin = if on_disk.is_dir() {
            for entry in walkdir::WalkDir::new(&on_disk).sort_by_file_name() {
                let entry = entry.map_err(|e| walk_error(&on_disk, e))?;
                if entry.file_type().is_file() {
                    let relative = crate::diagnostics::display_path(&on_disk, entry.path());
                    let bytes = std::fs::read(entry.path())
                        .map_err(|e| Error::io(entry.path(), "読み込み", e))?;
                    files.push((relative, bytes));
                }
            }
            format!(
                "{}/templates/",
                crate::diagnostics::display_path(root, &on_disk)
            )
        } else {
            collect_builtin(&BUILTIN_THEME, &mut files);
            files.sort();
            BUILTIN_ORIGIN.to_owned()
        };
        let mut tera = Tera::new();
        let mut sources = HashMap::new();
        let mut static_files = Vec::new();
        let mut problems = Vec::new();
        for (relative, bytes) in files {
            if let Some(name) = relative.strip_prefix("templates/") {
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        sources.insert(name.to_owned(), text);
                    }
                    Err(_) => problems.push(TemplateProblem {
                        file: format!("{origin}{name}"),
                        line: None,
                        column: None,
                        message: "UTF-8 の文字として読めません。UTF-8 で保存し直してください。"
                            .to_owned(),
                        excerpt: None,
                    }),
                }
            } else if let Some(name) = relative.strip_prefix("static/") {
                static_files.push((name.to_owned(), bytes));
            }
        }
        if !problems.is_empty() {
            return Err(Error::Template(problems));
        }
        // Filters first: adding templates checks that every filter they use exists.
        tera.register_filter("tel", tel_filter);
        let mut names: Vec<&String> = sources.keys().collect();
        names.sort();
        let added =
            tera.add_raw_templates(names.iter().map(|n| (n.as_str(), sources[*n].as_str())));
        let ids = ReservedIds::of_templates(sources.values().map(String::as_str));
        let theme = Theme {
            tera,
            static_files,
            ids,
            origin,
            sources,
        };
        match added {
            Ok(()) => Ok(theme),
            Err(e) => Err(Error::Template(theme.reporter().problems(&e, ""))),
        }
    }

    /// Every template and static file of the theme, in a stable order, for the build cache
    /// to hash (`crate::build::cache`): a page rendered with another theme is rendered again.
    pub fn files(&self) -> Vec<(String, &[u8])> {
        let mut files: Vec<(String, &[u8])> = self
            .sources
            .iter()
            .map(|(name, text)| (format!("templates/{name}"), text.as_bytes()))
            .chain(
                self.static_files
                    .iter()
                    .map(|(name, bytes)| (format!("static/{name}"), bytes.as_slice())),
            )
            .collect();
        files.sort();
        files
    }

    fn reporter(&self) -> Reporter<'_> {
        Reporter {
            origin: &self.origin,
            sources: &self.sources,
        }
    }

    /// Whether the theme has the template `name` (the optional row templates,
    /// `crate::site::rows`).
    pub fn has(&self, name: &str) -> bool {
        self.sources.contains_key(name)
    }

    pub fn render(&self, template: &str, context: &Context) -> Result<String> {
        self.tera
            .render(template, context)
            .map_err(|e| Error::Template(self.reporter().problems(&e, template)))
    }
}

/// A theme folder that cannot be walked: a link loop or an unreadable folder.
fn walk_error(theme: &Path, error: walkdir::Error) -> Error {
    let path = error.path().unwrap_or(theme).to_path_buf();
    if error.loop_ancestor().is_some() {
        return Error::Setup(format!(
            "{}: テーマのフォルダの中でシンボリックリンクがループしています。リンクの先を確かめてください。",
            path.display()
        ));
    }
    match error.into_io_error() {
        Some(io) => Error::io(path, "テーマのフォルダを読み込み", io),
        None => Error::Setup(format!(
            "{}: テーマのフォルダを読めません。",
            path.display()
        )),
    }
}

fn collect_builtin(dir: &Dir<'static>, out: &mut Vec<(String, Vec<u8>)>) {
    for file in dir.files() {
        out.push((
            file.path().to_string_lossy().replace('\\', "/"),
            file.contents().to_vec(),
        ));
    }
    for sub in dir.dirs() {
        collect_builtin(sub, out);
    }
}

/// `088-600-1234` → `088-600-1234` with only digits, `+` and `-` kept, for `tel:` links.
fn tel_filter(value: &str, _: Kwargs, _: &State) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '-' || *c == '+')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_ids_are_collected() {
        let ids = ReservedIds::of_templates([
            "<main id=\"main-content\" class=\"wrap\"><h2 id='f-note'>備考</h2>",
            "<section id=\"chapter-{{ chapter.slug }}\"><a href=\"#x\" data-id=\"no\">",
            "<div id=\"{{ s.anchor }}\">",
        ]);
        assert!(ids.holds("main-content"));
        assert!(ids.holds("f-note"));
        assert!(ids.holds("chapter-intro"));
        assert!(!ids.holds("no"));
        assert!(!ids.holds("program"));
        assert!(!ids.holds("main"));
    }
}
