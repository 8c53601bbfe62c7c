//! `zaitaku init`: the new site builds and checks with 0 errors at once, every placeholder is
//! reported by `check` (file:line and field), the workflow is valid YAML with the expected jobs;
//! and init refuses every folder it must not touch (non-empty, a link, a file, a FIFO, `/`,
//! HOME), never leaves half a site when killed, and leaves nothing behind when it refuses.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{self, names, repo, snapshot};

fn zaitaku() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zaitaku"))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn init(dir: &Path, extra: &[&str]) -> Output {
    zaitaku()
        .arg("init")
        .arg(dir)
        .args(extra)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// `check --json` of a site (the real today: the new records are verified today).
fn check_json(root: &Path) -> serde_json::Value {
    let output = zaitaku()
        .arg("--root")
        .arg(root)
        .args(["check", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The warnings `check` gives for placeholders: (file:line, field).
fn placeholder_warnings(report: &serde_json::Value) -> BTreeSet<(String, String)> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .starts_with("まだ書き換えていないところがあります")
        })
        .map(|d| {
            (
                format!("{}:{}", d["file"].as_str().unwrap(), d["position"]["line"]),
                d["field"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn fields_of(report: &serde_json::Value, file: &str) -> BTreeSet<String> {
    placeholder_warnings(report)
        .into_iter()
        .filter(|(at, _)| at.starts_with(&format!("{file}:")))
        .map(|(_, field)| field)
        .collect()
}

fn keys(site_yaml: &Path, list: &str) -> Vec<String> {
    let text = std::fs::read_to_string(site_yaml).unwrap();
    let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    value[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|term| term["key"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_new_site_builds_and_checks_with_zero_errors() {
    let parent = tempfile::tempdir().unwrap();
    let site = parent.path().join("minato");
    let output = init(
        &site,
        &[
            "--name",
            "みなと市在宅医療支援センター",
            "--city",
            "みなと市",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("完了: 新しいサイトを"),
        "{}",
        stderr(&output)
    );
    assert_eq!(names(parent.path()), ["minato"], "nothing beside it");

    for file in [
        "README.md",
        ".gitignore",
        ".github/workflows/publish.yml",
        "content/site.yaml",
        "content/dictionary.csv",
        "content/synonyms.csv",
        "content/pages/about.md",
        "content/pamphlet/hajimeni.md",
        "content/manga/ep1.md",
        "content/manga/ep1-1.svg",
        "content/lectures/shimin-koza.md",
        "content/news/site-open.md",
    ] {
        assert!(site.join(file).is_file(), "{file}");
    }
    let gitignore = std::fs::read_to_string(site.join(".gitignore")).unwrap();
    let ignored: Vec<&str> = gitignore.lines().collect();
    assert!(ignored.contains(&"public/") && ignored.contains(&".zaitaku-cache/"));

    // The sample site's vocabulary: the 13 categories and the standard services.
    let sample = repo().join("content/site.yaml");
    let new = site.join("content/site.yaml");
    assert_eq!(keys(&new, "categories").len(), 13);
    assert_eq!(keys(&new, "categories"), keys(&sample, "categories"));
    assert_eq!(keys(&new, "services"), keys(&sample, "services"));
    let site_yaml = std::fs::read_to_string(&new).unwrap();
    assert!(site_yaml.contains("title: \"みなと市在宅医療支援センター\"\n"));
    assert!(site_yaml.contains("みなと市中央町"));

    // Builds with its search index.
    let output = zaitaku()
        .arg("--root")
        .arg(&site)
        .arg("build")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let public = site.join("public");
    assert!(public.join("search-index/meta.bin").is_file());
    let categories: Vec<String> = std::fs::read_dir(site.join("content/resources"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        categories.len() >= 7,
        "one record per family: {categories:?}"
    );
    for page in [
        "resources/rei-midorino-naika/index.html",
        "pamphlet/hajimeni/index.html",
        "manga/ep1/index.html",
        "lectures/shimin-koza/index.html",
        "news/site-open/index.html",
        "about/index.html",
    ] {
        assert!(public.join(page).is_file(), "{page}");
    }
    // The placeholders in HTML comments are not published.
    let about = std::fs::read_to_string(public.join("about/index.html")).unwrap();
    assert!(!about.contains("ここを書き換えてください"));

    // Checks with 0 errors; every warning is a placeholder (or, until synonyms.csv is read
    // by zaitaku — issue 13 — the note that it is not).
    let report = check_json(&site);
    assert_eq!(report["errors"], 0, "{report:#}");
    for diagnostic in report["diagnostics"].as_array().unwrap() {
        let message = diagnostic["message"].as_str().unwrap();
        let file = diagnostic["file"].as_str().unwrap();
        assert!(
            message.starts_with("まだ書き換えていないところがあります")
                || (file == "content/synonyms.csv" && message.contains("使わない")),
            "{diagnostic:#}"
        );
    }
    let site_fields = fields_of(&report, "content/site.yaml");
    for field in [
        "organization",
        "base_url",
        "desk.phone",
        "desk.fax",
        "desk.email",
        "desk.hours",
        "desk.postal_code",
        "desk.address",
        "areas[0].label",
        "areas[1].label",
        "areas[2].label",
    ] {
        assert!(site_fields.contains(field), "{field}: {site_fields:?}");
    }
    assert!(!site_fields.contains("title"), "the name was given");
    assert!(
        !site_fields.contains("コメント"),
        "the header explains the mark without being one: {site_fields:?}"
    );
    assert_eq!(
        fields_of(&report, "content/resources/clinic/rei-midorino-naika.yaml"),
        BTreeSet::from(["コメント".to_owned()])
    );
    assert_eq!(
        fields_of(&report, "content/news/site-open.md"),
        BTreeSet::from(["本文".to_owned()])
    );
    // Shown to people: Japanese, with file:line:column and the field.
    let output = zaitaku()
        .arg("--root")
        .arg(&site)
        .arg("check")
        .output()
        .unwrap();
    let text = stderr(&output);
    assert!(
        text.contains("警告: content/site.yaml:10:") && text.contains("項目「desk.phone」"),
        "{text}"
    );
    assert!(text.contains("相談窓口の電話番号"), "{text}");

    // Filled in, the warning goes.
    let filled = site_yaml.replace(
        "phone: 000-000-0000  # ここを書き換えてください（相談窓口の電話番号）",
        "phone: 000-000-0000",
    );
    assert_ne!(filled, site_yaml);
    std::fs::write(&new, filled).unwrap();
    assert!(!fields_of(&check_json(&site), "content/site.yaml").contains("desk.phone"));
}

#[test]
fn without_name_and_city_the_examples_are_marked() {
    let parent = tempfile::tempdir().unwrap();
    let site = parent.path().join("site");
    let output = init(&site, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = check_json(&site);
    assert_eq!(report["errors"], 0, "{report:#}");
    let fields = fields_of(&report, "content/site.yaml");
    assert!(fields.contains("title"), "{fields:?}");
    assert!(
        std::fs::read_to_string(site.join("content/site.yaml"))
            .unwrap()
            .contains(
                "title: \"○○市在宅医療支援センター\"  # ここを書き換えてください（センターの名前）"
            )
    );
}

#[test]
fn the_workflow_publishes_public_with_the_official_actions() {
    let parent = tempfile::tempdir().unwrap();
    let site = parent.path().join("site");
    assert!(init(&site, &["--city", "みなと市"]).status.success());
    let text = std::fs::read_to_string(site.join(".github/workflows/publish.yml")).unwrap();
    let workflow: serde_json::Value = serde_saphyr::from_str(&text).expect("valid YAML");
    assert_eq!(
        workflow["on"]["push"]["branches"][0], "main",
        "{workflow:#}"
    );
    assert_eq!(workflow["permissions"]["pages"], "write");
    assert_eq!(workflow["permissions"]["id-token"], "write");
    let jobs = workflow["jobs"].as_object().unwrap();
    assert_eq!(
        jobs.keys().collect::<Vec<_>>(),
        ["build", "deploy"],
        "{workflow:#}"
    );
    let steps = |job: &str| -> Vec<serde_json::Value> {
        workflow["jobs"][job]["steps"].as_array().unwrap().clone()
    };
    let uses = |job: &str| -> Vec<String> {
        steps(job)
            .iter()
            .filter_map(|s| s["uses"].as_str())
            .map(|u| u.split('@').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        uses("build"),
        [
            "actions/checkout",
            "actions/configure-pages",
            "actions/upload-pages-artifact"
        ]
    );
    let runs: String = steps("build")
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect();
    assert!(runs.contains("./bin/zaitaku check"), "{runs}");
    assert!(runs.contains("./bin/zaitaku build"), "{runs}");
    let upload = steps("build")
        .into_iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .unwrap_or("")
                .starts_with("actions/upload-pages-artifact")
        })
        .unwrap();
    assert_eq!(upload["with"]["path"], "public");
    assert_eq!(workflow["jobs"]["deploy"]["needs"], "build");
    assert_eq!(uses("deploy"), ["actions/deploy-pages"]);
    assert_eq!(
        workflow["jobs"]["deploy"]["environment"]["name"],
        "github-pages"
    );
    // Custom domains are set in the repository settings (no CNAME file with Actions).
    assert!(text.contains("Custom domain") && text.contains("CNAME"));
    let readme = std::fs::read_to_string(site.join("README.md")).unwrap();
    assert!(
        readme.contains("FTP") && readme.contains("SFTP"),
        "{readme}"
    );
}

/// Asserts a refusal: exit code 2, a Japanese message saying `why`, and nothing written.
fn assert_refused(output: &Output, why: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    let text = stderr(output);
    assert!(text.starts_with("エラー: "), "{text}");
    assert!(text.contains(why), "{text}");
}

#[test]
fn init_refuses_what_it_must_not_touch() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path();

    // Someone's folder with their files.
    let theirs = root.join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("名簿.xlsx"), "大事なファイル").unwrap();
    std::fs::create_dir(theirs.join("content")).unwrap();
    let before = snapshot(&theirs);
    assert_refused(&init(&theirs, &[]), "もうファイルがあります");
    // A hidden file counts too.
    let hidden = root.join("hidden");
    std::fs::create_dir(&hidden).unwrap();
    std::fs::write(hidden.join(".git"), "gitdir: x").unwrap();
    assert_refused(&init(&hidden, &[]), "もうファイルがあります");

    // Links: to the full folder, and to an empty one (their target is not ours to fill).
    let link = root.join("link");
    std::os::unix::fs::symlink(&theirs, &link).unwrap();
    assert_refused(&init(&link, &[]), "リンク");
    let empty = root.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let link_to_empty = root.join("link-to-empty");
    std::os::unix::fs::symlink(&empty, &link_to_empty).unwrap();
    assert_refused(&init(&link_to_empty, &[]), "リンク");
    let dangling = root.join("dangling");
    std::os::unix::fs::symlink(root.join("nowhere"), &dangling).unwrap();
    assert_refused(&init(&dangling, &[]), "リンク");

    // A file and a FIFO (never opened: init must not hang on it).
    let file = root.join("file.txt");
    std::fs::write(&file, "memo").unwrap();
    assert_refused(&init(&file, &[]), "フォルダではなく");
    let fifo = root.join("fifo");
    common::mkfifo(&fifo);
    assert_refused(&init(&fifo, &[]), "フォルダではなく");

    // / and HOME (even an empty HOME).
    assert_refused(&init(Path::new("/"), &[]), "ルート");
    let home = root.join("home");
    std::fs::create_dir(&home).unwrap();
    let output = zaitaku()
        .arg("init")
        .arg(&home)
        .env("HOME", &home)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_refused(&output, "ホームフォルダ");

    // A parent that does not exist; names that would break the files.
    assert_refused(&init(&root.join("no/such/site"), &[]), "がありません");
    assert_refused(
        &init(&root.join("named"), &["--name", "セン\u{7}ター"]),
        "--name",
    );
    assert_refused(&init(&root.join("named"), &["--city", "港\"市"]), "--city");

    assert_eq!(snapshot(&theirs), before, "their files are untouched");
    assert_eq!(names(&empty), Vec::<String>::new());
    assert_eq!(
        names(root),
        [
            "dangling",
            "empty",
            "fifo",
            "file.txt",
            "hidden",
            "home",
            "link",
            "link-to-empty",
            "theirs"
        ],
        "nothing written beside them"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "memo");

    // An empty folder is fine (and becomes the site).
    let output = init(&empty, &["--city", "みなと市"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(empty.join("content/site.yaml").is_file());
}

/// Every file of a complete new site, with contents.
fn complete(site: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    snapshot(site)
}

#[test]
fn a_killed_init_leaves_no_half_site() {
    let parent = tempfile::tempdir().unwrap();
    let reference = parent.path().join("reference");
    assert!(init(&reference, &["--city", "みなと市"]).status.success());
    let whole = complete(&reference);
    // Killed at different moments (from at once to after it finished): DIR is absent or
    // whole, never half; what a killed run leaves is its own work folder only.
    let mut absent = 0;
    for round in 0..12u64 {
        let site: PathBuf = parent.path().join(format!("site-{round}"));
        let mut child = zaitaku()
            .arg("init")
            .arg(&site)
            .args(["--city", "みなと市"])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros(round * round * 150));
        let _ = child.kill();
        let _ = child.wait();
        if site.exists() {
            assert_eq!(complete(&site), whole, "round {round}: half a site");
        } else {
            absent += 1;
        }
    }
    println!("killed before the site was in place: {absent} of 12");
    // The next init removes what killed runs left beside their folder.
    let next = parent.path().join("next");
    assert!(init(&next, &["--city", "みなと市"]).status.success());
    let leftovers: Vec<String> = names(parent.path())
        .into_iter()
        .filter(|n| n.starts_with(".zaitaku-init-"))
        .collect();
    assert_eq!(leftovers, Vec::<String>::new());
}
