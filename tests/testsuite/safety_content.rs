//! What `content/` may hold, beyond single fields (those are fixture cases in `validation`):
//! FIFOs, sockets and devices are reported without ever being opened; huge files are refused
//! without being read; names with control characters or invalid UTF-8, very deep folders,
//! link loops and links that lead nowhere are Japanese errors; duplicate checks stay bounded;
//! and a content error lists every error at once and writes nothing.

use crate::common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{check, mkfifo, site_with, summary_line};

fn write(root: &Path, relative: &str, bytes: &[u8]) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Runs `zaitaku` with a guard against hangs: a command that opened a FIFO would wait forever,
/// so it is killed after a generous while and the test fails saying so (no timing is asserted).
fn zaitaku(root: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(root)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..1200 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    panic!(
        "zaitaku {args:?} hung (killed):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `zaitaku build --out public` (with the hang guard).
fn build_into(root: &Path, public: &Path) -> Output {
    zaitaku(
        root,
        &[
            "build",
            "--today",
            common::TODAY,
            "--out",
            public.to_str().unwrap(),
        ],
    )
}

const RECORD: &str = "name: テスト医院\nkana: てすといいん\ncategory: clinic\naddress: 徳島市幸町1番地\nphone: 088-600-3001\nverified: 2026-04-01\n";

#[test]
fn fifos_sockets_and_devices_are_reported_without_being_opened() {
    let site = site_with(None);
    let root = site.path();
    mkfifo(&root.join("content/resources/clinic/pipe.yaml"));
    mkfifo(&root.join("content/pages/pipe.md"));
    mkfifo(&root.join("content/manga/pipe.svg"));
    mkfifo(&root.join("content/site-pipe"));
    std::os::unix::fs::symlink("pipe.md", root.join("content/pages/to-pipe.md")).unwrap();
    let _socket =
        std::os::unix::net::UnixListener::bind(root.join("content/pages/socket.md")).unwrap();
    // A character device (root can make one; elsewhere the FIFOs cover the rule).
    let device = Command::new("mknod")
        .arg(root.join("content/news/device.md"))
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    let lines: Vec<String> = check(root).iter().map(summary_line).collect();
    let mut expected = vec![
        "warning content/manga/pipe.svg -",
        "warning content/pages/pipe.md -",
        "warning content/pages/socket.md -",
        "warning content/pages/to-pipe.md -",
        "warning content/resources/clinic/pipe.yaml -",
        "warning content/site-pipe -",
    ];
    if device {
        expected.insert(1, "warning content/news/device.md -");
    }
    assert_eq!(lines, expected);
    // The command line too, check and build alike: they finish, and say what was skipped.
    let output = zaitaku(root, &["check", "--today", common::TODAY]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("名前付きパイプ（FIFO）は読み込みません"),
        "{stderr}"
    );
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let output = build_into(root, &public);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!public.join("manga/pipe.svg").exists());
}

#[test]
fn huge_files_are_refused_without_reading_them() {
    let site = site_with(None);
    let root = site.path();
    // Sparse: 3 GB on paper, nothing on disk. Reading it would take gigabytes of memory.
    for relative in [
        "content/resources/clinic/huge.yaml",
        "content/manga/huge.png",
    ] {
        let file = std::fs::File::create(root.join(relative)).unwrap();
        file.set_len(3 * 1024 * 1024 * 1024).unwrap();
    }
    let diagnostics = check(root);
    let lines: Vec<String> = diagnostics.iter().map(summary_line).collect();
    assert_eq!(
        lines,
        [
            "error content/manga/huge.png -",
            "error content/resources/clinic/huge.yaml -"
        ]
    );
    assert!(
        diagnostics
            .iter()
            .all(|d| d.message.contains("大きすぎます"))
    );
}

#[test]
fn odd_file_names_are_japanese_errors_and_never_reach_the_terminal_raw() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let site = site_with(None);
    let root = site.path();
    let svg = std::fs::read(root.join("content/manga/ep1-1.svg")).unwrap();
    let manga = root.join("content/manga");
    std::fs::write(manga.join("\u{1b}[2Jclear.svg"), &svg).unwrap();
    std::fs::write(manga.join(OsStr::from_bytes(b"\xff\xfe.svg")), &svg).unwrap();
    std::fs::write(manga.join("a<b>.svg"), &svg).unwrap();
    std::fs::write(manga.join("space .svg "), &svg).unwrap();
    std::fs::write(manga.join("LPT1.svg"), &svg).unwrap();
    std::fs::write(manga.join("EP1-1.SVG"), &svg).unwrap();
    let diagnostics = check(root);
    assert_eq!(
        diagnostics.len(),
        6,
        "{:#?}",
        diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    assert!(diagnostics.iter().all(|d| d.is_error()));
    let output = zaitaku(root, &["check", "--today", common::TODAY]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        !output.stderr.contains(&0x1b),
        "a raw ESC reached the terminal"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("<U+001B>[2Jclear.svg"), "{stderr}");
    assert!(stderr.contains("UTF-8 ではない文字"), "{stderr}");
    assert!(stderr.contains("Windows"), "{stderr}");
    assert!(stderr.contains("大文字・小文字"), "{stderr}");
}

#[test]
fn deep_folders_loops_and_dangling_links_are_japanese_errors() {
    let site = site_with(None);
    let root = site.path();
    let mut deep = root.join("content/news");
    for level in 0..40 {
        deep = deep.join(format!("d{level}"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(
        deep.join("deep.md"),
        "---\ntitle: 深い\ndate: 2026-01-01\n---\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("..", root.join("content/pages/up")).unwrap();
    std::os::unix::fs::symlink("self.md", root.join("content/pages/self.md")).unwrap();
    std::os::unix::fs::symlink("nowhere.md", root.join("content/pages/dangling.md")).unwrap();
    let diagnostics = check(root);
    let lines: Vec<String> = diagnostics.iter().map(summary_line).collect();
    assert_eq!(
        lines,
        [
            "error content/news/d0/d1/d2/d3/d4/d5/d6 -",
            "error content/pages/dangling.md -",
            "error content/pages/self.md -",
            "error content/pages/up -",
        ],
        "{:#?}",
        diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    for diagnostic in &diagnostics {
        assert!(
            !diagnostic.message.contains("No such file")
                && !diagnostic.message.contains("symbolic links")
                && !diagnostic.message.contains("File system loop"),
            "{diagnostic}"
        );
    }
}

#[test]
fn a_file_that_vanishes_is_a_japanese_error() {
    let site = site_with(None);
    let gone = site.path().join("content/pages/gone.md");
    let error = zaitaku::content::source::read("content/pages/gone.md", &gone).unwrap_err();
    assert!(error.message.contains("ありません"), "{error}");
    assert!(!error.message.contains("No such file"), "{error}");
}

#[test]
fn hard_linked_files_are_published_as_copies() {
    let site = site_with(None);
    let root = site.path();
    let outside = root.join("photo.png");
    std::fs::write(&outside, b"\x89PNG\r\n\x1a\n").unwrap();
    std::fs::hard_link(&outside, root.join("content/manga/photo.png")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let output = build_into(root, &public);
    assert_eq!(output.status.code(), Some(0));
    use std::os::unix::fs::MetadataExt;
    let published = std::fs::metadata(public.join("manga/photo.png")).unwrap();
    assert_ne!(published.ino(), std::fs::metadata(&outside).unwrap().ino());
    assert_eq!(published.nlink(), 1);
}

#[test]
fn a_content_error_lists_every_error_and_writes_nothing() {
    let site = site_with(Some(&common::fixtures().join("invalid/reserved-paths")));
    let root = site.path();
    write(
        root,
        "content/resources/clinic/ctrl.yaml",
        RECORD
            .replace("テスト医院", "テスト\u{202e}医院")
            .as_bytes(),
    );
    write(
        root,
        "content/pages/evil.html",
        b"<script>alert(1)</script>",
    );
    write(
        root,
        "content/resources/clinic/tab.yaml",
        format!("{RECORD}hours:\n\t- x\n").as_bytes(),
    );
    let expected_errors = check(root).iter().filter(|d| d.is_error()).count();
    assert!(expected_errors >= 9, "{expected_errors}");
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let output = build_into(root, &public);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("エラー: content/").count(),
        expected_errors,
        "{stderr}"
    );
    assert!(!public.exists(), "nothing is written");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn many_records_with_the_same_name_give_a_bounded_report() {
    let site = site_with(None);
    let root = site.path();
    for index in 0..300 {
        write(
            root,
            &format!("content/resources/clinic/same-{index:03}.yaml"),
            RECORD.as_bytes(),
        );
    }
    let diagnostics = check(root);
    let phone = diagnostics
        .iter()
        .filter(|d| d.field.as_deref() == Some("phone"))
        .count();
    let name = diagnostics
        .iter()
        .filter(|d| d.field.as_deref() == Some("name"))
        .count();
    // 20 listed one by one, and one line for the rest.
    assert_eq!((phone, name), (21, 21), "{diagnostics:#?}");
    assert!(
        diagnostics
            .iter()
            .any(|d| d.message.contains("ほかに 299 件"))
    );
    let output = zaitaku(root, &["check", "--today", common::TODAY]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("■ 重複のおそれ 20 組（警告）"), "{stderr}");
    assert!(stderr.contains("ほかに 279 件あります"), "{stderr}");
}

/// The reserved addresses are exactly what a build writes of its own: every file of a built
/// site is a content page, a content file or in the reserved set, and every reserved file is
/// written. A new kind of generated file cannot slip past the check.
#[test]
fn the_reserved_set_is_what_the_build_writes() {
    let site = site_with(None);
    let root = site.path();
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    zaitaku::build::build(&zaitaku::build::BuildOptions {
        root: root.to_path_buf(),
        out: public.clone(),
        base_url: None,
        today: common::today(),
    })
    .unwrap();
    let (content, _) = zaitaku::build::load_valid(root, common::today()).unwrap();
    let theme = zaitaku::render::Theme::load(root).unwrap();
    let generated = zaitaku::build::reserved::generated(&content, &theme, common::today());
    let folders = zaitaku::build::reserved::reserved_folders(&generated);
    let from_content: Vec<String> = content
        .pages
        .iter()
        .map(|p| format!("{}index.html", p.path))
        .chain(content.assets.iter().map(|a| a.output.clone()))
        .collect();
    let mut written = Vec::new();
    for entry in walkdir::WalkDir::new(&public) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let relative = zaitaku::diagnostics::display_path(&public, entry.path());
            written.push(relative);
        }
    }
    for file in &written {
        // A facility page is in `resources/`, a folder only zaitaku writes.
        let known = from_content.contains(file)
            || generated.files.contains_key(file)
            || folders.keys().any(|f| file.starts_with(f.as_str()));
        assert!(known, "{file} is written but not reserved");
    }
    for file in generated.files.keys() {
        assert!(written.contains(file), "{file} is reserved but not written");
    }
    for folder in generated.folders.keys() {
        assert!(
            written.iter().any(|f| f.starts_with(folder.as_str())),
            "{folder}"
        );
    }
}

/// `zaitaku serve` keeps rebuilding when a FIFO appears in `content/`: the rebuild after it
/// skips the FIFO, and the next edit reaches the page. (Opening the FIFO would stall every
/// rebuild from then on; the loop below is a guard against that hang, not a timing.)
#[test]
fn serve_keeps_rebuilding_with_a_fifo_in_content() {
    let site = site_with(None);
    let root = site.path();
    let server = crate::serve::start(root, &[]);
    let (status, page) = crate::serve::get(server.port, "/resources/takahashi-naika/");
    assert_eq!(status, 200);
    assert!(page.contains("088-600-1234"));
    mkfifo(&root.join("content/pages/pipe.md"));
    let record = root.join("content/resources/clinic/takahashi-naika.yaml");
    let text = std::fs::read_to_string(&record).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(&record, text.replace("088-600-1234", "088-600-1299")).unwrap();
    for _ in 0..1200 {
        let (_, page) = crate::serve::get(server.port, "/resources/takahashi-naika/");
        if page.contains("088-600-1299") {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("serve stopped rebuilding after a FIFO appeared in content/");
}
