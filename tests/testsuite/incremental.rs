//! Incremental builds: a build that reuses the cache in `.zaitaku-cache/` writes exactly what a
//! clean build writes, through random sequences of edits (records and pages added, changed,
//! renamed and deleted, the theme and `site.yaml` changed, another day), and a cache that is
//! damaged, foreign, a file or a symlink is never trusted and never written through.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{cache_warnings, copy_tree, site_with, snapshot};
use jiff::civil::Date;
use zaitaku::build::{BuildOptions, BuildReport, build};

const CACHE: &str = ".zaitaku-cache";

pub(crate) fn options(root: &Path, out: &Path, today: Date) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        out: out.to_path_buf(),
        base_url: None,
        today,
    }
}

/// The same site built from scratch: its `content/` and `themes/` copied into a new folder (no
/// cache, no previous output).
pub(crate) fn clean_build(site: &Path, today: Date) -> BTreeMap<String, Vec<u8>> {
    let fresh = common::fresh_copy(site);
    let out = fresh.path().join("public");
    let report = build(&options(fresh.path(), &out, today)).unwrap();
    assert_eq!(report.reused, 0, "a clean build has nothing to reuse");
    snapshot(&out)
}

/// Compares two output trees file by file, naming the first difference.
pub(crate) fn assert_same_tree(
    incremental: &BTreeMap<String, Vec<u8>>,
    clean: &BTreeMap<String, Vec<u8>>,
    step: &str,
) {
    let names = |tree: &BTreeMap<String, Vec<u8>>| tree.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(incremental),
        names(clean),
        "{step}: the incremental build wrote other files than a clean build"
    );
    for (name, bytes) in incremental {
        if bytes != &clean[name] {
            panic!(
                "{step}: {name} differs from a clean build:\n--- incremental\n{}\n--- clean\n{}",
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&clean[name])
            );
        }
    }
}

fn record(name: &str, phone: u32, category: &str, area: &str, hour: u32) -> String {
    format!(
        "name: {name}\nkana: せいせい{kana}\ncategory: {category}\narea: {area}\naddress: 徳島市幸町{phone}番地\nphone: 088-6{:02}-{:04}\nservices: [home-visit]\nhours:\n  - {{ days: [mon, thu], open: \"{hour:02}:00\", close: \"17:00\" }}\nverified: 2026-04-01\n",
        10 + phone / 10_000,
        phone % 10_000,
        kana = ["あ", "か", "さ", "た", "な", "は", "ま", "や", "ら", "わ"][(phone % 10) as usize],
    )
}

fn news(title: &str, day: u32, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: 2026-10-{day:02}\n---\n{body}\n")
}

/// The generated files of one folder (the fixture's own are left alone).
fn generated(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("gen-"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// One random edit of the site; returns what it did.
fn edit(site: &Path, rng: &mut fastrand::Rng, counter: &mut u32) -> String {
    let clinics = site.join("content/resources/clinic");
    let news_dir = site.join("content/news");
    *counter += 1;
    let n = *counter;
    let categories = ["clinic", "home-nursing"];
    let areas = ["north", "south-east"];
    match rng.u32(0..12) {
        0 | 1 => {
            let file = clinics.join(format!("gen-{n}.yaml"));
            std::fs::write(
                &file,
                record(
                    &format!("生成医院 第{n}"),
                    n,
                    categories[rng.usize(0..2)],
                    areas[rng.usize(0..2)],
                    8 + rng.u32(0..3),
                ),
            )
            .unwrap();
            format!("add record gen-{n}")
        }
        2 => {
            let records = generated(&clinics);
            let Some(file) = rng.choice(&records) else {
                return "nothing to change".to_owned();
            };
            std::fs::write(
                file,
                record(
                    &format!("変更医院 第{n}"),
                    n + 500,
                    categories[rng.usize(0..2)],
                    areas[rng.usize(0..2)],
                    8 + rng.u32(0..3),
                ),
            )
            .unwrap();
            format!("change record {}", file.display())
        }
        3 => {
            let records = generated(&clinics);
            let Some(file) = rng.choice(&records) else {
                return "nothing to rename".to_owned();
            };
            std::fs::rename(file, clinics.join(format!("gen-r{n}.yaml"))).unwrap();
            format!("rename record {} to gen-r{n}", file.display())
        }
        4 => {
            let records = generated(&clinics);
            let Some(file) = rng.choice(&records) else {
                return "nothing to delete".to_owned();
            };
            std::fs::remove_file(file).unwrap();
            format!("delete record {}", file.display())
        }
        5 => {
            let pages = generated(&news_dir);
            match (rng.u32(0..4), rng.choice(&pages)) {
                (0, Some(page)) => {
                    std::fs::remove_file(page).unwrap();
                    format!("delete page {}", page.display())
                }
                (1, Some(page)) => {
                    std::fs::rename(page, news_dir.join(format!("gen-r{n}.md"))).unwrap();
                    format!("rename page {}", page.display())
                }
                (2, Some(page)) => {
                    std::fs::write(
                        page,
                        news(&format!("変更したお知らせ {n}"), 5, "変えました。"),
                    )
                    .unwrap();
                    format!("change page {}", page.display())
                }
                _ => {
                    std::fs::write(
                        news_dir.join(format!("gen-{n}.md")),
                        news(
                            &format!("お知らせ {n}"),
                            1 + rng.u32(0..28),
                            "研修会のお知らせです。",
                        ),
                    )
                    .unwrap();
                    format!("add page gen-{n}")
                }
            }
        }
        6 => {
            let theme = site.join("themes/default");
            if !theme.is_dir() {
                copy_tree(&common::repo().join("themes/default"), &theme);
            }
            let (file, addition) = if rng.bool() {
                (
                    theme.join("templates/base.html"),
                    format!("\n{{# step {n} #}}<!-- 手直し {n} -->\n"),
                )
            } else {
                (
                    theme.join("static/assets/site.css"),
                    format!("\n/* step {n} */\n"),
                )
            };
            let mut text = std::fs::read_to_string(&file).unwrap();
            text.push_str(&addition);
            std::fs::write(&file, text).unwrap();
            format!("change theme {}", file.display())
        }
        7 => {
            common::set_field(
                &site.join("content/site.yaml"),
                "description",
                &format!("説明 その{n}"),
            );
            format!("change site.yaml description {n}")
        }
        8 => {
            // The fixture's own record, changed in place (same size: only the bytes differ).
            let path = site.join("content/resources/home-nursing/aoba.yaml");
            let text = std::fs::read_to_string(&path).unwrap();
            let digit = char::from(b'0' + rng.u8(0..10));
            let text = text.replacen(
                &text[text.find("088-600-222").unwrap()..][..12],
                &format!("088-600-222{digit}"),
                1,
            );
            std::fs::write(&path, text).unwrap();
            format!("change aoba's phone to …{digit}")
        }
        9 => {
            // Read only by the search index (and nothing else a page shows).
            let path = site.join("content/dictionary.csv");
            let mut text = std::fs::read_to_string(&path).unwrap();
            text.push_str(&format!("訪問らくらく{n},名詞,ホウモンラクラク\n"));
            std::fs::write(&path, text).unwrap();
            format!("dictionary word {n}")
        }
        _ => "no change".to_owned(),
    }
}

/// Random edit sequences with a fixed seed: after every step the incremental build of the
/// edited site equals a clean build of it byte for byte, and the cache was really used.
#[test]
fn random_edits_give_the_clean_build() {
    let site = site_with(None);
    let root = site.path();
    // A lecture two days ahead: moving "today" past it moves it between the lists.
    std::fs::write(
        root.join("content/lectures/gen-soon.md"),
        "---\ntitle: 在宅医療の市民講座\ndate: 2026-11-24\nstart: \"13:30\"\nend: \"15:00\"\nvenue: テストホール\naddress: 徳島市テスト町1番地\nfee: 無料\ncapacity: 50\napply: 電話で申し込んでください。\norganizer: テスト医師会\n---\nどなたでも参加できます。\n",
    )
    .unwrap();
    let mut rng = fastrand::Rng::with_seed(20261126);
    let mut counter = 0;
    let mut today: Date = common::today();
    let out = root.join("public");
    let mut reused = 0;
    let mut rendered = 0;
    for step in 0..24 {
        let mut done = Vec::new();
        for _ in 0..rng.usize(1..4) {
            done.push(edit(root, &mut rng, &mut counter));
        }
        if rng.u32(0..6) == 0 {
            today = today.tomorrow().unwrap();
            done.push(format!("today is {today}"));
        }
        let label = format!("step {step} ({})", done.join("; "));
        let report: BuildReport = build(&options(root, &out, today))
            .unwrap_or_else(|e| panic!("{label}: incremental build failed: {e} {e:?}"));
        assert!(
            report
                .diagnostics
                .iter()
                .all(|d| !d.to_string().contains("キャッシュ")),
            "{label}: a sound cache gives no warning: {:?}",
            report.diagnostics
        );
        reused += report.reused;
        rendered += report.rendered;
        assert_same_tree(&snapshot(&out), &clean_build(root, today), &label);
    }
    // Every step changes something, so much is made again; but the pages of what did not
    // change (most facility pages, listings of other categories) come from the cache.
    assert!(
        reused * 3 > rendered,
        "the cache was hardly used: {reused} pages reused, {rendered} rendered"
    );
}

/// The inode of a file of the output.
fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap())
}

/// One record changed: its page is made again, the other facility's page is the previous
/// build's file (linked, not rendered), listings of the changed record's kind are made again,
/// and the whole site equals a clean build.
#[test]
fn one_changed_record_renders_its_own_page_and_links_the_others() {
    let site = built_site();
    let root = site.path();
    let out = root.join("public");
    let changed = out.join("resources/aoba/index.html");
    let other = out.join("resources/takahashi-naika/index.html");
    let (changed_before, other_before) = (inode(&changed), inode(&other));
    let record = root.join("content/resources/home-nursing/aoba.yaml");
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(&record, text.replacen("088-600-222", "088-600-229", 1)).unwrap();
    let report = build(&options(root, &out, common::today())).unwrap();
    assert_eq!(
        inode(&other),
        other_before,
        "the unchanged facility's page is linked"
    );
    assert_ne!(
        inode(&changed),
        changed_before,
        "the changed facility's page is made again"
    );
    assert!(
        std::fs::read_to_string(&changed)
            .unwrap()
            .contains("088-600-229")
    );
    assert!(report.reused > 5 && report.rendered > 1, "{report:?}");
    assert_same_tree(
        &snapshot(&out),
        &clean_build(root, common::today()),
        "one record",
    );
}

/// The cache describes one output folder: building the same site into another folder takes
/// nothing from it (that folder may hold anything), and the result is a clean build.
#[test]
fn a_cache_of_another_output_folder_is_not_used() {
    let site = built_site();
    let root = site.path();
    let other = root.join("public-2");
    // A copy of the site, so only the folder's name keeps the cache out.
    copy_tree(&root.join("public"), &other);
    let report = build(&options(root, &other, common::today())).unwrap();
    assert_eq!(report.reused, 0, "{report:?}");
    assert!(cache_warnings(&report).is_empty());
    assert_same_tree(
        &snapshot(&other),
        &clean_build(root, common::today()),
        "other folder",
    );
}

/// A site built once, with its cache.
pub(crate) fn built_site() -> tempfile::TempDir {
    let site = site_with(None);
    let out = site.path().join("public");
    let report = build(&options(site.path(), &out, common::today())).unwrap();
    assert_eq!(report.reused, 0);
    assert!(site.path().join(CACHE).join("CACHEDIR.TAG").is_file());
    site
}

/// The cache files (not the tag, nor the search index's folder: `index_incremental::`).
fn cache_files(site: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(site.join(CACHE))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "CACHEDIR.TAG")
        // The parse cache's file has its own damage cases (`parse_cache::`).
        .filter(|p| p.file_name().unwrap() != "records.bin")
        .filter(|p| !p.symlink_metadata().unwrap().is_dir())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the build wrote a cache");
    files
}

#[test]
fn an_unchanged_site_reuses_every_page() {
    let site = built_site();
    let out = site.path().join("public");
    let first = snapshot(&out);
    let report = build(&options(site.path(), &out, common::today())).unwrap();
    assert_eq!(report.rendered, 0, "nothing changed, nothing rendered");
    assert!(report.reused > 20);
    assert_same_tree(&snapshot(&out), &first, "second build");
}

#[test]
fn a_damaged_cache_is_ignored_with_a_warning() {
    for damage in ["garbage", "truncated", "empty", "other version"] {
        let site = built_site();
        let root = site.path();
        for file in cache_files(root) {
            let bytes = std::fs::read(&file).unwrap();
            let damaged: Vec<u8> = match damage {
                "garbage" => [
                    &b"\x00\xff"[..],
                    "これはキャッシュではありません{[".as_bytes(),
                ]
                .concat(),
                "truncated" => bytes[..bytes.len() / 2].to_vec(),
                "empty" => Vec::new(),
                _ => String::from_utf8(bytes)
                    .unwrap()
                    .replacen("\"binary\":\"", "\"binary\":\"0.0.1-old ", 1)
                    .into_bytes(),
            };
            std::fs::write(&file, damaged).unwrap();
        }
        // And a page of the output changed by hand: only a clean page may come back.
        let page = root.join("public/resources/takahashi-naika/index.html");
        std::fs::write(&page, "手で書き換えたページ").unwrap();
        let report = build(&options(root, &root.join("public"), common::today())).unwrap();
        let warnings = cache_warnings(&report);
        if damage == "other version" {
            assert!(warnings.is_empty(), "{damage}: {warnings:?}");
        } else {
            assert_eq!(warnings.len(), 1, "{damage}: {warnings:?}");
            assert!(warnings[0].contains(".zaitaku-cache"), "{}", warnings[0]);
            assert!(warnings[0].contains("作り直"), "{}", warnings[0]);
        }
        assert_same_tree(
            &snapshot(&root.join("public")),
            &clean_build(root, common::today()),
            damage,
        );
        // The next build has a sound cache again.
        let report = build(&options(root, &root.join("public"), common::today())).unwrap();
        assert!(cache_warnings(&report).is_empty(), "{damage}");
        assert_eq!(report.rendered, 0, "{damage}");
    }
}

#[test]
fn a_page_changed_by_hand_in_the_output_is_rendered_again() {
    let site = built_site();
    let root = site.path();
    let page = root.join("public/resources/takahashi-naika/index.html");
    let original = std::fs::read(&page).unwrap();
    // Same length, one byte different: only the content tells.
    let mut changed = original.clone();
    let at = changed.len() / 2;
    changed[at] = if changed[at] == b'x' { b'y' } else { b'x' };
    std::fs::write(&page, &changed).unwrap();
    let report = build(&options(root, &root.join("public"), common::today())).unwrap();
    assert_eq!(report.rendered, 1);
    assert_eq!(std::fs::read(&page).unwrap(), original);
}

#[test]
fn a_symlinked_cache_folder_is_not_used_or_written() {
    let site = site_with(None);
    let root = site.path();
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("build.json"), "大事なファイル").unwrap();
    std::fs::write(elsewhere.path().join("CACHEDIR.TAG"), "他人のタグ").unwrap();
    let before = snapshot(elsewhere.path());
    std::os::unix::fs::symlink(elsewhere.path(), root.join(CACHE)).unwrap();
    for round in 0..2 {
        let report = build(&options(root, &root.join("public"), common::today())).unwrap();
        let warnings = cache_warnings(&report);
        assert_eq!(warnings.len(), 1, "round {round}: {warnings:?}");
        assert!(
            warnings[0].contains("シンボリックリンク"),
            "{}",
            warnings[0]
        );
        assert_eq!(report.reused, 0);
    }
    assert_eq!(
        snapshot(elsewhere.path()),
        before,
        "nothing written through the link"
    );
    assert!(
        root.join(CACHE)
            .symlink_metadata()
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_same_tree(
        &snapshot(&root.join("public")),
        &clean_build(root, common::today()),
        "symlinked cache",
    );
}

#[test]
fn a_cache_that_is_a_file_or_someone_elses_folder_is_left_alone() {
    for kind in ["file", "folder"] {
        let site = site_with(None);
        let root = site.path();
        let cache = root.join(CACHE);
        if kind == "file" {
            std::fs::write(&cache, "メモ").unwrap();
        } else {
            std::fs::create_dir(&cache).unwrap();
            std::fs::write(cache.join("build.json"), "{\"mine\": true}").unwrap();
        }
        let before = snapshot(&cache);
        let report = build(&options(root, &root.join("public"), common::today())).unwrap();
        let warnings = cache_warnings(&report);
        assert_eq!(warnings.len(), 1, "{kind}: {warnings:?}");
        assert!(warnings[0].contains(".zaitaku-cache"), "{}", warnings[0]);
        assert_eq!(snapshot(&cache), before, "{kind}: left as it was");
        if kind == "file" {
            assert_eq!(std::fs::read_to_string(&cache).unwrap(), "メモ");
        }
        assert_same_tree(
            &snapshot(&root.join("public")),
            &clean_build(root, common::today()),
            kind,
        );
    }
}

/// A symlink inside the cache folder (the cache file pointing elsewhere) is neither read nor
/// written through: the build warns, makes everything, and replaces the link with its own file.
#[test]
fn a_symlinked_cache_file_is_not_read_or_written_through() {
    let site = built_site();
    let root = site.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("build.json");
    // A cache that would be valid, so only the link keeps it out.
    std::fs::copy(root.join(CACHE).join("build.json"), &target).unwrap();
    let before = std::fs::read(&target).unwrap();
    std::fs::remove_file(root.join(CACHE).join("build.json")).unwrap();
    std::os::unix::fs::symlink(&target, root.join(CACHE).join("build.json")).unwrap();
    let report = build(&options(root, &root.join("public"), common::today())).unwrap();
    let warnings = cache_warnings(&report);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(report.reused, 0);
    assert_eq!(
        std::fs::read(&target).unwrap(),
        before,
        "nothing written through the link"
    );
    let file = root
        .join(CACHE)
        .join("build.json")
        .symlink_metadata()
        .unwrap();
    assert!(
        file.is_file(),
        "the link is replaced by the cache's own file"
    );
    assert_same_tree(
        &snapshot(&root.join("public")),
        &clean_build(root, common::today()),
        "symlinked cache file",
    );
}

/// Runs `job` on a thread of its own and waits for it; a build that blocks (on a FIFO it
/// opened) fails the test with `what` instead of hanging the suite.
pub(crate) fn without_hanging<T: Send + 'static>(
    what: &str,
    job: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(job());
    });
    finished
        .recv_timeout(std::time::Duration::from_secs(600))
        .unwrap_or_else(|_| panic!("{what}: the build did not finish (it waits on something)"))
}

#[test]
fn a_fifo_in_place_of_the_cache_file_is_not_opened_and_is_replaced() {
    let site = built_site();
    let root = site.path().to_path_buf();
    let file = root.join(CACHE).join("build.json");
    std::fs::remove_file(&file).unwrap();
    common::mkfifo(&file);
    let report = {
        let root = root.clone();
        without_hanging("a FIFO as build.json", move || {
            build(&options(&root, &root.join("public"), common::today())).unwrap()
        })
    };
    let warnings = cache_warnings(&report);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("ふつうのファイルではありません"),
        "{}",
        warnings[0]
    );
    assert_eq!(report.reused, 0);
    assert!(
        file.symlink_metadata().unwrap().is_file(),
        "the FIFO is replaced by the cache's own file"
    );
    assert_same_tree(
        &snapshot(&root.join("public")),
        &clean_build(&root, common::today()),
        "FIFO cache file",
    );
    let report = build(&options(&root, &root.join("public"), common::today())).unwrap();
    assert!(cache_warnings(&report).is_empty());
    assert_eq!(report.rendered, 0, "the replaced cache is used again");
}

#[test]
fn builds_at_once_into_different_folders_each_equal_a_clean_build() {
    let site = built_site();
    let root = site.path().to_path_buf();
    // Something for the cache to be wrong about: the first build's pages are stale now.
    let record = root.join("content/resources/clinic/takahashi-naika.yaml");
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(&record, text.replacen("name: ", "name: 新", 1)).unwrap();
    let outs = ["public", "public-b", "public", "public-c"];
    let builds: Vec<_> = outs
        .iter()
        .map(|out| {
            let root = root.clone();
            let out = root.join(out);
            std::thread::spawn(move || build(&options(&root, &out, common::today())))
        })
        .collect();
    for (out, handle) in outs.iter().zip(builds) {
        let report = without_hanging(out, move || handle.join().unwrap());
        report.unwrap_or_else(|e| panic!("{out}: {e}"));
    }
    let clean = clean_build(&root, common::today());
    for out in ["public", "public-b", "public-c"] {
        assert_same_tree(&snapshot(&root.join(out)), &clean, out);
        // And the cache left by whichever build saved last misleads no later build.
        let report = build(&options(&root, &root.join(out), common::today())).unwrap();
        assert!(cache_warnings(&report).is_empty(), "{out}");
        assert_same_tree(&snapshot(&root.join(out)), &clean, out);
    }
}
