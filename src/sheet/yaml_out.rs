//! Writing records as YAML in the layout of the sample site, and changing only some fields of
//! an existing file so the editors' comments and layout elsewhere in it survive.

use crate::content::record::{Key, Record};

/// Whether `s` can be written without quotes. `flow` is for items inside `[ ]` / `{ }`.
fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s != s.trim() || s.trim_matches('　') != s {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ")
        || s.ends_with(':')
        || s.contains(" #")
        || s.chars()
            .any(|c| c.is_control() || matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{85}'))
    {
        return false;
    }
    if flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n" | ".nan" | ".inf"
    ) {
        return false;
    }
    // Anything a YAML reader might take for a number, date or time is quoted.
    if s.chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | ':' | '_' | 'e' | 'E'))
        && s.chars().filter(char::is_ascii_digit).count() > 0
        && (s.parse::<f64>().is_ok()
            || s.contains(':')
            || !s.contains('-')
            || s.len() == 10 && s.as_bytes()[4] == b'-')
    {
        return false;
    }
    if s.starts_with("0x") || s.starts_with("0o") {
        return false;
    }
    true
}

/// A double-quoted YAML string.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{85}') => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A string scalar, plain when that is safe.
pub fn scalar(s: &str, flow: bool) -> String {
    if plain_ok(s, flow) {
        s.to_owned()
    } else {
        quoted(s)
    }
}

fn flow_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| scalar(i.trim(), true)).collect();
    format!("[{}]", items.join(", "))
}

fn number(value: f64) -> String {
    let text = format!("{value}");
    if text.contains(['.', 'e', 'E']) || !value.is_finite() {
        text
    } else {
        format!("{text}.0")
    }
}

fn opt(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A multi-line text as a literal block (`|`), or quoted when a block cannot hold it.
fn block_text(text: &str, indent: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let text = text.trim_end();
    let unsafe_chars = text.chars().any(|c| {
        (c.is_control() && c != '\n') || matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}')
    });
    if unsafe_chars {
        return format!(" {}\n", quoted(text));
    }
    let first = text.lines().next().unwrap_or("");
    let header = if first.starts_with(' ') { "|2" } else { "|" };
    let mut out = format!(" {header}\n");
    for line in text.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(indent);
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// One field as YAML lines (with the trailing newline), or `None` when it has no value.
pub fn block(record: &Record, key: Key) -> Option<String> {
    if !record.has(key) {
        return None;
    }
    let name = key.yaml();
    let line = |value: String| Some(format!("{name}: {value}\n"));
    match key {
        Key::Name => line(scalar(record.name.trim(), false)),
        Key::Kana => line(scalar(record.kana.trim(), false)),
        Key::Category => line(scalar(record.category.trim(), false)),
        Key::Corporation => line(scalar(opt(&record.corporation)?, false)),
        Key::Area => line(scalar(opt(&record.area)?, false)),
        Key::PostalCode => line(quoted(opt(&record.postal_code)?)),
        Key::Address => line(scalar(record.address.trim(), false)),
        Key::Phone => line(scalar(opt(&record.phone)?, false)),
        Key::Fax => line(scalar(opt(&record.fax)?, false)),
        Key::Email => line(scalar(opt(&record.email)?, false)),
        Key::Url => line(scalar(opt(&record.url)?, false)),
        Key::Location => {
            let location = record.location?;
            line(format!(
                "{{ lat: {}, lng: {} }}",
                number(location.lat),
                number(location.lng)
            ))
        }
        Key::Specialties => line(flow_list(&record.specialties)),
        Key::Services => line(flow_list(&record.services)),
        Key::Hours => {
            let mut out = format!("{name}:\n");
            for band in &record.hours {
                out.push_str(&format!(
                    "  - {{ days: {}, open: {}, close: {} }}\n",
                    flow_list(&band.days),
                    quoted(band.open.trim()),
                    quoted(band.close.trim())
                ));
            }
            Some(out)
        }
        Key::Closed => line(scalar(opt(&record.closed)?, false)),
        Key::CaremaneTime => {
            let mut out = format!("{name}:\n");
            for window in &record.caremane_time {
                out.push_str(&format!("  - days: {}\n", flow_list(&window.days)));
                out.push_str(&format!("    from: {}\n", quoted(window.from.trim())));
                out.push_str(&format!("    to: {}\n", quoted(window.to.trim())));
                out.push_str(&format!("    methods: {}\n", flow_list(&window.methods)));
                if let Some(contact) = opt(&window.contact) {
                    out.push_str(&format!("    contact: {}\n", scalar(contact, false)));
                }
                if window.appointment {
                    out.push_str("    appointment: true\n");
                }
                if let Some(note) = opt(&window.note) {
                    out.push_str(&format!("    note: {}\n", scalar(note, false)));
                }
                if !window.closures.is_empty() {
                    out.push_str(&format!("    closures: {}\n", flow_list(&window.closures)));
                }
            }
            Some(out)
        }
        Key::SourceIds => {
            let mut parts = Vec::new();
            if let Some(id) = record.jigyosho() {
                parts.push(format!("jigyosho: {}", quoted(id)));
            }
            if let Some(id) = record.navii() {
                parts.push(format!("navii: {}", quoted(id)));
            }
            line(format!("{{ {} }}", parts.join(", ")))
        }
        Key::Note => Some(format!("{name}:{}", block_text(opt(&record.note)?, "  "))),
        Key::Verified => {
            let verified = record.verified.trim();
            if verified.len() == 10 && verified.parse::<jiff::civil::Date>().is_ok() {
                line(verified.to_owned())
            } else {
                line(quoted(verified))
            }
        }
    }
}

/// The `availability` block of a record.
pub fn availability_block(availability: &crate::content::record::AvailabilityRecord) -> String {
    let mut out = format!(
        "availability:\n  status: {}\n",
        scalar(availability.status.trim(), false)
    );
    if let Some(count) = availability.count {
        out.push_str(&format!("  count: {count}\n"));
    }
    if let Some(note) = opt(&availability.note) {
        out.push_str(&format!("  note: {}\n", scalar(note, false)));
    }
    let as_of = availability.as_of.trim();
    if as_of.len() == 10 && as_of.parse::<jiff::civil::Date>().is_ok() {
        out.push_str(&format!("  as_of: {as_of}\n"));
    } else {
        out.push_str(&format!("  as_of: {}\n", quoted(as_of)));
    }
    out
}

/// A whole record file.
pub fn render(record: &Record) -> String {
    let mut out = String::new();
    for key in Key::ALL {
        if key == Key::Verified
            && let Some(availability) = &record.availability
        {
            out.push_str(&availability_block(availability));
        }
        out.extend(block(record, key));
    }
    out
}

/// `text` with its `availability` block replaced by `availability` (or added before
/// `verified:`), everything else left as it was.
pub fn replace_availability(
    text: &str,
    availability: &crate::content::record::AvailabilityRecord,
) -> String {
    let crlf = text.contains("\r\n");
    let bom = text.starts_with('\u{FEFF}');
    let body = text.trim_start_matches('\u{FEFF}').replace("\r\n", "\n");
    let mut lines: Vec<String> = body.split_inclusive('\n').map(str::to_owned).collect();
    if let Some(last) = lines.last_mut()
        && !last.ends_with('\n')
    {
        last.push('\n');
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let blocks = top_level_blocks(&refs);
    let new_block: Vec<String> = availability_block(availability)
        .split_inclusive('\n')
        .map(str::to_owned)
        .collect();
    let found = |name: &str| blocks.iter().find(|(key, _, _)| key == name);
    if let Some((_, start, end)) = found("availability") {
        lines.splice(*start..*end, new_block);
    } else {
        let at = found("verified")
            .map(|(_, start, _)| *start)
            .unwrap_or(lines.len());
        lines.splice(at..at, new_block);
    }
    let mut out: String = lines.concat();
    if crlf {
        out = out.replace('\n', "\r\n");
    }
    if bom {
        out.insert(0, '\u{FEFF}');
    }
    out
}

/// The top-level fields of a YAML text: each key and the range of lines it covers (its own
/// line and the indented lines under it, not the comments or blank lines after it).
fn top_level_blocks(lines: &[&str]) -> Vec<(String, usize, usize)> {
    let starts: Vec<(usize, String)> = lines
        .iter()
        .enumerate()
        .filter_map(|(index, line)| {
            let first = line.chars().next()?;
            if first.is_whitespace() || first == '#' || line.starts_with("---") {
                return None;
            }
            let colon = line.find(':')?;
            let key = &line[..colon];
            key.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                .then(|| (index, key.to_owned()))
        })
        .collect();
    let mut blocks = Vec::new();
    for (position, (start, key)) in starts.iter().enumerate() {
        let mut end = starts
            .get(position + 1)
            .map(|(next, _)| *next)
            .unwrap_or(lines.len());
        while end > start + 1 {
            let previous = lines[end - 1];
            let trimmed = previous.trim();
            if trimmed.is_empty() || previous.starts_with('#') {
                end -= 1;
            } else {
                break;
            }
        }
        blocks.push((key.clone(), *start, end));
    }
    blocks
}

/// The `# comment` at the end of a line, if any (not inside quotes).
fn trailing_comment(line: &str) -> Option<&str> {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (index, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && previous.is_whitespace() => {
                return Some(line[index..].trim_end());
            }
            None => {}
        }
        previous = c;
    }
    None
}

/// `text` with the fields `keys` set to their values in `record` (replaced, added in their
/// usual place, or removed), everything else left as it was.
pub fn update(text: &str, record: &Record, keys: &[Key]) -> String {
    let crlf = text.contains("\r\n");
    let bom = text.starts_with('\u{FEFF}');
    let body = text.trim_start_matches('\u{FEFF}').replace("\r\n", "\n");
    let mut lines: Vec<String> = body.split_inclusive('\n').map(str::to_owned).collect();
    if let Some(last) = lines.last_mut()
        && !last.ends_with('\n')
    {
        last.push('\n');
    }
    for key in keys {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let blocks = top_level_blocks(&refs);
        let new_block: Vec<String> = block(record, *key)
            .map(|b| b.split_inclusive('\n').map(str::to_owned).collect())
            .unwrap_or_default();
        if let Some((_, start, end)) = blocks.iter().find(|(name, _, _)| name == key.yaml()) {
            let mut new_block = new_block;
            // A one-line field keeps the comment at the end of its line.
            if end - start == 1
                && new_block.len() == 1
                && let Some(comment) = trailing_comment(&lines[*start])
            {
                let line = new_block[0].trim_end_matches('\n').to_owned();
                new_block[0] = format!("{line}  {comment}\n");
            }
            lines.splice(*start..*end, new_block);
            continue;
        }
        if new_block.is_empty() {
            continue;
        }
        // Insert after the nearest earlier field in the usual order, else before the next one.
        let position = Key::ALL.iter().position(|k| k == key).unwrap_or(0);
        let after = Key::ALL[..position]
            .iter()
            .rev()
            .find_map(|k| blocks.iter().find(|(name, _, _)| name == k.yaml()))
            .map(|(_, _, end)| *end);
        let before = || {
            Key::ALL[position + 1..]
                .iter()
                .find_map(|k| blocks.iter().find(|(name, _, _)| name == k.yaml()))
                .map(|(_, start, _)| *start)
        };
        let at = after.or_else(before).unwrap_or(lines.len());
        lines.splice(at..at, new_block);
    }
    let mut out: String = lines.concat();
    if crlf {
        out = out.replace('\n', "\r\n");
    }
    if bom {
        out.insert(0, '\u{FEFF}');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::record::{Band, parse};

    #[test]
    fn quotes_what_needs_quoting() {
        assert_eq!(scalar("088-600-1234", false), "088-600-1234");
        assert_eq!(scalar("0886001234", false), "\"0886001234\"");
        assert_eq!(scalar("yes", false), "\"yes\"");
        assert_eq!(scalar("a: b", false), "\"a: b\"");
        assert_eq!(scalar("内科, 外科", true), "\"内科, 外科\"");
        assert_eq!(scalar("# x", false), "\"# x\"");
        assert_eq!(scalar("2026-01-01", false), "\"2026-01-01\"");
        assert_eq!(scalar("髙橋内科", false), "髙橋内科");
    }

    #[test]
    fn update_keeps_comments_and_other_fields() {
        let text = "# 髙橋内科の情報\nname: 髙橋内科\nkana: たかはしないか  # よみ\ncategory: clinic\naddress: 徳島市\n# 電話は代表番号\nphone: 088-600-1234 # 代表\nhours:\n  - { days: [mon], open: \"09:00\", close: \"12:00\" }\n\nverified: 2026-01-01\n";
        let mut record = parse(text).unwrap();
        record.phone = Some("088-600-9999".into());
        record.fax = Some("088-600-8888".into());
        record.hours = vec![Band {
            days: vec!["tue".into()],
            open: "10:00".into(),
            close: "11:00".into(),
        }];
        let updated = update(text, &record, &[Key::Phone, Key::Fax, Key::Hours]);
        assert_eq!(
            updated,
            "# 髙橋内科の情報\nname: 髙橋内科\nkana: たかはしないか  # よみ\ncategory: clinic\naddress: 徳島市\n# 電話は代表番号\nphone: 088-600-9999  # 代表\nfax: 088-600-8888\nhours:\n  - { days: [tue], open: \"10:00\", close: \"11:00\" }\n\nverified: 2026-01-01\n"
        );
        assert_eq!(parse(&updated).unwrap(), record);
        record.fax = None;
        let removed = update(&updated, &record, &[Key::Fax]);
        assert!(!removed.contains("fax"));
    }

    #[test]
    fn render_round_trips() {
        let text = "name: \"A: B\"\nkana: えー\ncategory: clinic\naddress: 徳島市\nnote: |\n  一行目\n\n  - 二行目\nverified: 2026-01-01\n";
        let record = parse(text).unwrap();
        assert_eq!(render(&record), text);
    }
}
