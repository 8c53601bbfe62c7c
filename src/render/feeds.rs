//! Machine-readable outputs: the news Atom feed, iCalendar files for lectures (RFC 5545),
//! `sitemap.xml` and `robots.txt`.

use icalendar::{Calendar, Component, Event, EventLike};
use jiff::civil::Date;

use super::views::PageView;
use crate::content::pages::PageDetails;
use crate::content::site::SiteConfig;

/// The Atom feed of news items, newest first. `updated` comes from the content, not the clock,
/// so the same content gives the same feed.
pub fn atom(site: &SiteConfig, news: &[&PageView]) -> String {
    use atom_syndication::{Entry, Feed, Link, Person, Text};
    let updated_of = |date: Date| {
        format!("{date}T00:00:00+09:00")
            .parse::<atom_syndication::FixedDateTime>()
            .expect("a valid civil date with offset parses")
    };
    let entries: Vec<Entry> = news
        .iter()
        .map(|item| {
            let date = item.page.date().unwrap_or_default();
            let url = format!("{}{}", site.base_url, item.url);
            let mut entry = Entry::default();
            entry.set_id(url.clone());
            entry.set_title(Text::plain(item.page.title.clone()));
            entry.set_updated(updated_of(date));
            entry.set_published(Some(updated_of(date)));
            entry.set_links(vec![Link {
                href: url,
                ..Default::default()
            }]);
            entry.set_summary(Some(Text::plain(
                item.page
                    .description
                    .clone()
                    .unwrap_or_else(|| item.text.chars().take(120).collect()),
            )));
            entry.set_content(Some(atom_syndication::Content {
                value: Some(item.html.clone()),
                content_type: Some("html".to_owned()),
                ..Default::default()
            }));
            entry
        })
        .collect();
    let newest = news
        .iter()
        .filter_map(|n| n.page.date())
        .max()
        .unwrap_or_default();
    let mut feed = Feed::default();
    feed.set_id(format!("{}news/", site.base_url));
    feed.set_title(Text::plain(format!("{} お知らせ", site.title)));
    feed.set_lang(Some("ja".to_owned()));
    feed.set_updated(updated_of(newest));
    feed.set_authors(vec![Person {
        name: site.organization.clone(),
        ..Default::default()
    }]);
    feed.set_links(vec![
        Link {
            href: format!("{}news/", site.base_url),
            ..Default::default()
        },
        Link {
            href: format!("{}news/atom.xml", site.base_url),
            rel: "self".to_owned(),
            ..Default::default()
        },
    ]);
    feed.set_entries(entries);
    feed.to_string()
}

fn lecture_event(site: &SiteConfig, lecture: &PageView, stamp: Date) -> Option<Event> {
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
    } = &lecture.page.details
    else {
        return None;
    };
    let host = url::Url::parse(&site.base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "zaitaku".to_owned());
    let compact = |time: &str| time.replace(':', "");
    let local = |time: &str| {
        // Times are local to Tokushima: written with TZID=Asia/Tokyo, which calendar apps
        // resolve with the VTIMEZONE below.
        icalendar::Property::new(
            "DTSTART",
            format!("{}T{}00", date.strftime("%Y%m%d"), compact(time)),
        )
        .add_parameter("TZID", "Asia/Tokyo")
        .done()
    };
    let mut dtend = local(end);
    dtend = icalendar::Property::new("DTEND", dtend.value())
        .add_parameter("TZID", "Asia/Tokyo")
        .done();
    let mut event = Event::new();
    event
        .uid(&format!("{}@{host}", lecture.page.slug))
        .summary(&lecture.page.title)
        .location(&format!("{venue}（{address}）"))
        .description(&format!(
            "参加費: {fee}\n申し込み: {apply}\n主催: {organizer}\n{}",
            lecture.text
        ))
        .url(&format!("{}{}", site.base_url, lecture.url))
        .append_property(local(start))
        .append_property(dtend)
        .add_property("DTSTAMP", format!("{}T000000Z", stamp.strftime("%Y%m%d")));
    Some(event.done())
}

/// Asia/Tokyo has had no daylight saving since 1951, so one STANDARD block describes it.
const TOKYO_TIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nTZNAME:JST\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

/// One iCalendar file with the given lectures. `stamp` (the build's "today") is the DTSTAMP,
/// keeping the output reproducible.
pub fn calendar(site: &SiteConfig, name: &str, lectures: &[&PageView], stamp: Date) -> String {
    let mut calendar = Calendar::new();
    calendar.name(name);
    for lecture in lectures {
        if let Some(event) = lecture_event(site, lecture, stamp) {
            calendar.push(event);
        }
    }
    let text = calendar.done().to_string();
    // icalendar has no VTIMEZONE component; put ours before the first event.
    let text = text.replacen("BEGIN:VEVENT", &format!("{TOKYO_TIMEZONE}BEGIN:VEVENT"), 1);
    // The PRODID names this program rather than the library.
    text.split_inclusive("\r\n")
        .map(|line| {
            if line.starts_with("PRODID:") {
                "PRODID:-//zaitaku//zaitaku//JA\r\n"
            } else {
                line
            }
        })
        .collect()
}

/// `sitemap.xml` with absolute URLs.
pub fn sitemap(site: &SiteConfig, urls: &[String]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for url in urls {
        let loc = format!("{}{}", site.base_url, url);
        xml.push_str("  <url><loc>");
        xml.push_str(&escape_xml(&loc));
        xml.push_str("</loc></url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

pub fn robots(site: &SiteConfig) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}sitemap.xml\n",
        site.base_url
    )
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
