//! The printed directory worth handing out (issue 14): `zaitaku pdf` on the sample site, checked
//! with poppler — the whole directory fits in at most 45 A4 pages because entries flow on from
//! one category to the next, its contents and 五十音索引 carry page numbers, and the ケアマネタイム
//! list is dense. (tests/testsuite/print.rs checks that every printed number is the right page.)
//! Writes a few pages as PNG to `target/screenshots/print/` to look at.

use std::path::Path;

use crate::common::{self, Need};

fn skip() -> bool {
    common::skip_or_require_browser(
        &common::repo(),
        &[
            Need::Tool("pdfinfo", "poppler-utils"),
            Need::Tool("pdftotext", "poppler-utils"),
            Need::Tool("pdftoppm", "poppler-utils"),
        ],
        "SKIPPED tests/testsuite/print_pdf.rs: ZAITAKU_SKIP_BROWSER=1 is set, so no PDF was printed or measured.",
        "The PDF page-count test cannot run; install what is missing (or run `bash .ci/run`):",
    )
}

/// The page numbers printed on `page` (after dotted leaders; the contents and the index set
/// two columns side by side), leaving out the footer 「n / N」.
fn numbered_lines(page: &str, count: usize) -> Vec<usize> {
    page.lines()
        .filter(|l| !l.contains(" / "))
        .flat_map(|l| l.split_whitespace())
        .filter_map(|word| word.parse::<usize>().ok())
        .filter(|n| (1..=count).contains(n))
        .collect()
}

fn look(pdf: &Path, name: &str, pages: &[usize]) {
    common::look_at_pdf(pdf, "print", 50, name, pages);
}

#[test]
fn the_whole_directory_fits_45_pages_with_numbered_contents_and_index() {
    if skip() {
        return;
    }
    let (content, _) = zaitaku::build::load_valid(&common::repo(), common::today()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let whole = common::print_booklet_pdf("whole", tmp.path());
    let count = common::pdf_page_count(&whole);
    common::say(&format!(
        "tests/testsuite/print_pdf.rs: whole directory: {count} A4 pages for {} facilities (was 63 before entries flowed on)",
        content.resources.len()
    ));
    assert!(
        content.resources.len() >= 120,
        "the sample is big enough for the limit to mean something"
    );
    assert!(
        count <= 45,
        "the whole directory takes {count} pages (at most 45)"
    );
    let texts = common::pdf_page_texts(&whole, true);
    assert_eq!(texts.len(), count);
    // The contents: the page after the cover, every category with a page number.
    let contents = &texts[1];
    assert!(contents.contains("目次"), "{contents}");
    let numbers = numbered_lines(contents, count);
    assert!(
        numbers.len() >= content.site.categories.len().min(10),
        "the contents carry page numbers: {numbers:?}\n{contents}"
    );
    // The index: the last pages, one number per facility.
    let start = texts
        .iter()
        .position(|t| t.contains("五十音索引") && t.contains("数字は掲載ページです"))
        .expect("an index page");
    let in_index: usize = texts[start..]
        .iter()
        .map(|t| numbered_lines(t, count).len())
        .sum();
    assert!(
        in_index >= content.resources.len(),
        "{in_index} numbered index lines for {} facilities",
        content.resources.len()
    );
    look(&whole, "whole", &[2, 6, start + 1]);

    // The ケアマネタイム list, A4 landscape.
    let table = common::print_booklet_pdf("caremane", tmp.path());
    let table_pages = common::pdf_page_count(&table);
    let facilities = content
        .resources
        .iter()
        .filter(|r| !r.caremane_time.is_empty())
        .count();
    common::say(&format!(
        "tests/testsuite/print_pdf.rs: ケアマネタイム list: {table_pages} pages for {facilities} facilities"
    ));
    // At least 12 a page (print_books.rs counts them page by page).
    assert!(
        facilities as f64 / table_pages as f64 >= 12.0,
        "{facilities} facilities on {table_pages} pages"
    );
    look(&table, "caremane", &[1, 2]);
}
