//! Markdown to safe HTML, and the one plain text of each document.
//!
//! pulldown-cmark renders CommonMark with tables, footnotes and heading ids; ammonia then
//! sanitises, because editors paste text from e-mails and web pages and nothing pasted may run
//! script on the centre's site. What the sanitiser keeps is the document: its plain text (for
//! search, feeds, calendars and descriptions), its headings' text (tables of contents) and its
//! ids are all read back from the sanitised HTML with scraper (html5ever), once per document, so
//! nothing the page does not show — an HTML comment with a private phone number, a `hidden` or
//! `display:none` element, a script, a stripped attribute — can reach any other output.
//!
//! Nesting is bounded before any HTML is parsed: html5ever's tree builder scans the stack of
//! open elements for many tags, so a document nested N deep costs N² (200,000 nested `<div>`
//! took minutes). [`MAX_NESTING`] levels of Markdown containers and raw HTML together are
//! plenty for any real page; deeper documents are refused with the line where it happened.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::LazyLock;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use scraper::{Html, Node};
use serde::Serialize;

/// How deeply elements may nest in one document (Markdown lists, quotes and raw HTML
/// together). Browsers flatten trees deeper than 512; real pages stay under 20.
pub const MAX_NESTING: usize = 100;

/// A heading of a rendered document, for tables of contents.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// An `id` of the rendered HTML and where in the source it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdUse {
    pub id: String,
    /// 1-based line and column (in characters) in the Markdown source.
    pub line: u64,
    pub column: u64,
}

/// A rendered document.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
    /// What the page shows, without markup: for search, feeds and descriptions.
    pub text: String,
    /// Every id in `html`, in document order.
    #[serde(skip)]
    pub ids: Vec<IdUse>,
}

/// Why a document is not rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 1-based line in the Markdown source.
    pub line: u64,
    pub message: String,
    pub hint: String,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_STRIKETHROUGH
}

/// Elements whose content is dropped with them: it is never shown as text.
const DROPPED_WITH_CONTENT: [&str; 10] = [
    "script", "style", "template", "noscript", "iframe", "noembed", "noframes", "title",
    "textarea", "select",
];

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        // `hidden` and a hiding `style` are kept only so that the elements carrying them can
        // be removed whole after sanitising (see `hides`).
        .add_generic_attributes(["id", "hidden", "style"])
        .add_tag_attributes("ol", ["start"])
        .add_tag_attributes("sup", ["class"])
        .add_tag_attributes("div", ["class"])
        .add_tag_attributes("a", ["class"])
        .add_tag_attributes("section", ["class"])
        .add_tags(["section"])
        .add_clean_content_tags(DROPPED_WITH_CONTENT)
        .attribute_filter(|element, attribute, value| {
            if attribute != "style" {
                Some(value.into())
            } else if hides(value) {
                Some("display:none".into())
            } else if matches!(element, "td" | "th") {
                Some(value.into())
            } else {
                None
            }
        })
        .filter_style_properties(["text-align", "display"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .id_prefix(None);
    builder
});

/// Whether an inline style hides its element (`display:none`, `visibility:hidden`).
fn hides(style: &str) -> bool {
    let mut compact = String::with_capacity(style.len());
    let mut rest = style;
    // CSS comments may sit anywhere: `display:/**/none`.
    while let Some(start) = rest.find("/*") {
        compact.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    compact.push_str(rest);
    let compact: String = compact
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    compact.split(';').any(|declaration| {
        declaration.starts_with("display:none")
            || declaration.starts_with("visibility:hidden")
            || declaration.starts_with("visibility:collapse")
            || declaration.starts_with("content-visibility:hidden")
    })
}

/// Renders Markdown. Headings without an explicit `{#id}` get `<prefix>-N` ids so every
/// heading can be linked from a table of contents. `heading_shift` demotes headings (a `#` in a
/// chapter becomes an `h2` when the page already has its own `h1`).
pub fn render(source: &str, id_prefix: &str, heading_shift: u8) -> Result<Rendered, Refusal> {
    render_at(source, id_prefix, heading_shift, None)
}

/// The highest heading level (1 for `#`) of a document, without rendering it.
pub fn highest_heading(source: &str) -> Option<u8> {
    Parser::new_ext(source, options())
        .filter_map(|event| match event {
            Event::Start(Tag::Heading { level, .. }) => Some(level as u8),
            _ => None,
        })
        .min()
}

/// Like [`render`], for a page whose way back to the site root is `root` (`../../`): links
/// editors write from the site root (`/resources/`) become relative, so the site works from
/// any folder of any static host.
pub fn render_at(
    source: &str,
    id_prefix: &str,
    heading_shift: u8,
    root: Option<&str>,
) -> Result<Rendered, Refusal> {
    let lines = LineIndex::new(source);
    let mut headings: Vec<Heading> = Vec::new();
    // Where each id this function gives (headings, footnotes) is written (a byte offset).
    let mut id_offsets: HashMap<String, usize> = HashMap::new();
    let mut events: Vec<(Event, u64)> = Vec::new();
    let mut counter = 0;
    // pulldown-cmark escapes all text, so only raw HTML, link targets and heading attributes
    // can carry script; the (slow) sanitiser runs only when one of them is present.
    let mut needs_sanitizing = false;
    for (event, range) in Parser::new_ext(source, options()).into_offset_iter() {
        let line = lines.line(range.start);
        match &event {
            Event::Html(_) | Event::InlineHtml(_) => needs_sanitizing = true,
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                if !is_plain_url(dest_url) =>
            {
                needs_sanitizing = true
            }
            Event::Start(Tag::Heading { classes, attrs, .. })
                if !classes.is_empty() || !attrs.is_empty() =>
            {
                needs_sanitizing = true
            }
            _ => {}
        }
        let event = match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                counter += 1;
                // An explicit `{#id}` is pointed at where it is written.
                let offset = id
                    .as_ref()
                    .and_then(|id| source[range.clone()].find(&format!("{{#{id}")))
                    .map_or(range.start, |at| range.start + at);
                let id = id
                    .map(|id| id.to_string())
                    .unwrap_or_else(|| format!("{id_prefix}-{counter}"));
                id_offsets.entry(id.clone()).or_insert(offset);
                let shifted = (level as u8 + heading_shift).min(6);
                headings.push(Heading {
                    level: shifted,
                    id: id.clone(),
                    text: String::new(),
                });
                Event::Start(Tag::Heading {
                    level: HeadingLevel::try_from(shifted as usize).unwrap_or(HeadingLevel::H6),
                    id: Some(CowStr::from(id)),
                    classes,
                    attrs,
                })
            }
            Event::End(TagEnd::Heading(level)) => {
                let shifted = (level as u8 + heading_shift).min(6);
                Event::End(TagEnd::Heading(
                    HeadingLevel::try_from(shifted as usize).unwrap_or(level),
                ))
            }
            // Footnote names become ids; prefix them so chapters joined on one page don't clash.
            Event::FootnoteReference(name) => {
                Event::FootnoteReference(CowStr::from(format!("{id_prefix}-fn-{name}")))
            }
            Event::Start(Tag::FootnoteDefinition(name)) => {
                let id = format!("{id_prefix}-fn-{name}");
                id_offsets.entry(id.clone()).or_insert(range.start);
                Event::Start(Tag::FootnoteDefinition(CowStr::from(id)))
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: relative_to(dest_url, root),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Image {
                link_type,
                dest_url: relative_to(dest_url, root),
                title,
                id,
            }),
            other => other,
        };
        events.push((event, line));
    }
    let current_line = Cell::new(1);
    let mut writer = GuardedWriter {
        html: String::with_capacity(source.len() * 3 / 2),
        nesting: Nesting::new(),
        line: &current_line,
        refused_at: None,
    };
    let written = pulldown_cmark::html::write_html_fmt(
        &mut writer,
        events.into_iter().map(|(event, line)| {
            current_line.set(line);
            event
        }),
    );
    if let Some(line) = writer.refused_at.filter(|_| written.is_err()) {
        return Err(Refusal {
            line,
            message: format!(
                "入れ子（箇条書き・引用・HTML のタグなど）が {MAX_NESTING} 段を超えています。"
            ),
            hint: "入れ子を浅くしてください。閉じ忘れたタグ（</div> など）がないかも確かめてください。"
                .to_owned(),
        });
    }
    let mut html = writer.html;
    if needs_sanitizing {
        html = SANITIZER.clean(&html).to_string();
    }
    let read = read_back(&html);
    let html = read.html.unwrap_or(html);
    // Headings the sanitiser or a hidden parent removed are not in the contents either.
    headings.retain_mut(|heading| match read.heading_text.get(&heading.id) {
        Some(text) => {
            heading.text = text.trim().to_owned();
            true
        }
        None => false,
    });
    let ids = read
        .ids
        .into_iter()
        .map(|id| {
            let offset = id_offsets
                .get(&id)
                .copied()
                .unwrap_or_else(|| written_at(source, &id));
            let (line, column) = lines.position(source, offset);
            IdUse { id, line, column }
        })
        .collect();
    Ok(Rendered {
        html,
        headings,
        text: read.text,
        ids,
    })
}

/// Where an id written in raw HTML (`id="x"`, `id='x'`, `id=x`) is in the source; 0 when not
/// found as written (an entity in the value).
fn written_at(source: &str, id: &str) -> usize {
    let mut from = 0;
    while let Some(found) = source[from..].find(id) {
        let at = from + found;
        let before = source[..at].trim_end_matches(['"', '\'']).trim_end();
        if before.ends_with('=') && before[..before.len() - 1].trim_end().ends_with("id") {
            return at;
        }
        from = at + id.len().max(1);
    }
    0
}

/// Line numbers of byte offsets.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(source: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex { starts }
    }

    /// The 1-based line of `offset`.
    fn line(&self, offset: usize) -> u64 {
        self.starts.partition_point(|&start| start <= offset) as u64
    }

    /// The 1-based line and column (in characters) of `offset`.
    fn position(&self, source: &str, offset: usize) -> (u64, u64) {
        let line = self.line(offset);
        let start = self.starts[line as usize - 1];
        let column = source
            .get(start..offset)
            .map_or(0, |before| before.chars().count());
        (line, column as u64 + 1)
    }
}

/// What the sanitised HTML holds, read back with a real parser.
struct ReadBack {
    /// The HTML without hidden elements, when there were any.
    html: Option<String>,
    text: String,
    /// Heading id → its text.
    heading_text: HashMap<String, String>,
    ids: Vec<String>,
}

/// Elements that start and end a block of text (a space between words of two blocks).
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "br"
            | "caption"
            | "dd"
            | "details"
            | "div"
            | "dl"
            | "dt"
            | "figcaption"
            | "figure"
            | "footer"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
    )
}

fn is_hidden(element: &scraper::node::Element) -> bool {
    element.attr("hidden").is_some() || element.attr("style").is_some_and(hides)
}

/// Footnote numbers are navigation, not words of the text.
fn is_footnote_mark(element: &scraper::node::Element) -> bool {
    element.name() == "sup"
        && element
            .classes()
            .any(|class| class == "footnote-reference" || class == "footnote-definition-label")
}

fn read_back(html: &str) -> ReadBack {
    let mut document = Html::parse_fragment(html);
    // Hidden elements go, with everything inside them.
    let mut hidden = Vec::new();
    let mut skip_until = None;
    for edge in document.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) if skip_until.is_none() => {
                if let Node::Element(element) = node.value()
                    && is_hidden(element)
                {
                    hidden.push(node.id());
                    skip_until = Some(node.id());
                }
            }
            ego_tree::iter::Edge::Close(node) if skip_until == Some(node.id()) => {
                skip_until = None;
            }
            _ => {}
        }
    }
    let changed = !hidden.is_empty();
    for id in hidden {
        if let Some(mut node) = document.tree.get_mut(id) {
            node.detach();
        }
    }
    let mut text = String::with_capacity(html.len() / 2);
    let mut heading_text: HashMap<String, String> = HashMap::new();
    let mut heading: Option<(String, String)> = None;
    let mut ids = Vec::new();
    let mut skip_until = None;
    for edge in document.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) if skip_until.is_none() => match node.value() {
                Node::Text(chunk) => {
                    text.push_str(chunk);
                    if let Some((_, heading)) = heading.as_mut() {
                        heading.push_str(chunk);
                    }
                }
                Node::Element(element) => {
                    let name = element.name();
                    if DROPPED_WITH_CONTENT.contains(&name) || is_footnote_mark(element) {
                        skip_until = Some(node.id());
                        continue;
                    }
                    if let Some(id) = element.attr("id") {
                        ids.push(id.to_owned());
                        if heading.is_none()
                            && matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
                        {
                            heading = Some((id.to_owned(), String::new()));
                        }
                    }
                    if is_block(name) {
                        text.push(' ');
                    }
                    // An image's text is its alternative text.
                    if name == "img"
                        && let Some(alt) = element.attr("alt")
                    {
                        text.push_str(alt);
                        if let Some((_, heading)) = heading.as_mut() {
                            heading.push_str(alt);
                        }
                    }
                }
                _ => {}
            },
            ego_tree::iter::Edge::Close(node) => {
                if skip_until == Some(node.id()) {
                    skip_until = None;
                } else if skip_until.is_none()
                    && let Node::Element(element) = node.value()
                {
                    if is_block(element.name()) {
                        text.push(' ');
                    }
                    if let Some((id, _)) = &heading
                        && element.attr("id") == Some(id.as_str())
                        && let Some((id, words)) = heading.take()
                    {
                        heading_text.entry(id).or_insert(words);
                    }
                }
            }
            _ => {}
        }
    }
    ReadBack {
        html: changed.then(|| document.root_element().inner_html()),
        text: collapse_whitespace(&text),
        heading_text,
        ids,
    }
}

/// Tracks how deeply the HTML of a document nests while it is written, with html5ever's
/// tokenizer (linear; the tree builder is what costs N²). Tags whose end is optional (`<li>`,
/// `<p>`, `<td>` …) close their open sibling as browsers do, so old HTML without end tags is
/// not over-counted.
struct Nesting {
    stack: Rc<RefCell<Stack>>,
    tokenizer: Tokenizer<StackSink>,
}

/// The stack of open elements.
#[derive(Default)]
struct Stack {
    open: Vec<String>,
    /// The deepest it went.
    deepest: usize,
    /// Open `<svg>`/`<math>` (where `<x/>` closes itself).
    foreign: usize,
}

impl Stack {
    fn push(&mut self, name: &str) {
        if self.open.len() > MAX_NESTING {
            // Refused anyway; keep the work bounded.
            self.deepest = self.open.len() + 1;
            return;
        }
        if matches!(name, "svg" | "math") {
            self.foreign += 1;
        }
        self.open.push(name.to_owned());
        self.deepest = self.deepest.max(self.open.len());
    }

    fn pop_to(&mut self, at: usize) {
        for name in self.open.drain(at..) {
            if matches!(name.as_str(), "svg" | "math") {
                self.foreign -= 1;
            }
        }
    }

    /// The position of the nearest open element of `names` with none of `boundaries` above it.
    fn find(&self, names: &[&str], boundaries: &[&str]) -> Option<usize> {
        for (at, open) in self.open.iter().enumerate().rev() {
            if names.contains(&open.as_str()) {
                return Some(at);
            }
            if boundaries.contains(&open.as_str()) {
                return None;
            }
        }
        None
    }

    fn start_tag(&mut self, name: &str, self_closing: bool) {
        const VOID: [&str; 16] = [
            "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
            "source", "track", "wbr", "keygen", "basefont",
        ];
        /// Start tags that close an open `<p>`.
        const CLOSES_P: [&str; 33] = [
            "address",
            "article",
            "aside",
            "blockquote",
            "center",
            "details",
            "dialog",
            "dir",
            "div",
            "dl",
            "fieldset",
            "figcaption",
            "figure",
            "footer",
            "header",
            "hgroup",
            "main",
            "menu",
            "nav",
            "ol",
            "p",
            "section",
            "summary",
            "ul",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "pre",
            "table",
            "hr",
        ];
        // Elements a start tag closes when open, and where the search stops.
        let closes: Option<(&[&str], &[&str])> = match name {
            "li" => Some((&["li"], &["ul", "ol", "menu"])),
            "dt" | "dd" => Some((&["dt", "dd"], &["dl"])),
            "tr" => Some((&["tr"], &["table", "tbody", "thead", "tfoot"])),
            "td" | "th" => Some((&["td", "th"], &["tr", "table"])),
            "tbody" | "thead" | "tfoot" => Some((&["tbody", "thead", "tfoot"], &["table"])),
            "option" => Some((&["option"], &["select", "datalist", "optgroup"])),
            "optgroup" => Some((&["optgroup"], &["select"])),
            "rb" | "rt" | "rp" | "rtc" => Some((&["rb", "rt", "rp", "rtc"], &["ruby"])),
            _ => None,
        };
        if let Some((names, boundaries)) = closes
            && let Some(at) = self.find(names, boundaries)
        {
            self.pop_to(at);
        }
        if name == "optgroup"
            && let Some(at) = self.find(&["option"], &["select", "optgroup"])
        {
            self.pop_to(at);
        }
        if CLOSES_P.contains(&name)
            && let Some(at) = self.find(
                &["p"],
                &[
                    "button", "table", "td", "th", "caption", "object", "template",
                ],
            )
        {
            self.pop_to(at);
        }
        if VOID.contains(&name) || (self_closing && self.foreign > 0) {
            return;
        }
        self.push(name);
    }

    fn end_tag(&mut self, name: &str) {
        if let Some(at) = self.open.iter().rposition(|open| open == name) {
            self.pop_to(at);
        }
    }
}

/// The tokenizer's sink: the stack it shares with [`Nesting`].
struct StackSink(Rc<RefCell<Stack>>);

impl TokenSink for StackSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        use html5ever::tokenizer::states::RawKind;
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        let mut stack = self.0.borrow_mut();
        match tag.kind {
            TagKind::StartTag => {
                stack.start_tag(&tag.name, tag.self_closing);
                // The text inside these is not markup, as in a browser.
                match &*tag.name {
                    "script" => TokenSinkResult::RawData(RawKind::ScriptData),
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                        TokenSinkResult::RawData(RawKind::Rawtext)
                    }
                    "textarea" | "title" => TokenSinkResult::RawData(RawKind::Rcdata),
                    "plaintext" => TokenSinkResult::Plaintext,
                    _ => TokenSinkResult::Continue,
                }
            }
            TagKind::EndTag => {
                stack.end_tag(&tag.name);
                TokenSinkResult::Continue
            }
        }
    }
}

impl Nesting {
    fn new() -> Nesting {
        let stack = Rc::new(RefCell::new(Stack::default()));
        Nesting {
            tokenizer: Tokenizer::new(StackSink(stack.clone()), TokenizerOpts::default()),
            stack,
        }
    }

    fn feed(&self, html: &str) {
        let input = BufferQueue::default();
        input.push_back(StrTendril::from_slice(html));
        let _ = self.tokenizer.feed(&input);
    }

    fn too_deep(&self) -> bool {
        self.stack.borrow().deepest > MAX_NESTING
    }
}

/// Where pulldown-cmark writes the HTML: keeps it, measures its nesting as it grows, and stops
/// the writing at the first event that nests too deeply (its line is in `refused_at`).
struct GuardedWriter<'a> {
    html: String,
    nesting: Nesting,
    /// The line of the event being written.
    line: &'a Cell<u64>,
    refused_at: Option<u64>,
}

impl std::fmt::Write for GuardedWriter<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.html.push_str(text);
        self.nesting.feed(text);
        if self.nesting.too_deep() {
            self.refused_at = Some(self.line.get());
            return Err(std::fmt::Error);
        }
        Ok(())
    }
}

/// A link target with a scheme that cannot run script: http(s), mail, phone, or a relative
/// path or fragment.
fn is_plain_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    match lower.find(':') {
        None => true,
        Some(colon) => {
            // A colon after a path or query starts is not a scheme.
            lower[..colon].contains(['/', '?', '#'])
                || ["http", "https", "mailto", "tel"].contains(&&lower[..colon])
        }
    }
}

fn relative_to<'a>(url: CowStr<'a>, root: Option<&str>) -> CowStr<'a> {
    match root {
        Some(root) if url.starts_with('/') && !url.starts_with("//") => {
            CowStr::from(format!("{root}{}", &url[1..]))
        }
        _ => url,
    }
}

/// Renders a short Markdown note (a facility's `note`) for a page at `root`.
pub fn render_note(source: &str, root: &str) -> Result<Rendered, Refusal> {
    render_at(source, "note", 2, Some(root))
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(source: &str) -> Rendered {
        render(source, "h", 0).unwrap()
    }

    #[test]
    fn raw_html_cannot_inject_script() {
        let out = rendered(
            "<script>alert(1)</script>\n\n<a href=\"javascript:alert(1)\" onclick=\"x()\">x</a>\n\n<img src=x onerror=alert(1)>",
        );
        assert!(!out.html.contains("<script"));
        assert!(!out.html.contains("javascript:"));
        assert!(!out.html.contains("onclick"));
        assert!(!out.html.contains("onerror"));
        assert!(!out.text.contains("alert"), "{}", out.text);
    }

    #[test]
    fn heading_attributes_cannot_inject_script() {
        let out = rendered("## 見出し {#x .cls onclick=alert(1)}\n");
        assert!(!out.html.contains("onclick"), "{}", out.html);
        assert!(out.html.contains("id=\"x\""), "{}", out.html);
    }

    #[test]
    fn script_urls_are_removed_even_without_raw_html() {
        let out = rendered(
            "[x](javascript:alert(1)) [y](JavaScript:alert(1)) [z](vbscript:x) ![i](data:text/html,x)",
        );
        assert!(
            !out.html.to_ascii_lowercase().contains("javascript:"),
            "{}",
            out.html
        );
        assert!(!out.html.contains("vbscript:"), "{}", out.html);
        assert!(!out.html.contains("data:text/html"), "{}", out.html);
        let plain = rendered(
            "[a](https://example.jp/) [b](tel:088-600-1234) [c](../x/#y) [d](mailto:a@example.jp)",
        );
        assert!(plain.html.contains("href=\"tel:088-600-1234\""));
        assert!(plain.html.contains("href=\"../x/#y\""));
    }

    #[test]
    fn site_root_links_become_relative() {
        let out = render_at(
            "[資源](/resources/) [外](https://example.jp/) [同](#a)",
            "h",
            0,
            Some("../../"),
        )
        .unwrap();
        assert!(
            out.html.contains("href=\"../../resources/\""),
            "{}",
            out.html
        );
        assert!(out.html.contains("href=\"https://example.jp/\""));
        assert!(out.html.contains("href=\"#a\""));
    }

    #[test]
    fn tables_footnotes_and_heading_ids() {
        let out = render(
            "# 見出し\n\n## 次 {#next}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n注[^1]\n\n[^1]: 脚注です。\n",
            "sec",
            1,
        )
        .unwrap();
        assert!(
            out.html.contains("<h2 id=\"sec-1\">見出し</h2>"),
            "{}",
            out.html
        );
        assert!(out.html.contains("<h3 id=\"next\">次</h3>"), "{}", out.html);
        assert!(out.html.contains("<table>"));
        assert!(out.html.contains("脚注です"));
        assert_eq!(out.headings.len(), 2);
        assert_eq!(out.headings[1].id, "next");
        assert_eq!(out.headings[1].text, "次");
        assert_eq!(out.text, "見出し 次 a b 1 2 注 脚注です。");
        let places: Vec<(&str, u64, u64)> = out
            .ids
            .iter()
            .map(|i| (i.id.as_str(), i.line, i.column))
            .collect();
        assert_eq!(
            places,
            [("sec-1", 1, 1), ("next", 3, 6), ("sec-fn-1", 11, 1)]
        );
        let raw = rendered("段落\n\n<div class=\"x\" id='main-content'>囲み</div>\n");
        assert_eq!(raw.ids[0].id, "main-content");
        assert_eq!((raw.ids[0].line, raw.ids[0].column), (3, 20));
    }

    #[test]
    fn what_the_page_does_not_show_is_not_in_the_text() {
        let out = rendered(concat!(
            "公開 <!-- 院長の携帯 090-0000-0001 -->\n\n",
            "<div hidden>\n\n非公開その1\n\n</div>\n\n",
            "<span style=\"DISPLAY: none !important\">非公開その2</span>",
            "<span style=\"visibility:/**/hidden\">非公開その3</span>",
            "<template>非公開その4</template><style>.x{}</style>",
            "<span data-private=\"非公開その5\" title=\"見出し用\">表示</span>\n\n",
            "## 隠し <span hidden>非公開その6</span>\n\n",
            "<div hidden>\n\n## 非公開その7\n\n</div>\n\n",
            "[//]: # (非公開その8)\n\n[未使用]: https://example.jp/ \"非公開その9\"\n",
        ));
        for hidden in ["非公開", "090-0000", ".x{}"] {
            assert!(!out.html.contains(hidden), "{hidden} in {}", out.html);
            assert!(!out.text.contains(hidden), "{hidden} in {}", out.text);
        }
        assert_eq!(out.text, "公開 表示 隠し");
        assert_eq!(out.headings.len(), 1);
        assert_eq!(out.headings[0].text, "隠し");
    }

    #[test]
    fn image_text_is_its_alternative_text() {
        let out = rendered("写真 ![玄関のスロープ](a.png \"題\") です\n");
        assert_eq!(out.text, "写真 玄関のスロープ です");
    }

    #[test]
    fn deep_nesting_is_refused_with_its_line() {
        for source in [
            format!(
                "ok\n\n{}x{}",
                "<div>".repeat(200_000),
                "</div>".repeat(200_000)
            ),
            format!("ok\n\n{}x", "> ".repeat(200_000)),
            format!("ok\n\n{}x", "- ".repeat(200_000)),
            format!("ok\n\n{}", "<div/>".repeat(200_000)),
            format!("ok\n\n{}x", "<b><i>".repeat(100_000)),
        ] {
            let refusal = render(&source, "h", 0).unwrap_err();
            assert_eq!(refusal.line, 3, "{}", &source[..40]);
            assert!(refusal.message.contains("100 段"), "{}", refusal.message);
        }
    }

    #[test]
    fn optional_end_tags_and_long_pages_are_not_deep() {
        let items = "<li>項目".repeat(500);
        let paragraphs = "<p>段落".repeat(500);
        let rows = "<tr><td>1<td>2".repeat(500);
        let source = format!(
            "<ul>{items}</ul>\n\n{paragraphs}\n\n<table>{rows}</table>\n\n{}",
            "- 項目\n".repeat(2000)
        );
        let out = rendered(&source);
        assert!(out.text.contains("項目"));
        let nested = format!("{}x", "> ".repeat(MAX_NESTING - 2));
        assert!(render(&nested, "h", 0).is_ok());
    }

    #[test]
    fn hidden_styles() {
        assert!(hides("display:none"));
        assert!(hides(" Display : None ; color: red"));
        assert!(hides("color:red;visibility:hidden"));
        assert!(hides("display:/* x */none"));
        assert!(!hides("display:block"));
        assert!(!hides("text-align: center"));
    }
}
