//! The preview's model of `content/` (`content::reparse::Model`) is brought up to date in place
//! from the watcher's paths; after every edit its content and diagnostics must be exactly what
//! a whole load of the same files gives (same records in the same order, same messages), and
//! the edits that can be judged from their paths alone must not walk `content/`.

use crate::common;

use std::path::{Path, PathBuf};

use common::{site_with, today};
use zaitaku::content::reparse::{Changes, Model};
use zaitaku::diagnostics::Diagnostic;
use zaitaku::timings::Timings;

const BASE_URL: &str = "http://127.0.0.1:1/";

/// A whole load of `root`, as the preview would see it: its content (printed) and sorted
/// diagnostics.
fn whole_load(root: &Path) -> (Option<String>, Vec<Diagnostic>) {
    let loaded = zaitaku::content::load(root, today()).unwrap();
    let content = loaded.content.map(|mut content| {
        content.site.base_url = BASE_URL.to_owned();
        format!("{content:#?}")
    });
    (content, loaded.diagnostics.sorted())
}

/// Updates `model` with `changes`, and checks it against a whole load; `walked`: whether the
/// update must have walked `content/` (`None`: either).
fn step(model: &mut Model, root: &Path, changes: Changes, walked: Option<bool>, name: &str) {
    let (content, diagnostics) = model.update(root, &changes, &Timings::new()).unwrap();
    let content = content.map(|content| format!("{:#?}", *content));
    let diagnostics = diagnostics.sorted();
    let (expected_content, expected_diagnostics) = whole_load(root);
    assert_eq!(
        diagnostics, expected_diagnostics,
        "{name}: the diagnostics differ from a whole load's"
    );
    if content != expected_content {
        let (a, b) = (
            content.unwrap_or_default(),
            expected_content.unwrap_or_default(),
        );
        let line = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        panic!(
            "{name}: the content differs from a whole load's, at line {line}:\n{}\n--- whole load:\n{}",
            a.lines()
                .skip(line.saturating_sub(3))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n"),
            b.lines()
                .skip(line.saturating_sub(3))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    if let Some(walked) = walked {
        assert_eq!(model.delta().walked, walked, "{name}: walked content/");
    }
}

fn paths(paths: &[&PathBuf]) -> Changes {
    Changes {
        paths: paths.iter().map(|p| (*p).clone()).collect(),
        rescan: false,
    }
}

fn messages(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.file, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_model_equals_a_whole_load_after_every_edit() {
    let site = site_with(None);
    let root = site.path();
    let content = root.join("content");
    let resources = content.join("resources");
    let takahashi = resources.join("clinic/takahashi-naika.yaml");
    let original = std::fs::read_to_string(&takahashi).unwrap();
    let mut model = Model::new(today(), BASE_URL.to_owned());

    step(
        &mut model,
        root,
        Changes::unknown(),
        Some(true),
        "first load",
    );

    std::fs::write(&takahashi, original.replace("088-600-1234", "088-600-4699")).unwrap();
    step(
        &mut model,
        root,
        paths(&[&takahashi]),
        Some(false),
        "a phone number",
    );
    assert_eq!(model.parsed(), 1, "only the saved record is read again");

    // A second record with the same phone number and name: warnings on it, naming the first.
    let twin = resources.join("home-nursing/takahashi-twin.yaml");
    std::fs::write(&twin, original.replace("088-600-1234", "088-600-4699")).unwrap();
    step(
        &mut model,
        root,
        paths(&[&twin]),
        Some(true),
        "a duplicate record",
    );
    let (_, diagnostics) = whole_load(root);
    assert!(
        messages(&diagnostics).contains("電話番号 088-600-4699 が"),
        "{}",
        messages(&diagnostics)
    );
    // Its partner edited away: the warnings go, without a walk.
    std::fs::write(&takahashi, original.replace("088-600-1234", "088-600-4700")).unwrap();
    step(
        &mut model,
        root,
        paths(&[&takahashi]),
        Some(false),
        "the partner's phone changed",
    );
    std::fs::write(
        &takahashi,
        original
            .replace("088-600-1234", "088-600-4700")
            .replace("髙橋内科クリニック", "髙橋内科"),
    )
    .unwrap();
    step(
        &mut model,
        root,
        paths(&[&takahashi]),
        Some(false),
        "the partner's name changed",
    );

    // A record with the same id in another folder: an error; removing it removes the error.
    let same_id = resources.join("home-nursing/takahashi-naika.yaml");
    std::fs::write(&same_id, original.replace("088-600-1234", "088-600-5555")).unwrap();
    step(
        &mut model,
        root,
        paths(&[&same_id]),
        Some(true),
        "a duplicate id",
    );
    let (_, diagnostics) = whole_load(root);
    assert!(messages(&diagnostics).contains("ID「takahashi-naika」が"));
    std::fs::remove_file(&same_id).unwrap();
    step(
        &mut model,
        root,
        paths(&[&same_id]),
        Some(false),
        "the duplicate id removed",
    );
    std::fs::remove_file(&twin).unwrap();
    step(
        &mut model,
        root,
        paths(&[&twin]),
        Some(false),
        "the twin removed",
    );

    // A broken record, then fixed; the sort key changes (the list's order moves).
    std::fs::write(
        &takahashi,
        original.replace("phone: 088-600-1234", "phone: ["),
    )
    .unwrap();
    step(
        &mut model,
        root,
        paths(&[&takahashi]),
        Some(false),
        "a broken record",
    );
    std::fs::write(&takahashi, original.replace("たかはし", "あ")).unwrap();
    step(
        &mut model,
        root,
        paths(&[&takahashi]),
        Some(false),
        "fixed, another reading",
    );

    // An editor's scratch files, come and gone, and a swap file: nothing to read.
    let scratch = resources.join("clinic/4913");
    std::fs::write(&scratch, "").unwrap();
    std::fs::remove_file(&scratch).unwrap();
    let swap = resources.join("clinic/.takahashi-naika.yaml.swp");
    std::fs::write(&swap, "swap").unwrap();
    step(
        &mut model,
        root,
        paths(&[&scratch, &swap]),
        Some(false),
        "scratch files",
    );
    assert_eq!(model.parsed(), 0);

    // Pages: added (a walk), changed, removed.
    let news = content.join("news/2026-11-20-kyuujitsu.md");
    std::fs::write(
        &news,
        "---\ntitle: 年末年始の相談窓口\ndate: 2026-11-20\n---\n年末年始も電話で相談を受け付けます。\n",
    )
    .unwrap();
    step(
        &mut model,
        root,
        paths(&[&news]),
        Some(true),
        "a news item added",
    );
    std::fs::write(
        &news,
        "---\ntitle: 年末年始の相談窓口（変更）\ndate: 2026-11-21\n---\n変更しました。\n",
    )
    .unwrap();
    step(
        &mut model,
        root,
        paths(&[&news]),
        Some(false),
        "a news item changed",
    );
    std::fs::remove_file(&news).unwrap();
    step(
        &mut model,
        root,
        paths(&[&news]),
        Some(false),
        "a news item removed",
    );

    // A watcher that lost events says so: everything is looked at again.
    std::fs::write(&takahashi, original.replace("088-600-1234", "088-600-4611")).unwrap();
    step(
        &mut model,
        root,
        Changes {
            paths: Vec::new(),
            rescan: true,
        },
        Some(true),
        "events lost",
    );

    // A folder renamed: the records move.
    let aoba = resources.join("home-nursing");
    let renamed = resources.join("nursing");
    std::fs::rename(&aoba, &renamed).unwrap();
    step(
        &mut model,
        root,
        paths(&[&aoba, &renamed]),
        Some(true),
        "a folder renamed",
    );

    // A record replaced by a FIFO (reported, never opened), then by a link to another record.
    let aoba_file = renamed.join("aoba.yaml");
    let aoba_text = std::fs::read_to_string(&aoba_file).unwrap();
    std::fs::remove_file(&aoba_file).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&aoba_file)
        .status()
        .unwrap();
    assert!(made.success());
    step(&mut model, root, paths(&[&aoba_file]), Some(true), "a FIFO");
    std::fs::remove_file(&aoba_file).unwrap();
    let kept = renamed.join("aoba-original.yaml");
    std::fs::write(&kept, &aoba_text).unwrap();
    std::os::unix::fs::symlink("aoba-original.yaml", &aoba_file).unwrap();
    step(
        &mut model,
        root,
        paths(&[&aoba_file, &kept]),
        Some(true),
        "a link",
    );
    // Through a link, a change to its target is a change to the link's record too: every
    // later update walks.
    std::fs::write(&kept, aoba_text.replace("訪問看護", "訪問看護ステーション")).unwrap();
    step(
        &mut model,
        root,
        paths(&[&kept]),
        Some(true),
        "the link's target changed",
    );

    // site.yaml changed: every record is validated again.
    let site_yaml = content.join("site.yaml");
    let text = std::fs::read_to_string(&site_yaml).unwrap();
    std::fs::write(&site_yaml, format!("{text}\n")).unwrap();
    step(
        &mut model,
        root,
        paths(&[&site_yaml]),
        Some(true),
        "site.yaml",
    );
    assert!(model.delta().fresh);
}

/// The site's folder given relative to the current folder (`--root site`), while the watcher
/// names absolute paths: a saved record is still read again, without a walk.
#[test]
fn a_relative_root_and_absolute_event_paths_find_the_saved_record() {
    let base = site_with(None);
    let cwd = std::env::current_dir().unwrap();
    let site = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    common::copy_tree(base.path(), site.path());
    let root = site.path().strip_prefix(&cwd).unwrap().to_path_buf();
    assert!(root.is_relative() && root.join("content").is_dir());
    let takahashi = site
        .path()
        .join("content/resources/clinic/takahashi-naika.yaml");
    let original = std::fs::read_to_string(&takahashi).unwrap();
    let mut model = Model::new(today(), BASE_URL.to_owned());
    step(
        &mut model,
        &root,
        Changes::unknown(),
        Some(true),
        "first load",
    );
    std::fs::write(&takahashi, original.replace("088-600-1234", "088-600-4699")).unwrap();
    step(
        &mut model,
        &root,
        paths(&[&takahashi]),
        Some(false),
        "absolute path",
    );
    assert_eq!(model.parsed(), 1, "the saved record is read again");
    let relative = root.join("content/resources/clinic/takahashi-naika.yaml");
    std::fs::write(&takahashi, original.replace("088-600-1234", "088-600-4700")).unwrap();
    step(
        &mut model,
        &root,
        paths(&[&relative]),
        Some(false),
        "relative path",
    );
    assert_eq!(model.parsed(), 1);
    // A path outside both content/ and themes/: walked, to be safe.
    step(
        &mut model,
        &root,
        paths(&[&PathBuf::from("/elsewhere/file.yaml")]),
        Some(true),
        "a path elsewhere",
    );
}
