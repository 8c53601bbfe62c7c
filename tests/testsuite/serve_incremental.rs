//! `zaitaku serve` brings its folder up to date after each save by writing only what changed
//! (`build::live`): after every save, once the pages and then the booklets and the search
//! index are in place, the served folder is byte for byte what a clean `zaitaku build` of the
//! same content writes (with the preview's address as `--base-url`). A broken record keeps the
//! previous site and shows the error; fixing it brings the site up to date again.

use crate::common;
use crate::serve::{Events, get, get_when, start};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{mkfifo, site_with, snapshot, today};
use zaitaku::build::{BuildOptions, build};

/// A clean build of `site`'s content and theme, in a new folder, as the preview would show it.
fn clean_build(site: &Path, port: u16) -> BTreeMap<String, Vec<u8>> {
    let fresh = common::fresh_copy(site);
    let out = fresh.path().join("public");
    build(&BuildOptions {
        root: fresh.path().to_path_buf(),
        out: out.clone(),
        base_url: Some(format!("http://127.0.0.1:{port}/")),
        today: today(),
    })
    .unwrap();
    let mut tree = snapshot(&out);
    // The marker that says a folder is a site zaitaku made is `zaitaku build`'s own.
    tree.retain(|name, _| !name.starts_with(".zaitaku"));
    tree
}

/// The first file that differs, or the names that are only on one side.
fn difference(
    served: &BTreeMap<String, Vec<u8>>,
    clean: &BTreeMap<String, Vec<u8>>,
) -> Option<String> {
    let only = |a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>| {
        a.keys()
            .filter(|name| !b.contains_key(*name))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (extra, missing) = (only(served, clean), only(clean, served));
    if !extra.is_empty() || !missing.is_empty() {
        return Some(format!(
            "only served: {extra:?}; only in the clean build: {missing:?}"
        ));
    }
    served
        .iter()
        .find(|(name, bytes)| clean[*name] != **bytes)
        .map(|(name, bytes)| {
            format!(
                "{name} differs:\n--- served\n{}\n--- clean\n{}",
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&clean[name])
            )
        })
}

/// Waits until the served folder is the clean build (its background work may still be
/// running when the pages have reloaded); fails with the difference when it is not by a
/// generous deadline (a hang, not a speed).
fn assert_settles_to(served: &Path, clean: &BTreeMap<String, Vec<u8>>, step: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let difference = difference(&snapshot(served), clean);
        match difference {
            None => return,
            Some(difference) if Instant::now() > deadline => {
                panic!("{step}: the served folder is not what a clean build writes: {difference}")
            }
            Some(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// The folder the preview serves: `site` in its scratch folder.
fn served_folder(scratch: &Path) -> PathBuf {
    scratch.join("site")
}

#[test]
fn every_save_leaves_the_served_folder_equal_to_a_clean_build() {
    let site = site_with(None);
    let root = site.path();
    let server = start(root, &[]);
    let port = server.port;
    let served = served_folder(server.scratch.as_deref().expect("a scratch folder"));
    let mut events = Events::open(port);
    let mut generation = events.next();
    assert_settles_to(&served, &clean_build(root, port), "first build");

    let resources = root.join("content/resources");
    let takahashi = resources.join("clinic/takahashi-naika.yaml");
    let original = std::fs::read_to_string(&takahashi).unwrap();
    let mut save = |step: &str, change: &dyn Fn()| {
        change();
        let next = events.next();
        assert!(next > generation, "{step}: a reload after the save");
        generation = next;
        let (status, page) = get(port, "/");
        assert_eq!(status, 200, "{step}: {page}");
        assert_settles_to(&served, &clean_build(root, port), step);
    };

    save("a phone number", &|| {
        std::fs::write(&takahashi, original.replace("088-600-1234", "088-600-4699")).unwrap();
    });
    let (_, page) = get(port, "/resources/takahashi-naika/");
    assert!(page.contains("088-600-4699"), "{page}");
    save("another category (from one listing to another)", &|| {
        let text = std::fs::read_to_string(&takahashi).unwrap();
        std::fs::write(
            &takahashi,
            text.replace("category: clinic", "category: home-nursing"),
        )
        .unwrap();
    });
    let renamed = resources.join("clinic/takahashi-clinic.yaml");
    save("a renamed file (the page moves)", &|| {
        std::fs::rename(&takahashi, &renamed).unwrap();
    });
    save("a deleted record", &|| {
        std::fs::remove_file(resources.join("home-nursing/aoba.yaml")).unwrap();
    });
    let added = resources.join("home-nursing/midori.yaml");
    save("a new record", &|| {
        std::fs::write(
            &added,
            "name: 訪問看護ステーションみどり\nkana: ホウモンカンゴステーションミドリ\ncategory: home-nursing\narea: north\naddress: 徳島市川内町加賀須野2番地\nphone: 088-600-3333\nservices: [24h]\nverified: 2026-10-01\n",
        )
        .unwrap();
    });

    // A broken record: the error is shown and the served folder keeps the previous site.
    let before = snapshot(&served);
    let good = std::fs::read_to_string(&added).unwrap();
    std::fs::write(
        &added,
        good.replace("phone: 088-600-3333", "phone: 088-600"),
    )
    .unwrap();
    // Not the next event: its reload may be the one of the new record's second half.
    let (status, error) = get_when(port, "/resources/midori/", |status, page| {
        status == 500 && page.contains("項目「phone」")
    });
    assert_eq!(status, 500, "{error}");
    assert!(
        error.contains("content/resources/home-nursing/midori.yaml"),
        "{error}"
    );
    assert!(error.contains("直し方:"), "{error}");
    assert_eq!(
        difference(&snapshot(&served), &before),
        None,
        "a broken record changes nothing in the served folder"
    );
    let mut save = |step: &str, change: &dyn Fn()| {
        change();
        let next = events.next();
        assert!(next > generation, "{step}: a reload after the save");
        generation = next;
        assert_settles_to(&served, &clean_build(root, port), step);
    };
    save("the broken record fixed", &|| {
        std::fs::write(&added, &good).unwrap();
    });
    save("a news item", &|| {
        std::fs::write(
            root.join("content/news/2026-11-20-kyuujitsu.md"),
            "---\ntitle: 年末年始の相談窓口\ndate: 2026-11-20\n---\n年末年始も電話で相談を受け付けます。\n",
        )
        .unwrap();
    });
    save("a record saved twice in a row", &|| {
        std::fs::write(&renamed, original.replace("088-600-1234", "088-600-4611")).unwrap();
        std::fs::write(&renamed, original.replace("088-600-1234", "088-600-4622")).unwrap();
    });
    let (_, page) = get(port, "/resources/takahashi-clinic/");
    assert!(page.contains("088-600-4622"), "{page}");
}

/// Saves the preview can judge from the watcher's paths alone, and the ones it must walk
/// `content/` for (a folder renamed, a record replaced by a FIFO or a link, a duplicate id
/// and its partner removed): after each, the served folder is a clean build's.
#[test]
fn structural_and_hostile_saves_leave_the_served_folder_equal_to_a_clean_build() {
    let site = site_with(None);
    let root = site.path();
    let server = start(root, &[]);
    let port = server.port;
    let served = served_folder(server.scratch.as_deref().expect("a scratch folder"));
    let mut events = Events::open(port);
    let mut generation = events.next();
    assert_settles_to(&served, &clean_build(root, port), "first build");

    let resources = root.join("content/resources");
    let takahashi = resources.join("clinic/takahashi-naika.yaml");
    let original = std::fs::read_to_string(&takahashi).unwrap();
    let mut reloaded = |step: &str| {
        let next = events.next();
        assert!(next > generation, "{step}: a reload after the save");
        generation = next;
    };

    // A record with the same id in another folder: an error, the site stays as it was.
    let before = snapshot(&served);
    let same_id = resources.join("home-nursing/takahashi-naika.yaml");
    std::fs::write(&same_id, original.replace("088-600-1234", "088-600-5555")).unwrap();
    reloaded("a duplicate id");
    let (status, error) = get_when(port, "/", |status, page| {
        status == 500 && page.contains("ID「takahashi-naika」")
    });
    assert_eq!(status, 500);
    assert!(error.contains("ID「takahashi-naika」"), "{error}");
    assert_eq!(difference(&snapshot(&served), &before), None);
    // Its partner renamed away: both records are published.
    let partner = resources.join("clinic/takahashi-naika-2.yaml");
    std::fs::rename(&takahashi, &partner).unwrap();
    reloaded("the partner renamed");
    assert_settles_to(&served, &clean_build(root, port), "the partner renamed");
    // The duplicate removed: only the partner's page is left.
    std::fs::remove_file(&same_id).unwrap();
    reloaded("the duplicate removed");
    assert_settles_to(&served, &clean_build(root, port), "the duplicate removed");

    // A page added, then removed.
    let news = root.join("content/news/2026-11-20-kyuujitsu.md");
    std::fs::write(
        &news,
        "---\ntitle: 年末年始の相談窓口\ndate: 2026-11-20\n---\n年末年始も電話で相談を受け付けます。\n",
    )
    .unwrap();
    reloaded("a page added");
    assert_settles_to(&served, &clean_build(root, port), "a page added");
    std::fs::remove_file(&news).unwrap();
    reloaded("a page removed");
    assert_settles_to(&served, &clean_build(root, port), "a page removed");

    // A folder renamed: its records move with it (their pages stay at their ids).
    let folder = resources.join("home-nursing");
    let renamed = resources.join("nursing");
    std::fs::rename(&folder, &renamed).unwrap();
    reloaded("a folder renamed");
    assert_settles_to(&served, &clean_build(root, port), "a folder renamed");

    // A record replaced by a FIFO: a warning, never opened; the record is gone.
    let aoba = renamed.join("aoba.yaml");
    let aoba_text = std::fs::read_to_string(&aoba).unwrap();
    std::fs::remove_file(&aoba).unwrap();
    mkfifo(&aoba);
    reloaded("a FIFO");
    assert_settles_to(&served, &clean_build(root, port), "a FIFO");
    // Then by a link to a record file inside content/: the record is back at its id.
    let kept = renamed.join("aoba-saved.yaml.txt");
    std::fs::write(&kept, &aoba_text).unwrap();
    std::fs::remove_file(&aoba).unwrap();
    std::os::unix::fs::symlink("../clinic/takahashi-naika-2.yaml", &aoba).unwrap();
    reloaded("a link");
    assert_settles_to(&served, &clean_build(root, port), "a link");
    // The link's target saved: the record behind the link changes too.
    std::fs::write(&partner, original.replace("088-600-1234", "088-600-4633")).unwrap();
    reloaded("the link's target saved");
    assert_settles_to(&served, &clean_build(root, port), "the link's target saved");
    let (_, page) = get(port, "/resources/aoba/");
    assert!(page.contains("088-600-4633"), "{page}");
}
