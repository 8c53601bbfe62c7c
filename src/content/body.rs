//! Each page body and facility note rendered once, when it is loaded: the sanitised HTML, the
//! headings of its table of contents, its ids and the one plain text that search, feeds,
//! calendars and descriptions use ([`super::markdown`] reads them back from the sanitised HTML).
//! Nothing later renders Markdown again.

use serde::Serialize;

use super::markdown::{self, Heading, IdUse, Refusal};
use super::pages::{Page, PageKind};
use super::resource::Resource;
use crate::diagnostics::{Diagnostic, Position};

/// How diagnostics name a page's Markdown body (it has no key of its own).
pub const BODY_FIELD: &str = "本文";

/// A page body as published.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PageBody {
    /// The body's sanitised HTML, its highest heading an h2 (the page has its own h1).
    pub html: String,
    /// Pamphlet chapters only: the body with its headings one level deeper (top level h3), for
    /// the one-page version where each chapter's title is an h2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html_nested: Option<String>,
    /// The body's h2 headings, for the page's table of contents.
    pub toc: Vec<Heading>,
    /// What the page shows of its body, as plain text: the one text search, feeds, calendars
    /// and descriptions use.
    pub text: String,
    /// The body's ids and where they are written, for the check against the theme's ids.
    #[serde(skip)]
    pub ids: Vec<IdUse>,
}

/// A facility's `note` as its page shows it.
#[derive(Debug, Clone, Default)]
pub struct NoteBody {
    pub html: String,
    /// What the page shows of the note, as plain text.
    pub text: String,
    pub ids: Vec<IdUse>,
}

/// The "../" prefix that leads from a page at `url` (site-relative, ending in `/`) to the root.
pub fn root_prefix(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

/// Renders a page body so that its highest heading becomes `<h{top}>`, whether the author
/// started at `#` or `##` (a page has its own h1, so the body's sections start at h2).
fn render_body(page: &Page, top: u8) -> Result<markdown::Rendered, Refusal> {
    let prefix = format!("{}-h", page.slug);
    let root = root_prefix(&page.path);
    let highest = markdown::highest_heading(&page.body).unwrap_or(top);
    markdown::render_at(
        &page.body,
        &prefix,
        top.saturating_sub(highest),
        Some(&root),
    )
}

/// The error for a document the renderer refused, at `position` of `file`.
fn refusal_error(file: &str, position: Position, field: &str, refusal: Refusal) -> Diagnostic {
    Diagnostic::error(file, position, refusal.message)
        .field(field)
        .hint(refusal.hint)
}

/// Where a line and column of a facility's note are in its YAML file: the note's text starts
/// at `note_position` (the line after `note: |` for a block), each line as far indented.
pub fn in_note(resource: &Resource, line: u64, column: u64) -> Position {
    let start = resource.note_position;
    Position::new(
        start.line + line.saturating_sub(1),
        start.column.max(1) + column.saturating_sub(1),
    )
}

/// Gives every id in a chapter's HTML, and the `#` links to them, the chapter's slug as a
/// prefix, so chapters joined on one page keep unique ids (two chapters may both have
/// `{#contact}`). The HTML comes from the sanitiser, so attributes are always `name="…"` and a
/// quote inside text is escaped.
fn prefix_ids(html: &str, slug: &str) -> String {
    const MARKS: [&str; 2] = [" id=\"", " href=\"#"];
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some((at, mark)) = MARKS
        .iter()
        .filter_map(|mark| rest.find(mark).map(|at| (at, *mark)))
        .min_by_key(|(at, _)| *at)
    {
        out.push_str(&rest[..at + mark.len()]);
        out.push_str(slug);
        out.push_str("--");
        rest = &rest[at + mark.len()..];
    }
    out.push_str(rest);
    out
}

/// Renders a page's body, or says why it cannot be published.
pub fn page_body(page: &Page) -> Result<PageBody, Diagnostic> {
    let refused = |refusal: Refusal| {
        let line = page.body_line + refusal.line.saturating_sub(1);
        refusal_error(&page.file, Position::new(line, 1), BODY_FIELD, refusal)
    };
    // Pages have their own h1, so the body's highest heading becomes an h2.
    let rendered = render_body(page, 2).map_err(refused)?;
    let html_nested = match page.kind {
        PageKind::Pamphlet => Some(prefix_ids(
            &render_body(page, 3).map_err(refused)?.html,
            &page.slug,
        )),
        _ => None,
    };
    Ok(PageBody {
        html: rendered.html,
        html_nested,
        toc: rendered
            .headings
            .into_iter()
            .filter(|h| h.level == 2)
            .collect(),
        text: rendered.text,
        ids: rendered.ids,
    })
}

/// Renders a facility's note for its page (`resources/<id>/`), or says why it cannot be
/// published.
pub fn note_body(resource: &Resource) -> Result<Option<NoteBody>, Diagnostic> {
    let Some(note) = resource.note.as_deref() else {
        return Ok(None);
    };
    match markdown::render_note(note, "../../") {
        Ok(rendered) => Ok(Some(NoteBody {
            html: rendered.html,
            text: rendered.text,
            ids: rendered.ids,
        })),
        Err(refusal) => Err(refusal_error(
            &resource.file,
            in_note(resource, refusal.line, 1),
            "note",
            refusal,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chapter_ids_and_their_links_get_the_chapter_prefix() {
        let html = "<h3 id=\"contact\">相談先</h3><p>id=&quot;x&quot; <a href=\"#contact\">戻る</a> <a href=\"../x/#y\">他</a></p>";
        assert_eq!(
            prefix_ids(html, "hiyou"),
            "<h3 id=\"hiyou--contact\">相談先</h3><p>id=&quot;x&quot; <a href=\"#hiyou--contact\">戻る</a> <a href=\"../x/#y\">他</a></p>"
        );
    }
}
