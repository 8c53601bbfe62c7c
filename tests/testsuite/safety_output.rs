//! Nothing of the user's is destroyed or overwritten (issue #10): `build --out` and
//! `serve --out` replace only a folder zaitaku made and never the site, `content/`, `themes/`,
//! the home folder or `/`; `export --out` and `pdf --out` stay out of `content/` and `themes/`
//! and replace only their own kind of file; `public/` may be a symlink; a failed build leaves
//! the old site even when it cannot be removed or the disk is full or read-only; killed runs'
//! leftovers are removed by the next run; two runs at once take turns; `import --write` stays
//! inside `content/` and keeps each file's permissions; temporary files honour `TMPDIR` and go
//! on every exit.
//!
//! Every test runs the real `zaitaku` binary the way a user would, on a fixture that the code
//! before this change got wrong.

use crate::common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{TODAY, mkfifo, names, site_with, snapshot};
use zaitaku::owned::Owner;

fn zaitaku() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zaitaku"))
}

/// Runs `zaitaku args…` in `cwd`.
fn run_in(cwd: &Path, args: &[&dyn AsRef<OsStr>]) -> Output {
    zaitaku()
        .current_dir(cwd)
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("run zaitaku")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts a refusal: exit code 2 and a Japanese message that names `named`.
#[track_caller]
fn assert_refused(output: &Output, named: &str) {
    let text = format!("{}{}", stderr(output), stdout(output));
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains(named), "the message names {named}: {text}");
    assert!(
        text.contains("ません") && !text.contains("error:"),
        "a Japanese refusal: {text}"
    );
}

/// Builds `root` into `out` (relative to `root` unless absolute).
fn build(root: &Path, out: &Path) -> Output {
    run_in(
        root,
        &[&"build", &"--today", &TODAY, &"--out", &out.as_os_str()],
    )
}

#[track_caller]
fn assert_built(output: &Output) {
    assert!(
        output.status.success(),
        "the build succeeds: {}",
        stderr(output)
    );
}

/// A folder of someone's files: what must survive.
fn someones_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::create_dir_all(dir.join("photos")).unwrap();
    std::fs::write(dir.join("memo.txt"), "来週の会議の資料").unwrap();
    std::fs::write(dir.join("photos/a.jpg"), b"\xFF\xD8\xFF\xE0 photo").unwrap();
    snapshot(dir)
}

#[test]
fn the_site_its_content_and_themes_are_never_an_output() {
    let site = site_with(None);
    let root = site.path();
    std::fs::create_dir_all(root.join("themes/default/static")).unwrap();
    std::fs::write(root.join("themes/default/static/own.css"), "body{}").unwrap();
    std::fs::write(root.join("import-mapping.yaml"), "名称: name\n").unwrap();
    let before = snapshot(root);

    // `cd site && zaitaku build --out content`: every YAML and Markdown file was gone.
    let output = build(root, Path::new("content"));
    assert_refused(&output, "content");
    // `zaitaku --root site build --out site`: the whole site folder was gone.
    let parent = root.parent().unwrap();
    let output = run_in(
        parent,
        &[
            &"--root", &root, &"build", &"--today", &TODAY, &"--out", &root,
        ],
    );
    assert_refused(&output, "サイトのフォルダ");
    for out in [
        ".",
        "..",
        "/",
        "content/pages",
        "themes",
        "themes/default/out",
        // `--out=~/site`: the shell leaves the `~`, which would make a folder named `~`.
        "~/site",
    ] {
        let output = build(root, Path::new(out));
        assert_refused(&output, "何も変更していません");
    }
    // `serve --out` is judged the same way, before the server starts.
    let output = run_in(root, &[&"serve", &"--port", &"0", &"--out", &"content"]);
    assert_refused(&output, "content");
    assert_eq!(snapshot(root), before, "nothing in the site changed");
    assert_eq!(
        names(root),
        ["content", "import-mapping.yaml", "themes"],
        "nothing was added beside it"
    );
}

#[test]
fn the_home_folder_is_never_an_output() {
    let base = tempfile::tempdir().unwrap();
    let home = base.path().join("staff");
    let files = someones_files(&home);
    let site = site_with(None);
    for out in [home.clone(), home.join("..")] {
        let output = zaitaku()
            .env("HOME", &home)
            .args(["--root"])
            .arg(site.path())
            .args(["build", "--today", TODAY, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert_refused(&output, "ホームフォルダ");
    }
    assert_eq!(snapshot(&home), files);
}

#[test]
fn an_output_that_links_into_content_is_refused() {
    let site = site_with(None);
    let root = site.path();
    std::os::unix::fs::symlink(root.join("content"), root.join("to-content")).unwrap();
    std::os::unix::fs::symlink(root.join("content/pages"), root.join("to-pages")).unwrap();
    // A link to a folder that does not exist yet, inside content/: the build would create it.
    std::os::unix::fs::symlink(root.join("content/new-site"), root.join("dangling")).unwrap();
    let before = snapshot(&root.join("content"));
    for out in [
        "to-content",
        "to-pages",
        "dangling",
        "to-content/sub/public",
    ] {
        let output = build(root, Path::new(out));
        assert_refused(&output, "content フォルダ");
    }
    assert_eq!(snapshot(&root.join("content")), before);
    assert!(!root.join("content/new-site").exists());
}

#[test]
fn a_folder_of_someone_elses_files_or_a_file_is_refused() {
    let site = site_with(None);
    let root = site.path();
    let out = tempfile::tempdir().unwrap();
    let files = someones_files(out.path());
    let output = build(root, out.path());
    assert_refused(&output, "zaitaku が作ったのではないファイル");
    let output = run_in(root, &[&"serve", &"--port", &"0", &"--out", &out.path()]);
    assert_refused(&output, "zaitaku が作ったのではないファイル");
    assert_eq!(snapshot(out.path()), files);
    assert_eq!(names(out.path()), ["memo.txt", "photos"]);

    let file = root.join("notes.txt");
    std::fs::write(&file, "大事なメモ").unwrap();
    std::os::unix::fs::symlink(&file, root.join("link-to-notes")).unwrap();
    for out in ["notes.txt", "link-to-notes"] {
        let output = build(root, Path::new(out));
        assert_refused(&output, "ファイルです");
    }
    mkfifo(&root.join("pipe"));
    let output = build(root, Path::new("pipe"));
    assert_refused(&output, "特別なファイル");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "大事なメモ");
}

#[test]
fn a_built_site_carries_the_marker_and_files_added_to_it_stop_the_next_build() {
    let site = site_with(None);
    let root = site.path();
    let public = root.join("public");
    assert_built(&build(root, Path::new("public")));
    let marker = std::fs::read_to_string(public.join(".zaitaku-site")).unwrap();
    assert!(marker.starts_with("zaitaku-site 1\n"), "{marker}");
    assert!(
        !marker.contains("index.html") && !marker.contains(&root.display().to_string()),
        "no names or paths in a file that may be published: {marker}"
    );
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(!sitemap.contains("zaitaku-site"), "{sitemap}");
    assert_built(&build(root, Path::new("public")));

    // A custom domain file and a folder of statistics put into public/ by hand.
    std::fs::write(public.join("CNAME"), "zaitaku.example.jp\n").unwrap();
    std::fs::create_dir(public.join("stats")).unwrap();
    std::fs::write(public.join("stats/2026.csv"), "月,件数\n").unwrap();
    let before = snapshot(&public);
    let output = build(root, Path::new("public"));
    assert_refused(&output, "public/CNAME");
    assert!(
        stderr(&output).contains("public/stats"),
        "{}",
        stderr(&output)
    );
    assert_eq!(snapshot(&public), before, "public/ is exactly as it was");
    assert_eq!(site_names(root), ["content", "public"]);

    std::fs::remove_file(public.join("CNAME")).unwrap();
    std::fs::remove_dir_all(public.join("stats")).unwrap();
    assert_built(&build(root, Path::new("public")));
}

#[test]
fn a_site_built_before_the_marker_is_replaced_only_when_it_holds_nothing_else() {
    let site = site_with(None);
    let root = site.path();
    let public = root.join("public");
    assert_built(&build(root, Path::new("public")));
    // What the previous version left: the same site without the marker.
    std::fs::remove_file(public.join(".zaitaku-site")).unwrap();
    assert_built(&build(root, Path::new("public")));
    assert!(public.join(".zaitaku-site").is_file(), "marked from now on");

    // The same, with a page the new build does not write (a hand-made one, or a record
    // deleted since): left to the user.
    std::fs::remove_file(public.join(".zaitaku-site")).unwrap();
    std::fs::write(public.join("extra.html"), "<p>手作りのページ</p>").unwrap();
    let before = snapshot(&public);
    let output = build(root, Path::new("public"));
    assert_refused(&output, "extra.html");
    assert_eq!(snapshot(&public), before);

    // Someone's own small site with pages of the same names: not zaitaku's.
    let own = root.join("homepage");
    std::fs::create_dir_all(own.join("about")).unwrap();
    std::fs::write(own.join("index.html"), "<p>わたしのページ</p>").unwrap();
    std::fs::write(own.join("about/index.html"), "<p>自己紹介</p>").unwrap();
    let before = snapshot(&own);
    let output = build(root, Path::new("homepage"));
    assert_refused(&output, "homepage");
    assert_eq!(snapshot(&own), before);
}

#[test]
fn a_public_folder_that_is_a_symlink_stays_one() {
    let site = site_with(None);
    let root = site.path();
    let deploy = tempfile::tempdir().unwrap();
    // The deploy folder does not exist yet: the first build makes it.
    std::os::unix::fs::symlink(deploy.path().join("www"), root.join("public")).unwrap();
    for round in 0..2 {
        assert_built(&build(root, Path::new("public")));
        let link = std::fs::symlink_metadata(root.join("public")).unwrap();
        assert!(link.file_type().is_symlink(), "round {round}: still a link");
        assert!(deploy.path().join("www/index.html").is_file());
        assert!(deploy.path().join("www/.zaitaku-site").is_file());
        assert_eq!(names(deploy.path()), ["www"], "nothing left beside it");
        assert_eq!(site_names(root), ["content", "public"]);
    }
}

/// Makes a file impossible to delete, even for root, until dropped: `chattr +i`.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Immutable> {
        let status = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .ok()?;
        status.success().then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

/// A change to the content, so the next build differs from the last.
fn change_content(root: &Path) {
    let news = root.join("content/news/2026-11-20-safety.md");
    std::fs::write(
        news,
        "---\ntitle: 新しいお知らせ\ndate: 2026-11-20\n---\n\n冬の講座の日程を載せました。\n",
    )
    .unwrap();
}

#[test]
fn a_build_that_cannot_remove_the_old_site_fails_and_leaves_it_whole() {
    let site = site_with(None);
    let root = site.path();
    let public = root.join("public");
    assert_built(&build(root, Path::new("public")));
    change_content(root);
    let before = snapshot(&public);
    let stuck = public.join("resources/takahashi-naika/index.html");

    let output = if let Some(_immutable) = Immutable::set(&stuck) {
        // Root ignores permissions, not the immutable attribute.
        assert!(
            std::fs::remove_file(&stuck).is_err() && stuck.is_file(),
            "the old site really cannot be removed"
        );
        build(root, Path::new("public"))
    } else {
        // No chattr here (a file system without attributes): a read-only bind mount of one of
        // the old site's folders, in a mount namespace of the build's own.
        let folder = stuck.parent().unwrap();
        let script = r#"mount --bind -o ro "$1" "$1" || exit 98
            if touch "$1/.probe" 2>/dev/null; then exit 99; fi
            shift; exec "$@""#;
        let output = Command::new("unshare")
            .args(["-m", "sh", "-c", script, "sh"])
            .arg(folder)
            .arg(env!("CARGO_BIN_EXE_zaitaku"))
            .arg("--root")
            .arg(root)
            .args(["build", "--today", TODAY])
            .output()
            .expect("neither chattr nor unshare: cannot make a site that cannot be removed");
        assert!(
            !matches!(output.status.code(), Some(98 | 99)),
            "the read-only bind mount failed: {}",
            stderr(&output)
        );
        output
    };
    assert_refused(&output, "前のサイト");
    assert!(
        stderr(&output).contains("そのまま残っています"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        snapshot(&public),
        before,
        "public/ is exactly the previous site"
    );
    assert_eq!(
        site_names(root),
        ["content", "public"],
        "nothing left beside it"
    );
}

/// Runs `script` as root in a mount namespace of its own (`unshare -m`), for a tmpfs that can
/// be filled or made read-only without touching the machine's disks.
fn in_mount_namespace(script: &str, args: &[&dyn AsRef<OsStr>]) -> Output {
    let output = Command::new("unshare")
        .args(["-m", "sh", "-c", script, "sh"])
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("unshare (util-linux) runs the full-disk test");
    assert_ne!(
        output.status.code(),
        Some(97),
        "could not mount a tmpfs in a mount namespace (needs root): {}",
        stderr(&output)
    );
    output
}

#[test]
fn a_full_or_read_only_disk_gives_a_japanese_error_and_leaves_the_old_site() {
    let small = site_with(None);
    // Bigger than the free space left once the small site is on the disk.
    let big = common::site_with_generated(600);
    let keep = tempfile::tempdir().unwrap();
    let disk = tempfile::tempdir().unwrap();
    let script = r#"
        zaitaku=$1 small=$2 big=$3 disk=$4 keep=$5 today=$6
        mount -t tmpfs -o size=1400k tmpfs "$disk" || exit 97
        "$zaitaku" --root "$small" build --today "$today" --out "$disk/public" || exit 96
        cp -a "$disk/public" "$keep/before"
        "$zaitaku" --root "$big" build --today "$today" --out "$disk/public" 2> "$keep/full.err"
        echo $? > "$keep/full.code"
        cp -a "$disk/public" "$keep/after-full"
        ls -A "$disk" > "$keep/full.ls"
        df -k "$disk" > "$keep/full.df"
        mount -o remount,ro "$disk" || exit 95
        "$zaitaku" --root "$big" build --today "$today" --out "$disk/public" 2> "$keep/ro.err"
        echo $? > "$keep/ro.code"
        cp -a "$disk/public" "$keep/after-ro"
    "#;
    let output = in_mount_namespace(
        script,
        &[
            &env!("CARGO_BIN_EXE_zaitaku"),
            &small.path(),
            &big.path(),
            &disk.path(),
            &keep.path(),
            &TODAY,
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let read = |name: &str| std::fs::read_to_string(keep.path().join(name)).unwrap();
    let before = snapshot(&keep.path().join("before"));
    assert!(before.contains_key("index.html"));

    let full = read("full.err");
    assert_eq!(read("full.code").trim(), "2", "{full}");
    assert!(full.contains("空きがありません"), "{full}");
    assert!(full.contains("そのまま残っています"), "{full}");
    assert!(!full.contains("No space"), "no English: {full}");
    assert_eq!(snapshot(&keep.path().join("after-full")), before);
    assert_eq!(
        read("full.ls"),
        "public\n",
        "no staging folder left: {}",
        read("full.df")
    );

    let read_only = read("ro.err");
    assert_eq!(read("ro.code").trim(), "2", "{read_only}");
    assert!(read_only.contains("読み取り専用"), "{read_only}");
    assert_eq!(snapshot(&keep.path().join("after-ro")), before);
}

/// The owner part of a name for this test process, which runs.
fn live_owner() -> String {
    let me = Owner::current();
    format!("{}-{}-", me.pid, me.start.unwrap_or(0))
}

fn starting_with(dir: &Path, prefix: &str) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.starts_with(prefix))
        .collect()
}

#[test]
fn a_killed_builds_leftovers_are_removed_by_the_next_build_and_a_live_ones_kept() {
    let big = common::site_with_generated(1000);
    let out_parent = tempfile::tempdir().unwrap();
    let public = out_parent.path().join("public");
    let mut child = zaitaku()
        .arg("--root")
        .arg(big.path())
        .args(["build", "--today", TODAY, "--out"])
        .arg(&public)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while starting_with(out_parent.path(), ".zaitaku-build-").is_empty()
        && started.elapsed() < Duration::from_secs(120)
    {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let killed = starting_with(out_parent.path(), ".zaitaku-build-");
    assert_eq!(killed.len(), 1, "the killed build left its staging folder");

    // One of a build that still runs (this test process stands in for it), and a file one of
    // a dead build left.
    let live = out_parent
        .path()
        .join(format!(".zaitaku-build-{}running", live_owner()));
    std::fs::create_dir(&live).unwrap();
    std::fs::write(live.join("index.html"), "<p>途中</p>").unwrap();
    let dead_file = out_parent
        .path()
        .join(format!(".zaitaku-build-{}abc.old", common::dead_owner()));
    std::fs::write(&dead_file, "x").unwrap();

    let site = site_with(None);
    assert_built(&build(site.path(), &public));
    assert_eq!(
        starting_with(out_parent.path(), ".zaitaku-build-"),
        [live.file_name().unwrap().to_string_lossy().into_owned()],
        "only the running build's folder is left"
    );
    assert!(live.join("index.html").is_file());
}

#[test]
fn ctrl_c_during_a_build_leaves_the_old_site_and_nothing_beside_it() {
    let big = common::site_with_generated(2000);
    let out_parent = tempfile::tempdir().unwrap();
    let public = out_parent.path().join("public");
    let site = site_with(None);
    assert_built(&build(site.path(), &public));
    let before = snapshot(&public);
    let mut child = zaitaku()
        .arg("--root")
        .arg(big.path())
        .args(["build", "--today", TODAY, "--out"])
        .arg(&public)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while starting_with(out_parent.path(), ".zaitaku-build-").is_empty()
        && started.elapsed() < Duration::from_secs(120)
    {
        std::thread::sleep(Duration::from_millis(2));
    }
    // Stopped while its threads write the new site into the staging folder.
    std::thread::sleep(Duration::from_millis(50));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "stopped by Ctrl+C, not finished");
    assert_eq!(
        names(out_parent.path()),
        ["public"],
        "nothing left beside it"
    );
    assert_eq!(snapshot(&public), before);
}

/// Starts `zaitaku serve` and waits until it serves; returns it and what it said until then
/// (its address, and where it builds).
fn start_serve(root: &Path, tmpdir: Option<&Path>, extra: &[&dyn AsRef<OsStr>]) -> (Child, String) {
    let mut command = zaitaku();
    if let Some(tmpdir) = tmpdir {
        command.env("TMPDIR", tmpdir);
    }
    let mut child = command
        .arg("--root")
        .arg(root)
        .args(["serve", "--port", "0", "--today", TODAY])
        .args(extra.iter().map(|a| a.as_ref()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut said = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        said.push_str(&line);
        said.push('\n');
        if line.starts_with("（サイトは") {
            break;
        }
    }
    // Keep reading, so the server never writes into a closed or full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, said)
}

/// Stops a server with SIGTERM (as a service manager does) and waits for it.
fn stop_serve(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().unwrap();
}

#[test]
fn a_build_waits_for_a_build_into_the_same_folder_and_refuses_a_preview_s() {
    let big = common::site_with_generated(1000);
    let out_parent = tempfile::tempdir().unwrap();
    let public = out_parent.path().join("public");
    let first = zaitaku()
        .arg("--root")
        .arg(big.path())
        .args(["build", "--today", TODAY, "--out"])
        .arg(&public)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while starting_with(out_parent.path(), ".zaitaku-build-").is_empty()
        && started.elapsed() < Duration::from_secs(120)
    {
        std::thread::sleep(Duration::from_millis(2));
    }
    // The first build is writing: the second waits for it, then replaces its site whole.
    let second = build(big.path(), &public);
    let first = first.wait_with_output().unwrap();
    assert_built(&first);
    assert_built(&second);
    assert!(
        stderr(&second).contains("待って"),
        "the second build says it waits: {}",
        stderr(&second)
    );
    let complete = out_parent.path().join("complete");
    assert_built(&build(big.path(), &complete));
    // Both are complete builds of the same content, byte for byte.
    assert!(
        snapshot(&public) == snapshot(&complete),
        "public/ is one complete build"
    );
    assert_eq!(names(out_parent.path()), ["complete", "public"]);

    // While a preview writes into a folder, a build into it is refused, and so is a second
    // preview.
    let site = site_with(None);
    let preview = site.path().join("preview");
    let (server, _) = start_serve(site.path(), None, &[&"--out", &preview]);
    assert!(
        preview.join("index.html").is_file(),
        "the preview wrote its site"
    );
    let before = snapshot(&preview);
    let output = build(site.path(), &preview);
    assert_refused(&output, "zaitaku serve");
    let output = run_in(
        site.path(),
        &[&"serve", &"--port", &"0", &"--out", &preview],
    );
    assert_refused(&output, "zaitaku serve");
    assert_eq!(snapshot(&preview), before);
    stop_serve(server);
    assert_built(&build(site.path(), &preview));
    assert_eq!(site_names(site.path()), ["content", "preview"]);
}

/// A staff sheet: a changed phone number for one facility of the sheets site, and a new one.
const SHEET: &str = "名称,ふりがな,種別,住所,電話番号\n\
髙橋内科クリニック,ﾀｶﾊｼﾅｲｶｸﾘﾆｯｸ,診療所,徳島市山城西二丁目7番地,088-608-4699\n\
あさひ薬局,あさひやっきょく,薬局,徳島市朝日町1番地,088-611-2233\n";

fn import(root: &Path, sheet: &Path) -> Output {
    // Under the usual umask, whatever the test runner's.
    Command::new("sh")
        .args(["-c", "umask 022; exec \"$@\"", "sh"])
        .arg(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(root)
        .args(["import", "--write", "--today", TODAY])
        .arg(sheet)
        .output()
        .unwrap()
}

#[test]
fn import_keeps_permissions_and_owner_and_writes_new_files_as_usual() {
    let site = common::sheets_site();
    let root = site.path();
    let sheet = root.join("sheet.csv");
    std::fs::write(&sheet, SHEET).unwrap();
    let record = root.join("content/resources/clinic/takahashi-naika.yaml");
    std::fs::set_permissions(&record, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::chown(&record, Some(1234), Some(2345)).unwrap();
    // What a killed import left (its owner is gone), and what a running one is writing.
    let folder = root.join("content/resources/clinic");
    let dead = folder.join(format!(".zaitaku-import-{}Ab12Cd", common::dead_owner()));
    std::fs::write(&dead, "name: 途中\n").unwrap();
    let live = folder.join(format!(".zaitaku-import-{}Ef34Gh", live_owner()));
    std::fs::write(&live, "name: 書き込み中\n").unwrap();

    let output = import(root, &sheet);
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(text.contains("088-608-4699"), "{text}");
    assert!(text.starts_with("# 院長に"), "the comment is kept: {text}");
    let meta = std::fs::metadata(&record).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o640, "the permissions are kept");
    assert_eq!((meta.uid(), meta.gid()), (1234, 2345), "the owner is kept");
    let new = std::fs::read_dir(root.join("content/resources/pharmacy"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read_to_string(p).unwrap().contains("あさひ薬局"))
        .expect("the new facility is written");
    assert_eq!(
        std::fs::metadata(&new).unwrap().mode() & 0o777,
        0o644,
        "a new file gets the usual permissions"
    );
    assert!(!dead.exists(), "a killed import's file is removed");
    assert!(live.exists(), "a running import's file is kept");
}

#[test]
fn import_never_writes_outside_content() {
    let site = common::sheets_site();
    let root = site.path();
    let sheet = root.join("sheet.csv");
    std::fs::write(&sheet, SHEET).unwrap();
    // The pharmacy folder is a link to a folder outside content/ (someone's shared drive).
    let outside = tempfile::tempdir().unwrap();
    let pharmacies = root.join("content/resources/pharmacy");
    common::copy_tree(&pharmacies, outside.path());
    std::fs::remove_dir_all(&pharmacies).unwrap();
    std::os::unix::fs::symlink(outside.path(), &pharmacies).unwrap();
    let before = snapshot(outside.path());

    let output = import(root, &sheet);
    assert_refused(&output, "content フォルダ");
    assert_eq!(snapshot(outside.path()), before, "nothing written outside");
}

#[test]
fn two_imports_at_once_take_turns() {
    let site = common::sheets_site();
    let root = site.path();
    let sheet = root.join("sheet.csv");
    let mut text = String::from("名称,ふりがな,種別,住所,電話番号\n");
    for index in 0..300 {
        text.push_str(&format!(
            "新しい薬局{index},あたらしいやっきょく,薬局,徳島市新町{index}番地,088-7{:02}-{:04}\n",
            index / 100,
            index
        ));
    }
    std::fs::write(&sheet, text).unwrap();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_zaitaku"))
            .arg("--root")
            .arg(root)
            .args(["import", "--write", "--today", TODAY])
            .arg(&sheet)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for output in [&a, &b] {
        assert!(
            output.status.success(),
            "{}{}",
            stdout(output),
            stderr(output)
        );
    }
    // One wrote the 300 new facilities; the other, after it, found them there.
    let said = [stdout(&a), stdout(&b)];
    assert!(said.iter().any(|s| s.contains("新規 300 件")), "{said:?}");
    assert!(
        said.iter().any(|s| s.contains("変更なし 300 件")),
        "{said:?}"
    );
    let files = std::fs::read_dir(root.join("content/resources/pharmacy"))
        .unwrap()
        .count();
    assert_eq!(files, 301, "each facility once");
}

#[test]
fn export_stays_out_of_content_and_themes_and_replaces_only_its_own_kind() {
    let site = common::sheets_site();
    let root = site.path();
    std::fs::create_dir_all(root.join("themes/default")).unwrap();
    std::os::unix::fs::symlink(root.join("content/resources"), root.join("to-resources")).unwrap();
    std::os::unix::fs::symlink(
        root.join("content/resources/clinic/takahashi-naika.yaml"),
        root.join("record.csv"),
    )
    .unwrap();
    let before = snapshot(&root.join("content"));
    let export = |args: &[&str]| run_in(root, &[&"export", &args[0], &args[1], &"--out", &args[2]]);
    for (format, out) in [
        ("xlsx", "content/一覧.xlsx"),
        ("csv", "content/resources/一覧.csv"),
        ("csv", "themes/default/一覧.csv"),
        ("xlsx", "to-resources/一覧.xlsx"),
        ("csv", "record.csv"),
    ] {
        let output = export(&["--format", format, out]);
        assert_refused(&output, "の中です");
    }
    assert_eq!(snapshot(&root.join("content")), before);

    // Files that are not the export's kind, whatever their names say.
    let letter = word_document();
    let cases: [(&str, &str, &[u8]); 4] = [
        ("xlsx", "memo.xlsx", b"meeting notes, not a workbook"),
        ("xlsx", "letter.xlsx", &letter),
        ("csv", "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("csv", "plan.docx", b"PK\x03\x04 a Word document"),
    ];
    for (format, name, bytes) in cases {
        let path = root.join(name);
        std::fs::write(&path, bytes).unwrap();
        let output = export(&["--format", format, name]);
        assert_refused(&output, "--force");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name} is kept");
    }
    // A named pipe would block the export for ever, even with --force.
    mkfifo(&root.join("pipe.csv"));
    let output = run_in(
        root,
        &[
            &"export",
            &"--format",
            &"csv",
            &"--out",
            &"pipe.csv",
            &"--force",
        ],
    );
    assert_refused(&output, "普通のファイルではありません");
    let output = run_in(
        root,
        &[
            &"export",
            &"--format",
            &"xlsx",
            &"--out",
            &"memo.xlsx",
            &"--force",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        std::fs::read(root.join("memo.xlsx"))
            .unwrap()
            .starts_with(b"PK\x03\x04")
    );

    // Its own kind is replaced (an earlier export), keeping the file's permissions.
    for (format, name) in [("xlsx", "memo.xlsx"), ("csv", "list.csv")] {
        assert!(export(&["--format", format, name]).status.success());
        std::fs::set_permissions(root.join(name), std::fs::Permissions::from_mode(0o600)).unwrap();
        let output = export(&["--format", format, name]);
        assert!(output.status.success(), "{}", stderr(&output));
        let mode = std::fs::metadata(root.join(name)).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(
        names(root).iter().all(|n| !n.starts_with(".zaitaku-")),
        "{:?}",
        names(root)
    );
}

/// A zip that is not a workbook: a Word document's layout (`word/document.xml`).
fn word_document() -> Vec<u8> {
    use std::io::Write;
    let mut bytes = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut bytes);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("word/document.xml", stored).unwrap();
    zip.write_all(b"<w:document/>").unwrap();
    zip.finish().unwrap();
    bytes.into_inner()
}

/// A Chromium stand-in for `zaitaku pdf`: notes each run and its profile folder in `log`,
/// waits while `hold` exists, then writes a one-page PDF where it is asked to.
struct FakeChromium {
    dir: tempfile::TempDir,
}

impl FakeChromium {
    fn new() -> FakeChromium {
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("page.pdf");
        write_pdf(&pdf);
        let script = format!(
            "#!/bin/sh\nfor arg in \"$@\"; do\n  case \"$arg\" in\n    --print-to-pdf=*) out=\"${{arg#--print-to-pdf=}}\" ;;\n    --user-data-dir=*) echo \"profile ${{arg#--user-data-dir=}} pid $$\" >> '{log}' ;;\n  esac\ndone\nwhile [ -e '{hold}' ]; do sleep 0.05; done\ncp '{pdf}' \"$out\"\n",
            log = dir.path().join("log").display(),
            hold = dir.path().join("hold").display(),
            pdf = pdf.display(),
        );
        let path = dir.path().join("chromium");
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        FakeChromium { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("chromium")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    fn hold(&self) {
        std::fs::write(self.dir.path().join("hold"), "").unwrap();
    }

    fn release(&self) {
        let _ = std::fs::remove_file(self.dir.path().join("hold"));
    }

    /// Stops the stand-ins left running by a `zaitaku pdf` that was stopped.
    fn kill_orphans(&self) {
        for pid in self.log().lines().filter_map(|l| l.rsplit_once(" pid ")) {
            let _ = Command::new("kill")
                .args(["-KILL", pid.1])
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Drop for FakeChromium {
    fn drop(&mut self) {
        self.release();
    }
}

fn write_pdf(path: &Path) {
    use lopdf::{Document, Object, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages = doc.new_object_id();
    let page = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page.into()],
            "Count" => 1,
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    doc.save(path).unwrap();
}

fn pdf(root: &Path, chromium: &FakeChromium, tmpdir: &Path, args: &[&str]) -> Command {
    let mut command = zaitaku();
    command
        .current_dir(root)
        .env("TMPDIR", tmpdir)
        .args([
            "pdf",
            "--booklet",
            "caremane",
            "--today",
            TODAY,
            "--chromium",
        ])
        .arg(chromium.path())
        .args(args);
    command
}

#[test]
fn pdf_stays_out_of_content_and_replaces_only_pdfs() {
    let site = site_with(None);
    let root = site.path();
    let chromium = FakeChromium::new();
    let tmpdir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root.join("content/pages"), root.join("to-pages")).unwrap();
    let before = snapshot(&root.join("content"));
    for out in ["content/guide.pdf", "to-pages/guide.pdf"] {
        let output = pdf(root, &chromium, tmpdir.path(), &["--out", out])
            .output()
            .unwrap();
        assert_refused(&output, "content フォルダ");
    }
    assert_eq!(chromium.log(), "", "refused before Chromium ran");
    assert_eq!(snapshot(&root.join("content")), before);

    std::fs::write(root.join("guide.pdf"), "not a PDF but a letter").unwrap();
    let output = pdf(root, &chromium, tmpdir.path(), &["--out", "guide.pdf"])
        .output()
        .unwrap();
    assert_refused(&output, "--force");
    assert_eq!(
        std::fs::read_to_string(root.join("guide.pdf")).unwrap(),
        "not a PDF but a letter"
    );
    for extra in [&["--force"][..], &[]] {
        let mut args = vec!["--out", "guide.pdf"];
        args.extend_from_slice(extra);
        let output = pdf(root, &chromium, tmpdir.path(), &args).output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            std::fs::read(root.join("guide.pdf"))
                .unwrap()
                .starts_with(b"%PDF-")
        );
    }
}

#[test]
fn temporary_files_honour_tmpdir_and_go_on_every_exit() {
    let site = site_with(None);
    let root = site.path();
    let chromium = FakeChromium::new();
    let tmpdir = tempfile::tempdir().unwrap();
    let out = root.join("guide.pdf");

    // A run that ends well: its work folder was in TMPDIR and is gone.
    let output = pdf(root, &chromium, tmpdir.path(), &["--out", "guide.pdf"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let profile = chromium.log();
    assert!(
        profile.contains(&format!("profile {}/zaitaku-pdf-", tmpdir.path().display())),
        "{profile}"
    );
    assert_eq!(names(tmpdir.path()), Vec::<String>::new());

    // Ctrl+C while Chromium prints: removed too.
    let wait_for_chromium = |child: &mut Child, runs: usize| {
        let started = Instant::now();
        while chromium.log().lines().count() < runs && started.elapsed() < Duration::from_secs(60) {
            assert!(
                child.try_wait().unwrap().is_none(),
                "zaitaku pdf ended early"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    chromium.hold();
    let mut child = pdf(root, &chromium, tmpdir.path(), &["--out", "guide.pdf"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_chromium(&mut child, 2);
    assert_eq!(starting_with(tmpdir.path(), "zaitaku-pdf-").len(), 1);
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    chromium.kill_orphans();
    assert_eq!(status.code(), Some(130), "the shell's code for Ctrl+C");
    assert_eq!(names(tmpdir.path()), Vec::<String>::new());

    // Killed outright: the next run removes what it left.
    let mut child = pdf(root, &chromium, tmpdir.path(), &["--out", "guide.pdf"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_chromium(&mut child, 3);
    child.kill().unwrap();
    child.wait().unwrap();
    chromium.kill_orphans();
    assert_eq!(
        starting_with(tmpdir.path(), "zaitaku-pdf-").len(),
        1,
        "the killed run left its work folder"
    );
    chromium.release();
    let output = pdf(root, &chromium, tmpdir.path(), &["--out", "guide.pdf"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(names(tmpdir.path()), Vec::<String>::new());
    assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF-"));
    assert!(
        names(root).iter().all(|n| !n.starts_with(".zaitaku-")),
        "{:?}",
        names(root)
    );

    // The preview's scratch folder goes to TMPDIR too.
    let (server, said) = start_serve(root, Some(tmpdir.path()), &[]);
    assert!(
        said.contains(&format!("{}/zaitaku-serve-", tmpdir.path().display())),
        "{said}"
    );
    stop_serve(server);
    assert_eq!(names(tmpdir.path()), Vec::<String>::new());
}

/// The names in a site folder, less the build cache a successful build keeps there
/// (`.zaitaku-cache`, see `incremental`).
fn site_names(root: &Path) -> Vec<String> {
    names(root)
        .into_iter()
        .filter(|name| name != ".zaitaku-cache")
        .collect()
}
