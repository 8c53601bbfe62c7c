//! Nothing hidden is published, and every output format escapes by its own rules (issue 10).
//!
//! The fixture `tests/fixtures/safety-publish/` hides text in every way an editor might — an
//! HTML comment with a private phone number, `hidden` and `display:none` elements, script,
//! style, template, a Markdown comment, an unused link definition, an attribute the sanitiser
//! drops — in a news item, a lecture, a page and a facility note, each marked `KAKUSHI-…`; the
//! text that is shown is marked `KOUKAI-…`. Every file of the built site (the search index
//! decompressed) is searched for both.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{site_with, today};
use zaitaku::Error;
use zaitaku::build::{BuildOptions, build};
use zaitaku::diagnostics::Diagnostic;

fn fixture() -> PathBuf {
    common::fixtures().join("safety-publish")
}

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        out: root.join("public"),
        base_url: None,
        today: today(),
    }
}

fn built() -> (tempfile::TempDir, PathBuf) {
    let site = site_with(Some(&fixture()));
    build(&options(site.path())).unwrap();
    let out = site.path().join("public");
    (site, out)
}

/// Every file of a built site as text (gzip files of the search index decompressed).
fn every_file(out: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(out).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let bytes = zaitaku::search::format::read_gz(entry.path()).unwrap();
        let relative = entry
            .path()
            .strip_prefix(out)
            .unwrap()
            .display()
            .to_string();
        files.push((relative, String::from_utf8_lossy(&bytes).into_owned()));
    }
    files
}

fn read(out: &Path, file: &str) -> String {
    std::fs::read_to_string(out.join(file)).unwrap_or_else(|_| panic!("{file} missing"))
}

fn content_errors(result: Result<zaitaku::build::BuildReport, Error>) -> Vec<Diagnostic> {
    match result {
        Err(Error::Content { diagnostics, .. }) => diagnostics,
        Err(other) => panic!("expected content errors, got: {other}"),
        Ok(_) => panic!("the build succeeded"),
    }
}

#[test]
fn nothing_hidden_reaches_any_output() {
    let (_site, out) = built();
    let files = every_file(&out);
    let mut leaks = Vec::new();
    for (file, text) in &files {
        for (at, _) in text.match_indices("KAKUSHI") {
            let end = (at + 40).min(text.len());
            let end = (end..=text.len())
                .find(|&i| text.is_char_boundary(i))
                .unwrap();
            leaks.push(format!("{file}: {}", &text[at..end]));
        }
        assert!(
            !text.contains("090-0000-000"),
            "{file} has the phone number"
        );
    }
    assert!(
        leaks.is_empty(),
        "hidden text published:\n{}",
        leaks.join("\n")
    );
    // The shown text is there, in the pages, the index and the feeds: the search above could
    // have found the hidden text.
    let holding = |marker: &str| -> Vec<&str> {
        files
            .iter()
            .filter(|(_, text)| text.contains(marker))
            .map(|(file, _)| file.as_str())
            .collect()
    };
    let news = holding("KOUKAI-news");
    for file in ["news/himitsu/index.html", "news/atom.xml"] {
        assert!(news.contains(&file), "KOUKAI-news not in {file}: {news:?}");
    }
    assert!(
        news.iter().any(|f| f.starts_with("search-index/f/")),
        "{news:?}"
    );
    let lecture = holding("KOUKAI-lecture");
    for file in [
        "lectures/himitsu-kouza/index.html",
        "lectures/himitsu-kouza/lecture.ics",
        "lectures/upcoming.ics",
    ] {
        assert!(
            lecture.contains(&file),
            "KOUKAI-lecture not in {file}: {lecture:?}"
        );
    }
    let note = holding("KOUKAI-note");
    assert!(
        note.contains(&"resources/himitsu-clinic/index.html"),
        "{note:?}"
    );
    assert!(
        note.iter().any(|f| f.starts_with("search-index/")),
        "{note:?}"
    );
    let caremane = holding("KOUKAI-caremane");
    for file in ["caremane-time/data.js", "print/caremane/index.html"] {
        assert!(caremane.contains(&file), "{file}: {caremane:?}");
    }
}

#[test]
fn indexes_feeds_and_contents_use_the_text_the_page_shows() {
    let (_site, out) = built();
    // The page shows the note's list as a list, not as Markdown: the snippet has no "- ".
    let results = zaitaku::search::search(&out, "ひみつ診療所", None, None, None, 1).unwrap();
    let snippet = &results.results[0].fragment.text;
    assert!(
        snippet.contains("KOUKAI-note 駐車場は5台分あります。 玄関にスロープがあります"),
        "{snippet}"
    );
    // The table of contents lists the headings the page shows, with their shown text.
    let page = read(&out, "mokuji/index.html");
    let toc_start = page.find("on-page").expect("a table of contents");
    let toc = &page[toc_start..page[toc_start..].find("</nav>").unwrap() + toc_start];
    assert!(toc.contains(">二つ目</a>"), "{toc}");
    assert_eq!(toc.matches("<li>").count(), 3, "{toc}");
    // The feed's summary is the shown text.
    let feed: atom_syndication::Feed = read(&out, "news/atom.xml").parse().unwrap();
    let entry = feed
        .entries()
        .iter()
        .find(|e| e.links()[0].href().ends_with("/news/himitsu/"))
        .unwrap();
    let summary = entry.summary().unwrap().as_str();
    assert!(
        summary.starts_with("KOUKAI-news 受付時間を変更します。 院長 お知らせ"),
        "{summary}"
    );
}

#[test]
fn json_ld_and_script_data_stay_inert_whatever_the_text() {
    let (_site, out) = built();
    let title = "在宅医療講座 </script><script>alert(\"x\")</script> & <!-- 夜, 24時; 半角\\バックスラッシュ";
    let page = read(&out, "lectures/himitsu-kouza/index.html");
    let open = "<script type=\"application/ld+json\">";
    let start = page.find(open).expect("JSON-LD") + open.len();
    let json = &page[start..start + page[start..].find("</script>").unwrap()];
    for bad in ['<', '>', '&'] {
        assert!(!json.contains(bad), "{bad} in {json}");
    }
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(value["name"], title);
    // An end at 24:00 is midnight of the next day.
    assert_eq!(value["endDate"], "2026-12-21T00:00:00+09:00");
    // Only one script element: the title did not open another.
    assert_eq!(
        page.matches("<script type=\"application/ld+json\">")
            .count(),
        1
    );
    assert!(!page.contains("<script>alert"));

    let data = read(&out, "caremane-time/data.js");
    let json = data
        .split_once('=')
        .and_then(|(_, rest)| rest.trim_end().strip_suffix(';'))
        .expect("window.ZaitakuCaremane={…};");
    for bad in ['<', '>', '&'] {
        assert!(!json.contains(bad), "{bad} in data.js");
    }
    serde_json::from_str::<serde_json::Value>(json).unwrap();
}

#[test]
fn icalendar_is_escaped_folded_and_ends_at_midnight() {
    let (_site, out) = built();
    let title = "在宅医療講座 </script><script>alert(\"x\")</script> & <!-- 夜, 24時; 半角\\バックスラッシュ";
    for file in [
        "lectures/himitsu-kouza/lecture.ics",
        "lectures/upcoming.ics",
    ] {
        let text = read(&out, file);
        for line in text.split_terminator("\r\n") {
            assert!(line.len() <= 75, "{file}: {} octets: {line}", line.len());
            assert!(!line.contains(['\r', '\n']), "{file}: bare line break");
        }
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        let unfolded = text.replace("\r\n ", "");
        // TEXT values escape backslash, `;` and `,` (RFC 5545 3.3.11).
        let escaped = "在宅医療講座 </script><script>alert(\"x\")</script> & <!-- 夜\\, 24時\\; 半角\\\\バックスラッシュ";
        assert!(
            unfolded.contains(&format!("SUMMARY:{escaped}\r\n")),
            "{file}:\n{unfolded}"
        );
        assert!(
            unfolded.contains("LOCATION:市民ホール\\, 大会議室\\; 2階（徳島市テスト町2番地）\r\n")
        );
        let calendar = ical::IcalParser::new(text.as_bytes())
            .next()
            .expect("a calendar")
            .expect("parses");
        let event = calendar
            .events
            .iter()
            .find(|e| {
                e.properties.iter().any(|p| {
                    p.name == "UID" && p.value.as_deref().unwrap().starts_with("himitsu-kouza@")
                })
            })
            .expect("the lecture");
        let value = |name: &str| {
            event
                .properties
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.value.clone())
                .unwrap()
        };
        assert_eq!(value("DTSTART"), "20261220T180000");
        assert_eq!(value("DTEND"), "20261221T000000");
        assert!(value("DESCRIPTION").contains("KOUKAI-lecture"));
    }
    // The calendar's own name is TEXT too.
    let single = read(&out, "lectures/himitsu-kouza/lecture.ics").replace("\r\n ", "");
    assert!(single.contains("\r\nNAME:在宅医療講座 </script><script>alert(\"x\")</script> & <!-- 夜\\, 24時\\; 半角\\\\バックスラッシュ\r\n"));
    let _ = title;
}

#[test]
fn feeds_and_sitemap_are_valid_xml_whatever_the_text() {
    let (_site, out) = built();
    for file in ["news/atom.xml", "sitemap.xml"] {
        let text = read(&out, file);
        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{file} is not XML: {e}"));
    }
    let feed: atom_syndication::Feed = read(&out, "news/atom.xml").parse().unwrap();
    assert!(
        feed.entries()
            .iter()
            .any(|e| e.title().as_str() == "訪問診療の受付時間を変更します")
    );
}

fn run(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("run zaitaku")
}

#[test]
fn base_url_has_one_rule_and_urls_are_written_parsed() {
    let site = site_with(None);
    // A --base-url the URL parser accepts but that is no web address is refused, in Japanese,
    // as site.yaml's base_url is.
    for bad in [
        "ftp://example.jp/",
        "javascript:alert(1)//",
        "https://example.jp/?q=<script>",
        "https://user:secret@example.jp/",
        "zaitaku.example.jp",
    ] {
        let output = run(
            site.path(),
            &["build", "--today", common::TODAY, "--base-url", bad],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("サイトのアドレス「"), "{bad}: {stderr}");
        assert!(!site.path().join("public").exists());
    }
    let site_yaml = site.path().join("content/site.yaml");
    let original = std::fs::read_to_string(&site_yaml).unwrap();
    std::fs::write(
        &site_yaml,
        original.replace("https://test.example.jp/", "ftp://example.jp/"),
    )
    .unwrap();
    let diagnostics = common::check(site.path());
    let wrong = diagnostics
        .iter()
        .find(|d| d.field.as_deref() == Some("base_url"))
        .expect("base_url is an error");
    assert!(
        wrong
            .message
            .starts_with("サイトのアドレス「ftp://example.jp/」")
    );
    std::fs::write(&site_yaml, &original).unwrap();

    // A valid address is written as the URL parser writes it, in every file that names it.
    let output = run(
        site.path(),
        &[
            "build",
            "--today",
            common::TODAY,
            "--base-url",
            "https://Test.Example.jp/在宅 支援",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = site.path().join("public");
    let base = "https://test.example.jp/%E5%9C%A8%E5%AE%85%20%E6%94%AF%E6%8F%B4/";
    assert_eq!(
        read(&out, "robots.txt"),
        format!("User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n")
    );
    let sitemap = read(&out, "sitemap.xml");
    let document = roxmltree::Document::parse(&sitemap).unwrap();
    let locs: Vec<&str> = document
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert!(locs.len() > 10);
    for loc in locs {
        assert!(loc.starts_with(base), "{loc}");
        assert_eq!(url::Url::parse(loc).unwrap().as_str(), loc);
    }
    assert!(
        read(&out, "index.html").contains(&format!("<link rel=\"canonical\" href=\"{base}\">"))
    );
}

#[test]
fn ids_the_theme_uses_are_errors_with_file_line_and_field() {
    let site = site_with(None);
    let content = site.path().join("content");
    std::fs::write(
        content.join("pages/ids.md"),
        "---\ntitle: id のページ\n---\n段落\n\n## 本文へ {#main-content}\n\n<div id=\"site-search-q\">囲み</div>\n\n## 目次 {#chapter-intro}\n\n## よい見出し {#program}\n",
    )
    .unwrap();
    let clinic = content.join("resources/clinic/takahashi-naika.yaml");
    let record = std::fs::read_to_string(&clinic).unwrap();
    std::fs::write(
        &clinic,
        record.replace(
            "verified: 2026-04-01",
            "note: |\n  駐車場があります。\n\n  ## 備考 {#f-note}\nverified: 2026-04-01",
        ),
    )
    .unwrap();
    let mut errors: Vec<String> = content_errors(build(&options(site.path())))
        .iter()
        .map(|d| {
            format!(
                "{} {} {}",
                d.location(),
                d.field.as_deref().unwrap_or("-"),
                d.message
            )
        })
        .collect();
    errors.sort();
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(
        errors[0].starts_with("content/pages/ids.md:10:7 本文 id「chapter-intro」"),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with("content/pages/ids.md:6:8 本文 id「main-content」"),
        "{errors:#?}"
    );
    assert!(
        errors[2].starts_with("content/pages/ids.md:8:10 本文 id「site-search-q」"),
        "{errors:#?}"
    );
    assert!(
        errors[3]
            .starts_with("content/resources/clinic/takahashi-naika.yaml:30:9 note id「f-note」"),
        "{errors:#?}"
    );
    assert!(!site.path().join("public").exists());
    // `zaitaku check` lists them too.
    let output = run(site.path(), &["check", "--today", common::TODAY]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("content/pages/ids.md:6:8 項目「本文」"),
        "{stderr}"
    );

    // The ids come from the theme itself: a site's own theme reserves its own.
    let site = site_with(None);
    let theme = site.path().join("themes/default");
    common::copy_tree(&common::repo().join("themes/default"), &theme);
    let base = theme.join("templates/base.html");
    let template = std::fs::read_to_string(&base).unwrap();
    std::fs::write(
        &base,
        template.replace(
            "<footer class=\"site-footer\">",
            "<footer class=\"site-footer\" id=\"centre-footer\">",
        ),
    )
    .unwrap();
    std::fs::write(
        site.path().join("content/pages/footer.md"),
        "---\ntitle: フッター\n---\n## 下 {#centre-footer}\n",
    )
    .unwrap();
    let errors = content_errors(build(&options(site.path())));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].location(), "content/pages/footer.md:4:6");
}

#[test]
fn deep_nesting_is_refused_with_file_and_line() {
    // 5,000 levels: enough to show the rule (today's builds take minutes from 100,000 on; see
    // docs/benchmarks.md), small enough to fail fast on a build without the guard.
    let depth = 5_000;
    let cases = [
        (
            "pages/divs.md",
            format!(
                "---\ntitle: 深い\n---\n前置き\n\n{}中身{}\n",
                "<div>".repeat(depth),
                "</div>".repeat(depth)
            ),
            "content/pages/divs.md:6:1",
        ),
        (
            "pages/quotes.md",
            format!(
                "---\ntitle: 引用\n---\n前置き\n\n{}中身\n",
                "> ".repeat(depth)
            ),
            "content/pages/quotes.md:6:1",
        ),
        (
            "pages/lists.md",
            format!(
                "---\ntitle: 箇条書き\n---\n前置き\n\n{}中身\n",
                "- ".repeat(depth)
            ),
            "content/pages/lists.md:6:1",
        ),
        (
            "pages/unclosed.md",
            format!(
                "---\ntitle: 閉じ忘れ\n---\n前置き\n\n{}中身\n",
                "<span><b>".repeat(depth)
            ),
            "content/pages/unclosed.md:6:1",
        ),
    ];
    let site = site_with(None);
    for (file, text, _) in &cases {
        std::fs::write(site.path().join("content").join(file), text).unwrap();
    }
    let clinic = site
        .path()
        .join("content/resources/clinic/takahashi-naika.yaml");
    let record = std::fs::read_to_string(&clinic).unwrap();
    std::fs::write(
        &clinic,
        record.replace(
            "verified: 2026-04-01",
            &format!(
                "note: |\n  前置き\n  {}\nverified: 2026-04-01",
                "> ".repeat(depth)
            ),
        ),
    )
    .unwrap();
    let errors = content_errors(build(&options(site.path())));
    let mut locations: Vec<String> = errors.iter().map(Diagnostic::location).collect();
    locations.sort();
    let mut expected: Vec<String> = cases.iter().map(|(_, _, at)| (*at).to_owned()).collect();
    expected.push("content/resources/clinic/takahashi-naika.yaml:29:3".to_owned());
    expected.sort();
    assert_eq!(locations, expected, "{errors:#?}");
    for error in &errors {
        assert!(error.message.contains("入れ子"), "{error}");
        assert!(error.message.contains("100 段"), "{error}");
        assert!(error.hint.is_some());
    }
    assert!(errors.iter().any(|e| e.field.as_deref() == Some("note")));
}

#[test]
fn search_never_writes_terminal_controls() {
    let (_site, out) = built();
    // An index can come from anywhere (an old build, a copied folder): put controls into the
    // fragment of the facility the query finds.
    let hostile = "\u{1b}]0;乗っ取り\u{7}\u{1b}[2J\u{9b}31m\u{202e}\u{2066}";
    let mut patched = false;
    for entry in std::fs::read_dir(out.join("search-index/f")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = zaitaku::search::format::read_gz(&path).unwrap();
        let mut pack: Vec<serde_json::Value> = serde_json::from_slice(&bytes).unwrap();
        for fragment in &mut pack {
            if fragment["id"] == "himitsu-clinic" {
                for key in ["title", "text", "label", "phone"] {
                    let value = format!("{hostile}{}", fragment[key].as_str().unwrap_or(""));
                    fragment[key] = serde_json::Value::String(value);
                }
                fragment["caremane"] = serde_json::json!([hostile]);
                patched = true;
            }
        }
        let json = serde_json::to_vec(&pack).unwrap();
        std::fs::write(&path, zaitaku::search::format::gzip(&json)).unwrap();
    }
    assert!(patched);
    let controls = |text: &str| -> Vec<char> {
        text.chars()
            .filter(|&c| {
                (c.is_control() && c != '\n')
                    || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            })
            .collect()
    };
    let search = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
            .args(["search", "--site"])
            .arg(&out)
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let text = search(&["ひみつ診療所"]);
    assert!(text.contains("ひみつ診療所"), "{text}");
    assert_eq!(controls(&text), Vec::<char>::new(), "{text:?}");
    // The query is shown back as well.
    let none = search(&["\u{1b}[31mありえない言葉"]);
    assert!(none.contains("ありえない言葉"), "{none}");
    assert_eq!(controls(&none), Vec::<char>::new(), "{none:?}");
    let json = search(&["--json", "ひみつ診療所"]);
    assert_eq!(controls(&json), Vec::<char>::new(), "{json:?}");
    let results: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        results[0]["title"].as_str().unwrap().starts_with(hostile),
        "{results}"
    );
}
