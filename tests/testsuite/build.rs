//! Site assembly: a failed build leaves the previous output exactly as it was, the same
//! content gives byte-identical output, and the command's exit codes.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{fixtures, site_with, snapshot, today};
use zaitaku::build::{BuildOptions, build};

fn options(root: &Path, out: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        out: out.to_path_buf(),
        base_url: None,
        today: today(),
    }
}

fn siblings(dir: &Path) -> Vec<String> {
    common::names(dir.parent().unwrap())
}

#[test]
fn every_content_kind_has_its_page() {
    let site = site_with(None);
    let out = site.path().join("public");
    let report = build(&options(site.path(), &out)).unwrap();
    assert_eq!(report.resources, 2);
    for page in [
        "index.html",
        "resources/index.html",
        "resources/takahashi-naika/index.html",
        "resources/category/clinic/index.html",
        "resources/area/north/index.html",
        "resources/service/24h/index.html",
        "resources/kana/ta/index.html",
        "caremane-time/index.html",
        "caremane-time/tue/index.html",
        "pamphlet/index.html",
        "pamphlet/intro/index.html",
        "pamphlet/all/index.html",
        "manga/index.html",
        "manga/ep1/index.html",
        "manga/ep1-1.svg",
        "lectures/index.html",
        "lectures/stage-play/index.html",
        "lectures/stage-play/lecture.ics",
        "lectures/upcoming.ics",
        "news/index.html",
        "news/opening/index.html",
        "news/atom.xml",
        "about/index.html",
        "search/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
    ] {
        assert!(out.join(page).is_file(), "{page} missing");
    }
}

#[test]
fn failed_build_leaves_public_untouched() {
    let site = site_with(None);
    let out = site.path().join("public");
    build(&options(site.path(), &out)).unwrap();
    let before = snapshot(&out);
    let entries_before = siblings(&out);

    std::fs::write(
        site.path().join("content/resources/clinic/broken.yaml"),
        "name: 壊れた医院\nkana: こわれたいいん\ncategory: clinic\naddress: 徳島市\nphone: 0886\nverified: 2026-01-01\n",
    )
    .unwrap();
    let error = build(&options(site.path(), &out)).unwrap_err();
    assert_eq!(error.exit_code(), 1);
    assert_eq!(snapshot(&out), before);
    assert_eq!(
        siblings(&out),
        entries_before,
        "no staging folder left behind"
    );
}

/// The staging folders (`.zaitaku-build-*`) beside `out` that hold at least one page, i.e.
/// a build that has started writing pages and has not swapped them in yet.
fn staging_with_pages(out: &Path) -> Vec<PathBuf> {
    let parent = out.parent().unwrap();
    siblings(out)
        .into_iter()
        .filter(|n| n.starts_with(zaitaku::output::STAGING_PREFIX))
        .map(|n| parent.join(n))
        .filter(|dir| {
            walkdir::WalkDir::new(dir)
                .into_iter()
                .filter_map(Result::ok)
                .any(|e| e.file_type().is_file() && e.file_name() == "index.html")
        })
        .collect()
}

#[test]
fn a_killed_build_leaves_public_untouched() {
    // A site big enough that the build is still writing when it is killed.
    let generated = common::site_with_generated(3000);
    let out = generated.path().join("public");
    let site = site_with(None);
    build(&options(site.path(), &out)).unwrap();
    let before = snapshot(&out);

    // Kill once the staging folder holds pages. The kill landed mid-write when, with the
    // build dead, that folder is still there with its pages (never swapped in). A try where
    // the build got further first (it swapped, or finished) does not count; after a few such
    // tries the test fails rather than passing without having killed anything mid-write.
    const TRIES: usize = 5;
    let mut landed = false;
    for attempt in 1..=TRIES {
        // A killed build's staging folder stays behind; clear earlier tries' away.
        for name in siblings(&out) {
            if name.starts_with(zaitaku::output::STAGING_PREFIX) {
                std::fs::remove_dir_all(out.parent().unwrap().join(name)).unwrap();
            }
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
            .arg("--root")
            .arg(generated.path())
            .args(["build", "--today", "2026-11-22"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Poll until pages are staged or the build has ended (then this try missed).
        let mut exited = false;
        while staging_with_pages(&out).is_empty() {
            if child.try_wait().unwrap().is_some() {
                exited = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        if !exited {
            child.kill().unwrap();
        }
        child.wait().unwrap();
        let after = snapshot(&out);
        if !exited && !staging_with_pages(&out).is_empty() {
            // Killed between writing pages and the swap: the old site, byte for byte.
            assert!(
                after == before,
                "public/ changed although the build was killed before the swap (try {attempt})"
            );
            landed = true;
            break;
        }
        // The build got to the swap: public/ must be the complete new site, never a mixture.
        if after != before {
            let complete = generated.path().join("complete");
            if !complete.exists() {
                build(&options(generated.path(), &complete)).unwrap();
            }
            assert!(
                after == snapshot(&complete),
                "public/ is a mixture of two builds (try {attempt})"
            );
            // Put the old site back, so the next try can tell old from new again.
            std::fs::remove_dir_all(&out).unwrap();
            build(&options(site.path(), &out)).unwrap();
            assert!(snapshot(&out) == before);
        }
    }
    assert!(
        landed,
        "in {TRIES} tries the kill never landed while the build was writing its staging folder"
    );
}

#[test]
fn output_is_deterministic() {
    let site = site_with(None);
    let first = site.path().join("first");
    let second = site.path().join("second");
    build(&options(site.path(), &first)).unwrap();
    build(&options(site.path(), &second)).unwrap();
    let (a, b) = (snapshot(&first), snapshot(&second));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{path} differs between two builds");
    }
}

#[test]
fn sample_site_builds_deterministically() {
    let out = tempfile::tempdir().unwrap();
    let first = out.path().join("a");
    let second = out.path().join("b");
    build(&options(&common::repo(), &first)).unwrap();
    build(&options(&common::repo(), &second)).unwrap();
    assert_eq!(snapshot(&first), snapshot(&second));
}

fn run(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn exit_codes_and_summary() {
    let site = site_with(None);
    let root = site.path().to_str().unwrap();
    let (code, stderr) = run(&["--root", root, "check", "--today", "2026-11-22"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("事業所 2 件、ページ 5 件、エラー 0 件、警告 0 件"),
        "{stderr}"
    );

    let bad = site_with(Some(&fixtures().join("invalid/bad-values")));
    let bad_root = bad.path().to_str().unwrap();
    let (code, stderr) = run(&["--root", bad_root, "build", "--today", "2026-11-22"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("content/resources/clinic/bad.yaml:7:8 項目「phone」"),
        "{stderr}"
    );
    assert!(stderr.contains("エラー 16 件"), "{stderr}");
    assert!(!bad.path().join("public").exists());

    let (code, stderr) = run(&["--root", "/nonexistent-zaitaku-site", "build"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("content フォルダが見つかりません"),
        "{stderr}"
    );

    let (code, stderr) = run(&["--root", root, "build", "--today", "2026-13-01"]);
    assert_eq!(code, 2, "{stderr}");
}
