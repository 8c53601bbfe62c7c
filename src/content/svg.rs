//! SVG images in `content/` are published as they are, and a browser that opens an SVG runs
//! whatever it holds with the site's origin. So an SVG is read with an XML parser (quick-xml)
//! and refused when it holds anything active or anything from elsewhere: scripts, event
//! handlers (`on…`), `foreignObject` (embedded HTML), animations that change a link, links
//! and references that leave the image (`href` other than `#id` or an embedded picture,
//! `url(…)` and `@import` in styles), style sheets by processing instruction, and entity
//! declarations (`<!ENTITY`, which can expand to gigabytes or read local files).

use quick_xml::events::{BytesStart, Event};

/// Why an SVG is refused, in Japanese, and where (1-based line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub line: u64,
    pub reason: String,
}

/// Elements that run code, embed other documents or handle events.
const ACTIVE_ELEMENTS: [&str; 8] = [
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
    "frame",
];

/// Checks `text` (a whole SVG file). Returns every reason to refuse it, at most a few.
pub fn check(text: &str) -> Vec<Refusal> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out: Vec<Refusal> = Vec::new();
    let mut in_style = 0usize;
    let line_at = |offset: u64| -> u64 {
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(text.len());
        text.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64
            + 1
    };
    loop {
        let position = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(_) => {
                out.push(Refusal {
                    line: line_at(reader.error_position()),
                    reason: "SVG（XML）として正しく読めません。".to_owned(),
                });
                break;
            }
        };
        let line = line_at(position);
        let mut refuse = |reason: String| {
            if out.len() < 5 && !out.iter().any(|r| r.reason == reason) {
                out.push(Refusal { line, reason });
            }
        };
        match event {
            Event::Start(element) => {
                let name = check_element(&element, &mut refuse);
                in_style += usize::from(name == "style");
            }
            Event::Empty(element) => {
                check_element(&element, &mut refuse);
            }
            Event::End(element) => {
                let local = element.local_name();
                if local.as_ref().eq_ignore_ascii_case("style") {
                    in_style = in_style.saturating_sub(1);
                }
            }
            Event::Text(content) if in_style > 0 => {
                let css = content.as_ref().to_owned();
                if let Some(reason) = css_reference(&css) {
                    refuse(reason);
                }
            }
            Event::CData(content) if in_style > 0 => {
                let css = content.as_ref().to_owned();
                if let Some(reason) = css_reference(&css) {
                    refuse(reason);
                }
            }
            Event::DocType(doctype) => {
                let declaration = doctype.as_ref().to_owned().to_ascii_uppercase();
                if declaration.contains("<!ENTITY") || declaration.contains('[') {
                    refuse(
                        "文書型宣言の中に実体宣言（<!ENTITY …>）があります。ファイルを読み込ませたり、巨大に膨らませたりできます。".to_owned(),
                    );
                }
            }
            Event::PI(instruction) => {
                let text = instruction.as_ref().to_owned().to_ascii_lowercase();
                if text.trim_start().starts_with("xml-stylesheet") {
                    refuse(
                        "処理命令 <?xml-stylesheet …?> で外のスタイルシートを読み込んでいます。"
                            .to_owned(),
                    );
                }
            }
            Event::GeneralRef(reference) => {
                let name = reference.as_ref().to_owned();
                let predefined = matches!(name.as_str(), "lt" | "gt" | "amp" | "apos" | "quot")
                    || name.starts_with('#');
                if !predefined {
                    refuse(format!("定義されていない実体参照「&{name};」があります。"));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// Checks one element and its attributes; returns its lower-case local name.
fn check_element(element: &BytesStart<'_>, refuse: &mut dyn FnMut(String)) -> String {
    let name = local_name(element);
    if ACTIVE_ELEMENTS.contains(&name.as_str()) {
        refuse(format!(
            "プログラムや別の文書を埋め込む要素 <{}> があります。",
            element.name().as_ref().to_owned()
        ));
    }
    check_attributes(element, &name, refuse);
    name
}

fn local_name(element: &BytesStart<'_>) -> String {
    element
        .local_name()
        .as_ref()
        .to_owned()
        .to_ascii_lowercase()
}

fn check_attributes(element: &BytesStart<'_>, element_name: &str, refuse: &mut dyn FnMut(String)) {
    for attribute in element.attributes().with_checks(false) {
        let Ok(attribute) = attribute else {
            refuse("属性の書き方が正しくありません。".to_owned());
            continue;
        };
        let key = attribute.key.as_ref().to_owned();
        let local = attribute
            .key
            .local_name()
            .as_ref()
            .to_owned()
            .to_ascii_lowercase();
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| attribute.value.to_string());
        if local.starts_with("on") {
            refuse(format!("イベントで動くプログラムの属性 {key} があります。"));
            continue;
        }
        if local == "href" || local == "src" || (local == "base" && key.contains("xml")) {
            if !is_internal_reference(&value) {
                refuse(format!(
                    "画像の外のもの「{}」を参照しています（{key}）。",
                    short(&value)
                ));
            }
            continue;
        }
        // An animation that sets a link (or an event attribute) changes it after the check.
        if matches!(
            element_name,
            "animate" | "set" | "animatemotion" | "animatetransform"
        ) && local == "attributename"
        {
            let target = value.trim().to_ascii_lowercase();
            let target = target.rsplit(':').next().unwrap_or(&target).to_owned();
            if target == "href" || target.starts_with("on") {
                refuse(format!(
                    "アニメーション <{element_name}> がリンクやイベント（{value}）を書き換えています。"
                ));
            }
            continue;
        }
        if local == "style"
            && let Some(reason) = css_reference(&value)
        {
            refuse(reason);
            continue;
        }
        // Presentation attributes such as fill="url(#g)" may only point inside the image.
        if value.to_ascii_lowercase().contains("url(")
            && let Some(reason) = css_reference(&value)
        {
            refuse(reason);
        }
    }
}

/// `#id` inside the image, or a picture embedded in it (`data:image/png;base64,…`).
fn is_internal_reference(value: &str) -> bool {
    let value: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let lower = value.to_ascii_lowercase();
    value.starts_with('#')
        || (lower.starts_with("data:image/") && !lower.starts_with("data:image/svg"))
}

/// A reason to refuse CSS that loads something from outside the image.
fn css_reference(css: &str) -> Option<String> {
    let lower: String = css
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if lower.contains("@import") {
        return Some("スタイルの中の @import で外のファイルを読み込んでいます。".to_owned());
    }
    if lower.contains("expression(") || lower.contains("javascript:") {
        return Some("スタイルの中にプログラムがあります。".to_owned());
    }
    let mut rest = lower.as_str();
    while let Some(index) = rest.find("url(") {
        rest = &rest[index + 4..];
        let target = rest
            .trim_start_matches(['"', '\''])
            .split([')', '"', '\''])
            .next()
            .unwrap_or("");
        if !is_internal_reference(target) {
            return Some(format!(
                "スタイルの url({}) で画像の外のものを読み込んでいます。",
                short(target)
            ));
        }
    }
    None
}

fn short(value: &str) -> String {
    let shown = crate::error::printable(value).into_owned();
    if shown.chars().count() > 60 {
        format!("{}…", shown.chars().take(60).collect::<String>())
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">"#;

    fn refused(body: &str) -> Vec<Refusal> {
        check(&format!("{HEAD}{body}</svg>"))
    }

    #[test]
    fn clean_images_pass() {
        assert!(refused(r##"<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="5" height="5"/><use href="#g"/><image xlink:href="data:image/png;base64,iVBOR"/><style>rect { fill: red }</style><text>&lt;漫画&gt;</text>"##).is_empty());
        let illustrator = r#"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">"#;
        assert!(check(&format!("{illustrator}{HEAD}<rect/></svg>")).is_empty());
    }

    #[test]
    fn active_and_external_content_is_refused() {
        for body in [
            "<script>alert(1)</script>",
            "<SCRIPT>alert(1)</SCRIPT>",
            r#"<rect onload="alert(1)"/>"#,
            r#"<rect ONCLICK="alert(1)"/>"#,
            "<foreignObject><div>x</div></foreignObject>",
            r#"<a href="javascript:alert(1)"><rect/></a>"#,
            r#"<a xlink:href="&#106;avascript:alert(1)"><rect/></a>"#,
            r#"<image href="https://tracker.example/p.png"/>"#,
            r#"<use href="other.svg#x"/>"#,
            r#"<rect style="fill: url(http://evil.example/x)"/>"#,
            "<style>@import 'http://evil.example/x.css';</style>",
            r#"<set attributeName="href" to="javascript:alert(1)"/>"#,
            r#"<image href="data:image/svg+xml;base64,PHN2Zz4="/>"#,
        ] {
            assert!(!refused(body).is_empty(), "{body}");
        }
        let entity = r#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>"#;
        assert!(!check(entity).is_empty());
        let stylesheet =
            r#"<?xml-stylesheet href="http://evil.example/s.xsl" type="text/xsl"?><svg/>"#;
        assert!(!check(stylesheet).is_empty());
        assert!(!check("<svg><rect></svg>").is_empty());
    }
}
