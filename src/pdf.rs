//! `zaitaku pdf`: prints a booklet of the directory to PDF with headless Chromium.
//!
//! The booklet page is rendered with the theme into a temporary folder (beside the theme's
//! static files) and printed with `chromium --headless --print-to-pdf`; Chromium embeds the
//! fonts it used (Debian `fonts-noto-cjk`). Page numbers of the contents and the kana index
//! come from a first print: Chromium writes a named destination for every element a link
//! points to, so the PDF itself says on which page each section and facility landed. The page
//! is rendered again with those numbers and printed a second time; the numbers take the same
//! room as the first print's stand-ins, and the second print is checked to have put every
//! destination on the same page.
//!
//! Chromium is watched while it prints: it runs in a process group of its own (it forks
//! helpers), with its profile and temporary files inside zaitaku's work folder. When it takes
//! longer than `--timeout` (by default a minute plus a second for every ten facilities), when
//! it fails, and when zaitaku is interrupted (Ctrl-C, SIGTERM, SIGHUP), the whole group is
//! killed and waited for before the work folder is removed; a finished print has its
//! stragglers killed the same way.

use std::collections::HashMap;
use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use jiff::civil::Date;
use lopdf::{Document, Object, ObjectId};

use crate::build;
use crate::content::Content;
use crate::diagnostics::{Diagnostic, Position};
use crate::error::{Error, Result};
use crate::render::Theme;
use crate::signals;
use crate::site::Site;
use crate::site::print::{Booklet, Numbering, PdfFile, booklet_page};

/// What to print (`zaitaku pdf`).
#[derive(Debug, Clone)]
pub struct PdfArgs {
    /// The PDF to write (`None`: `<root>/` and [`Booklet::pdf_name`]).
    pub out: Option<PathBuf>,
    /// Which booklet: `whole`, `caremane`, `area:KEY`, `category:KEY`, `pamphlet` or `manga`.
    pub booklet: String,
    /// The Chromium to run (`None`: `ZAITAKU_CHROMIUM`, then the usual names on `PATH`).
    pub chromium: Option<PathBuf>,
    /// "Today", the cover's date of issue.
    pub today: Date,
    /// Seconds one print may take (`None`: [`default_timeout`]).
    pub timeout: Option<u64>,
    /// Replace a file that is not a PDF.
    pub force: bool,
}

/// How long one print may take when `--timeout` is not given: a minute, and a second for
/// every ten facilities (2,000 facilities print in about 30 s on a 2-core machine, see
/// docs/benchmarks.md; this leaves room for a machine several times slower).
pub fn default_timeout(facilities: usize) -> Duration {
    Duration::from_secs(60 + facilities as u64 / 10)
}

/// What a print is watched for: how long it may take.
pub struct Watch {
    pub timeout: Duration,
}

/// Flags for headless Chromium: no sandbox (containers, root), nothing fetched from anywhere.
pub const CHROMIUM_ARGS: [&str; 12] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    "--no-pdf-header-footer",
];

const NOT_FOUND: &str = "Chromium が見つかりません。PDF を作るには Chromium と日本語フォントが必要です。Debian・Ubuntu では `sudo apt-get install chromium fonts-noto-cjk` で入れてください（パッケージ名 chromium）。別の場所にある場合は --chromium PATH か環境変数 ZAITAKU_CHROMIUM で指定してください。";

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The Chromium to use: the flag, then `ZAITAKU_CHROMIUM`, then the usual names on `PATH`.
pub fn find_chromium(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = flag {
        return if is_executable(path) {
            Ok(path.to_path_buf())
        } else {
            Err(Error::Setup(format!(
                "--chromium に指定した {} は実行できるファイルではありません。{NOT_FOUND}",
                path.display()
            )))
        };
    }
    if let Some(path) = std::env::var_os("ZAITAKU_CHROMIUM").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(Error::Setup(format!(
                "環境変数 ZAITAKU_CHROMIUM の {} は実行できるファイルではありません。{NOT_FOUND}",
                path.display()
            )))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin"));
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome-stable",
        "google-chrome",
    ] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return Ok(candidate);
            }
        }
    }
    Err(Error::Setup(NOT_FOUND.to_owned()))
}

/// Fails when fontconfig knows no Japanese font (Chromium would print empty boxes).
fn check_japanese_font() -> Result<()> {
    let Ok(output) = Command::new("fc-list")
        .args([":lang=ja", "family"])
        .stderr(Stdio::null())
        .output()
    else {
        return Ok(()); // no fontconfig tools: let Chromium try
    };
    if output.status.success() && output.stdout.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Setup(
            "日本語のフォントが見つかりません。`sudo apt-get install fonts-noto-cjk` で入れてください（PDF にはこのフォントが埋め込まれます）。".to_owned(),
        ));
    }
    Ok(())
}

fn status_text(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("終了コード {code}"),
        (None, Some(signal)) => format!("シグナル {signal} で終了"),
        _ => "終了のしかたが不明".to_owned(),
    }
}

/// The last lines Chromium printed (its own words), for whoever looks into a failure.
fn log_tail(log: &Path) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(log) else {
        return String::new();
    };
    let length = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(length.saturating_sub(8192)));
    let mut bytes = Vec::new();
    let _ = file.take(8192).read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let tail: Vec<&str> = text.lines().rev().take(12).collect();
    let lines: Vec<String> = tail
        .into_iter()
        .rev()
        .map(|line| format!("    {}", crate::error::printable(line)))
        .collect();
    lines.join("\n")
}

/// The error when a signal is stopping zaitaku.
fn interrupted() -> Option<Error> {
    signals::signal().map(|signal| Error::Interrupted { signal })
}

/// Prints `html` to `pdf` with Chromium, its profile and temporary files in `work`.
pub fn print_to_pdf(
    chromium: &Path,
    html: &Path,
    pdf: &Path,
    work: &Path,
    watch: &Watch,
) -> Result<()> {
    let url = url::Url::from_file_path(html)
        .map_err(|_| Error::Setup(format!("{} を URL にできません。", html.display())))?;
    let profile = work.join("chromium-profile");
    let temporary = work.join("chromium-tmp");
    std::fs::create_dir_all(&temporary)
        .map_err(|e| Error::io(&temporary, "作業用フォルダを作成", e))?;
    let log_path = work.join("chromium.log");
    let log = std::fs::File::create(&log_path)
        .map_err(|e| Error::io(&log_path, "作業用ファイルを作成", e))?;
    let mut print_arg = OsString::from("--print-to-pdf=");
    print_arg.push(pdf.as_os_str());
    let mut profile_arg = OsString::from("--user-data-dir=");
    profile_arg.push(profile.as_os_str());
    let _ = std::fs::remove_file(pdf);
    // Killed with its helpers when dropped, and by a signal before the work folder goes.
    let mut browser = signals::Group::spawn(
        Command::new(chromium)
            .args(CHROMIUM_ARGS)
            .arg("--generate-pdf-document-outline")
            .arg(profile_arg)
            .arg(print_arg)
            .arg(url.as_str())
            .env("TMPDIR", &temporary)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log),
    )
    .map_err(|e| interrupted().unwrap_or_else(|| Error::io(chromium, "起動", e)))?;
    let started = Instant::now();
    let finished = loop {
        // A signal kills the browser too: that is the interruption, not a failed print.
        if let Some(error) = interrupted() {
            break Err(error);
        }
        match browser.child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) => {}
            Err(e) => break Err(Error::io(chromium, "終了を確認", e)),
        }
        if started.elapsed() >= watch.timeout {
            break Err(Error::Setup(format!(
                "Chromium が {} 秒たっても PDF を書き終えなかったため、止めました（起動した Chromium は、その子プロセスも含めてすべて終了させました）。\n  事業所が多いときは --timeout 600 のように、待つ秒数を増やしてください。ほかの Chromium が動いて重いときは、閉じてからもう一度実行してください。",
                watch.timeout.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Whatever happened, nothing of this Chromium outlives the print.
    drop(browser);
    let status = finished?;
    if !status.success() || !pdf.is_file() {
        let tail = log_tail(&log_path);
        let mut message = format!(
            "Chromium（{}）が PDF を書き出せませんでした（{}）。\n  Chromium と日本語のフォントが入っているか確かめてください（Debian・Ubuntu では sudo apt-get install chromium fonts-noto-cjk）。",
            chromium.display(),
            if status.success() {
                "PDF ができていません".to_owned()
            } else {
                status_text(status)
            }
        );
        if !tail.is_empty() {
            message.push_str("\n  Chromium が出したメッセージ（調べる人のために、そのまま）:\n");
            message.push_str(&tail);
        }
        return Err(Error::Setup(message));
    }
    Ok(())
}

fn resolve<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Object> {
    doc.dereference(object).ok().map(|(_, o)| o)
}

/// The page object a destination (`[page /XYZ …]` or `<< /D [...] >>`) points to.
fn dest_page(doc: &Document, dest: &Object) -> Option<ObjectId> {
    match resolve(doc, dest)? {
        Object::Array(items) => match items.first()? {
            Object::Reference(id) => Some(*id),
            _ => None,
        },
        Object::Dictionary(dict) => dest_page(doc, dict.get(b"D").ok()?),
        _ => None,
    }
}

fn name_tree(doc: &Document, node: &Object, depth: usize, out: &mut Vec<(String, ObjectId)>) {
    let Some(Object::Dictionary(node)) = resolve(doc, node) else {
        return;
    };
    if depth > 32 {
        return;
    }
    if let Ok(Object::Array(names)) = node.get(b"Names") {
        for pair in names.chunks(2) {
            if let [key, value] = pair {
                let key = match resolve(doc, key) {
                    Some(Object::String(bytes, _)) | Some(Object::Name(bytes)) => {
                        String::from_utf8_lossy(bytes).into_owned()
                    }
                    _ => continue,
                };
                if let Some(page) = dest_page(doc, value) {
                    out.push((key, page));
                }
            }
        }
    }
    if let Ok(Object::Array(kids)) = node.get(b"Kids") {
        for kid in kids {
            name_tree(doc, kid, depth + 1, out);
        }
    }
}

/// What a printed PDF says about itself: its page count and the page (1-based) of every named
/// destination.
#[derive(Debug, Clone)]
pub struct Printed {
    pub pages: u32,
    pub destinations: HashMap<String, u32>,
}

/// Reads the page count and named destinations of a PDF (both the PDF 1.1 `/Dests` dictionary
/// and the `/Names` tree).
pub fn read_pdf(path: &Path) -> Result<Printed> {
    let doc = Document::load(path).map_err(|_| {
        Error::Setup(format!(
            "Chromium が書き出した {} を PDF として読めません（壊れています）。もう一度実行してください。",
            path.display()
        ))
    })?;
    let pages = doc.get_pages();
    let page_of: HashMap<ObjectId, u32> = pages.iter().map(|(n, id)| (*id, *n)).collect();
    let mut named: Vec<(String, ObjectId)> = Vec::new();
    if let Ok(catalog) = doc.catalog() {
        if let Some(Object::Dictionary(dests)) =
            catalog.get(b"Dests").ok().and_then(|d| resolve(&doc, d))
        {
            for (key, value) in dests.iter() {
                if let Some(page) = dest_page(&doc, value) {
                    named.push((String::from_utf8_lossy(key).into_owned(), page));
                }
            }
        }
        if let Some(Object::Dictionary(names)) =
            catalog.get(b"Names").ok().and_then(|d| resolve(&doc, d))
            && let Ok(tree) = names.get(b"Dests")
        {
            name_tree(&doc, tree, 0, &mut named);
        }
    }
    let destinations = named
        .into_iter()
        .filter_map(|(name, id)| page_of.get(&id).map(|page| (name, *page)))
        .collect();
    Ok(Printed {
        pages: pages.len() as u32,
        destinations,
    })
}

/// What `zaitaku pdf` made.
#[derive(Debug, Clone)]
pub struct PdfReport {
    pub out: PathBuf,
    pub pages: u32,
    pub facilities: usize,
    /// The booklet's edition (全体版, 在宅医療と介護).
    pub edition: String,
    pub passes: usize,
    /// anchor → page, as printed in the contents and index.
    pub numbers: HashMap<String, u32>,
}

/// One booklet printed into a work folder (removed when this is dropped).
struct PrintedBooklet {
    work: crate::owned::Dir,
    pdf: PathBuf,
    printed: Printed,
    facilities: usize,
    passes: usize,
    numbers: HashMap<String, u32>,
}

/// Renders `booklet` and prints it in a work folder of its own: as often as it takes for the
/// page numbers of the contents and the index to be the pages things landed on.
fn print_booklet(
    content: &Content,
    theme: &Theme,
    booklet: Booklet,
    chromium: &Path,
    today: Date,
    timeout: Option<Duration>,
) -> Result<PrintedBooklet> {
    // In TMPDIR, named after this process: removed on every exit, or by the next run when this
    // one is killed.
    let (work, _) = crate::owned::dir_in(&std::env::temp_dir(), "zaitaku-pdf-", 0o700)
        .map_err(|e| Error::io(std::env::temp_dir(), "作業用フォルダを作成", e))?;
    for (relative, bytes) in &theme.static_files {
        crate::output::write_under(work.path(), relative, bytes)?;
    }
    if booklet.page_kind().is_some() {
        // The pamphlet's and the manga's pictures, where their pages find them.
        for asset in &content.assets {
            let bytes = std::fs::read(&asset.source)
                .map_err(|e| Error::io(&asset.source, "読み込み", e))?;
            crate::output::write_under(work.path(), &asset.output, &bytes)?;
        }
    }
    let site = Site::new(content, today);
    let facilities = content
        .resources
        .iter()
        .filter(|r| booklet.includes(r, &content.site))
        .count();
    let pdf = work.path().join("booklet.pdf");
    let watch = Watch {
        timeout: timeout.unwrap_or_else(|| default_timeout(facilities)),
    };
    let mut numbers: Option<HashMap<String, u32>> = None;
    let mut passes = 0;
    let printed = loop {
        passes += 1;
        let numbering = match &numbers {
            None => Numbering::Placeholder,
            Some(pages) => Numbering::Pages(pages),
        };
        let page = booklet_page(&site, booklet, numbering);
        let html = page.render(theme)?;
        crate::output::write_under(work.path(), &page.output.file, html.as_bytes())?;
        print_to_pdf(
            chromium,
            &work.path().join(&page.output.file),
            &pdf,
            work.path(),
            &watch,
        )?;
        let printed = read_pdf(&pdf)?;
        if booklet == Booklet::Caremane || numbers.as_ref() == Some(&printed.destinations) {
            break printed;
        }
        if passes >= 4 {
            return Err(Error::Setup(
                "目次と索引のページ番号が定まりませんでした（4 回印刷しても毎回ずれました）。テーマの print-directory.css を確認してください。".to_owned(),
            ));
        }
        numbers = Some(printed.destinations);
    };
    Ok(PrintedBooklet {
        work,
        pdf,
        printed,
        facilities,
        passes,
        numbers: numbers.unwrap_or_default(),
    })
}

/// Renders `booklet` and prints it to `out`; each print may take `timeout` (by default
/// [`default_timeout`] for the booklet's facilities).
pub fn make_pdf(
    content: &Content,
    booklet: Booklet,
    out: &Path,
    chromium: &Path,
    today: Date,
    timeout: Option<Duration>,
    theme: &Theme,
) -> Result<PdfReport> {
    check_japanese_font()?;
    let booklet_pdf = print_booklet(content, theme, booklet, chromium, today, timeout)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
    }
    crate::owned::replace_file(out, ".zaitaku-pdf-", |file| {
        std::fs::copy(&booklet_pdf.pdf, file.path())
            .map(|_| ())
            .map_err(|e| Error::io(out, "書き込み", e))
    })?;
    drop(booklet_pdf.work);
    Ok(PdfReport {
        out: out.to_path_buf(),
        pages: booklet_pdf.printed.pages,
        facilities: booklet_pdf.facilities,
        edition: booklet.edition(&content.site),
        passes: booklet_pdf.passes,
        numbers: booklet_pdf.numbers,
    })
}

/// `zaitaku pdf`: reads the content, judges `--booklet` and `--out`, finds Chromium and prints
/// the booklet.
pub fn run(root: &Path, args: &PdfArgs) -> Result<PdfReport> {
    let (content, _warnings) = build::load_valid(root, args.today)?;
    // Judged first: a name that is not a booklet is never part of a file name.
    let booklet = Booklet::parse(&args.booklet, &content.site)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| root.join(booklet.pdf_name(&content.site)));
    // Judged before Chromium runs, and written where the judgement says (a symlink's target).
    let target = crate::output::guard::output_file(
        root,
        &out,
        crate::output::guard::FileKind::Pdf,
        args.force,
    )?;
    let chromium = find_chromium(args.chromium.as_deref())?;
    let theme = Theme::load(root)?;
    let timeout = args.timeout.map(Duration::from_secs);
    make_pdf(
        &content, booklet, &target, &chromium, args.today, timeout, &theme,
    )
}

/// `zaitaku build --pdf` (or `print: { pdf: true }` in site.yaml): prints the booklets the
/// centre hands out ([`Booklet::published`]) into the build's staging folder, `print/*.pdf`,
/// so they are published with the site in the one swap, or not at all. Without Chromium or a
/// Japanese font, or when a print fails, the site is built without (those) PDFs and a warning
/// says why and what to install; only an interruption stops the build.
pub struct SitePrinter {
    /// `--pdf` was given (otherwise only site.yaml's `print.pdf` asks for PDFs).
    pub asked: bool,
    /// `--chromium`, else `ZAITAKU_CHROMIUM`, else `PATH`.
    pub chromium: Option<PathBuf>,
    /// Seconds one print may take (`None`: [`default_timeout`]).
    pub timeout: Option<u64>,
}

impl build::PdfPrinter for SitePrinter {
    fn print(
        &self,
        content: &Content,
        theme: &Theme,
        today: Date,
        staging: &crate::output::Staging,
    ) -> Result<build::PrintedPdfs> {
        let mut done = build::PrintedPdfs::default();
        if !self.asked && !content.site.print.pdf {
            return Ok(done);
        }
        let (source, how) = if self.asked {
            ("zaitaku build --pdf", "--pdf")
        } else {
            ("content/site.yaml", "site.yaml の print.pdf")
        };
        let warn = |message: String| {
            Diagnostic::warning(source, Position::FILE, message).hint(format!(
                "サイトは PDF なしで書き出しました（印刷用ページ /print/ には PDF へのリンクを出していません）。{how} をやめるには、指定を外してください。"
            ))
        };
        let chromium = match find_chromium(self.chromium.as_deref())
            .and_then(|c| check_japanese_font().map(|()| c))
        {
            Ok(chromium) => chromium,
            Err(Error::Setup(message)) => {
                done.warnings
                    .push(warn(format!("冊子の PDF を作れませんでした。{message}")));
                return Ok(done);
            }
            Err(other) => return Err(other),
        };
        let timeout = self.timeout.map(Duration::from_secs);
        for booklet in Booklet::published(content) {
            let file = format!("print/{}", booklet.pdf_name(&content.site));
            let edition = booklet.edition(&content.site);
            if staging.path().join(&file).symlink_metadata().is_ok() {
                // A file of content/ already takes this address: it is published, not this.
                done.warnings.push(warn(format!(
                    "「{edition}」の PDF は書きませんでした。公開先 /{file} には content/{file} が置かれているため、そちらをそのまま公開します。"
                )));
                continue;
            }
            let printed = match print_booklet(content, theme, booklet, &chromium, today, timeout) {
                Ok(printed) => printed,
                Err(error @ Error::Interrupted { .. }) => return Err(error),
                Err(error) => {
                    done.warnings.push(warn(format!(
                        "「{edition}」の PDF を作れなかったため、ここから先の PDF は作りませんでした。{error}"
                    )));
                    break;
                }
            };
            let bytes =
                std::fs::read(&printed.pdf).map_err(|e| Error::io(&printed.pdf, "読み込み", e))?;
            staging.write(&file, &bytes)?;
            done.pdfs.push(PdfFile {
                key: booklet.key(&content.site),
                url: file,
                pages: printed.printed.pages,
                kb: (bytes.len() as u64).div_ceil(1024),
            });
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_chromium_names_the_package() {
        let error = find_chromium(Some(Path::new("/nonexistent/chromium"))).unwrap_err();
        assert!(error.to_string().contains("apt-get install chromium"));
    }
}
