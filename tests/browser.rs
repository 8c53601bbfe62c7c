//! Builds the sample site in `content/` with the real `zaitaku` binary and runs the browser
//! harness `tests/browser/check-site.mjs` over it: Nu HTML Checker, internal links, text
//! alternatives, and in headless Chromium axe-core (WCAG 2.1 A/AA = JIS X 8341-3 AA), no
//! horizontal scrolling at 320/375 px, no third-party requests, plus screenshots in
//! `target/screenshots/`.
//!
//! Needs the setup in the README: `npm ci` and the Debian packages chromium, fonts-noto-cjk and
//! default-jre-headless (`.ci/run` installs them). Without them this test FAILS, unless
//! `ZAITAKU_SKIP_BROWSER=1` is set, in which case it says it skipped and passes.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TODAY: &str = "2026-11-22";

/// Writes straight to the process's stderr, past the test harness's output capture, so the
/// messages show in `cargo test` output even when the test passes.
fn say(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.write_all(b"\n");
    let _ = err.flush();
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chromium_path() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// What the README's setup provides and this test needs; empty when all is there.
fn missing_prerequisites(root: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    if !runs("node", "--version") {
        missing.push("`node` (Node.js 20 or later) is not on PATH".to_string());
    }
    for package in ["playwright-core", "axe-core", "vnu-jar", "parse5"] {
        if !root
            .join("node_modules")
            .join(package)
            .join("package.json")
            .is_file()
        {
            missing.push(format!(
                "node_modules/{package} is missing: run `npm ci` in {}",
                root.display()
            ));
        }
    }
    let chromium = chromium_path();
    if !chromium.is_file() {
        missing.push(format!(
            "{} is missing: apt-get install chromium fonts-noto-cjk",
            chromium.display()
        ));
    }
    if !runs("java", "-version") {
        missing.push("`java` is not on PATH (the Nu HTML Checker needs it): apt-get install default-jre-headless".to_string());
    }
    missing
}

#[test]
fn sample_site_passes_browser_checks() {
    let root = repo_root();

    if std::env::var("ZAITAKU_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        say(
            "SKIPPED tests/browser.rs: ZAITAKU_SKIP_BROWSER=1 is set, so the sample site was NOT \
             checked in a browser (no Nu HTML Checker, link, axe-core, 320 px or screenshot checks ran).",
        );
        return;
    }

    let missing = missing_prerequisites(&root);
    assert!(
        missing.is_empty(),
        "\nThe browser test cannot run; do the setup in README.md first \
         (`npm ci`, and `apt-get install chromium fonts-noto-cjk default-jre-headless`, \
         or simply `bash .ci/run`):\n  - {}\n\
         To skip this test on purpose, set ZAITAKU_SKIP_BROWSER=1.\n\
         ブラウザ検査を実行できません。README の準備（npm ci と apt パッケージ）を行ってください。\n",
        missing.join("\n  - ")
    );

    let tmp = tempfile::Builder::new()
        .prefix("zaitaku-browser-")
        .tempdir()
        .expect("create a temporary folder");
    let public = tmp.path().join("public");

    // 1. Build the sample site with the real binary.
    let build = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(&root)
        .arg("build")
        .arg("--out")
        .arg(&public)
        .arg("--today")
        .arg(TODAY)
        .output()
        .expect("run the zaitaku binary");
    assert!(
        build.status.success(),
        "`zaitaku --root {} build --out {} --today {TODAY}` failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
        root.display(),
        public.display(),
        build.status,
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr),
    );
    assert!(
        public.join("index.html").is_file(),
        "the build wrote no {}/index.html",
        public.display()
    );

    // 2. Check it in the browser harness, showing its output as it goes.
    let screenshots = root.join("target").join("screenshots");
    say(&format!(
        "tests/browser.rs: node tests/browser/check-site.mjs {} --screenshots {}",
        public.display(),
        screenshots.display()
    ));
    let mut child = Command::new("node")
        .arg(root.join("tests").join("browser").join("check-site.mjs"))
        .arg(&public)
        .arg("--screenshots")
        .arg(&screenshots)
        .current_dir(&root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start node tests/browser/check-site.mjs");
    let mut summary = None;
    let mut output = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("piped stdout")).lines() {
        let line = line.expect("read the harness output");
        say(&format!("  {line}"));
        if line.starts_with("browser: ") && line.contains(" passed, ") {
            summary = Some(line.clone());
        }
        output.push(line);
    }
    let status = child.wait().expect("wait for the harness");

    let failed_lines: Vec<&String> = output
        .iter()
        .filter(|l| l.starts_with("FAIL ") || l.starts_with("failed ") || l.starts_with("    "))
        .take(200)
        .collect();
    let ok = status.success() && summary.as_deref().is_some_and(|s| s.ends_with(" 0 failed"));
    if !ok {
        // Keep the built site for a look.
        let kept = tmp.keep();
        panic!(
            "the browser checks failed ({status}); summary: {}\nbuilt site kept at {}\nscreenshots in {}\n{}",
            summary
                .as_deref()
                .unwrap_or("(no summary line: the harness stopped early)"),
            kept.join("public").display(),
            screenshots.display(),
            failed_lines
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
}
