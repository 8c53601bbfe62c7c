//! Printed booklets worth handing out (issue 14, the print part), measured in the PDFs
//! Chromium prints: the ケアマネタイム list holds at least 12 facilities an A4 page with names
//! that never break inside a word and text of 9 pt or more; the pamphlet and the manga print as
//! A4 booklets (cover, numbered contents, each chapter or episode on a new page, panels whose
//! words are as large as the text); one facility's page prints on one A4 page; `zaitaku build
//! --pdf` (or `print: { pdf: true }`) publishes the booklets' PDFs through the build's staging
//! folder and links them, and without Chromium warns in Japanese and links nothing.
//!
//! The tests that print need Debian's chromium, fonts-noto-cjk and poppler-utils; without them
//! they FAIL, unless `ZAITAKU_SKIP_BROWSER=1` is set. PNGs of a few pages go to
//! `target/screenshots/print-books/` to look at.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, Need};
use zaitaku::content::Content;
use zaitaku::content::resource::Resource;

fn skip() -> bool {
    common::skip_or_require_browser(
        &common::repo(),
        &[
            Need::Tool("pdfinfo", "poppler-utils"),
            Need::Tool("pdftotext", "poppler-utils"),
            Need::Tool("pdftoppm", "poppler-utils"),
        ],
        "SKIPPED tests/testsuite/print_books.rs: ZAITAKU_SKIP_BROWSER=1 is set, so no booklet was printed or measured.",
        "The printed-booklet tests cannot run; install what is missing (or run `bash .ci/run`):",
    )
}

fn content() -> Content {
    zaitaku::build::load_valid(&common::repo(), common::today())
        .unwrap()
        .0
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Writes pages of `pdf` as PNG to look at.
fn look(pdf: &Path, name: &str, pages: &[usize]) {
    let dir = common::repo().join("target/screenshots/print-books");
    std::fs::create_dir_all(&dir).unwrap();
    for page in pages {
        let status = Command::new("pdftoppm")
            .args(["-png", "-r", "60", "-singlefile", "-f"])
            .arg(page.to_string())
            .arg("-l")
            .arg(page.to_string())
            .arg(pdf)
            .arg(dir.join(format!("{name}-{page}")))
            .status()
            .unwrap();
        assert!(status.success());
    }
}

/// The text of a page inside `x` from `x0` to `x1` (PDF points from the left), line by line.
fn column_text(pdf: &Path, page: usize, x0: f64, x1: f64) -> String {
    let output = Command::new("pdftotext")
        .args(["-f", &page.to_string(), "-l", &page.to_string(), "-layout"])
        .args(["-x", &format!("{}", x0.floor() as i64)])
        .args(["-y", "0"])
        .args(["-W", &format!("{}", (x1 - x0).ceil() as i64)])
        .args(["-H", "2000"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

/// Every word of `pdf` that is all full-width kana or kanji, with its page and its font size
/// (such a glyph is as wide as the font is large: `pdftotext -bbox` gives the word's width).
fn full_width_words(pdf: &Path) -> Vec<(usize, String, f64)> {
    let output = Command::new("pdftotext")
        .arg("-bbox")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(output.status.success());
    let html = String::from_utf8(output.stdout).unwrap();
    let attribute = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse().unwrap()
    };
    let full_width = |c: char| matches!(c, '\u{3041}'..='\u{3096}' | '\u{30a1}'..='\u{30fa}' | '\u{4e00}'..='\u{9fff}');
    let mut page = 0;
    let mut words = Vec::new();
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            page += 1;
        }
        let Some(rest) = line.strip_prefix("<word ") else {
            continue;
        };
        let (tag, text) = rest.split_once('>').unwrap();
        let text = text.trim_end_matches("</word>");
        let chars = text.chars().count();
        if chars >= 2 && text.chars().all(full_width) {
            let size = (attribute(tag, "xMax") - attribute(tag, "xMin")) / chars as f64;
            words.push((page, text.to_owned(), size));
        }
    }
    words
}

/// The smallest full-width text of `pdf` (on `pages`, 1-based; all when empty).
fn smallest_text(pdf: &Path, pages: &[usize]) -> (f64, String) {
    full_width_words(pdf)
        .into_iter()
        .filter(|(page, _, _)| pages.is_empty() || pages.contains(page))
        .map(|(page, word, size)| (size, format!("{word} (page {page})")))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .expect("the PDF has Japanese text")
}

#[test]
fn the_caremane_list_holds_a_dozen_facilities_a_page_with_whole_readable_names() {
    if skip() {
        return;
    }
    let content = content();
    let tmp = tempfile::tempdir().unwrap();
    let table = common::print_booklet_pdf("caremane", tmp.path());
    let pages = common::pdf_page_count(&table);
    let with_windows: Vec<&Resource> = content
        .resources
        .iter()
        .filter(|r| !r.caremane_time.is_empty())
        .collect();
    // The name column: the page's left margin (12 mm) and 24 % of the 273 mm table.
    let name_column = 12.0 * 72.0 / 25.4 + 0.24 * 273.0 * 72.0 / 25.4;
    let mut per_page = Vec::new();
    let mut next = 0;
    for page in 1..=pages {
        let column = column_text(&table, page, 0.0, name_column - 1.0);
        let lines: Vec<String> = column.lines().map(squeeze).collect();
        let joined: String = lines.concat();
        let mut on_page = 0;
        // In 五十音順, each facility once; a name is found whole in the column.
        while let Some(r) = with_windows.get(next) {
            if !joined.contains(&squeeze(&r.name)) {
                break;
            }
            // Broken only between its words (at a space or after a ・, as in 「かわうち・おうじん」),
            // never inside one (「相談員 吉/田」).
            for word in r.name.split(|c: char| c.is_whitespace() || c == '・') {
                let word = squeeze(word);
                assert!(
                    word.is_empty() || lines.iter().any(|l| l.contains(&word)),
                    "「{}」 breaks inside 「{word}」 on page {page}:\n{column}",
                    r.name
                );
            }
            on_page += 1;
            next += 1;
        }
        per_page.push(on_page);
    }
    common::say(&format!(
        "tests/testsuite/print_books.rs: ケアマネタイム list: {pages} A4 landscape pages for {} facilities, per page {per_page:?} (was 12 pages, about 6 a page)",
        with_windows.len()
    ));
    assert_eq!(
        next,
        with_windows.len(),
        "every facility is in the list in 五十音順 (stopped at {:?}; per page {per_page:?})",
        with_windows.get(next).map(|r| &r.name)
    );
    for (index, count) in per_page.iter().enumerate() {
        if index + 1 < pages {
            assert!(
                *count >= 12,
                "page {} holds {count} facilities (at least 12): {per_page:?}",
                index + 1
            );
        }
    }
    let (size, word) = smallest_text(&table, &[]);
    assert!(size >= 8.9, "the smallest text is {size:.1} pt: {word}");
    look(&table, "caremane", &[1, 2]);
}

/// The contents page's lines: (label, page number).
fn contents_numbers(contents: &str, pages: usize) -> Vec<(String, usize)> {
    contents
        .lines()
        .filter(|line| !line.contains(" / "))
        .filter_map(|line| {
            let line = line.trim();
            let (label, number) = line.rsplit_once(char::is_whitespace)?;
            let number: usize = number.parse().ok()?;
            (1..=pages)
                .contains(&number)
                .then(|| (squeeze(label.trim_end_matches(['.', '…', ' '])), number))
        })
        .collect()
}

/// Prints `booklet` and checks it as a booklet of `chapters` whose kicker is `第N{unit}`: A4
/// portrait, a cover, contents with the right page numbers, each one starting a new page.
fn check_book(booklet: &str, chapters: &[&zaitaku::content::pages::Page], unit: &str) -> PathBuf {
    let tmp = tempfile::tempdir().unwrap().keep();
    let pdf = common::print_booklet_pdf(booklet, &tmp);
    let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    assert!(info.contains("594.96 x 841.92"), "A4 portrait: {info}");
    let pages = common::pdf_page_count(&pdf);
    let texts = common::pdf_page_texts(&pdf, true);
    assert_eq!(texts.len(), pages);
    assert!(
        squeeze(&texts[0]).contains("発行日"),
        "a cover: {}",
        texts[0]
    );
    assert!(texts[1].contains("目次"), "contents: {}", texts[1]);
    let numbers = contents_numbers(&texts[1], pages);
    assert_eq!(
        numbers.len(),
        chapters.len(),
        "a page number for each: {numbers:?}\n{}",
        texts[1]
    );
    let mut previous = 2;
    for (index, (chapter, (label, page))) in chapters.iter().zip(&numbers).enumerate() {
        let kicker = format!("第{}{unit}", index + 1);
        assert!(
            label.contains(&squeeze(&chapter.title)),
            "{label} is {}",
            chapter.title
        );
        assert!(*page > previous, "{} starts on a new page", chapter.title);
        previous = *page;
        let text = squeeze(&texts[page - 1]);
        assert!(
            text.contains(&kicker) && text.contains(&squeeze(&chapter.title)),
            "{} ({kicker}) is on page {page}, as the contents say:\n{}",
            chapter.title,
            texts[page - 1]
        );
        // On its own page: the kicker is nowhere else but in the contents.
        for (other, body) in texts.iter().enumerate().skip(2) {
            if other + 1 != *page {
                assert!(
                    !squeeze(body).contains(&format!("{kicker}{}", squeeze(&chapter.title))),
                    "{} appears again on page {}",
                    chapter.title,
                    other + 1
                );
            }
        }
    }
    common::say(&format!(
        "tests/testsuite/print_books.rs: {booklet}: {pages} A4 pages, contents {numbers:?}"
    ));
    pdf
}

#[test]
fn the_pamphlet_and_the_manga_print_as_booklets() {
    if skip() {
        return;
    }
    let content = content();
    let of = |kind| -> Vec<&zaitaku::content::pages::Page> {
        content.pages.iter().filter(|p| p.kind == kind).collect()
    };
    use zaitaku::content::pages::PageKind;
    let site = zaitaku::site::Site::new(&content, common::today());
    let pamphlet = check_book("pamphlet", site.kind(PageKind::Pamphlet), "章");
    assert_eq!(
        of(PageKind::Pamphlet).len(),
        site.kind(PageKind::Pamphlet).len()
    );
    look(&pamphlet, "pamphlet", &[1, 2, 3]);
    let episodes = site.kind(PageKind::Manga);
    let manga = check_book("manga", episodes, "話");
    // The panels' words (the SVG's text, printed as text) are as large as a book's.
    let texts = common::pdf_page_texts(&manga, true);
    let panel_pages: Vec<usize> = (3..=texts.len()).collect();
    let (size, word) = smallest_text(&manga, &panel_pages);
    common::say(&format!(
        "tests/testsuite/print_books.rs: manga: smallest printed word {size:.1} pt ({word})"
    ));
    assert!(
        size >= 8.9,
        "the manga's smallest word is {size:.1} pt: {word}"
    );
    look(&manga, "manga", &[1, 2, 3, 4]);
}

#[test]
fn a_booklet_that_does_not_exist_is_refused_in_japanese_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    common::copy_tree(&common::repo().join("content"), &site.join("content"));
    for name in [
        "../pamphlet",
        "pamphlet/../../x",
        "Manga",
        "category:../clinic",
    ] {
        let run = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
            .arg("--root")
            .arg(&site)
            .args(["pdf", "--today", common::TODAY, "--booklet", name])
            .args(["--chromium", "/nonexistent/chromium"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("という冊子はありません")
                && stderr.contains("pamphlet")
                && stderr.contains("manga")
                && stderr.contains("whole"),
            "{name}: the error lists the booklets: {stderr}"
        );
        let mut names: Vec<String> = std::fs::read_dir(&site)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["content"], "{name}: nothing written");
        assert!(!tmp.path().join("x").exists() && !tmp.path().join("pamphlet.pdf").exists());
    }
}

/// A copy of the sample site (its content and theme) in a new folder.
fn sample_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for folder in ["content", "themes"] {
        common::copy_tree(
            &common::repo().join(folder),
            &tmp.path().join("site").join(folder),
        );
    }
    tmp
}

fn zaitaku_build(site: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zaitaku"));
    command
        .arg("--root")
        .arg(site)
        .args(["build", "--today", common::TODAY])
        .args(args)
        .env_remove("ZAITAKU_CHROMIUM");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

/// The `href`s of `html` that end in `.pdf`.
fn pdf_links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.ends_with(".pdf"))
        .map(str::to_owned)
        .collect()
}

fn pdfs_in(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .map(|e| e.path().display().to_string())
        .collect();
    found.sort();
    found
}

#[test]
fn build_pdf_without_chromium_warns_in_japanese_and_links_nothing() {
    let tmp = sample_copy();
    let site = tmp.path().join("site");
    let empty = tmp.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    // No Chromium on PATH; then an override that points nowhere.
    for env in [
        vec![("PATH", empty.to_str().unwrap())],
        vec![("ZAITAKU_CHROMIUM", "/nonexistent/chromium")],
    ] {
        let run = zaitaku_build(&site, &["--pdf"], &env);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(
            run.status.success(),
            "{env:?}: the site is still built: {stderr}"
        );
        assert!(
            stderr.contains("PDF を作れませんでした")
                && stderr.contains("apt-get install chromium"),
            "{env:?}: a Japanese warning says what to install: {stderr}"
        );
        assert!(stderr.contains("完了"), "{stderr}");
        let public = site.join("public");
        assert!(pdfs_in(&public).is_empty(), "{:?}", pdfs_in(&public));
        for page in [
            "print/index.html",
            "pamphlet/index.html",
            "manga/index.html",
        ] {
            let html = std::fs::read_to_string(public.join(page)).unwrap();
            assert!(
                pdf_links(&html).is_empty(),
                "{page} links no PDF that is not there"
            );
        }
    }
}

#[test]
fn the_print_setting_in_site_yaml_is_checked() {
    let tmp = sample_copy();
    let site = tmp.path().join("site");
    let yaml = site.join("content/site.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, format!("{text}\nprint:\n  pdfs: true\n")).unwrap();
    let run = zaitaku_build(&site, &[], &[]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        !run.status.success(),
        "an unknown field is refused: {stderr}"
    );
    assert!(
        stderr.contains("site.yaml") && stderr.contains("pdfs"),
        "the error names the file and the field: {stderr}"
    );
    assert!(!site.join("public").exists(), "nothing written");
}

/// A stand-in for Chromium that says it started, then hangs as a stuck print would.
fn hanging_chromium(dir: &Path) -> (PathBuf, PathBuf) {
    let started = dir.join("chromium-started");
    let script = dir.join("chromium");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ > '{}'\nfor a in \"$@\"; do case \"$a\" in --print-to-pdf=*) printf '%%PDF-1.4 half' > \"${{a#--print-to-pdf=}}\";; esac; done\nexec sleep 120\n",
            started.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, started)
}

/// Every file of a folder with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_build_killed_while_printing_leaves_the_previous_site_and_no_half_pdf() {
    let tmp = sample_copy();
    let site = tmp.path().join("site");
    let run = zaitaku_build(&site, &[], &[]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let public = site.join("public");
    let before = snapshot(&public);
    let beside = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&site)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let beside_before = beside();
    let (chromium, started) = hanging_chromium(tmp.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(&site)
        .args(["build", "--today", common::TODAY, "--pdf", "--chromium"])
        .arg(&chromium)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let waited = Instant::now();
    while !started.exists() {
        assert!(
            waited.elapsed() < Duration::from_secs(300),
            "the stand-in Chromium never started"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("zaitaku ended before printing: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let chromium_pid: i32 = std::fs::read_to_string(&started)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success(), "a killed build does not succeed");
    assert_eq!(
        snapshot(&public),
        before,
        "the previous site is exactly as it was: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(pdfs_in(&public).is_empty());
    // No staging folder is left beside the site, and the stand-in is gone.
    assert_eq!(beside(), beside_before, "left beside the site");
    let gone = Instant::now();
    while Path::new(&format!("/proc/{chromium_pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{chromium_pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
    {
        assert!(
            gone.elapsed() < Duration::from_secs(10),
            "the stand-in Chromium outlived the build"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_print_folder_that_is_not_the_builds_is_left_alone() {
    let tmp = sample_copy();
    let site = tmp.path().join("site");
    let empty = tmp.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let no_chromium = [("PATH", empty.to_str().unwrap())];
    let run = zaitaku_build(&site, &[], &[]);
    assert!(run.status.success());
    let public = site.join("public");
    // Someone's folder behind a symlink where print/ was; then a file of theirs.
    let theirs = tmp.path().join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("mine.pdf"), b"%PDF-1.4 someone's").unwrap();
    std::fs::remove_dir_all(public.join("print")).unwrap();
    std::os::unix::fs::symlink(&theirs, public.join("print")).unwrap();
    let run = zaitaku_build(&site, &["--pdf"], &no_chromium);
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert_eq!(
        std::fs::read(theirs.join("mine.pdf")).unwrap(),
        b"%PDF-1.4 someone's",
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(&theirs).unwrap().count(), 1, "{stderr}");
    if run.status.success() {
        assert!(public.join("print").is_dir() && !public.join("print").is_symlink());
    } else {
        assert!(
            public.join("print").is_symlink(),
            "refused, and kept: {stderr}"
        );
        assert!(stderr.contains("print"), "the refusal names it: {stderr}");
    }
    std::fs::remove_file(public.join("print")).unwrap();
    std::fs::write(public.join("print"), "memo").unwrap();
    let run = zaitaku_build(&site, &["--pdf"], &no_chromium);
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    if run.status.success() {
        assert!(public.join("print/index.html").is_file());
    } else {
        assert_eq!(
            std::fs::read_to_string(public.join("print")).unwrap(),
            "memo"
        );
        assert!(stderr.contains("print"), "the refusal names it: {stderr}");
    }
    common::say(&format!(
        "tests/testsuite/print_books.rs: public/print replaced by someone's file: {}",
        stderr
            .lines()
            .find(|l| l.contains("エラー"))
            .unwrap_or("built")
    ));
}

#[test]
fn build_pdf_publishes_the_booklets_and_links_them() {
    if skip() {
        return;
    }
    let tmp = sample_copy();
    let site = tmp.path().join("site");
    // The setting, not the flag.
    let yaml = site.join("content/site.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, format!("{text}\nprint:\n  pdf: true\n")).unwrap();
    let chromium = common::chromium_path();
    let run = {
        let _turn = common::browser_turn();
        zaitaku_build(&site, &["--chromium", chromium.to_str().unwrap()], &[])
    };
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "{stderr}");
    let public = site.join("public");
    let content = content();
    let index = std::fs::read_to_string(public.join("print/index.html")).unwrap();
    let links = pdf_links(&index);
    let mut expected = vec![
        "directory-whole.pdf".to_owned(),
        "directory-caremane.pdf".to_owned(),
    ];
    expected.extend(
        content
            .site
            .areas
            .iter()
            .map(|a| format!("directory-area-{}.pdf", a.key)),
    );
    expected.extend(["pamphlet.pdf".to_owned(), "manga.pdf".to_owned()]);
    for name in &expected {
        let pdf = public.join("print").join(name);
        assert!(pdf.is_file(), "{name} is written: {stderr}");
        let pages = common::pdf_page_count(&pdf);
        let kb = std::fs::metadata(&pdf).unwrap().len().div_ceil(1024);
        // Linked with its size, from /print/ (and the pamphlet's and manga's own pages).
        let href = format!("../print/{name}");
        assert!(links.contains(&href), "/print/ links {name}: {links:?}");
        let at = index.find(&format!("{href}\"")).unwrap();
        let after: String = index[at..].chars().take(200).collect();
        assert!(
            after.contains(&format!("{pages} ページ・{kb} KB")),
            "{name}: its pages and size beside the link: {after}"
        );
        assert!(stderr.contains(name.as_str()), "the report names {name}");
    }
    assert_eq!(
        pdfs_in(&public).len(),
        expected.len(),
        "{:?}",
        pdfs_in(&public)
    );
    for (page, pdf) in [
        ("pamphlet/index.html", "pamphlet.pdf"),
        ("manga/index.html", "manga.pdf"),
    ] {
        let html = std::fs::read_to_string(public.join(page)).unwrap();
        assert_eq!(pdf_links(&html), [format!("../print/{pdf}")], "{page}");
    }
    assert_eq!(
        links
            .iter()
            .filter(|l| l.as_str() == "../print/pamphlet.pdf")
            .count(),
        1
    );
    let whole = public.join("print/directory-whole.pdf");
    assert!(common::pdf_page_count(&whole) <= 45);
    look(&whole, "built-whole", &[2]);
}

#[test]
fn one_facility_prints_on_one_a4_page() {
    if skip() {
        return;
    }
    let out = common::sample_site();
    let content = content();
    // The facilities with the most to print: the longest pages.
    let mut pages: Vec<(u64, PathBuf, &str)> = content
        .resources
        .iter()
        .map(|r| {
            let file = out.join(format!("resources/{}/index.html", r.id));
            (
                std::fs::metadata(&file).unwrap().len(),
                file,
                r.name.as_str(),
            )
        })
        .collect();
    pages.sort_by_key(|page| std::cmp::Reverse(page.0));
    let tmp = tempfile::tempdir().unwrap();
    let chromium = common::chromium_path();
    for (index, (_, html, name)) in pages.iter().take(3).enumerate() {
        let pdf = tmp.path().join(format!("facility-{index}.pdf"));
        let work = tmp.path().join(format!("work-{index}"));
        std::fs::create_dir_all(&work).unwrap();
        {
            let _turn = common::browser_turn();
            zaitaku::pdf::print_to_pdf(
                &chromium,
                html,
                &pdf,
                &work,
                &zaitaku::pdf::Watch {
                    timeout: Duration::from_secs(120),
                },
            )
            .unwrap();
        }
        let count = common::pdf_page_count(&pdf);
        let text = common::pdf_page_texts(&pdf, false).join("");
        common::say(&format!(
            "tests/testsuite/print_books.rs: {name}: {count} A4 page(s) printed"
        ));
        look(&pdf, &format!("facility-{index}"), &[1]);
        assert_eq!(count, 1, "{name} prints on one page:\n{text}");
        assert!(squeeze(&text).contains(&squeeze(name)), "{text}");
        assert!(
            !text.contains("google.com/maps") && !text.contains("maps?") && !text.contains("%E"),
            "no map address printed: {text}"
        );
    }
}

#[test]
fn the_directorys_contents_fit_on_one_page() {
    if skip() {
        return;
    }
    let content = content();
    let tmp = tempfile::tempdir().unwrap();
    let whole = common::print_booklet_pdf("whole", tmp.path());
    let texts = common::pdf_page_texts(&whole, true);
    let contents = squeeze(&texts[1]);
    assert!(contents.starts_with(&squeeze(&content.site.title)) || contents.contains("目次"));
    for category in &content.site.categories {
        assert!(
            contents.contains(&squeeze(&category.label)),
            "{} is on the contents page:\n{}",
            category.label,
            texts[1]
        );
    }
    let last = texts[1]
        .lines()
        .find(|l| l.contains("五十音索引"))
        .unwrap_or_else(|| panic!("the index's line ends the contents page:\n{}", texts[1]));
    assert!(
        last.split_whitespace()
            .last()
            .is_some_and(|n| n.parse::<usize>().is_ok()),
        "{last}"
    );
    assert!(
        !texts[2].contains("件）"),
        "nothing of the contents spills onto page 3:\n{}",
        texts[2]
    );
    common::say(&format!(
        "tests/testsuite/print_books.rs: whole directory: {} pages, contents on page 2 only",
        texts.len()
    ));
}
