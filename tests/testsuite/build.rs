//! Site assembly: a failed build leaves the previous output exactly as it was, the same
//! content gives byte-identical output, and the command's exit codes.

use crate::common;

use std::path::Path;
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

#[test]
fn a_killed_build_leaves_public_untouched() {
    // A site big enough that the build is still writing when it is killed.
    let generated = common::site_with_generated(3000);
    let out = generated.path().join("public");
    let site = site_with(None);
    build(&options(site.path(), &out)).unwrap();
    let before = snapshot(&out);

    let mut child = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(generated.path())
        .args(["build", "--today", "2026-11-22"])
        .spawn()
        .unwrap();
    // Kill as soon as the staging folder exists, i.e. in the middle of writing.
    let started = std::time::Instant::now();
    loop {
        let staging = siblings(&out)
            .iter()
            .any(|n| n.starts_with(".zaitaku-build-"));
        if staging || started.elapsed().as_secs() > 60 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // Either the kill came before the swap (old site intact) or after it (new site complete);
    // never a mixture. With 3,000 records the kill lands before the swap.
    let after = snapshot(&out);
    if after != before {
        let complete = generated.path().join("complete");
        build(&options(generated.path(), &complete)).unwrap();
        assert_eq!(
            after,
            snapshot(&complete),
            "public/ is a mixture of two builds"
        );
    }
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
