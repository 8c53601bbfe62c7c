//! Records not parsed again: `zaitaku build` keeps what loading each record file produced in
//! `.zaitaku-cache/records.bin` and uses it while the file's bytes, its path and what a
//! record's load reads besides (the parts of `site.yaml` validation reads, the day, the
//! binary) are the same. After every edit the site and every diagnostic equal a clean build's,
//! and the number of record files parsed is what the edit should cost; a damaged, foreign or
//! misplaced cache file, two builds at once and a killed build only cost time. A file whose
//! stamp is the one kept is not read; any other change (same size and times, renamed over,
//! a link or a FIFO in its place, two files swapped) is read again.

use crate::common;

use std::collections::BTreeMap;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::civil::Date;
use zaitaku::build::{BuildOptions, BuildReport, ParseCounts, build};

const RECORDS: &str = ".zaitaku-cache/records.bin";

/// The sample site's `content/` (131 records: availability, ケアマネタイム, notes, warnings) in
/// a temporary folder.
fn sample() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    common::copy_tree(
        &common::repo().join("content"),
        &site.path().join("content"),
    );
    site
}

fn record_files(root: &Path) -> usize {
    walkdir::WalkDir::new(root.join("content/resources"))
        .into_iter()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "yaml")
        })
        .count()
}

/// A build of `root` into its `public/`: the report, or the errors and every diagnostic.
fn run(root: &Path, today: Date) -> Result<BuildReport, (usize, Vec<String>)> {
    let options = BuildOptions {
        root: root.to_path_buf(),
        out: root.join("public"),
        base_url: None,
        today,
    };
    match build(&options) {
        Ok(report) => Ok(report),
        Err(zaitaku::Error::Content {
            errors,
            diagnostics,
        }) => Err((
            errors,
            diagnostics.iter().map(|d| format!("{d:?}")).collect(),
        )),
        Err(other) => panic!("build failed: {other}"),
    }
}

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::snapshot(dir)
}

/// Builds `root` (with its cache) and a copy of its content from scratch; the site and every
/// diagnostic must be the same. Returns what the build parsed (`None` when both failed alike).
fn assert_like_clean(root: &Path, today: Date, step: &str) -> Option<ParseCounts> {
    let incremental = run(root, today);
    let fresh = common::fresh_copy(root);
    let clean = run(fresh.path(), today);
    match (incremental, clean) {
        (Ok(incremental), Ok(clean)) => {
            let debug = |report: &BuildReport| -> Vec<String> {
                report
                    .diagnostics
                    .iter()
                    .map(|d| format!("{d:?}"))
                    .collect()
            };
            assert_eq!(
                debug(&incremental),
                debug(&clean),
                "{step}: the diagnostics differ from a clean build's"
            );
            let (mine, theirs) = (
                tree(&root.join("public")),
                tree(&fresh.path().join("public")),
            );
            assert_eq!(
                mine.keys().collect::<Vec<_>>(),
                theirs.keys().collect::<Vec<_>>(),
                "{step}: other files than a clean build"
            );
            for (name, bytes) in &mine {
                assert!(
                    bytes == &theirs[name],
                    "{step}: {name} differs from a clean build's"
                );
            }
            Some(incremental.records)
        }
        (Err(incremental), Err(clean)) => {
            assert_eq!(
                incremental, clean,
                "{step}: the errors differ from a clean build's"
            );
            None
        }
        (incremental, clean) => panic!(
            "{step}: built {} incrementally but {} cleanly",
            incremental.is_ok(),
            clean.is_ok()
        ),
    }
}

fn replace(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn parsed(counts: Option<ParseCounts>) -> usize {
    counts.expect("the build succeeded").parsed
}

const HAMANASU: &str = "content/resources/short-stay/shortstay-hamanasu.yaml";

#[test]
fn each_edit_parses_only_the_records_it_changed_and_builds_like_a_clean_build() {
    let site = sample();
    let root = site.path();
    let all = record_files(root);
    let mut today = common::today();
    let cold = assert_like_clean(root, today, "cold").unwrap();
    assert_eq!(
        cold,
        ParseCounts {
            parsed: all,
            reused: 0,
            stamped: 0
        },
        "cold"
    );

    let step = |name: &str, today: Date, edit: &dyn Fn(&Path), expected: Option<usize>| {
        edit(root);
        let counts = assert_like_clean(root, today, name);
        match expected {
            Some(expected) => {
                let counts = counts.unwrap_or_else(|| panic!("{name}: the build failed"));
                assert_eq!(counts.parsed, expected, "{name}: records parsed");
                assert_eq!(
                    counts.parsed + counts.reused,
                    record_files(root),
                    "{name}: every record file is parsed or reused"
                );
            }
            None => assert!(counts.is_none(), "{name}: the build should fail"),
        }
    };
    step("nothing changed", today, &|_| {}, Some(0));
    step(
        "a phone changed",
        today,
        &|root| replace(&root.join(HAMANASU), "088-608-9015", "088-608-9016"),
        Some(1),
    );
    step(
        "a comment only",
        today,
        &|root| {
            let path = root.join(HAMANASU);
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, format!("# 2026-11 電話で確認\n{text}")).unwrap();
        },
        Some(1),
    );
    step(
        "a record renamed",
        today,
        &|root| {
            std::fs::rename(
                root.join(HAMANASU),
                root.join("content/resources/short-stay/hamanasu.yaml"),
            )
            .unwrap();
        },
        Some(1),
    );
    step(
        "a record deleted",
        today,
        &|root| {
            std::fs::remove_file(root.join("content/resources/clinic/aozora-zaitaku.yaml"))
                .unwrap();
        },
        Some(0),
    );
    step(
        "a record added that shares a phone number and a name and address (warnings across records)",
        today,
        &|root| {
            std::fs::copy(
                root.join("content/resources/short-stay/hamanasu.yaml"),
                root.join("content/resources/short-stay/hamanasu-copy.yaml"),
            )
            .unwrap();
        },
        Some(1),
    );
    step(
        "a record made invalid YAML",
        today,
        &|root| {
            replace(
                &root.join("content/resources/short-stay/hamanasu-copy.yaml"),
                "services: [respite, dementia, pickup]",
                "services: [respite, dementia, pickup",
            )
        },
        None,
    );
    step(
        "the invalid record fixed",
        today,
        &|root| {
            replace(
                &root.join("content/resources/short-stay/hamanasu-copy.yaml"),
                "services: [respite, dementia, pickup",
                "services: [respite, dementia, pickup]",
            )
        },
        Some(1),
    );
    step(
        "a record with an error in a field (an unknown area)",
        today,
        &|root| {
            replace(
                &root.join("content/resources/short-stay/hamanasu-copy.yaml"),
                "area: south-east",
                "area: south-eest",
            )
        },
        None,
    );
    step(
        "the field fixed",
        today,
        &|root| {
            replace(
                &root.join("content/resources/short-stay/hamanasu-copy.yaml"),
                "area: south-eest",
                "area: south-east",
            )
        },
        Some(1),
    );
    step(
        "site.yaml: the title only (no record reads it)",
        today,
        &|root| {
            replace(
                &root.join("content/site.yaml"),
                "title: 徳島市在宅医療支援センター（架空）",
                "title: 徳島市在宅医療支援センター（架空・改）",
            )
        },
        Some(0),
    );
    step(
        "site.yaml: a category's label",
        today,
        &|root| {
            replace(
                &root.join("content/site.yaml"),
                "label: 短期入所 }",
                "label: 短期入所生活介護 }",
            )
        },
        Some(record_files(root)),
    );
    step(
        "the dictionary (no record reads it)",
        today,
        &|root| {
            let path = root.join("content/dictionary.csv");
            let mut text = std::fs::read_to_string(&path).unwrap_or_default();
            text.push_str("はまなす,名詞,ハマナス\n");
            std::fs::write(&path, text).unwrap();
        },
        Some(0),
    );
    today = "2027-07-01".parse().unwrap();
    step("another day", today, &|_| {}, Some(record_files(root)));
    today = common::today();
    step(
        "the day before again",
        today,
        &|_| {},
        Some(record_files(root)),
    );
    step("nothing changed at the end", today, &|_| {}, Some(0));
}

#[test]
fn each_part_of_site_yaml_a_record_reads_makes_the_records_be_read_again() {
    let site = sample();
    let root = site.path();
    let today = common::today();
    // A window only for a closure, so that the closure's name is in a record.
    std::fs::write(
        root.join("content/resources/care-planning/nenmatsu.yaml"),
        "name: 年末当番居宅介護支援\nkana: ねんまつとうばん\ncategory: care-planning\narea: north\naddress: 徳島市川内町1\nphone: 088-600-7777\nspecialties: [内科, 老年内科]\ncaremane_time:\n  - { days: [], closures: [year-end], from: \"10:00\", to: \"12:00\", methods: [phone] }\nverified: 2026-10-01\n",
    )
    .unwrap();
    assert_like_clean(root, today, "cold").unwrap();
    let all = record_files(root);
    let site_yaml = root.join("content/site.yaml");
    let edits: [(&str, &str, &str, usize); 9] = [
        ("an area's label", "label: 北部", "label: 北の地区", all),
        (
            "a service's label",
            "label: 送迎 }",
            "label: 送り迎え }",
            all,
        ),
        (
            "the specialties",
            "specialties: [内科, ",
            "specialties: [",
            all,
        ),
        (
            "a closure's name",
            "name: 年末年始,",
            "name: 年末年始の休み,",
            all,
        ),
        (
            "the vacancy settings",
            "closures:\n",
            "availability: { stale_days: 1 }\nclosures:\n",
            all,
        ),
        (
            "a category's key",
            "key: short-stay,",
            "key: shortstay,",
            all,
        ),
        (
            "an area's towns (no record reads them)",
            "towns: [川内町, ",
            "towns: [",
            0,
        ),
        (
            "the desk (no record reads it)",
            "hours: 平日 8:30〜17:15",
            "hours: 平日 9:00〜17:15",
            0,
        ),
        (
            "a comment (no record reads it)",
            "closures:\n",
            "# 休業期間\nclosures:\n",
            0,
        ),
    ];
    for (name, from, to, expected) in edits {
        replace(&site_yaml, from, to);
        match assert_like_clean(root, today, name) {
            Some(counts) => assert_eq!(counts.parsed, expected, "{name}"),
            // The category's old key is still in the records: every one is read, and fails.
            None => assert_eq!(name, "a category's key"),
        }
        if name == "a category's key" {
            replace(&site_yaml, to, from);
            assert_eq!(parsed(assert_like_clean(root, today, "key back")), all);
        }
    }
}

/// The build's warnings that name the parse cache.
fn records_warnings(report: &BuildReport) -> Vec<String> {
    common::cache_warnings(report)
        .into_iter()
        .filter(|w| w.contains("records.bin"))
        .collect()
}

#[test]
fn a_damaged_foreign_or_misplaced_cache_file_only_costs_time() {
    let site = sample();
    let root = site.path();
    let today = common::today();
    let all = record_files(root);
    assert_like_clean(root, today, "cold").unwrap();
    let cache = root.join(RECORDS);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("someones-file.bin");
    type Damage = fn(&Path, &Path);
    let damages: [(&str, Damage); 8] = [
        ("truncated", |cache, _| {
            let bytes = std::fs::read(cache).unwrap();
            std::fs::write(cache, &bytes[..bytes.len() / 2]).unwrap();
        }),
        ("a byte changed", |cache, _| {
            let mut bytes = std::fs::read(cache).unwrap();
            let at = bytes.len() * 2 / 3;
            bytes[at] ^= 0x01;
            std::fs::write(cache, bytes).unwrap();
        }),
        ("another layout's (schema)", |cache, _| {
            let mut bytes = std::fs::read(cache).unwrap();
            let at = "zaitaku-parse-cache ".len();
            bytes[at] = b'9';
            std::fs::write(cache, bytes).unwrap();
        }),
        ("not a cache at all", |cache, _| {
            std::fs::write(cache, "name: これはキャッシュではありません\n").unwrap();
        }),
        ("empty", |cache, _| std::fs::write(cache, "").unwrap()),
        ("a FIFO", |cache, _| {
            std::fs::remove_file(cache).unwrap();
            common::mkfifo(cache);
        }),
        ("a symlink to someone's file", |cache, target| {
            std::fs::write(target, "大事なファイル").unwrap();
            std::fs::remove_file(cache).unwrap();
            std::os::unix::fs::symlink(target, cache).unwrap();
        }),
        ("larger than a cache can be", |cache, _| {
            let file = std::fs::OpenOptions::new().write(true).open(cache).unwrap();
            file.set_len((1 << 30) + 1).unwrap();
        }),
    ];
    for (damage, make) in damages {
        make(&cache, &target);
        let report = run(root, today).unwrap();
        assert_eq!(
            records_warnings(&report).len(),
            1,
            "{damage}: one warning names the cache: {:?}",
            report.diagnostics
        );
        assert!(
            records_warnings(&report)[0].contains(".zaitaku-cache"),
            "{damage}"
        );
        assert_eq!(
            report.records.parsed, all,
            "{damage}: every record read again"
        );
        assert!(
            std::fs::symlink_metadata(&cache).unwrap().is_file(),
            "{damage}: replaced by a whole cache file"
        );
        if target.exists() {
            assert_eq!(
                std::fs::read_to_string(&target).unwrap(),
                "大事なファイル",
                "{damage}"
            );
        }
        // The next build (nothing changed) reads nothing again, and is a clean build's.
        let counts = assert_like_clean(root, today, &format!("{damage}, then again"));
        assert_eq!(parsed(counts), 0, "{damage}: the rewritten cache is used");
    }

    // A folder in its place is neither used nor touched.
    std::fs::remove_file(&cache).unwrap();
    std::fs::create_dir(&cache).unwrap();
    std::fs::write(cache.join("keep.txt"), "残す").unwrap();
    for round in ["a folder in place of the file", "the folder still there"] {
        let report = run(root, today).unwrap();
        assert_eq!(
            records_warnings(&report).len(),
            1,
            "{round}: {:?}",
            report.diagnostics
        );
        assert_eq!(report.records.parsed, all, "{round}");
        assert_eq!(
            std::fs::read_to_string(cache.join("keep.txt")).unwrap(),
            "残す"
        );
    }
    std::fs::remove_dir_all(&cache).unwrap();
    assert_like_clean(root, today, "the folder removed").unwrap();
    assert_eq!(
        parsed(assert_like_clean(root, today, "after the folder")),
        0
    );
}

#[test]
fn builds_at_once_and_a_killed_build_leave_a_whole_cache() {
    let site = sample();
    let root = site.path();
    let today = common::today();
    assert_like_clean(root, today, "cold").unwrap();
    replace(&root.join(HAMANASU), "088-608-9015", "088-608-9016");
    // Two builds at once (into two folders, so neither waits for the other's lock).
    std::thread::scope(|scope| {
        let builds: Vec<_> = ["public-a", "public-b"]
            .into_iter()
            .map(|out| {
                scope.spawn(move || {
                    build(&BuildOptions {
                        root: root.to_path_buf(),
                        out: root.join(out),
                        base_url: None,
                        today,
                    })
                    .unwrap()
                })
            })
            .collect();
        for handle in builds {
            let report = handle.join().unwrap();
            assert!(
                records_warnings(&report).is_empty(),
                "{:?}",
                report.diagnostics
            );
        }
    });
    let counts = assert_like_clean(root, today, "after two builds at once");
    assert_eq!(parsed(counts), 0, "the cache either build left is whole");

    // Builds killed at several moments: the next build is a clean build's, and reads a whole
    // cache or none (never a warning about a damaged one).
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_zaitaku"));
    for (round, wait_ms) in [10u64, 60, 150, 300, 600].into_iter().enumerate() {
        replace(
            &root.join(HAMANASU),
            &format!("088-608-{}", 9016 + round),
            &format!("088-608-{}", 9017 + round),
        );
        let mut child = Command::new(&binary)
            .args(["build", "--today", common::TODAY])
            .current_dir(root)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(wait_ms));
        let _ = child.kill();
        let _ = child.wait();
        let (code, printed) = run_binary(root);
        assert_eq!(code, Some(0), "killed after {wait_ms} ms: {printed}");
        assert!(
            !printed.contains("records.bin"),
            "killed after {wait_ms} ms: {printed}"
        );
    }
    // The binary's cache is another binary's for this test's build: not used, quietly.
    let report = run(root, today).unwrap();
    assert!(
        records_warnings(&report).is_empty(),
        "{:?}",
        report.diagnostics
    );
    assert_eq!(
        report.records.parsed,
        record_files(root),
        "another binary's cache"
    );
    assert_eq!(parsed(assert_like_clean(root, today, "after the kills")), 0);
    let leftovers: Vec<_> = std::fs::read_dir(root.join(".zaitaku-cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".records-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "a killed build's temporary file is cleaned up: {leftovers:?}"
    );
}

/// `zaitaku build` as an editor runs it: its exit code and what it printed (the seconds left
/// out).
fn run_binary(root: &Path) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .args(["build", "--today", common::TODAY])
        .current_dir(root)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stderr);
    let printed = printed
        .lines()
        .map(|line| match line.find("秒）") {
            Some(at) => line[..line[..at].rfind('（').unwrap_or(at)].to_owned(),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    (output.status.code(), printed)
}

#[test]
fn a_record_made_invalid_prints_the_clean_builds_error_and_exit_code() {
    let site = sample();
    let root = site.path();
    let (code, _) = run_binary(root);
    assert_eq!(code, Some(0));
    let (code, printed) = run_binary(root);
    assert_eq!(code, Some(0));
    let fresh = common::fresh_copy(root);
    assert_eq!(
        (code, printed),
        run_binary(fresh.path()),
        "a second build prints a clean build's"
    );
    for (from, to) in [
        ("kana: しょーとすてい はまなす", "kana: [しょーとすてい"),
        ("as_of: 2026-11-20", "as_of: 2026-13-20"),
        (
            "phone: 088-608-9015",
            "phone: 088-608-9015\nphone: 088-608-9016",
        ),
    ] {
        replace(&root.join(HAMANASU), from, to);
        let incremental = run_binary(root);
        let fresh = common::fresh_copy(root);
        let clean = run_binary(fresh.path());
        assert_ne!(incremental.0, Some(0), "{to}: the build fails");
        assert!(
            incremental.1.contains("shortstay-hamanasu.yaml:"),
            "{}",
            incremental.1
        );
        assert_eq!(
            incremental, clean,
            "{to}: the clean build's error and exit code"
        );
        replace(&root.join(HAMANASU), to, from);
    }
}

/// Longer than the parse cache's margin for a file changed while it was read (its stamp is
/// kept only when its change time is older): waited for so that a build keeps every stamp.
/// Nothing is timed.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(150);

/// Writes `text` to `path` in place, then sets the modification time back to what it was.
fn write_keeping_time(path: &Path, text: &str) {
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    std::fs::write(path, text).unwrap();
    set_modified(path, modified);
}

fn set_modified(path: &Path, time: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

#[test]
fn a_record_file_changed_in_any_way_is_read_again_whatever_its_stamp() {
    let site = sample();
    let root = site.path();
    let today = common::today();
    let stamps_kept = zaitaku::stamp::keeps_stamps(root);
    let path = root.join(HAMANASU);
    let original = std::fs::read_to_string(&path).unwrap();
    // The copy's files were just written: only once they settled are their stamps kept.
    std::thread::sleep(SETTLE);
    assert_like_clean(root, today, "cold").unwrap();
    let all = record_files(root);
    let counts = assert_like_clean(root, today, "nothing changed").unwrap();
    assert_eq!((counts.parsed, counts.reused), (0, all), "nothing changed");
    if stamps_kept {
        assert_eq!(counts.stamped, all, "every file known by its stamp");
    }
    // Same length: only a digit of the phone number differs.
    let phone = |last: &str| original.replace("088-608-9015", &format!("088-608-901{last}"));
    type Change<'a> = Box<dyn Fn(&Path) + 'a>;
    let rounds: Vec<(&str, Change, Option<usize>)> = vec![
        (
            "other bytes, same size and modification time",
            Box::new(|path| write_keeping_time(path, &phone("6"))),
            Some(1),
        ),
        (
            "a file renamed over it, same size and modification time",
            Box::new(|path| {
                let beside = path.with_extension("tmp");
                std::fs::write(&beside, phone("7")).unwrap();
                set_modified(
                    &beside,
                    std::fs::metadata(path).unwrap().modified().unwrap(),
                );
                std::fs::rename(&beside, path).unwrap();
            }),
            Some(1),
        ),
        (
            "a symlink to a file of the same size and modification time",
            Box::new(|path| {
                // In a folder of content/ the load does not read (a warning), linked by a
                // relative path (the clean build's copy holds the file itself).
                let target = root.join("content/extra/hamanasu.yaml");
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(&target, phone("8")).unwrap();
                set_modified(
                    &target,
                    std::fs::metadata(path).unwrap().modified().unwrap(),
                );
                std::fs::remove_file(path).unwrap();
                std::os::unix::fs::symlink("../../extra/hamanasu.yaml", path).unwrap();
            }),
            Some(1),
        ),
        (
            "the symlink's file written, same size and modification time",
            Box::new(|path| write_keeping_time(path, &phone("9"))),
            Some(1),
        ),
        (
            "a FIFO in its place",
            Box::new(|path| {
                std::fs::remove_file(path).unwrap();
                common::mkfifo(path);
            }),
            None,
        ),
        (
            "the file back",
            Box::new(|path| {
                std::fs::remove_file(path).unwrap();
                std::fs::write(path, &original).unwrap();
            }),
            Some(1),
        ),
        (
            "two records' files swapped by renames",
            Box::new(|path| {
                let other = root.join("content/resources/short-stay/shortstay-sudachi-no-ie.yaml");
                let beside = path.with_extension("tmp");
                std::fs::rename(path, &beside).unwrap();
                std::fs::rename(&other, path).unwrap();
                std::fs::rename(&beside, &other).unwrap();
            }),
            Some(2),
        ),
    ];
    for (name, change, expected) in rounds {
        // A build after every file settled keeps every stamp; then the change.
        std::thread::sleep(SETTLE);
        let is_fifo = || {
            std::fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_fifo()
        };
        if is_fifo() {
            run(root, today).expect(name);
        } else {
            assert_like_clean(root, today, &format!("{name}: before"));
        }
        change(&path);
        if is_fifo() {
            // Not copied for a clean build (a copy would wait for a writer): the load skips
            // it with a warning, the others still known by their stamp.
            let report = run(root, today).expect(name);
            assert!(
                report
                    .diagnostics
                    .iter()
                    .any(|d| format!("{d:?}").contains("名前付きパイプ")),
                "{name}: {:?}",
                report.diagnostics
            );
            assert_eq!(report.records.parsed, 0, "{name}");
            assert_eq!(report.records.reused, all - 1, "{name}");
            continue;
        }
        let counts = assert_like_clean(root, today, name);
        match expected {
            Some(expected) => {
                let counts = counts.unwrap_or_else(|| panic!("{name}: the build failed"));
                assert_eq!(counts.parsed, expected, "{name}: records parsed");
                assert_eq!(counts.parsed + counts.reused, all, "{name}");
                if stamps_kept {
                    assert_eq!(counts.stamped, counts.reused, "{name}: the others by stamp");
                }
            }
            None => assert!(counts.is_none(), "{name}: the build should fail"),
        }
        if expected.is_some() {
            let again = assert_like_clean(root, today, &format!("{name}, then again"));
            assert_eq!(parsed(again), 0, "{name}: nothing parsed again");
        }
    }
}
