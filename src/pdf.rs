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
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use jiff::civil::Date;
use lopdf::{Document, Object, ObjectId};

use crate::build;
use crate::error::{Error, Result};
use crate::render::Theme;
use crate::site::Site;
use crate::site::print::{Booklet, Numbering, booklet_output};

/// `zaitaku pdf`.
#[derive(Debug, Clone, clap::Args)]
pub struct PdfArgs {
    /// 書き出す PDF ファイル（省略すると <root>/directory-<冊子>.pdf、例: directory-whole.pdf）
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// どの冊子を作るか: whole（全体版）、caremane（ケアマネタイム一覧・A4 横）、
    /// area:KEY（圏域版、例: area:north）、category:KEY（種別編、例: category:clinic）
    #[arg(long, value_name = "BOOKLET", default_value = "whole")]
    pub booklet: String,
    /// Chromium の実行ファイル（省略すると環境変数 ZAITAKU_CHROMIUM、なければ PATH の
    /// chromium / chromium-browser / google-chrome）
    #[arg(long, value_name = "PATH")]
    pub chromium: Option<PathBuf>,
    /// 表紙の発行日にする「今日」（YYYY-MM-DD）。省略すると日本時間の今日
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::arguments::parse_today)]
    pub today: Option<Date>,
    /// Chromium の 1 回の印刷を待つ秒数（省略すると 60 秒＋事業所 10 件ごとに 1 秒）。
    /// 過ぎたら Chromium を止めて、エラーで終わります
    #[arg(long, value_name = "SECS", value_parser = crate::arguments::parse_seconds)]
    pub timeout: Option<u64>,
    /// 書き出し先に PDF ではないファイルがあっても置き換える
    #[arg(long)]
    pub force: bool,
}

/// How long one print may take when `--timeout` is not given: a minute, and a second for
/// every ten facilities (2,000 facilities print in about 30 s on a 2-core machine, see
/// docs/benchmarks.md; this leaves room for a machine several times slower).
pub fn default_timeout(facilities: usize) -> Duration {
    Duration::from_secs(60 + facilities as u64 / 10)
}

/// The signals that stop `zaitaku pdf` (Ctrl-C, SIGTERM, SIGHUP), caught while it runs so
/// that the Chromium it started is killed and its work folder removed. A second signal ends
/// zaitaku at once.
#[derive(Default)]
pub struct Stop {
    signal: Arc<AtomicUsize>,
    ids: Vec<signal_hook::SigId>,
}

impl Stop {
    /// Catches the signals until dropped.
    pub fn install() -> Result<Stop> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let mut stop = Stop::default();
        let armed = Arc::new(AtomicBool::new(false));
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            let registered = signal_hook::flag::register_conditional_shutdown(
                signal,
                128 + signal,
                Arc::clone(&armed),
            )
            .and_then(|first| {
                stop.ids.push(first);
                signal_hook::flag::register_usize(signal, Arc::clone(&stop.signal), signal as usize)
            })
            .and_then(|second| {
                stop.ids.push(second);
                signal_hook::flag::register(signal, Arc::clone(&armed))
            });
            match registered {
                Ok(id) => stop.ids.push(id),
                Err(_) => {
                    return Err(Error::Setup(
                        "Ctrl-C などの合図を受け取る準備ができませんでした。".to_owned(),
                    ));
                }
            }
        }
        Ok(stop)
    }

    /// The signal that arrived, if one did.
    pub fn signal(&self) -> Option<i32> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(signal as i32),
        }
    }

    /// An error when a signal arrived.
    pub fn check(&self) -> Result<()> {
        match self.signal() {
            Some(signal) => Err(Error::Interrupted { signal }),
            None => Ok(()),
        }
    }
}

impl Drop for Stop {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// What a print is watched for: how long it may take, and whether zaitaku was interrupted.
pub struct Watch<'a> {
    pub timeout: Duration,
    pub stop: &'a Stop,
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

/// Whether a process of `group` is still running (zombies waiting for their parent to reap
/// them do not count: they hold no files).
fn group_running(group: rustix::process::Pid) -> bool {
    if rustix::process::test_kill_process_group(group).is_err() {
        return false;
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses.
        let Some((_, after)) = stat.rsplit_once(')') else {
            return false;
        };
        let fields: Vec<&str> = after.split_whitespace().collect();
        matches!(fields.as_slice(), [state, _, pgrp, ..]
            if pgrp.parse::<i32>().ok() == Some(group.as_raw_nonzero().get())
                && !matches!(*state, "Z" | "X"))
    })
}

/// The Chromium zaitaku started, leader of its own process group. Dropping it kills the whole
/// group and waits until it is gone (a few seconds at most), so that nothing writes into the
/// work folder while it is removed: after a print, a failure, a timeout, an interrupt or a
/// panic alike.
struct Browser {
    child: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let group = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        let _ = self.child.wait();
        let until = Instant::now() + Duration::from_secs(5);
        while group_running(group) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
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

/// Prints `html` to `pdf` with Chromium, its profile and temporary files in `work`.
pub fn print_to_pdf(
    chromium: &Path,
    html: &Path,
    pdf: &Path,
    work: &Path,
    watch: &Watch<'_>,
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
    watch.stop.check()?;
    let child = Command::new(chromium)
        .args(CHROMIUM_ARGS)
        .arg("--generate-pdf-document-outline")
        .arg(profile_arg)
        .arg(print_arg)
        .arg(url.as_str())
        .env("TMPDIR", &temporary)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .process_group(0)
        .spawn()
        .map_err(|e| Error::io(chromium, "起動", e))?;
    let mut browser = Browser { child };
    let started = Instant::now();
    let finished = loop {
        match browser.child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) => {}
            Err(e) => break Err(Error::io(chromium, "終了を確認", e)),
        }
        if let Some(signal) = watch.stop.signal() {
            break Err(Error::Interrupted { signal });
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
    pub passes: usize,
    /// anchor → page, as printed in the contents and index.
    pub numbers: HashMap<String, u32>,
}

/// Renders `booklet` and prints it to `out`; each print may take `timeout` (by default
/// [`default_timeout`] for the booklet's facilities), and stops when `stop` is signalled.
pub fn make_pdf(
    root: &Path,
    booklet_key: &str,
    out: &Path,
    chromium: &Path,
    today: Date,
    timeout: Option<Duration>,
    stop: &Stop,
) -> Result<PdfReport> {
    let (content, _warnings) = build::load_valid(root, today)?;
    let booklet = Booklet::parse(booklet_key, &content.site)?;
    check_japanese_font()?;
    let theme = Theme::load(root)?;
    // In TMPDIR, named after this process: removed on every exit, or by the next run when this
    // one is killed.
    let (work, _) = crate::owned::dir_in(&std::env::temp_dir(), "zaitaku-pdf-", 0o700)
        .map_err(|e| Error::io(std::env::temp_dir(), "作業用フォルダを作成", e))?;
    for (relative, bytes) in &theme.static_files {
        crate::output::write_under(work.path(), relative, bytes)?;
    }
    let site = Site::new(&content, today);
    let facilities = content
        .resources
        .iter()
        .filter(|r| booklet.includes(r, &content.site))
        .count();
    let pdf = work.path().join("booklet.pdf");
    let watch = Watch {
        timeout: timeout.unwrap_or_else(|| default_timeout(facilities)),
        stop,
    };
    let mut numbers: Option<HashMap<String, u32>> = None;
    let mut passes = 0;
    let printed = loop {
        passes += 1;
        let numbering = match &numbers {
            None => Numbering::Placeholder,
            Some(pages) => Numbering::Pages(pages),
        };
        let output = booklet_output(&site, booklet, numbering);
        let html = theme.render(output.template, &output.context)?;
        crate::output::write_under(work.path(), &output.file, html.as_bytes())?;
        print_to_pdf(
            chromium,
            &work.path().join(&output.file),
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
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
    }
    crate::owned::replace_file(out, ".zaitaku-pdf-", |file| {
        std::fs::copy(&pdf, file.path())
            .map(|_| ())
            .map_err(|e| Error::io(out, "書き込み", e))
    })?;
    Ok(PdfReport {
        out: out.to_path_buf(),
        pages: printed.pages,
        facilities,
        passes,
        numbers: numbers.unwrap_or_default(),
    })
}

/// The default output file for a booklet: `directory-whole.pdf`, `directory-area-north.pdf`.
pub fn default_file_name(booklet_key: &str) -> String {
    format!("directory-{}.pdf", booklet_key.trim().replace(':', "-"))
}

/// `zaitaku pdf`.
pub fn command(root: &Path, args: &PdfArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let today = args.today.unwrap_or_else(build::today_in_tokyo);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| root.join(default_file_name(&args.booklet)));
    // Judged before Chromium runs, and written where the judgement says (a symlink's target).
    let target = crate::output::guard::output_file(
        root,
        &out,
        crate::output::guard::FileKind::Pdf,
        args.force,
    )?;
    let chromium = find_chromium(args.chromium.as_deref())?;
    let stop = Stop::install()?;
    let timeout = args.timeout.map(Duration::from_secs);
    let report = make_pdf(
        root,
        &args.booklet,
        &target,
        &chromium,
        today,
        timeout,
        &stop,
    )?;
    eprintln!(
        "完了: PDF {} ページ（事業所 {} 件、印刷 {} 回、{:.1} 秒）→ {}",
        report.pages,
        report.facilities,
        report.passes,
        started.elapsed().as_secs_f64(),
        report.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names() {
        assert_eq!(default_file_name("whole"), "directory-whole.pdf");
        assert_eq!(default_file_name("area:north"), "directory-area-north.pdf");
    }

    #[test]
    fn a_missing_chromium_names_the_package() {
        let error = find_chromium(Some(Path::new("/nonexistent/chromium"))).unwrap_err();
        assert!(error.to_string().contains("apt-get install chromium"));
    }
}
