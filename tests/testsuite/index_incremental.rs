//! The search index kept between builds (`.zaitaku-cache/search/`, `zaitaku::search::store`):
//! after every edit (a phone changed, records added, renamed and deleted, a page's body, a new
//! page, `site.yaml`, the site's dictionary) the incremental `search-index/` equals a clean
//! build's byte for byte and `zaitaku search` answers the same, while only the changed
//! documents are analysed; and a kept index that is damaged, truncated, a symlink, holds a
//! FIFO or is in use by another run only costs time, with a Japanese warning.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{cache_warnings, copy_tree, site_with, snapshot};
use zaitaku::build::{BuildOptions, BuildReport, build};
use zaitaku::search::SearchArgs;

const INDEX: &str = "search-index";
const STORE: &str = ".zaitaku-cache/search";
const QUERIES: [&str; 7] = [
    "高橋",
    "訪問看護",
    "088-600",
    "索引医院",
    "らくらく",
    "お知らせ",
    "北部 診療所",
];

fn build_site(root: &Path) -> BuildReport {
    build(&BuildOptions {
        root: root.to_path_buf(),
        out: root.join("public"),
        base_url: None,
        today: common::today(),
    })
    .unwrap_or_else(|e| panic!("build failed: {e} {e:?}"))
}

/// The search index of `public/` and what `zaitaku search --json` answers on it.
fn index_and_answers(root: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let answers = QUERIES
        .iter()
        .map(|query| {
            let args = SearchArgs {
                query: vec![(*query).to_owned()],
                json: true,
                limit: 50,
                category: None,
                area: None,
                service: None,
                site: None,
            };
            zaitaku::search::run(root, &args).unwrap()
        })
        .collect();
    (snapshot(&root.join("public").join(INDEX)), answers)
}

/// The same `content/` built from nothing in a new folder.
fn clean(root: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let fresh = tempfile::tempdir().unwrap();
    copy_tree(&root.join("content"), &fresh.path().join("content"));
    build_site(fresh.path());
    index_and_answers(fresh.path())
}

fn assert_like_clean(root: &Path, step: &str) {
    let (index, answers) = index_and_answers(root);
    let (clean_index, clean_answers) = clean(root);
    assert_eq!(
        index.keys().collect::<Vec<_>>(),
        clean_index.keys().collect::<Vec<_>>(),
        "{step}: other files than a clean build's index"
    );
    for (name, bytes) in &index {
        assert!(
            bytes == &clean_index[name],
            "{step}: {name} differs from a clean build's"
        );
    }
    assert_eq!(answers, clean_answers, "{step}: search answers differently");
}

fn clinic(root: &Path, name: &str) -> std::path::PathBuf {
    root.join("content/resources/clinic")
        .join(format!("{name}.yaml"))
}

fn write_record(root: &Path, name: &str, number: u32, kana: &str) {
    std::fs::write(
        clinic(root, name),
        format!(
            "name: 索引医院 {kana}{number}\nkana: さくいんいいん{kana}\ncategory: clinic\narea: north\naddress: 徳島市索引町{number}番地\nphone: 088-655-{number:04}\nverified: 2026-04-01\n"
        ),
    )
    .unwrap();
}

/// How many documents the last build analysed (`None`: the index was reused whole).
fn analysed(report: &BuildReport) -> Option<usize> {
    report.search.map(|search| search.analysed)
}

#[test]
fn every_edit_leaves_the_index_equal_to_a_clean_one() {
    let site = site_with(None);
    let root = site.path();
    for (number, kana) in [(1, "あ"), (2, "か"), (3, "さくら"), (4, "た"), (5, "な")] {
        write_record(root, &format!("idx-{number}"), number, kana);
    }
    let first = build_site(root);
    let documents = first
        .search
        .expect("a first build writes the index")
        .documents;
    assert_like_clean(root, "first build");

    type Edit = fn(&Path);
    let edits: [(&str, Edit, Option<usize>); 9] = [
        (
            "a phone changed",
            |root| {
                let path = clinic(root, "takahashi-naika");
                let text = std::fs::read_to_string(&path).unwrap();
                std::fs::write(&path, text.replace("088-600-1234", "088-600-4321")).unwrap();
            },
            Some(1),
        ),
        (
            "a record added",
            |root| write_record(root, "idx-6", 6, "は"),
            Some(1),
        ),
        (
            "a record renamed (its id and address change)",
            |root| std::fs::rename(clinic(root, "idx-2"), clinic(root, "idx-9")).unwrap(),
            Some(1),
        ),
        (
            "a record deleted",
            |root| std::fs::remove_file(clinic(root, "idx-4")).unwrap(),
            Some(0),
        ),
        (
            "a page's body changed",
            |root| {
                let path = root.join("content/news/opening.md");
                let mut text = std::fs::read_to_string(&path).unwrap();
                text.push_str("\n訪問看護の相談会も開きます。\n");
                std::fs::write(&path, text).unwrap();
            },
            Some(1),
        ),
        (
            "a page added",
            |root| {
                std::fs::write(
                    root.join("content/news/idx-news.md"),
                    "---\ntitle: 索引のお知らせ\ndate: 2026-10-03\n---\nらくらく相談の日です。\n",
                )
                .unwrap();
            },
            Some(1),
        ),
        (
            "site.yaml changed (a category's label)",
            |root| {
                let path = root.join("content/site.yaml");
                let text = std::fs::read_to_string(&path).unwrap();
                std::fs::write(&path, text.replace("label: 診療所", "label: 診療所・医院"))
                    .unwrap();
            },
            None,
        ),
        (
            "the site's dictionary changed",
            |root| {
                let path = root.join("content/dictionary.csv");
                let mut text = std::fs::read_to_string(&path).unwrap();
                text.push_str("らくらく相談,名詞,ラクラクソウダン\n");
                std::fs::write(&path, text).unwrap();
            },
            None,
        ),
        (
            "a name changed (its place in 五十音 order moves)",
            |root| {
                let path = clinic(root, "idx-1");
                let text = std::fs::read_to_string(&path).unwrap();
                std::fs::write(
                    &path,
                    text.replace("name: 索引医院 あ1", "name: 索引医院 わ1")
                        .replace("kana: さくいんいいんあ", "kana: さくいんいいんわ"),
                )
                .unwrap();
            },
            Some(1),
        ),
    ];
    for (step, edit, expected) in edits {
        edit(root);
        let report = build_site(root);
        assert!(
            cache_warnings(&report).is_empty(),
            "{step}: a sound cache gives no warning: {:?}",
            report.diagnostics
        );
        assert_like_clean(root, step);
        match expected {
            Some(expected) => assert_eq!(
                analysed(&report),
                Some(expected),
                "{step}: only the changed documents are analysed"
            ),
            // A category's label is in every facility of it; the dictionary in every document.
            None => assert!(
                analysed(&report).is_some_and(|n| n > 1 && n <= documents + 2),
                "{step}: {:?}",
                analysed(&report)
            ),
        }
    }
    // Random edits after those, with a fixed seed.
    let mut rng = fastrand::Rng::with_seed(20261127);
    for round in 0..10u32 {
        let number = 10 + round;
        let step = match rng.u32(0..4) {
            0 => {
                write_record(root, &format!("idx-{number}"), number, "ま");
                format!("random {round}: add idx-{number}")
            }
            1 => {
                let phone = format!("088-655-{:04}", rng.u32(0..10_000));
                set_phone(root, "idx-3", &phone);
                format!("random {round}: phone: {phone}")
            }
            2 => {
                let path = root.join("content/news/idx-news.md");
                let body = format!(
                    "---\ntitle: 索引のお知らせ {round}\ndate: 2026-10-0{}\n---\n本文 {round}。\n",
                    1 + rng.u32(0..9)
                );
                std::fs::write(&path, body).unwrap();
                format!("random {round}: the news page changed")
            }
            _ => {
                let records: Vec<_> = std::fs::read_dir(root.join("content/resources/clinic"))
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|p| {
                        p.file_name()
                            .unwrap()
                            .to_string_lossy()
                            .starts_with("idx-1")
                    })
                    .collect();
                match rng.choice(&records) {
                    Some(path) => {
                        std::fs::remove_file(path).unwrap();
                        format!("random {round}: {} deleted", path.display())
                    }
                    None => format!("random {round}: nothing to delete"),
                }
            }
        };
        let report = build_site(root);
        assert!(cache_warnings(&report).is_empty(), "{step}");
        assert_like_clean(root, &step);
    }
}

/// A site built once (its index kept), then one phone changed so the next build updates it.
fn built_and_edited() -> tempfile::TempDir {
    let site = site_with(None);
    build_site(site.path());
    assert!(site.path().join(STORE).join("index/meta.json").is_file());
    let path = clinic(site.path(), "takahashi-naika");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("088-600-1234", "088-600-9876")).unwrap();
    site
}

/// The largest file of the kept tantivy index.
fn largest_index_file(root: &Path) -> std::path::PathBuf {
    std::fs::read_dir(root.join(STORE).join("index"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap()
}

#[test]
fn a_damaged_or_hostile_index_cache_only_costs_time() {
    for damage in [
        "truncated",
        "a byte changed",
        "manifest garbage",
        "packed files damaged",
        "fifo",
        "symlinked folder",
        "symlinked index folder",
    ] {
        let site = built_and_edited();
        let root = site.path();
        let store = root.join(STORE);
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::write(elsewhere.path().join("meta.json"), "よその大事なファイル").unwrap();
        match damage {
            "truncated" => {
                let file = largest_index_file(root);
                let bytes = std::fs::read(&file).unwrap();
                std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
            }
            "a byte changed" => {
                let file = largest_index_file(root);
                let mut bytes = std::fs::read(&file).unwrap();
                let middle = bytes.len() / 2;
                bytes[middle] ^= 0x5a;
                std::fs::write(&file, bytes).unwrap();
            }
            "manifest garbage" => {
                std::fs::write(store.join("search.json"), "\u{0}{[ これは違います").unwrap();
            }
            "packed files damaged" => {
                let file = store.join("search-packed.bin");
                let mut bytes = std::fs::read(&file).unwrap();
                let middle = bytes.len() / 2;
                bytes[middle] ^= 0x5a;
                std::fs::write(&file, bytes).unwrap();
            }
            "fifo" => {
                common::mkfifo(&store.join("index").join("extra.idx"));
            }
            "symlinked folder" => {
                std::fs::remove_dir_all(&store).unwrap();
                std::os::unix::fs::symlink(elsewhere.path(), &store).unwrap();
            }
            _ => {
                std::fs::remove_dir_all(store.join("index")).unwrap();
                std::os::unix::fs::symlink(elsewhere.path(), store.join("index")).unwrap();
            }
        }
        let outside = snapshot(elsewhere.path());
        let report = build_site(root);
        let warnings = cache_warnings(&report);
        assert_eq!(warnings.len(), 1, "{damage}: {warnings:?}");
        assert!(
            warnings[0].contains("検索インデックス"),
            "{damage}: {}",
            warnings[0]
        );
        assert!(
            warnings[0].contains(".zaitaku-cache"),
            "{damage}: {}",
            warnings[0]
        );
        assert_like_clean(root, damage);
        assert_eq!(
            snapshot(elsewhere.path()),
            outside,
            "{damage}: nothing written or removed through a link"
        );
        // The next build has a sound cache again, and analyses only what changed.
        let path = clinic(root, "takahashi-naika");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("088-600-9876", "088-600-1111")).unwrap();
        let report = build_site(root);
        assert!(
            cache_warnings(&report).is_empty(),
            "{damage}: {:?}",
            report.diagnostics
        );
        assert_eq!(analysed(&report), Some(1), "{damage}");
        assert_like_clean(root, &format!("{damage}, then one more change"));
    }
}

/// Two builds at once: the second finds the kept index in use, leaves it alone and makes its
/// own in memory.
#[test]
fn an_index_cache_in_use_by_another_run_is_left_alone() {
    let site = built_and_edited();
    let root = site.path();
    let store = root.join(STORE);
    let lock = std::fs::File::open(store.join("search.lock")).unwrap();
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let before = snapshot(&store);
    let report = build_site(root);
    let warnings = cache_warnings(&report);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("別の zaitaku"), "{}", warnings[0]);
    assert_eq!(snapshot(&store), before, "the index in use is not touched");
    assert_like_clean(root, "cache in use");
    drop(lock);
    // The kept index is still the first build's: the next build brings it up to date.
    let path = clinic(root, "takahashi-naika");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("088-600-9876", "088-600-5555")).unwrap();
    let report = build_site(root);
    assert!(cache_warnings(&report).is_empty());
    assert_eq!(analysed(&report), Some(1));
    assert_like_clean(root, "after the other run");
}

/// A clinic with its whole reading given (its place in 五十音 order).
fn write_kana(root: &Path, name: &str, number: u32, kana: &str) {
    std::fs::write(
        clinic(root, name),
        format!(
            "name: 順番医院 {number}\nkana: {kana}\ncategory: clinic\narea: north\naddress: 徳島市順番町{number}番地\nphone: 088-677-{number:04}\nverified: 2026-04-01\n"
        ),
    )
    .unwrap();
}

fn set_phone(root: &Path, name: &str, phone: &str) {
    common::set_field(&clinic(root, name), "phone", phone);
}

/// Term chunks the last build encoded, and how many it wrote.
fn encoded(report: &BuildReport) -> (usize, usize) {
    let search = report.search.expect("the index was updated");
    (search.encoded, search.chunks)
}

#[test]
fn only_the_term_chunks_that_changed_are_encoded_again() {
    let site = site_with(None);
    let root = site.path();
    let kana = [
        "か", "き", "く", "け", "こ", "さ", "し", "す", "せ", "そ", "た", "ち",
    ];
    for number in 0..144u32 {
        let reading = format!(
            "じゅんばん{}{}",
            kana[number as usize / 12],
            kana[number as usize % 12]
        );
        write_kana(root, &format!("order-{number}"), number, &reading);
    }
    write_kana(root, "order-front", 900, "ああ");
    let first = build_site(root);
    let (_, chunks) = encoded(&first);
    assert!(chunks > 40, "a site of many term chunks ({chunks})");
    assert_like_clean(root, "first build");
    let packed_before = std::fs::read(root.join(STORE).join("search-packed.bin")).unwrap();

    type Edit = fn(&Path);
    // (step, edit, documents analysed, whether only some term chunks are encoded (`None`: it
    // depends on where chunks end: a changed phone's terms come first in the term order, and
    // the chunks after them may end elsewhere all the way down))
    let edits: [(&str, Edit, usize, Option<bool>); 9] = [
        (
            "a note added to one record (a few words of its own)",
            |root| {
                let path = clinic(root, "order-70");
                let mut text = std::fs::read_to_string(&path).unwrap();
                text.push_str("note: 珍獣の往診も相談できます。\n");
                std::fs::write(&path, text).unwrap();
            },
            1,
            Some(true),
        ),
        (
            "one phone changed (its terms only)",
            |root| set_phone(root, "order-50", "088-677-9050"),
            1,
            None,
        ),
        (
            "a phone changed to one whose terms all exist (postings only)",
            |root| set_phone(root, "order-51", "088-677-0052"),
            1,
            None,
        ),
        (
            "many edits in one build",
            |root| {
                for number in [3u32, 17, 40, 41, 77, 90, 101, 120, 133, 143] {
                    set_phone(
                        root,
                        &format!("order-{number}"),
                        &format!("088-688-{number:04}"),
                    );
                }
            },
            10,
            None,
        ),
        (
            "an edit, then the kept export's record from two builds ago (a build killed after \
             the index was saved, before its export was)",
            |root| set_phone(root, "order-52", "088-677-9052"),
            1,
            Some(false),
        ),
        (
            "a rename that moves a document in 五十音 order",
            |root| {
                let path = clinic(root, "order-10");
                let text = std::fs::read_to_string(&path).unwrap();
                std::fs::write(
                    &path,
                    text.replace("kana: じゅんばんかた", "kana: じゅんばんちち"),
                )
                .unwrap();
            },
            1,
            Some(false),
        ),
        (
            "a delete at the front",
            |root| std::fs::remove_file(clinic(root, "order-front")).unwrap(),
            0,
            Some(false),
        ),
        (
            "an add at the end of the facilities",
            |root| write_kana(root, "order-end", 901, "んんん"),
            1,
            Some(false),
        ),
        (
            "a record removed and another added in its place",
            |root| {
                std::fs::remove_file(clinic(root, "order-60")).unwrap();
                write_kana(root, "order-60b", 960, "じゅんばんさか");
            },
            1,
            None,
        ),
    ];
    for (step, edit, analysed_now, partial) in edits {
        edit(root);
        if step.starts_with("an edit, then the kept export's record") {
            // The index is this build's, the record of the export an older one's: it must not
            // be amended from that record.
            build_site(root);
            std::fs::write(root.join(STORE).join("search-packed.bin"), &packed_before).unwrap();
            set_phone(root, "order-52", "088-677-8052");
        }
        let report = build_site(root);
        assert!(
            cache_warnings(&report).is_empty(),
            "{step}: a sound cache gives no warning: {:?}",
            report.diagnostics
        );
        assert_like_clean(root, step);
        assert_eq!(analysed(&report), Some(analysed_now), "{step}");
        let (encoded, chunks) = encoded(&report);
        assert!(encoded <= chunks, "{step}: {encoded} of {chunks}");
        match partial {
            Some(true) => assert!(
                encoded > 0 && encoded < chunks,
                "{step}: {encoded} of {chunks} term chunks encoded"
            ),
            Some(false) => {
                assert_eq!(
                    encoded, chunks,
                    "{step}: the numbers moved, every chunk is encoded"
                )
            }
            None => {}
        }
    }
}

/// Facilities whose document keys the last build's export gave (their records unchanged).
fn reused_keys(report: &BuildReport) -> usize {
    report.search.expect("the index was written").reused_keys
}

#[test]
fn unchanged_facilities_are_not_made_into_documents_again() {
    let site = site_with(None);
    let root = site.path();
    for number in 0..12u32 {
        write_record(root, &format!("reuse-{number}"), number, "さいよう");
    }
    build_site(root);
    let facilities = std::fs::read_dir(root.join("content/resources"))
        .unwrap()
        .flat_map(|kind| std::fs::read_dir(kind.unwrap().path()).unwrap())
        .filter(|f| {
            f.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|e| e == "yaml")
        })
        .count();

    // One phone: every other facility's key comes from the last export.
    set_phone(root, "reuse-5", "088-677-5555");
    let report = build_site(root);
    assert_like_clean(root, "one phone changed");
    assert_eq!(reused_keys(&report), facilities - 1, "one phone changed");
    assert_eq!(analysed(&report), Some(1), "one phone changed");

    // The site's areas in another order: every facility's area number may change, so none is
    // taken from the last export.
    let site_yaml = root.join("content/site.yaml");
    let text = std::fs::read_to_string(&site_yaml).unwrap();
    let north = "  - { key: north, label: 北部 }\n";
    let south = "  - { key: south-east, label: 南東部 }\n";
    assert!(
        text.contains(&format!("{north}{south}")),
        "the fixture's areas"
    );
    std::fs::write(
        &site_yaml,
        text.replace(&format!("{north}{south}"), &format!("{south}{north}")),
    )
    .unwrap();
    let report = build_site(root);
    assert_like_clean(root, "areas reordered");
    assert_eq!(reused_keys(&report), 0, "areas reordered");

    // A record moved in 五十音 order and a record added: the others keep their keys.
    std::fs::write(
        clinic(root, "reuse-3"),
        std::fs::read_to_string(clinic(root, "reuse-3"))
            .unwrap()
            .replace("kana: さくいんいいんさいよう", "kana: んさくいんいいん"),
    )
    .unwrap();
    write_record(root, "reuse-new", 40, "あたらしい");
    let report = build_site(root);
    assert_like_clean(root, "a record moved and one added");
    assert_eq!(
        reused_keys(&report),
        facilities - 1,
        "a record moved and one added"
    );

    // A damaged kept export only costs time: nothing is taken from it.
    let packed = root.join(STORE).join("search-packed.bin");
    let mut bytes = std::fs::read(&packed).unwrap();
    let last = bytes.len() - 40;
    bytes[last] ^= 0x01;
    std::fs::write(&packed, bytes).unwrap();
    set_phone(root, "reuse-7", "088-677-7777");
    let report = build_site(root);
    assert_eq!(cache_warnings(&report).len(), 1, "{:?}", report.diagnostics);
    assert!(cache_warnings(&report)[0].contains(".zaitaku-cache"));
    assert_eq!(reused_keys(&report), 0, "a damaged kept export");
    assert_like_clean(root, "a damaged kept export");
}
