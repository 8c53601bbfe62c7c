//! Helpers shared by the integration tests: fixture sites copied into temporary folders, and
//! what the browser tests share (finding Chromium, checking the README's setup, skipping with
//! `ZAITAKU_SKIP_BROWSER=1`, building the sample site, running a node harness).

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use std::collections::BTreeMap;

use jiff::civil::Date;
use zaitaku::diagnostics::Diagnostic;
use zaitaku::sheet::export::{ExportArgs, ExportFormat};
use zaitaku::sheet::import::{Format, ImportArgs};

/// The "today" every test builds for, as the command line takes it.
pub const TODAY: &str = "2026-11-22";

pub fn today() -> Date {
    TODAY.parse().unwrap()
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo().join("tests").join("fixtures")
}

/// A new folder with only the site's `content/` and `themes/` (no cache, no previous output):
/// where a clean build of the same site is made.
pub fn fresh_copy(site: &Path) -> tempfile::TempDir {
    let fresh = tempfile::tempdir().unwrap();
    for part in ["content", "themes"] {
        if site.join(part).is_dir() {
            copy_as_is(&site.join(part), &fresh.path().join(part));
        }
    }
    fresh
}

/// Copies `from` to `to` as it is: links stay links (to the same target), FIFOs stay FIFOs
/// (never opened).
pub fn copy_as_is(from: &Path, to: &Path) {
    use std::os::unix::fs::FileTypeExt;
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        let kind = entry.file_type();
        if kind.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else if kind.is_symlink() {
            let link = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(link, &target).unwrap();
        } else if kind.is_fifo() {
            mkfifo(&target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The build's warnings about its cache (`.zaitaku-cache/`, the search index's among them).
pub fn cache_warnings(report: &zaitaku::build::BuildReport) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(|d| d.to_string())
        .filter(|d| d.contains("キャッシュ"))
        .collect()
}

/// Gives the top-level YAML field `field` of the file at `path` the value `value` (the line
/// that starts with `field:` is replaced; the others are kept as they are).
pub fn set_field(path: &Path, field: &str, value: &str) {
    let prefix = format!("{field}:");
    let text = std::fs::read_to_string(path).unwrap();
    let text: String = text
        .lines()
        .map(|line| match line.starts_with(&prefix) {
            true => format!("{prefix} {value}\n"),
            false => format!("{line}\n"),
        })
        .collect();
    std::fs::write(path, text).unwrap();
}

/// Makes a FIFO (a named pipe) at `path`, and its folders: what a build must never open and
/// wait on.
pub fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// The owner part of a staging folder's name (`zaitaku::output::STAGING_PREFIX`) for an owner
/// that cannot be running: a process id above the kernel's largest.
pub fn dead_owner() -> String {
    let max: u64 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(4_194_304);
    format!("{}-1234-", max + 1)
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The small site of the sheet tests (`tests/fixtures/sheets/site/content`, five facilities)
/// in a temporary folder.
pub fn sheets_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &fixtures().join("sheets").join("site").join("content"),
        &dir.path().join("content"),
    );
    dir
}

/// The base fixture site in a temporary folder, with `overlay` (a fixture folder whose files
/// are added or replace the base's) on top.
pub fn site_with(overlay: Option<&Path>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("base"), dir.path());
    if let Some(overlay) = overlay {
        copy_tree(&overlay.join("content"), &dir.path().join("content"));
    }
    dir
}

/// The base fixture site with `records` more clinics, big enough that a build is still writing
/// for a while (3,000 take about a second).
pub fn site_with_generated(records: usize) -> tempfile::TempDir {
    let site = site_with(None);
    for index in 0..records {
        std::fs::write(
            site.path().join(format!("content/resources/clinic/gen-{index}.yaml")),
            format!(
                "name: 生成医院 第{index}\nkana: せいせいいいん\ncategory: clinic\naddress: 徳島市幸町{index}番地\nphone: 088-6{:02}-{:04}\nhours:\n  - {{ days: [mon, tue], open: \"09:00\", close: \"12:00\" }}\nverified: 2026-04-01\n",
                10 + index / 10_000,
                index % 10_000
            ),
        )
        .unwrap();
    }
    site
}

/// Every file under `dir` with its bytes (a link as `-> target`), by relative path.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let relative = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let bytes = if e.file_type().is_symlink() {
                format!("-> {}", std::fs::read_link(e.path()).unwrap().display()).into_bytes()
            } else {
                std::fs::read(e.path()).unwrap()
            };
            (relative, bytes)
        })
        .collect()
}

/// The names in a folder, sorted (hidden ones too).
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// One diagnostic as a line of an `expected.txt`: `error content/x.yaml:3:8 phone`.
pub fn summary_line(diagnostic: &Diagnostic) -> String {
    let severity = if diagnostic.is_error() {
        "error"
    } else {
        "warning"
    };
    format!(
        "{severity} {} {}",
        diagnostic.location(),
        diagnostic.field.as_deref().unwrap_or("-")
    )
}

/// Every file under `dir` with its bytes and modification time.
pub fn snapshot_with_times(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let meta = e.metadata().unwrap();
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                (std::fs::read(e.path()).unwrap(), meta.modified().unwrap()),
            )
        })
        .collect()
}

/// `zaitaku import FILE --today 2026-11-22`, without `--write`.
pub fn import_args(file: &Path) -> ImportArgs {
    ImportArgs {
        file: file.to_path_buf(),
        category: None,
        write: false,
        sheet: None,
        mapping: None,
        city: None,
        hours: None,
        format: Format::Auto,
        today: today(),
        verified: None,
    }
}

/// `zaitaku export --format FORMAT --out OUT` of the site at `site`: the file written and the
/// number of records.
pub fn export_to(
    site: &Path,
    format: ExportFormat,
    out: &Path,
) -> zaitaku::Result<(PathBuf, usize)> {
    zaitaku::sheet::export::run(
        site,
        &ExportArgs {
            format,
            out: Some(out.to_path_buf()),
            force: false,
            availability: false,
        },
    )
}

pub fn check(root: &Path) -> Vec<Diagnostic> {
    zaitaku::build::check(root, today()).unwrap().1
}

/// Writes straight to the process's stderr, past the test harness's output capture, so the
/// message shows in `cargo test` output even when the test passes.
pub fn say(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.write_all(b"\n");
    let _ = err.flush();
}

/// The Chromium the browser tests drive: `CHROMIUM_PATH` when set, else Debian's
/// `/usr/bin/chromium`.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Whether `program arg` starts and exits successfully (`node --version`, `java -version`).
pub fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Something a browser test needs besides Chromium (which every one needs).
#[derive(Debug, Clone, Copy)]
pub enum Need<'a> {
    /// `node` on PATH.
    Node,
    /// `node_modules/<name>`, installed by `npm ci`.
    NodePackage(&'a str),
    /// `java` on PATH, for the Nu HTML Checker.
    Java,
    /// A command on PATH and the Debian package that has it: `Tool("pdfinfo", "poppler-utils")`.
    Tool(&'a str, &'a str),
}

/// What of the README's setup a browser test lacks: Chromium ([`chromium_path`]) and each of
/// `extra`; one line per missing thing saying how to install it, empty when all is there.
pub fn missing_browser_prerequisites(root: &Path, extra: &[Need<'_>]) -> Vec<String> {
    let mut missing = Vec::new();
    let chromium = chromium_path();
    if !chromium.is_file() {
        missing.push(format!(
            "{} is missing: apt-get install chromium fonts-noto-cjk",
            chromium.display()
        ));
    }
    for need in extra {
        match *need {
            Need::Node => {
                if !runs("node", "--version") {
                    missing.push("`node` (Node.js 20 or later) is not on PATH".to_owned());
                }
            }
            Need::NodePackage(package) => {
                let manifest = root.join("node_modules").join(package).join("package.json");
                if !manifest.is_file() {
                    missing.push(format!(
                        "node_modules/{package} is missing: run `npm ci` in {}",
                        root.display()
                    ));
                }
            }
            Need::Java => {
                if !runs("java", "-version") {
                    missing.push(
                        "`java` is not on PATH (the Nu HTML Checker needs it): apt-get install default-jre-headless"
                            .to_owned(),
                    );
                }
            }
            Need::Tool(command, package) => {
                // Started at all is enough: some tools exit non-zero for a version flag.
                let found = Command::new(command)
                    .arg("-v")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok();
                if !found {
                    missing.push(format!(
                        "`{command}` is not on PATH: apt-get install {package}"
                    ));
                }
            }
        }
    }
    missing
}

/// Whether browser tests are skipped on purpose (`ZAITAKU_SKIP_BROWSER=1`).
pub fn browser_tests_skipped() -> bool {
    std::env::var("ZAITAKU_SKIP_BROWSER").is_ok_and(|v| v == "1")
}

/// How every browser test starts. With `ZAITAKU_SKIP_BROWSER=1` it says `skip_note` (which
/// names the test and what was NOT checked) and returns `true`: the test returns at once and
/// passes. Otherwise it panics when [`missing_browser_prerequisites`] finds anything missing,
/// with `cannot_run` (which names the test and the setup to do) above the list; `false` when
/// the test can run. Prerequisites are not even looked at when skipping.
#[track_caller]
pub fn skip_or_require_browser(
    root: &Path,
    extra: &[Need<'_>],
    skip_note: &str,
    cannot_run: &str,
) -> bool {
    if browser_tests_skipped() {
        say(skip_note);
        return true;
    }
    let missing = missing_browser_prerequisites(root, extra);
    assert!(
        missing.is_empty(),
        "\n{cannot_run}\n  - {}\n\
         To skip this test on purpose, set ZAITAKU_SKIP_BROWSER=1.\n\
         ブラウザ検査を実行できません。README の準備（npm ci と apt パッケージ）を行ってください。\n",
        missing.join("\n  - ")
    );
    false
}

/// Builds the sample site (this repository's `content/`) with the real `zaitaku` binary into
/// `out`, for [`TODAY`]; panics with the command and its output if that fails.
#[track_caller]
pub fn build_sample_site(out: &Path) {
    let root = repo();
    let build = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(&root)
        .args(["build", "--today", TODAY, "--out"])
        .arg(out)
        .output()
        .expect("run the zaitaku binary");
    assert!(
        build.status.success(),
        "`zaitaku --root {} build --today {TODAY} --out {}` failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
        root.display(),
        out.display(),
        build.status,
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr),
    );
    assert!(
        out.join("index.html").is_file(),
        "the build wrote no {}/index.html",
        out.display()
    );
}

/// The sample site (this repository's `content/`) built once per test process by
/// [`build_sample_site`], for the modules that only read it. Modules that need a changed copy
/// build their own.
///
/// It lives in `target/tmp/sample-site/public` (Cargo's folder for test scratch, so nothing
/// is left in the system's temporary folder); a later run rebuilds it over the previous one.
pub fn sample_site() -> &'static Path {
    static SITE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SITE.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("sample-site")
            .join("public");
        std::fs::create_dir_all(out.parent().unwrap()).expect("create target/tmp/sample-site");
        build_sample_site(&out);
        out
    })
}

/// How a node harness (`tests/browser/*.mjs`) ended, and everything it printed on stdout.
pub struct HarnessRun {
    pub status: ExitStatus,
    pub lines: Vec<String>,
}

impl HarnessRun {
    /// The harness's closing line, `<name>: N passed, M failed`.
    pub fn summary(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}: ");
        self.lines
            .iter()
            .rfind(|l| l.starts_with(&prefix) && l.contains(" passed, "))
            .map(String::as_str)
    }

    /// Whether node exited 0 and the closing line counts no failure.
    pub fn passed(&self, name: &str) -> bool {
        self.status.success() && self.summary(name).is_some_and(|s| s.ends_with(" 0 failed"))
    }
}

/// Holds the browser for one harness (or a `zaitaku pdf` run) at a time.
pub fn browser_turn() -> std::sync::MutexGuard<'static, ()> {
    static BROWSER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    BROWSER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `node <script> <args…>` from the repository root (`script` relative to it), showing
/// each line it prints, indented, as it comes (stderr passes straight through).
///
/// The test modules share one binary, so browser harnesses would otherwise start several
/// Chromiums at once on a two-core machine; they take turns instead.
pub fn run_harness(script: &str, args: &[&dyn AsRef<OsStr>]) -> HarnessRun {
    let _turn = browser_turn();
    let root = repo();
    let mut child = Command::new("node")
        .arg(root.join(script))
        .args(args.iter().map(|a| a.as_ref()))
        .current_dir(&root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("start node {script}: {e}"));
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("piped stdout")).lines() {
        let line = line.expect("read the harness output");
        say(&format!("  {line}"));
        lines.push(line);
    }
    let status = child.wait().expect("wait for the harness");
    HarnessRun { status, lines }
}

/// Whether snapshot tests should rewrite their expected files instead of comparing
/// (`ZAITAKU_BLESS`). See [`bless_from`].
pub fn bless() -> bool {
    bless_from(std::env::var_os("ZAITAKU_BLESS").as_deref())
}

/// How a value of `ZAITAKU_BLESS` reads: `1`, `true`, `yes` (any case, surrounding spaces
/// ignored) bless; unset, empty, `0`, `false`, `no` do not. Anything else panics, so a typo
/// neither blesses nor silently compares.
#[track_caller]
pub fn bless_from(value: Option<&OsStr>) -> bool {
    let Some(value) = value else { return false };
    let text = value.to_string_lossy();
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => true,
        "" | "0" | "false" | "no" => false,
        other => panic!(
            "ZAITAKU_BLESS={other:?} is not understood: use 1/true/yes to rewrite the expected \
             files, or 0/false/no (or leave it unset) to compare with them"
        ),
    }
}

/// `zaitaku pdf --booklet BOOKLET` of the sample site with the found Chromium, written into
/// `dir` (one browser at a time); panics with zaitaku's message when it fails.
pub fn print_booklet_pdf(booklet: &str, dir: &Path) -> PathBuf {
    let out = dir.join(format!("{}.pdf", booklet.replace(':', "-")));
    let _turn = browser_turn();
    let run = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(repo())
        .args(["pdf", "--today", TODAY, "--booklet", booklet, "--chromium"])
        .arg(chromium_path())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "zaitaku pdf --booklet {booklet} failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stderr).contains("完了: PDF"));
    out
}

/// Pages of a PDF as PNG images under `target/screenshots/<folder>/<name>-<page>.png`, at
/// `dpi` dots per inch, for a person to look at (the tests do not read them).
pub fn look_at_pdf(pdf: &Path, folder: &str, dpi: u32, name: &str, pages: &[usize]) {
    let dir = repo().join("target/screenshots").join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    for page in pages {
        let status = Command::new("pdftoppm")
            .args(["-png", "-r", &dpi.to_string(), "-singlefile", "-f"])
            .arg(page.to_string())
            .arg("-l")
            .arg(page.to_string())
            .arg(pdf)
            .arg(dir.join(format!("{name}-{page}")))
            .status()
            .unwrap();
        assert!(status.success(), "pdftoppm failed on {}", pdf.display());
    }
}

/// The page count `pdfinfo` reads from `pdf`.
pub fn pdf_page_count(pdf: &Path) -> usize {
    let info = Command::new("pdfinfo").arg(pdf).output().unwrap();
    String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo says how many pages")
}

/// `pdftotext` of each page (index 0 is page 1); with `layout`, columns kept side by side.
pub fn pdf_page_texts(pdf: &Path, layout: bool) -> Vec<String> {
    let mut command = Command::new("pdftotext");
    if layout {
        command.arg("-layout");
    }
    let output = command.arg(pdf).arg("-").output().unwrap();
    assert!(output.status.success(), "pdftotext {}", pdf.display());
    let text = String::from_utf8(output.stdout).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::bless_from;
    use std::ffi::OsStr;

    #[test]
    fn bless_only_for_yes_values() {
        for yes in ["1", "true", "yes", "TRUE", "Yes", " 1 "] {
            assert!(bless_from(Some(OsStr::new(yes))), "{yes:?} should bless");
        }
        assert!(!bless_from(None), "unset should not bless");
        for no in ["", "0", "false", "no", "FALSE", "No", " 0 "] {
            assert!(!bless_from(Some(OsStr::new(no))), "{no:?} should not bless");
        }
    }

    #[test]
    #[should_panic(expected = "ZAITAKU_BLESS=\"ture\" is not understood")]
    fn bless_refuses_a_typo() {
        bless_from(Some(OsStr::new("ture")));
    }
}
