//! Rows kept between builds (`build::rows_disk`): a second `zaitaku build` renders only the
//! rows of the records an edit changed, and assembles every list that shows a changed record
//! from the rows kept in `.zaitaku-cache/rows/`; its `public/` equals a clean build's byte for
//! byte after every edit. A damaged, foreign or misplaced rows file, or a cache another build
//! holds, only costs time, with one Japanese warning naming `.zaitaku-cache`.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{cache_warnings, copy_tree, mkfifo, repo, site_with, snapshot, today};
use zaitaku::build::{BuildOptions, BuildReport, build};

const ROWS: &str = ".zaitaku-cache/rows";

fn build_site(root: &Path) -> BuildReport {
    build(&BuildOptions {
        root: root.to_path_buf(),
        out: root.join("public"),
        base_url: None,
        today: today(),
    })
    .unwrap()
}

/// The same site built from scratch (its `content/` and `themes/` copied, no cache).
fn clean_build(site: &Path) -> BTreeMap<String, Vec<u8>> {
    let fresh = common::fresh_copy(site);
    build_site(fresh.path());
    snapshot(&fresh.path().join("public"))
}

/// Builds `site` again and checks its `public/` against a clean build; returns the report.
fn build_and_compare(site: &Path, step: &str) -> BuildReport {
    let report = build_site(site);
    let built = snapshot(&site.join("public"));
    let clean = clean_build(site);
    let names = |tree: &BTreeMap<String, Vec<u8>>| tree.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&built), names(&clean), "{step}: other files");
    for (name, bytes) in &built {
        assert!(
            bytes == &clean[name],
            "{step}: {name} differs from a clean build:\n--- second build\n{}\n--- clean\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&clean[name])
        );
    }
    report
}

/// A clinic without ケアマネタイム windows (3 rows: its listing row and its two entries).
fn clinic(name: &str, kana: &str, phone: u32) -> String {
    format!(
        "name: {name}\nkana: {kana}\ncategory: clinic\narea: north\naddress: 徳島市幸町{phone}番地\nphone: 088-611-{phone:04}\nservices: [home-visit]\nhours:\n  - {{ days: [mon, thu], open: \"09:00\", close: \"17:00\" }}\nverified: 2026-04-01\n"
    )
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// A site with a few more clinics than the base fixture, built once.
fn built_site() -> (tempfile::TempDir, BuildReport) {
    let site = site_with(None);
    let clinics = site.path().join("content/resources/clinic");
    for (n, (name, kana)) in [
        ("あさひ医院", "あさひいいん"),
        ("かもめ診療所", "かもめしんりょうじょ"),
        ("さくら内科", "さくらないか"),
        ("はるか医院", "はるかいいん"),
    ]
    .into_iter()
    .enumerate()
    {
        std::fs::write(
            clinics.join(format!("gen-{n}.yaml")),
            clinic(name, kana, 100 + n as u32),
        )
        .unwrap();
    }
    let report = build_site(site.path());
    (site, report)
}

/// An edit: what it is, the rows it should cost, and the edit itself.
type Step<'a> = (&'a str, usize, Box<dyn Fn() + 'a>);

#[test]
fn each_edit_renders_only_its_rows_and_gives_the_clean_build() {
    let (site, first) = built_site();
    let root = site.path();
    // Every row the site needs, each rendered once: 6 clinics' listing rows and two entries
    // each, and the ケアマネ office's two window rows and its ケアマネタイム entry.
    let all = 6 * 3 + 3;
    assert_eq!(
        first.rows.rendered, all,
        "a cold build renders each row once"
    );
    assert!(first.rows.read > 0, "rows shown twice are read back");
    let takahashi = root.join("content/resources/clinic/takahashi-naika.yaml");
    let clinics = root.join("content/resources/clinic");

    let steps: Vec<Step> = vec![
        ("nothing changed", 0, Box::new(|| {})),
        (
            "a ケアマネ office's phone",
            6,
            Box::new(|| edit(&takahashi, "088-600-1234", "088-600-4699")),
        ),
        (
            "a clinic's phone",
            3,
            Box::new(|| edit(&clinics.join("gen-1.yaml"), "088-611-0101", "088-611-0901")),
        ),
        (
            "a ケアマネタイム window",
            6,
            Box::new(|| edit(&takahashi, "from: \"13:00\"", "from: \"12:30\"")),
        ),
        (
            "a name that moves the record in 五十音 order",
            3,
            Box::new(|| {
                edit(&clinics.join("gen-0.yaml"), "あさひ医院", "わかば医院");
                edit(&clinics.join("gen-0.yaml"), "あさひいいん", "わかばいいん");
            }),
        ),
        (
            "a record added",
            3,
            Box::new(|| {
                std::fs::write(
                    clinics.join("gen-9.yaml"),
                    clinic("なぎさ医院", "なぎさいいん", 109),
                )
                .unwrap()
            }),
        ),
        (
            "a record deleted",
            0,
            Box::new(|| std::fs::remove_file(clinics.join("gen-2.yaml")).unwrap()),
        ),
        (
            "site.yaml changed",
            all,
            Box::new(|| {
                edit(
                    &root.join("content/site.yaml"),
                    "テスト在宅医療支援センター",
                    "テスト在宅医療支援センター（改）",
                )
            }),
        ),
    ];
    for (step, expected, change) in steps {
        change();
        let report = build_and_compare(root, step);
        assert_eq!(report.rows.rendered, expected, "{step}: rows rendered");
        assert!(
            cache_warnings(&report).is_empty(),
            "{step}: {:?}",
            cache_warnings(&report)
        );
    }

    // A row template of a copied theme: every row is rendered again, with it.
    let templates = root.join("themes/default/templates");
    copy_tree(&repo().join("themes/default"), &root.join("themes/default"));
    build_and_compare(root, "the theme copied");
    let row = templates.join("row_facility.html");
    let body = std::fs::read_to_string(&row).unwrap();
    std::fs::write(&row, format!("<!--changed-->{body}")).unwrap();
    let report = build_and_compare(root, "a row template changed");
    assert_eq!(report.rows.rendered, all, "a row template changed");
    let listing =
        std::fs::read_to_string(root.join("public/resources/category/clinic/index.html")).unwrap();
    // Five clinics (the sixth record is a home-nursing station).
    assert_eq!(listing.matches("<!--changed-->").count(), 5);
    edit(&takahashi, "088-600-4699", "088-600-4700");
    let report = build_and_compare(root, "a phone after the theme changed");
    assert_eq!(report.rows.rendered, 6, "a phone after the theme changed");
}

#[test]
fn an_older_theme_without_row_templates_builds_again_the_same_site() {
    let (site, _) = built_site();
    let root = site.path();
    let templates = root.join("themes/default/templates");
    copy_tree(&repo().join("themes/default"), &root.join("themes/default"));
    crate::rows::make_older(&templates);
    let report = build_and_compare(root, "an older theme");
    assert_eq!(report.rows.rendered, 0, "no row templates, no rows");
    edit(
        &root.join("content/resources/clinic/takahashi-naika.yaml"),
        "088-600-1234",
        "088-600-4699",
    );
    build_and_compare(root, "an older theme, a phone changed");
}

/// A site built twice, so that its rows are kept; returns the rows' folder.
fn kept_rows() -> (tempfile::TempDir, PathBuf, usize) {
    let (site, first) = built_site();
    let rows = site.path().join(ROWS);
    assert!(rows.join("rows.data").is_file());
    assert!(rows.join("rows.index").is_file());
    (site, rows, first.rows.rendered)
}

/// Changes a phone (so that the lists that show it are rendered again from the kept rows),
/// builds, and checks the build against a clean one and its warnings about the rows.
fn build_after_damage(root: &Path, step: &str, phone: &str, warned: bool) -> BuildReport {
    let file = root.join("content/resources/clinic/takahashi-naika.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let text: Vec<String> = text
        .lines()
        .map(|line| match line.starts_with("phone: ") {
            true => format!("phone: 088-600-{phone}"),
            false => line.to_owned(),
        })
        .collect();
    std::fs::write(&file, text.join("\n") + "\n").unwrap();
    let report = build_and_compare(root, step);
    let warnings = cache_warnings(&report);
    if warned {
        assert_eq!(warnings.len(), 1, "{step}: one warning: {warnings:?}");
        assert!(
            warnings[0].contains(".zaitaku-cache"),
            "{step}: {warnings:?}"
        );
    } else {
        assert!(warnings.is_empty(), "{step}: {warnings:?}");
    }
    report
}

/// The damage of one row of `rows.data` (the others whole).
const ONE_ROW: &str = "one row's bytes changed";

#[test]
fn a_damaged_foreign_or_misplaced_rows_file_only_costs_time() {
    type Damage = fn(&Path, &Path);
    let damages: [(&str, Damage); 10] = [
        // One row among good ones, read in one run with its neighbours (`build::rows_bulk`):
        // that row alone is rendered again.
        (ONE_ROW, |rows, _| {
            let data = rows.join("rows.data");
            let mut bytes = std::fs::read(&data).unwrap();
            let name = "さくら内科".as_bytes();
            let at = bytes
                .windows(name.len())
                .position(|window| window == name)
                .expect("さくら内科's rows are kept");
            bytes[at + name.len() - 1] ^= 0x01;
            std::fs::write(&data, bytes).unwrap();
        }),
        ("the data cut short", |rows, _| {
            let data = rows.join("rows.data");
            let length = std::fs::metadata(&data).unwrap().len();
            let file = std::fs::OpenOptions::new().write(true).open(&data).unwrap();
            file.set_len(length / 2).unwrap();
        }),
        ("every row's bytes changed", |rows, _| {
            let data = rows.join("rows.data");
            let mut bytes = std::fs::read(&data).unwrap();
            for byte in &mut bytes[40..] {
                *byte ^= 0x20;
            }
            std::fs::write(&data, bytes).unwrap();
        }),
        ("the index cut short", |rows, _| {
            let index = rows.join("rows.index");
            let bytes = std::fs::read(&index).unwrap();
            std::fs::write(&index, &bytes[..bytes.len() - 10]).unwrap();
        }),
        ("a foreign data file", |rows, _| {
            std::fs::write(rows.join("rows.data"), "誰かのファイル\n".repeat(10_000)).unwrap();
        }),
        ("a FIFO in place of the data", |rows, _| {
            std::fs::remove_file(rows.join("rows.data")).unwrap();
            mkfifo(&rows.join("rows.data"));
        }),
        ("a FIFO in place of the index", |rows, _| {
            std::fs::remove_file(rows.join("rows.index")).unwrap();
            mkfifo(&rows.join("rows.index"));
        }),
        ("a symlink in place of the data", |rows, outside| {
            std::fs::rename(rows.join("rows.data"), outside.join("rows.data")).unwrap();
            std::os::unix::fs::symlink(outside.join("rows.data"), rows.join("rows.data")).unwrap();
        }),
        ("a folder in place of the data", |rows, _| {
            std::fs::remove_file(rows.join("rows.data")).unwrap();
            std::fs::create_dir(rows.join("rows.data")).unwrap();
            std::fs::write(rows.join("rows.data/inside"), "x").unwrap();
        }),
        ("a symlink in place of the rows' folder", |rows, outside| {
            std::fs::rename(rows, outside.join("rows")).unwrap();
            std::os::unix::fs::symlink(outside.join("rows"), rows).unwrap();
        }),
    ];
    for (step, damage) in damages {
        let (site, rows, all) = kept_rows();
        let root = site.path();
        let outside = tempfile::tempdir().unwrap();
        damage(&rows, outside.path());
        let before = snapshot(outside.path());
        let report = build_after_damage(root, step, "4707", true);
        assert!(report.rows.rendered <= all, "{step}");
        if step == ONE_ROW {
            // The changed record's rows and the damaged row: its neighbours are used.
            assert_eq!(report.rows.rendered, 6 + 1, "{step}: rows rendered");
            // After a damaged row, the earlier builds' rows are made again once.
            let report = build_after_damage(root, &format!("{step}, again"), "4709", false);
            assert!(report.rows.rendered <= all, "{step}, again");
        }
        // Nothing behind a link was written or removed.
        assert_eq!(
            snapshot(outside.path()),
            before,
            "{step}: outside the cache"
        );
        // The cache is whole again: the next build renders only the changed record's rows.
        let report = build_after_damage(root, &format!("{step}, then"), "4708", false);
        assert_eq!(report.rows.rendered, 6, "{step}, then: rows rendered");
        assert!(report.rows.read > 0, "{step}, then: rows read back");
    }
}

#[test]
fn rows_another_build_holds_are_left_alone() {
    let (site, rows, _) = kept_rows();
    let root = site.path();
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(rows.join("rows.lock"))
        .unwrap();
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
    let data = std::fs::read(rows.join("rows.data")).unwrap();
    let index = std::fs::read(rows.join("rows.index")).unwrap();
    let report = build_after_damage(root, "rows held by another build", "4707", true);
    assert!(report.rows.rendered > 6, "rendered without the kept rows");
    assert_eq!(report.rows.read, 0);
    assert_eq!(std::fs::read(rows.join("rows.data")).unwrap(), data);
    assert_eq!(std::fs::read(rows.join("rows.index")).unwrap(), index);
    drop(lock);
    // Once free, the kept rows serve the next build (that phone's rows again: 6).
    let report = build_after_damage(root, "the rows free again", "4708", false);
    assert_eq!(report.rows.rendered, 6);
}

#[test]
fn rows_appended_by_a_killed_build_are_cut_off() {
    let (site, rows, _) = kept_rows();
    let root = site.path();
    // What a build killed after appending rows leaves: more data than the index names.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(rows.join("rows.data"))
        .unwrap();
    std::io::Write::write_all(&mut file, &[0xff; 4096]).unwrap();
    drop(file);
    let report = build_after_damage(root, "rows of a killed build", "4707", false);
    assert_eq!(report.rows.rendered, 6);
}
