//! Reused files of the previous site: a file the build cache knows by its stamp (device, inode,
//! size, modification and change time) is linked without being read; any file that is not
//! exactly the one stamped — edited by hand with its size and times put back, replaced by a
//! link or a FIFO, in a copy of the site, shared with what a killed build left — is read and
//! checked as before, and the site equals a clean build.

use crate::common;
use crate::incremental::{assert_same_tree, built_site, clean_build, options, without_hanging};

use std::path::Path;

use common::snapshot;
use zaitaku::build::{BuildReport, build};

const PAGE: &str = "public/resources/takahashi-naika/index.html";

fn rebuild(root: &Path) -> BuildReport {
    build(&options(root, &root.join("public"), common::today())).unwrap()
}

/// Whether the temporary folders are on a file system whose change times zaitaku trusts
/// (`cache::STAMPED_FILE_SYSTEMS`): tmpfs, ext2/3/4, XFS, Btrfs, overlayfs.
fn stamps_trusted(dir: &Path) -> bool {
    // `f_type`'s integer type differs between architectures.
    #[allow(clippy::unnecessary_cast)]
    let kind = rustix::fs::statfs(dir).unwrap().f_type as i64;
    [0x0102_1994, 0xEF53, 0x5846_5342, 0x9123_683E, 0x794C_7630].contains(&kind)
}

/// A site built twice: the second build reused every page, by their stamps.
fn site_built_twice() -> tempfile::TempDir {
    let site = built_site();
    let report = rebuild(site.path());
    assert_eq!(report.rendered, 0);
    if stamps_trusted(site.path()) {
        assert_eq!(
            report.hashed, 0,
            "every file of the first build is known by its stamp"
        );
    }
    site
}

/// The site's `public/` is what a clean build of its content writes.
fn assert_like_a_clean_build(root: &Path, step: &str) {
    assert_same_tree(
        &snapshot(&root.join("public")),
        &clean_build(root, common::today()),
        step,
    );
}
#[test]
fn an_unchanged_site_is_reused_by_its_stamps_build_after_build() {
    let site = site_built_twice();
    let root = site.path();
    let report = rebuild(root);
    assert_eq!(report.rendered, 0);
    if stamps_trusted(root) {
        assert_eq!(report.hashed, 0, "linked files are stamped again");
    }
    assert_like_a_clean_build(root, "third build");
}

/// The case the stamp's change time is for: same size, same modification time, other bytes.
#[test]
fn a_page_edited_by_hand_with_its_size_and_time_put_back_is_rendered_again() {
    let site = site_built_twice();
    let root = site.path();
    let page = root.join(PAGE);
    let original = std::fs::read(&page).unwrap();
    let modified = std::fs::metadata(&page).unwrap().modified().unwrap();
    let mut changed = original.clone();
    let at = changed.len() / 2;
    changed[at] = if changed[at] == b'x' { b'y' } else { b'x' };
    // Written in place (the same inode), then `touch -d` back to the time it had.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&page)
        .and_then(|mut file| std::io::Write::write_all(&mut file, &changed))
        .unwrap();
    std::fs::File::options()
        .write(true)
        .open(&page)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let after = std::fs::metadata(&page).unwrap();
    assert_eq!(after.len() as usize, original.len());
    assert_eq!(after.modified().unwrap(), modified);

    let report = rebuild(root);
    assert_eq!(report.rendered, 1, "the edited page is made again");
    assert!(report.hashed >= 1);
    assert_eq!(std::fs::read(&page).unwrap(), original);
    assert_like_a_clean_build(root, "edited page");
    // And the page made again is known by its stamp next time.
    let report = rebuild(root);
    assert_eq!(report.rendered, 0);
    if stamps_trusted(root) {
        assert_eq!(report.hashed, 0);
    }
}

/// A page replaced by a link to a file with the very same bytes, or by a FIFO: not a file
/// zaitaku made, so the build stops and names it (nothing followed or opened, nothing
/// changed); once it is a plain file again, with other bytes but the size and time of the
/// stamped one, the page is made again.
#[test]
fn a_page_replaced_by_a_symlink_or_a_fifo_is_refused_then_rendered_again() {
    for replacement in ["symlink", "fifo"] {
        let site = site_built_twice();
        let root = site.path().to_path_buf();
        let page = root.join(PAGE);
        let original = std::fs::read(&page).unwrap();
        let modified = std::fs::metadata(&page).unwrap().modified().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let copy = elsewhere.path().join("copy.html");
        std::fs::write(&copy, &original).unwrap();
        std::fs::remove_file(&page).unwrap();
        match replacement {
            "symlink" => std::os::unix::fs::symlink(&copy, &page).unwrap(),
            _ => common::mkfifo(&page),
        }
        let before = snapshot_kinds(&root.join("public"));
        let refused = {
            let root = root.clone();
            without_hanging(replacement, move || {
                build(&options(&root, &root.join("public"), common::today())).unwrap_err()
            })
        }
        .to_string();
        assert!(refused.contains("takahashi-naika/index.html"), "{refused}");
        assert_eq!(
            snapshot_kinds(&root.join("public")),
            before,
            "{replacement}"
        );
        assert_eq!(std::fs::read(&copy).unwrap(), original, "{replacement}");

        std::fs::remove_file(&page).unwrap();
        let mut other = original.clone();
        let at = other.len() / 2;
        other[at] = if other[at] == b'x' { b'y' } else { b'x' };
        std::fs::write(&page, &other).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&page)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        let report = rebuild(&root);
        assert_eq!(report.rendered, 1, "{replacement}");
        assert_eq!(std::fs::read(&page).unwrap(), original, "{replacement}");
        assert_same_tree(
            &snapshot(&root.join("public")),
            &clean_build(&root, common::today()),
            replacement,
        );
    }
}

/// Another file with the very same bytes put in the page's place (a new inode): not the
/// stamped file, so it is read, found equal, and linked.
#[test]
fn a_page_replaced_by_an_equal_file_is_read_and_reused() {
    let site = site_built_twice();
    let root = site.path();
    let page = root.join(PAGE);
    let bytes = std::fs::read(&page).unwrap();
    let beside = page.with_file_name("index.html.new");
    std::fs::write(&beside, &bytes).unwrap();
    std::fs::rename(&beside, &page).unwrap();
    let report = rebuild(root);
    assert_eq!(report.rendered, 0);
    if stamps_trusted(root) {
        assert_eq!(report.hashed, 1, "only the replaced page is read");
    }
    assert_like_a_clean_build(root, "equal file");
}

/// Every entry of a folder with its kind (a link's target, a FIFO never opened).
fn snapshot_kinds(dir: &Path) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| {
            let entry = entry.unwrap();
            let path = entry.path();
            let kind = entry.file_type();
            let what = if kind.is_symlink() {
                format!("link {}", std::fs::read_link(path).unwrap().display())
            } else if kind.is_file() {
                format!(
                    "file {}",
                    zaitaku::build::cache::hash(&std::fs::read(path).unwrap())
                )
            } else if kind.is_dir() {
                "folder".to_owned()
            } else {
                "other".to_owned()
            };
            (path.strip_prefix(dir).unwrap().display().to_string(), what)
        })
        .collect();
    entries.sort();
    entries
}

/// `cp -a` keeps the modification times but not the inodes or change times: a copy of the
/// site (cache and all) builds a clean site, and so does the original afterwards.
#[test]
fn a_copy_of_the_site_made_with_cp_a_builds_the_same_site() {
    let site = site_built_twice();
    let root = site.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("site");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(root)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    // A page of the copy edited with its size and time put back: never the stamped file.
    let page = copy.join(PAGE);
    let modified = std::fs::metadata(&page).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(&page).unwrap();
    let at = bytes.len() / 3;
    bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
    std::fs::write(&page, &bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&page)
        .unwrap()
        .set_modified(modified)
        .unwrap();

    let report = rebuild(&copy);
    assert!(common::cache_warnings(&report).is_empty(), "{report:?}");
    let clean = clean_build(root, common::today());
    assert_same_tree(&snapshot(&copy.join("public")), &clean, "copy");
    let report = rebuild(root);
    assert_eq!(report.rendered, 0);
    assert_same_tree(&snapshot(&root.join("public")), &clean, "original");
}

/// What a build killed during its commit leaves: the previous site under a staging folder's
/// name (whose owner is gone) beside the new one, sharing its unchanged files, and the cache
/// of the build before (the new one was not saved yet). The next build removes the folder
/// (which changes the change time of every file it shared) and equals a clean build.
#[test]
fn after_a_build_killed_during_its_commit_the_next_build_equals_a_clean_build() {
    let site = site_built_twice();
    let root = site.path();
    let cache = root.join(".zaitaku-cache/build.json");
    let older_cache = std::fs::read(&cache).unwrap();
    let record = root.join("content/resources/clinic/takahashi-naika.yaml");
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(&record, text.replacen("name: ", "name: 新", 1)).unwrap();
    let report = rebuild(root);
    assert!(report.rendered >= 1);
    // Killed after the swap: the old site half removed under the staging name, the cache of
    // the build before still in place.
    let leftover = root.join(format!(
        "{}{}killed",
        zaitaku::output::STAGING_PREFIX,
        common::dead_owner()
    ));
    let status = std::process::Command::new("cp")
        .arg("-al")
        .arg(root.join("public"))
        .arg(&leftover)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_dir_all(leftover.join("resources")).unwrap();
    std::fs::write(&cache, older_cache).unwrap();

    let report = rebuild(root);
    assert!(!leftover.exists(), "the killed build's folder is removed");
    assert!(report.hashed > 0, "files it shared are read again");
    assert_like_a_clean_build(root, "after a killed commit");
    let report = rebuild(root);
    assert_eq!(report.rendered, 0);
}
