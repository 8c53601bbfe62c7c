//! Markdown to safe HTML: pulldown-cmark for CommonMark with tables, footnotes and heading ids,
//! then ammonia, because editors paste text from e-mails and web pages and nothing pasted may
//! run script on the centre's site.

use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

/// A heading of a rendered document, for tables of contents.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A rendered document.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
    /// The text without markup, for search and descriptions.
    pub text: String,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_STRIKETHROUGH
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_generic_attributes(["id"])
        .add_tag_attributes("ol", ["start"])
        .add_tag_attributes("td", ["style"])
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("sup", ["class"])
        .add_tag_attributes("div", ["class"])
        .add_tag_attributes("a", ["class"])
        .add_tag_attributes("section", ["class"])
        .add_tags(["section"])
        .filter_style_properties(["text-align"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .id_prefix(None);
    builder
});

/// Renders Markdown. Headings without an explicit `{#id}` get `<prefix>-N` ids so every
/// heading can be linked from a table of contents. `heading_shift` demotes headings (a `#` in a
/// chapter becomes an `h2` when the page already has its own `h1`).
pub fn render(source: &str, id_prefix: &str, heading_shift: u8) -> Rendered {
    render_at(source, id_prefix, heading_shift, None)
}

/// Like [`render`], for a page whose way back to the site root is `root` (`../../`): links
/// editors write from the site root (`/resources/`) become relative, so the site works from
/// any folder of any static host.
pub fn render_at(source: &str, id_prefix: &str, heading_shift: u8, root: Option<&str>) -> Rendered {
    let mut headings = Vec::new();
    let mut text = String::new();
    let mut events: Vec<Event> = Vec::new();
    let mut in_heading: Option<(u8, String, String)> = None;
    let mut counter = 0;
    // pulldown-cmark escapes all text, so only raw HTML and link targets can carry script;
    // the (slow) sanitiser runs only when one of them is present.
    let mut needs_sanitizing = false;
    for event in Parser::new_ext(source, options()) {
        match &event {
            Event::Html(_) | Event::InlineHtml(_) => needs_sanitizing = true,
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                if !is_plain_url(dest_url) =>
            {
                needs_sanitizing = true
            }
            _ => {}
        }
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                counter += 1;
                let id = id
                    .map(|id| id.to_string())
                    .unwrap_or_else(|| format!("{id_prefix}-{counter}"));
                let shifted = (level as u8 + heading_shift).min(6);
                in_heading = Some((shifted, id.clone(), String::new()));
                events.push(Event::Start(Tag::Heading {
                    level: HeadingLevel::try_from(shifted as usize).unwrap_or(HeadingLevel::H6),
                    id: Some(CowStr::from(id)),
                    classes,
                    attrs,
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some((shifted, id, heading_text)) = in_heading.take() {
                    headings.push(Heading {
                        level: shifted,
                        id,
                        text: heading_text,
                    });
                    events.push(Event::End(TagEnd::Heading(
                        HeadingLevel::try_from(shifted as usize).unwrap_or(level),
                    )));
                } else {
                    events.push(Event::End(TagEnd::Heading(level)));
                }
                text.push('\n');
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                if let Some((_, _, heading_text)) = in_heading.as_mut() {
                    heading_text.push_str(t);
                }
                text.push_str(t);
                events.push(event);
            }
            Event::SoftBreak | Event::HardBreak => {
                text.push(' ');
                events.push(event);
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => {
                text.push('\n');
                events.push(event);
            }
            // Footnote names become ids; prefix them so chapters joined on one page don't clash.
            Event::FootnoteReference(name) => {
                events.push(Event::FootnoteReference(CowStr::from(format!(
                    "{id_prefix}-fn-{name}"
                ))));
            }
            Event::Start(Tag::FootnoteDefinition(name)) => {
                events.push(Event::Start(Tag::FootnoteDefinition(CowStr::from(
                    format!("{id_prefix}-fn-{name}"),
                ))));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = relative_to(dest_url, root);
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = relative_to(dest_url, root);
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            other => events.push(other),
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Rendered {
        html: if needs_sanitizing {
            SANITIZER.clean(&html).to_string()
        } else {
            html
        },
        headings,
        text: collapse_whitespace(&text),
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
pub fn render_note(source: &str, root: &str) -> String {
    render_at(source, "note", 2, Some(root)).html
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain text of a short string with Markdown, for summaries.
pub fn plain_text(source: &str) -> String {
    render(source, "t", 0).text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_cannot_inject_script() {
        let out = render(
            "<script>alert(1)</script>\n\n<a href=\"javascript:alert(1)\" onclick=\"x()\">x</a>\n\n<img src=x onerror=alert(1)>",
            "h",
            0,
        );
        assert!(!out.html.contains("<script"));
        assert!(!out.html.contains("javascript:"));
        assert!(!out.html.contains("onclick"));
        assert!(!out.html.contains("onerror"));
    }

    #[test]
    fn script_urls_are_removed_even_without_raw_html() {
        let out = render(
            "[x](javascript:alert(1)) [y](JavaScript:alert(1)) [z](vbscript:x) ![i](data:text/html,x)",
            "h",
            0,
        );
        assert!(
            !out.html.to_ascii_lowercase().contains("javascript:"),
            "{}",
            out.html
        );
        assert!(!out.html.contains("vbscript:"), "{}", out.html);
        assert!(!out.html.contains("data:text/html"), "{}", out.html);
        let plain = render(
            "[a](https://example.jp/) [b](tel:088-600-1234) [c](../x/#y) [d](mailto:a@example.jp)",
            "h",
            0,
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
        );
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
        );
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
    }
}
