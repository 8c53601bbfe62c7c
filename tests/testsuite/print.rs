//! The printed directory: `/print/` pages in the build, and `zaitaku pdf` on the sample site
//! checked with poppler (`pdfinfo`, `pdftotext`, `pdffonts`): page count, every facility's
//! name, that every page number printed in the contents and the kana index is the page where
//! that section or facility really is, entries not split, no blank page, fonts embedded.
//!
//! The PDF part needs Debian's chromium, fonts-noto-cjk and poppler-utils (`.ci/run` installs
//! them); without them it FAILS, unless `ZAITAKU_SKIP_BROWSER=1` is set.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::Need;
use lopdf::{Document, Object};
use zaitaku::content::Content;
use zaitaku::content::resource::Resource;

fn content() -> Content {
    zaitaku::build::load_valid(&common::repo(), common::today())
        .unwrap()
        .0
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_build_writes_every_booklet() {
    let out = common::sample_site();
    let content = content();
    let index = std::fs::read_to_string(out.join("print/index.html")).unwrap();
    for booklet in zaitaku::site::print::Booklet::all(&content.site) {
        let url = booklet.url(&content.site);
        let file = out.join(&url).join("index.html");
        assert!(file.is_file(), "{url} is written");
        let html = std::fs::read_to_string(&file).unwrap();
        assert!(
            html.contains("print-directory.css"),
            "{url} uses the print stylesheet"
        );
        let _ = index.contains(&url);
    }
    let whole = std::fs::read_to_string(out.join("print/whole/index.html")).unwrap();
    for resource in &content.resources {
        assert!(
            whole.contains(&format!("id=\"f-{}\"", resource.id)),
            "{} is in the whole directory",
            resource.id
        );
    }
    assert!(whole.contains("五十音索引") && whole.contains("目次"));
    assert!(
        !whole.contains("class=\"toc-page\""),
        "the web version prints no page numbers"
    );
}

/// `true` when the PDF test is skipped on purpose; panics when what it needs is missing.
fn skip_or_require() -> bool {
    common::skip_or_require_browser(
        &common::repo(),
        &[
            Need::Tool("pdfinfo", "poppler-utils"),
            Need::Tool("pdftotext", "poppler-utils"),
            Need::Tool("pdffonts", "poppler-utils"),
        ],
        "SKIPPED tests/testsuite/print.rs PDF test: ZAITAKU_SKIP_BROWSER=1 is set, so no PDF was printed or checked.",
        "The PDF test cannot run; install what is missing (or run `bash .ci/run`):",
    )
}

/// The text inside a rectangle of a page (PDF points, origin bottom-left).
fn text_in(pdf: &Path, page: usize, rect: [f64; 4], height: f64) -> String {
    let (x1, y1, x2, y2) = (rect[0], rect[1], rect[2], rect[3]);
    let output = Command::new("pdftotext")
        .args(["-f", &page.to_string(), "-l", &page.to_string(), "-layout"])
        .args(["-x", &format!("{}", x1.floor() as i64)])
        .args(["-y", &format!("{}", (height - y2).floor() as i64)])
        .args(["-W", &format!("{}", (x2 - x1).ceil() as i64 + 1)])
        .args(["-H", &format!("{}", (y2 - y1).ceil() as i64 + 1)])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn number(object: &Object) -> f64 {
    match object {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => f64::from(*r),
        _ => panic!("not a number: {object:?}"),
    }
}

/// Every internal link: (page it is on, its rectangle, the destination's name, page height).
fn links(pdf: &Path) -> Vec<(usize, [f64; 4], String, f64)> {
    let doc = Document::load(pdf).unwrap();
    let mut out = Vec::new();
    for (number_of_page, id) in doc.get_pages() {
        let page = doc.get_dictionary(id).unwrap();
        let height = page
            .get(b"MediaBox")
            .ok()
            .and_then(|b| b.as_array().ok())
            .map(|b| number(&b[3]))
            .unwrap_or(842.0);
        let Ok(annots) = page.get(b"Annots") else {
            continue;
        };
        let annots = match doc.dereference(annots).unwrap().1 {
            Object::Array(a) => a.clone(),
            _ => continue,
        };
        for annot in annots {
            let Object::Dictionary(annot) = doc.dereference(&annot).unwrap().1 else {
                continue;
            };
            let dest = match annot.get(b"Dest") {
                Ok(Object::Name(name)) => String::from_utf8_lossy(name).into_owned(),
                Ok(Object::String(name, _)) => String::from_utf8_lossy(name).into_owned(),
                _ => continue,
            };
            let rect = annot.get(b"Rect").unwrap().as_array().unwrap();
            out.push((
                number_of_page as usize,
                [
                    number(&rect[0]),
                    number(&rect[1]),
                    number(&rect[2]),
                    number(&rect[3]),
                ],
                dest,
                height,
            ));
        }
    }
    out
}

/// A facility's entry: its reading and its name (the kana index has the name only).
fn entry_marks(r: &Resource) -> Vec<String> {
    vec![squeeze(&r.kana), squeeze(&r.name)]
}

/// Whether a page (its lines, each squeezed, joined by newlines) has every mark: a mark with
/// no newline of its own must be a whole line for entries, a part of the page for headings.
fn has_all(page: &str, marks: &[String]) -> bool {
    if marks.len() == 2 {
        let lines: Vec<&str> = page.lines().collect();
        // Either the reading and the name each as a whole line, or (the directory prints the
        // reading beside the name) a line that starts with the name and then has the reading.
        let (kana, name) = (marks[0].as_str(), marks[1].as_str());
        return marks.iter().all(|m| lines.contains(&m.as_str()))
            || lines.iter().any(|l| {
                l.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with(kana))
            });
    }
    let flat: String = page.lines().collect();
    marks.iter().all(|m| flat.contains(m.as_str()))
}

/// What must stand on the page a contents or index line points to.
fn expected_text(dest: &str, content: &Content, members: &[&Resource]) -> Option<Vec<String>> {
    if let Some(id) = dest.strip_prefix("f-") {
        let r = content.resources.iter().find(|r| r.id == id)?;
        return Some(entry_marks(r));
    }
    expected_heading(dest, content, members).map(|h| vec![h])
}

fn expected_heading(dest: &str, content: &Content, members: &[&Resource]) -> Option<String> {
    let site = &content.site;
    if dest == "legend" {
        return Some("「できること」の番号".to_owned());
    }
    if dest == "kana-index" {
        return Some(squeeze("五十音索引 名前のふりがなの五十音順です"));
    }
    let key = dest.strip_prefix("s-")?;
    // A whole-directory group: s-<category>-<area>.
    for c in &site.categories {
        for a in &site.areas {
            if key == format!("{}-{}", c.key, a.key) {
                return Some(squeeze(&format!("{}（{}）", a.label, c.label)));
            }
        }
    }
    let count = |f: &dyn Fn(&Resource) -> bool| members.iter().filter(|r| f(r)).count();
    if let Some(c) = site.categories.iter().find(|c| c.key == key) {
        return Some(squeeze(&format!(
            "{}{} 件",
            c.label,
            count(&|r| r.category.key == c.key)
        )));
    }
    if let Some(a) = site.areas.iter().find(|a| a.key == key) {
        return Some(squeeze(&format!(
            "{}{} 件",
            a.label,
            count(&|r| r.area.as_ref().is_some_and(|x| x.key == a.key))
        )));
    }
    None
}

/// Checks a directory booklet's PDF; returns its page count.
fn check_directory(pdf: &Path, content: &Content, members: &[&Resource], edition: &str) -> usize {
    let pages = common::pdf_page_texts(pdf, false);
    let count = common::pdf_page_count(pdf);
    assert_eq!(
        pages.len(),
        count,
        "pdftotext and pdfinfo agree on the page count"
    );
    // Each page's lines without white space, one per line.
    let squeezed: Vec<String> = pages
        .iter()
        .map(|p| {
            p.lines()
                .map(squeeze)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect();
    let header = squeeze(&format!(
        "{}　医療・介護資源ガイド（{edition}）",
        content.site.title
    ));
    let flat: Vec<String> = squeezed.iter().map(|p| p.replace('\n', "")).collect();
    assert!(flat[0].contains("医療・介護資源ガイド") && flat[0].contains("発行日"));
    assert!(
        !flat[0].contains(&header),
        "the cover has no running header"
    );
    for (index, page) in flat.iter().enumerate().skip(1) {
        let number = index + 1;
        let footer = format!("{number}/{count}");
        assert!(
            page.contains(&header),
            "page {number} has the running header"
        );
        assert!(page.contains(&footer), "page {number} says {footer}");
        let body = page.replacen(&header, "", 1).replacen(&footer, "", 1);
        assert!(
            body.chars().count() >= 10,
            "page {number} is not blank: {body:?}"
        );
    }
    // Every facility, whole: its reading and name, address and phone on one page.
    for r in members {
        let marks = entry_marks(r);
        let on: Vec<usize> = (0..count)
            .filter(|i| has_all(&squeezed[*i], &marks))
            .collect();
        assert_eq!(
            on.len(),
            1,
            "{} is printed exactly once (pages {on:?})",
            r.name
        );
        let page = &flat[on[0]];
        assert!(
            page.contains(&squeeze(&r.address)),
            "{}: address on the same page",
            r.name
        );
        if let Some(phone) = &r.phone {
            assert!(
                page.contains(phone.as_str()),
                "{}: phone on the same page",
                r.name
            );
        }
    }
    // Every numbered line of the contents and the index: the number printed on it is the page
    // where its section or facility is.
    let mut checked = 0;
    let mut facility_links = 0;
    for (page, rect, dest, height) in links(pdf) {
        let text = text_in(pdf, page, rect, height);
        let printed: usize = text
            .split(|c: char| !c.is_ascii_digit())
            .rfind(|s| !s.is_empty())
            .unwrap_or_else(|| {
                panic!("the line to #{dest} on page {page} has no page number: {text:?}")
            })
            .parse()
            .unwrap();
        let expected = expected_text(&dest, content, members)
            .unwrap_or_else(|| panic!("unknown link target #{dest}"));
        assert!(
            printed >= 1 && printed <= count && has_all(&squeezed[printed - 1], &expected),
            "the line {:?} on page {page} says page {printed}, but {expected:?} is not there",
            text.trim()
        );
        if dest.starts_with("s-") && dest != "s-" {
            // A heading is on the first page it appears on after the contents.
            let first = (page..count)
                .find(|i| has_all(&squeezed[*i], &expected))
                .map(|i| i + 1);
            assert_eq!(first, Some(printed), "#{dest} starts on page {printed}");
        }
        if dest.starts_with("f-") {
            facility_links += 1;
        }
        checked += 1;
    }
    assert_eq!(
        facility_links,
        members.len(),
        "the kana index lists every facility"
    );
    assert!(checked > members.len());
    // Fonts: all embedded.
    let fonts = Command::new("pdffonts").arg(pdf).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "the PDF has fonts");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        let emb = columns[columns.len() - 5];
        assert_eq!(emb, "yes", "font embedded: {row}");
    }
    count
}

#[test]
fn zaitaku_pdf_prints_booklets_with_right_page_numbers() {
    if skip_or_require() {
        return;
    }
    let content = content();
    let tmp = tempfile::tempdir().unwrap();

    let whole = common::print_booklet_pdf("whole", tmp.path());
    let all: Vec<&Resource> = content.resources.iter().collect();
    let pages = check_directory(&whole, &content, &all, "全体版");
    // Cover, contents, legend, one or more pages per category, index.
    assert!(pages > 2 + content.site.categories.len(), "{pages} pages");
    eprintln!(
        "tests/testsuite/print.rs: whole directory: {pages} pages for {} facilities",
        all.len()
    );

    let north = &content.site.areas[0];
    let members: Vec<&Resource> = content
        .resources
        .iter()
        .filter(|r| r.area.as_ref().is_some_and(|a| a.key == north.key))
        .collect();
    let pdf = common::print_booklet_pdf(&format!("area:{}", north.key), tmp.path());
    check_directory(&pdf, &content, &members, &format!("{}版", north.label));

    let clinic = content
        .site
        .categories
        .iter()
        .find(|c| c.key == "clinic")
        .unwrap();
    let members: Vec<&Resource> = content
        .resources
        .iter()
        .filter(|r| r.category.key == clinic.key)
        .collect();
    let pdf = common::print_booklet_pdf("category:clinic", tmp.path());
    check_directory(&pdf, &content, &members, &format!("{}編", clinic.label));

    // The ケアマネタイム table: A4 landscape, every facility with a window.
    let table = common::print_booklet_pdf("caremane", tmp.path());
    let info = Command::new("pdfinfo").arg(&table).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    assert!(info.contains("841.92 x 594.96"), "A4 landscape: {info}");
    // The first column (事業所) only: its names wrap inside the cell (between words), and other
    // columns' text would come between their lines. The column ends at the left margin (12 mm)
    // plus 24 % of the 273 mm table.
    let name_column = (12.0 + 0.24 * 273.0) * 72.0 / 25.4 - 1.0;
    let mut names = String::new();
    for page in 1..=common::pdf_page_count(&table) {
        names.push_str(&text_in(
            &table,
            page,
            [0.0, 0.0, name_column, 594.96],
            594.96,
        ));
    }
    let names = squeeze(&names);
    let with_windows: Vec<&Resource> = content
        .resources
        .iter()
        .filter(|r| !r.caremane_time.is_empty())
        .collect();
    let mut at = 0;
    for r in &with_windows {
        // In 五十音順: each name after the previous one.
        let found = names[at..].find(&squeeze(&r.name));
        assert!(
            found.is_some(),
            "{} is in the ケアマネタイム table, in order",
            r.name
        );
        at += found.unwrap();
    }
    let text = squeeze(&common::pdf_page_texts(&table, false).join(""));
    let windows: usize = with_windows.iter().map(|r| r.caremane_time.len()).sum();
    assert!(text.contains(&format!("{}事業所・{windows}件", with_windows.len())));
    for (number, page) in common::pdf_page_texts(&table, false).iter().enumerate() {
        assert!(
            squeeze(page).chars().count() > 20,
            "page {} of the table is not blank",
            number + 1
        );
    }
}

#[test]
fn a_missing_chromium_is_a_clear_error() {
    let run = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(common::repo())
        .args(["pdf", "--chromium", "/nonexistent/chromium"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("apt-get install chromium"), "{stderr}");
    let run = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(common::repo())
        .args(["pdf", "--booklet", "area:nowhere", "--chromium"])
        .arg(std::env::current_exe().unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("area:north"),
        "the error lists the booklets: {stderr}"
    );
}
