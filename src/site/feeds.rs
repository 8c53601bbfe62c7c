//! Machine-readable outputs: the news Atom feed, iCalendar files for lectures (RFC 5545),
//! `sitemap.xml` and `robots.txt` ([`Site::extra_files`] lists them). Each is written by its own
//! rules, never by pasting text: Atom by atom_syndication (XML escaping) from text without the
//! characters XML cannot hold, iCalendar with RFC 5545 TEXT escaping and folding, URLs resolved
//! by the URL parser.

use jiff::civil::{Date, DateTime};
use url::Url;

use super::Site;
use crate::content::pages::{Page, PageDetails, PageKind, lecture_span};
use crate::content::site::SiteConfig;

/// What makes a file the build writes besides the pages.
#[derive(Debug, Clone, Copy)]
pub enum ExtraKind<'a> {
    /// `news/atom.xml`
    NewsFeed,
    /// One lecture's `.ics`.
    LectureCalendar(&'a Page),
    /// `lectures/upcoming.ics`
    UpcomingCalendar,
    Sitemap,
    Robots,
}

/// A generated file that is not a page of the theme.
#[derive(Debug, Clone)]
pub struct Extra<'a> {
    /// Site-relative path.
    pub file: String,
    /// What it is, in Japanese, for messages.
    pub what: &'static str,
    pub kind: ExtraKind<'a>,
}

impl<'a> Site<'a> {
    /// The feeds, calendars, sitemap and robots.txt the build writes: the one list both the
    /// build and the check of reserved addresses use.
    pub fn extra_files(&self) -> Vec<Extra<'a>> {
        let mut out = vec![Extra {
            file: "news/atom.xml".to_owned(),
            what: "お知らせのフィード（Atom）",
            kind: ExtraKind::NewsFeed,
        }];
        for lecture in self.kind(PageKind::Lecture) {
            out.push(Extra {
                file: format!("{}lecture.ics", lecture.path),
                what: "講座のカレンダー（.ics）",
                kind: ExtraKind::LectureCalendar(lecture),
            });
        }
        out.push(Extra {
            file: "lectures/upcoming.ics".to_owned(),
            what: "これからの講座のカレンダー（.ics）",
            kind: ExtraKind::UpcomingCalendar,
        });
        out.push(Extra {
            file: "sitemap.xml".to_owned(),
            what: "検索エンジン向けのサイトマップ",
            kind: ExtraKind::Sitemap,
        });
        out.push(Extra {
            file: "robots.txt".to_owned(),
            what: "検索エンジン向けの案内（robots.txt）",
            kind: ExtraKind::Robots,
        });
        out
    }

    /// The text of an extra file; `page_files` are the site-relative files of every page
    /// (for the sitemap).
    pub fn extra_text(&self, extra: &Extra<'_>, page_files: &[String]) -> String {
        let site = &self.content.site;
        match extra.kind {
            ExtraKind::NewsFeed => atom(site, &self.news),
            ExtraKind::LectureCalendar(lecture) => {
                calendar(site, &lecture.title, &[lecture], self.today)
            }
            ExtraKind::UpcomingCalendar => calendar(
                site,
                &format!("{} 市民公開講座", site.title),
                &self.upcoming,
                self.today,
            ),
            ExtraKind::Sitemap => sitemap(site, &sitemap_urls(page_files)),
            ExtraKind::Robots => robots(site),
        }
    }
}

/// Every site-relative URL of an HTML page, for the sitemap.
pub fn sitemap_urls(files: &[String]) -> Vec<String> {
    files
        .iter()
        .filter(|file| file.ends_with("index.html"))
        .map(|file| file.trim_end_matches("index.html").to_owned())
        .collect()
}

/// The Atom feed of news items, newest first. `updated` comes from the content, not the clock,
/// so the same content gives the same feed.
pub fn atom(site: &SiteConfig, news: &[&Page]) -> String {
    use atom_syndication::{Entry, Feed, Link, Person, Text};
    let updated_of = |date: Date| {
        format!("{date}T00:00:00+09:00")
            .parse::<atom_syndication::FixedDateTime>()
            .expect("a valid civil date with offset parses")
    };
    let base = site_url(site);
    let entries: Vec<Entry> = news
        .iter()
        .map(|item| {
            let date = item.date().unwrap_or_default();
            let url = absolute(&base, &item.path).to_string();
            let mut entry = Entry::default();
            entry.set_id(url.clone());
            entry.set_title(Text::plain(xml_chars(&item.title)));
            entry.set_updated(updated_of(date));
            entry.set_published(Some(updated_of(date)));
            entry.set_links(vec![Link {
                href: url,
                ..Default::default()
            }]);
            entry.set_summary(Some(Text::plain(xml_chars(
                &item
                    .description
                    .clone()
                    .unwrap_or_else(|| item.rendered.text.chars().take(120).collect()),
            ))));
            entry.set_content(Some(atom_syndication::Content {
                value: Some(xml_chars(&item.rendered.html)),
                content_type: Some("html".to_owned()),
                ..Default::default()
            }));
            entry
        })
        .collect();
    let newest = news
        .iter()
        .filter_map(|n| n.date())
        .max()
        .unwrap_or_default();
    let mut feed = Feed::default();
    feed.set_id(absolute(&base, "news/").to_string());
    feed.set_title(Text::plain(xml_chars(&format!("{} お知らせ", site.title))));
    feed.set_lang(Some("ja".to_owned()));
    feed.set_updated(updated_of(newest));
    feed.set_authors(vec![Person {
        name: xml_chars(&site.organization),
        ..Default::default()
    }]);
    feed.set_links(vec![
        Link {
            href: absolute(&base, "news/").to_string(),
            ..Default::default()
        },
        Link {
            href: absolute(&base, "news/atom.xml").to_string(),
            rel: "self".to_owned(),
            ..Default::default()
        },
    ]);
    feed.set_entries(entries);
    feed.to_string()
}

/// Writes the iCalendar (RFC 5545) content lines of one lecture.
fn lecture_event(out: &mut Ical, site: &SiteConfig, lecture: &Page, stamp: Date) {
    let PageDetails::Lecture {
        date,
        start,
        end,
        venue,
        address,
        fee,
        apply,
        organizer,
        ..
    } = &lecture.details
    else {
        return;
    };
    let Some((from, to)) = lecture_span(*date, start, end) else {
        return;
    };
    let base = site_url(site);
    let host = base.host_str().unwrap_or("zaitaku");
    // Times are local to Tokushima: written with TZID=Asia/Tokyo, which calendar apps resolve
    // with the VTIMEZONE before the first event.
    let local = |time: DateTime| time.strftime("%Y%m%dT%H%M%S").to_string();
    out.line("BEGIN", "VEVENT");
    out.text(
        "DESCRIPTION",
        &format!(
            "参加費: {fee}\n申し込み: {apply}\n主催: {organizer}\n{}",
            lecture.rendered.text
        ),
    );
    out.line("DTEND;TZID=Asia/Tokyo", &local(to));
    out.line("DTSTAMP", &format!("{}T000000Z", stamp.strftime("%Y%m%d")));
    out.line("DTSTART;TZID=Asia/Tokyo", &local(from));
    out.text("LOCATION", &format!("{venue}（{address}）"));
    out.text("SUMMARY", &lecture.title);
    out.text("UID", &format!("{}@{host}", lecture.slug));
    out.line("URL", absolute(&base, &lecture.path).as_str());
    out.line("END", "VEVENT");
}

/// Asia/Tokyo has had no daylight saving since 1951, so one STANDARD block describes it.
const TOKYO_TIMEZONE: [(&str, &str); 9] = [
    ("BEGIN", "VTIMEZONE"),
    ("TZID", "Asia/Tokyo"),
    ("BEGIN", "STANDARD"),
    ("DTSTART", "19700101T000000"),
    ("TZOFFSETFROM", "+0900"),
    ("TZOFFSETTO", "+0900"),
    ("TZNAME", "JST"),
    ("END", "STANDARD"),
    ("END", "VTIMEZONE"),
];

/// iCalendar text being written: content lines folded at 75 octets, ended by CRLF.
struct Ical(String);

impl Ical {
    /// A content line whose value is written as it is (dates, URIs, fixed words).
    fn line(&mut self, name: &str, value: &str) {
        let line = format!("{name}:{value}");
        let mut rest = line.as_str();
        let mut limit = 75;
        while rest.len() > limit {
            let mut cut = limit;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            self.0.push_str(&rest[..cut]);
            self.0.push_str("\r\n ");
            rest = &rest[cut..];
            // Continuation lines start with the space, which counts.
            limit = 74;
        }
        self.0.push_str(rest);
        self.0.push_str("\r\n");
    }

    /// A content line with a TEXT value (RFC 5545 3.3.11): backslash, `;` and `,` escaped, any
    /// line break written as `\n`, other control characters dropped.
    fn text(&mut self, name: &str, value: &str) {
        let mut escaped = String::with_capacity(value.len() + 8);
        let mut chars = value.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => escaped.push_str("\\\\"),
                ';' => escaped.push_str("\\;"),
                ',' => escaped.push_str("\\,"),
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    escaped.push_str("\\n");
                }
                '\n' | '\u{2028}' | '\u{2029}' => escaped.push_str("\\n"),
                '\t' => escaped.push(' '),
                c if c.is_control() => {}
                c => escaped.push(c),
            }
        }
        self.line(name, &escaped);
    }
}

/// One iCalendar file with the given lectures. `stamp` (the build's "today") is the DTSTAMP,
/// keeping the output reproducible.
pub fn calendar(site: &SiteConfig, name: &str, lectures: &[&Page], stamp: Date) -> String {
    let mut out = Ical(String::new());
    out.line("BEGIN", "VCALENDAR");
    out.line("VERSION", "2.0");
    out.line("PRODID", "-//zaitaku//zaitaku//JA");
    out.line("CALSCALE", "GREGORIAN");
    out.text("NAME", name);
    out.text("X-WR-CALNAME", name);
    if !lectures.is_empty() {
        for (property, value) in TOKYO_TIMEZONE {
            out.line(property, value);
        }
    }
    for lecture in lectures {
        lecture_event(&mut out, site, lecture, stamp);
    }
    out.line("END", "VCALENDAR");
    out.0
}

/// The site's address, parsed (`base_url` is validated when the site is loaded).
fn site_url(site: &SiteConfig) -> Url {
    Url::parse(&site.base_url).unwrap_or_else(|_| Url::parse("https://invalid.example/").unwrap())
}

/// An absolute URL of a site-relative path, resolved by the URL parser (never pasted).
fn absolute(base: &Url, path: &str) -> Url {
    base.join(path).unwrap_or_else(|_| base.clone())
}

/// `sitemap.xml` with absolute URLs.
pub fn sitemap(site: &SiteConfig, urls: &[String]) -> String {
    let base = site_url(site);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for url in urls {
        xml.push_str("  <url><loc>");
        xml.push_str(&escape_xml(absolute(&base, url).as_str()));
        xml.push_str("</loc></url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

/// `robots.txt`, naming the sitemap by its parsed absolute URL.
pub fn robots(site: &SiteConfig) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        absolute(&site_url(site), "sitemap.xml")
    )
}

fn escape_xml(text: &str) -> String {
    xml_chars(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text without the characters XML 1.0 cannot hold at all, even escaped (C0 controls other
/// than tab and line breaks, U+FFFE, U+FFFF); a feed must parse whatever an editor pasted.
pub fn xml_chars(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ical_text_is_escaped_and_folded() {
        let mut out = Ical(String::new());
        out.text(
            "DESCRIPTION",
            "一行目\r\n二行目\r三行目\n四, 五; 六\\七\u{1b}[31m\u{7f}\u{85}終\u{2028}わり",
        );
        assert_eq!(
            out.0.replace("\r\n ", ""),
            "DESCRIPTION:一行目\\n二行目\\n三行目\\n四\\, 五\\; 六\\\\七[31m終\\nわり\r\n"
        );
        let mut long = Ical(String::new());
        long.text("SUMMARY", &"在宅医療".repeat(40));
        for line in long.0.split_terminator("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert_eq!(
            long.0.replace("\r\n ", ""),
            format!("SUMMARY:{}\r\n", "在宅医療".repeat(40))
        );
    }

    #[test]
    fn xml_keeps_only_what_xml_can_hold() {
        assert_eq!(
            xml_chars("a\u{1}b\u{b}c\td\ne\u{fffe}f\u{ffff}g"),
            "abc\td\nefg"
        );
    }
}
