//! Vacancy information (空き情報, issue 16): the `availability` block of records, its
//! validation, the facility page and the page 「空き情報」, old information shown as old at a
//! fixed `--today`, and records with it going through export and import unharmed.
//!
//! The fixture `tests/fixtures/vacancy` adds three home-nursing stations to the base site:
//! みどり (空きあり 2, 2026-11-20), かえで (空きあり 1, 2026-11-01: 21 days before
//! 2026-11-22, older than the default 14) and つばき (空きなし, 2026-11-21).

use std::path::Path;

use zaitaku::build::{BuildOptions, build};
use zaitaku::sheet::export::ExportFormat;

use crate::common;

fn site() -> tempfile::TempDir {
    common::site_with(Some(&common::fixtures().join("vacancy")))
}

fn built(root: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    build(&BuildOptions {
        root: root.to_path_buf(),
        out: out.path().join("public"),
        base_url: None,
        today: common::today(),
    })
    .unwrap();
    out
}

fn page(out: &Path, url: &str) -> String {
    let html = std::fs::read_to_string(out.join("public").join(url).join("index.html")).unwrap();
    let start = html.find("<main").unwrap();
    let end = html.find("</main>").unwrap();
    html[start..end].to_owned()
}

#[test]
fn availability_is_shown_with_its_date_and_old_information_as_old() {
    let site = site();
    let out = built(site.path());
    let midori = page(out.path(), "resources/midori");
    assert!(
        midori.contains("<strong>空きあり</strong>（2）"),
        "{midori}"
    );
    assert!(midori.contains("11月20日</time>時点（2 日前）"), "{midori}");
    assert!(midori.contains("新規の利用者を受け付けています"));
    let kaede = page(out.path(), "resources/kaede");
    assert!(
        kaede.contains("情報が古くなっています（11月1日時点）"),
        "{kaede}"
    );
    assert!(
        !kaede.contains("空きあり"),
        "old information is never shown as current"
    );
    // A record without availability has no such block.
    let aoba = page(out.path(), "resources/aoba");
    assert!(!aoba.contains("空き情報</h2>"));

    // The page 空き情報: newest first, each with its date, the old one apart.
    let listing = page(out.path(), "availability");
    let tsubaki = listing.find("訪問看護ステーションつばき").unwrap();
    let midori = listing.find("訪問看護ステーションみどり").unwrap();
    let stale_heading = listing.find("情報が古くなっている事業所").unwrap();
    let kaede = listing.find("訪問看護ステーションかえで").unwrap();
    assert!(tsubaki < midori && midori < stale_heading && stale_heading < kaede);
    assert!(
        listing.contains("<strong>空きなし</strong><span class=\"availability-date\">11月21日時点")
    );
    assert!(listing.contains("情報が古くなっています（11月1日時点）"));
    assert!(!listing[stale_heading..].contains("<strong>空きあり"));

    // The limit is the site's: with 30 days, かえで's is current.
    let site_yaml = site.path().join("content/site.yaml");
    let mut text = std::fs::read_to_string(&site_yaml).unwrap();
    text.push_str("availability:\n  stale_days: 30\n");
    std::fs::write(&site_yaml, text).unwrap();
    let out = built(site.path());
    let kaede = page(out.path(), "resources/kaede");
    assert!(kaede.contains("<strong>空きあり</strong>（1）"), "{kaede}");
    assert!(kaede.contains("（21 日前）"));
}

fn problems(root: &Path) -> Vec<String> {
    common::check(root)
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {}", common::summary_line(d), d.message))
        .collect()
}

#[test]
fn bad_availability_is_told_with_file_line_column_and_field() {
    let site = site();
    let file = site
        .path()
        .join("content/resources/home-nursing/midori.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    let write = |from: &str, to: &str| {
        std::fs::write(&file, original.replace(from, to)).unwrap();
    };
    let at = "content/resources/home-nursing/midori.yaml";

    write("status: available", "status: aki");
    let found = problems(site.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with(&format!(
            "error {at}:9:11 availability.status 空き状況「aki」は site.yaml の availability.statuses にありません。"
        )),
        "{found:?}"
    );
    // By its label, the key is suggested.
    write("status: available", "status: 空きあり");
    assert!(problems(site.path())[0].contains("「available」の誤りではありませんか"));

    write("  as_of: 2026-11-20\n", "");
    let found = problems(site.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("availability.as_of"), "{found:?}");
    assert!(
        found[0].contains("必須の項目「as_of」がありません"),
        "{found:?}"
    );

    write("as_of: 2026-11-20", "as_of: 2026-11-23");
    let found = problems(site.path());
    assert_eq!(
        found,
        [format!(
            "error {at}:12:10 availability.as_of 空き情報の日付「2026-11-23」が今日（2026-11-22）より後です。"
        )]
    );

    write("count: 2", "count: -1");
    let found = problems(site.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with(&format!("error {at}:10:10 availability.count")));

    write("as_of: 2026-11-20", "as_of: 2026-11-31");
    assert!(problems(site.path())[0].contains("日付「2026-11-31」が正しくありません"));

    write("  note:", "  memo:");
    let found = problems(site.path());
    assert!(found[0].contains("availability.memo"), "{found:?}");

    // Statuses of the site's own.
    std::fs::write(&file, &original).unwrap();
    let site_yaml = site.path().join("content/site.yaml");
    let mut text = std::fs::read_to_string(&site_yaml).unwrap();
    text.push_str(
        "availability:\n  statuses:\n    - { key: open, label: 受け入れ可 }\n  stale_days: 0\n",
    );
    std::fs::write(&site_yaml, text).unwrap();
    let found = problems(site.path());
    assert!(
        found.iter().any(|p| p.contains("availability.stale_days")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("「available」は site.yaml の availability.statuses にありません")),
        "{found:?}"
    );
}

#[test]
fn records_with_availability_go_through_export_and_import_unharmed() {
    let site = site();
    let out = tempfile::tempdir().unwrap();
    let sheet = out.path().join("all.xlsx");
    let (_, count) = common::export_to(site.path(), ExportFormat::Xlsx, &sheet).unwrap();
    assert_eq!(count, 5);
    let before = common::snapshot(site.path());
    let mut args = common::import_args(&sheet);
    args.write = true;
    let report = zaitaku::sheet::import::run(site.path(), &args).unwrap();
    assert!(report.problems.is_empty(), "{report}");
    assert_eq!(report.changed.len(), 0, "{report}");
    assert_eq!(common::snapshot(site.path()), before);
    // A record rewritten whole keeps its availability.
    let record = zaitaku::content::record::parse(
        &std::fs::read_to_string(
            site.path()
                .join("content/resources/home-nursing/midori.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    let text = zaitaku::sheet::yaml_out::render(&record);
    assert!(
        text.contains("availability:\n  status: available\n  count: 2\n"),
        "{text}"
    );
    assert_eq!(zaitaku::content::record::parse(&text).unwrap(), record);
}

#[test]
fn the_weekly_sheet_changes_only_the_availability_of_what_changed() {
    use zaitaku::sheet::export::{ExportArgs, Value};
    let site = site();
    let out = tempfile::tempdir().unwrap();
    let sheet = out.path().join("空き情報.xlsx");
    let (_, count) = zaitaku::sheet::export::run(
        site.path(),
        &ExportArgs {
            format: ExportFormat::Xlsx,
            out: Some(sheet.clone()),
            force: false,
            availability: true,
        },
    )
    .unwrap();
    // The home-nursing stations (the category has vacancy information), not the clinic.
    assert_eq!(count, 4);
    let table = zaitaku::sheet::table::read(&sheet, None).unwrap();
    let mut rows: Vec<Vec<Value>> = table
        .rows
        .iter()
        .map(|r| {
            // Empty cells at the end of a row are not in the file.
            (0..8).map(|i| Value::Text(r.cell(i).text())).collect()
        })
        .collect();
    let header: Vec<String> = rows[0].iter().map(Value::text).collect();
    assert_eq!(
        header,
        [
            "ID",
            "名称",
            "種別",
            "圏域",
            "空き状況",
            "空きの数",
            "メモ",
            "時点"
        ]
    );
    let find = |rows: &Vec<Vec<Value>>, id: &str| {
        rows.iter()
            .position(|r| r[0] == Value::Text(id.to_owned()))
            .unwrap()
    };
    let set = |rows: &mut Vec<Vec<Value>>, id: &str, column: usize, text: &str| {
        let at = find(rows, id);
        rows[at][column] = Value::Text(text.to_owned());
    };
    // かえで is full now (its date left as it was: the import dates it today); つばき has one
    // place since yesterday; あおば tells for the first time; みどり is as it was.
    set(&mut rows, "kaede", 4, "空きなし");
    set(&mut rows, "kaede", 5, "");
    set(&mut rows, "tsubaki", 4, "空きあり");
    set(&mut rows, "tsubaki", 5, "１");
    set(&mut rows, "tsubaki", 7, "2026/11/20");
    set(&mut rows, "aoba", 4, "要相談");
    let mut stray = rows[find(&rows, "midori")].clone();
    stray[0] = Value::Text("midori\u{1b}[2J".to_owned());
    rows.push(stray);
    let twice = rows[find(&rows, "tsubaki")].clone();
    rows.push(twice);
    let edited = out.path().join("edited.xlsx");
    zaitaku::sheet::export::write_xlsx(&edited, &rows, &zaitaku::sheet::availability::layout())
        .unwrap();
    let before = common::snapshot(site.path());
    let report = zaitaku::sheet::availability::run(
        site.path(),
        &edited,
        None,
        common::today(),
        true,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.changed.len(), 3, "{report}");
    assert_eq!(report.unchanged, 1, "{report}");
    assert_eq!(report.problems.len(), 2, "{report}");
    assert!(report.problems[0].message.contains("midori<U+001B>[2J"));
    assert!(report.problems[1].message.contains("同じ事業所"));
    let after = common::snapshot(site.path());
    let text = |file: &str| String::from_utf8(after[file].clone()).unwrap();
    let old = |file: &str| String::from_utf8(before[file].clone()).unwrap();
    let kaede = "content/resources/home-nursing/kaede.yaml";
    assert_eq!(
        text(kaede),
        old(kaede).replace(
            "availability:\n  status: available\n  count: 1\n  as_of: 2026-11-01  # 3 週間前の情報\n",
            "availability:\n  status: full\n  as_of: 2026-11-22\n"
        )
    );
    let tsubaki = "content/resources/home-nursing/tsubaki.yaml";
    assert!(text(tsubaki).contains(
        "availability:\n  status: available\n  count: 1\n  as_of: 2026-11-20\nverified:"
    ));
    let aoba = "content/resources/home-nursing/aoba.yaml";
    assert!(text(aoba).contains("availability:\n  status: ask\n  as_of: 2026-11-22\nverified:"));
    for (file, bytes) in &before {
        if ![kaede, tsubaki, aoba].contains(&file.as_str()) {
            assert_eq!(&after[file], bytes, "{file} is untouched");
        }
    }
    // Through `zaitaku import`, which knows the sheet by its headers.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(site.path())
        .args(["import", edited.to_str().unwrap(), "--today", "2026-11-22"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("空き情報の取り込み元"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'));
}

/// `zaitaku search --json QUERY` over a built site: the ids found, best first.
fn search_ids(public: &Path, query: &str) -> Vec<String> {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .args(["search", "--json", "--site"])
        .arg(public)
        .arg(query)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn current_vacancies_are_found_by_search_and_old_ones_are_not() {
    let site = site();
    let out = built(site.path());
    let public = out.path().join("public");
    // みどり is 空きあり as of 2 days ago; かえで's 空きあり is 21 days old (stale at 14);
    // つばき is 空きなし: none of them but みどり is found as having a vacancy.
    assert_eq!(search_ids(&public, "空きあり"), ["midori"]);
    assert_eq!(search_ids(&public, "空き 訪問看護"), ["midori"]);
    // Everyday words for a vacancy (lay-words.tsv) find it too.
    assert_eq!(search_ids(&public, "空いている 訪看"), ["midori"]);
    // A facility with no vacancy is not found by 「空き」.
    assert!(!search_ids(&public, "空き").contains(&"tsubaki".to_owned()));
    // The result says since when (the snippet carries the status and its date).
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .args(["search", "--site"])
        .arg(&public)
        .arg("空きあり")
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    // (【】 marks what matched.)
    assert!(text.contains("【空きあり】（2）11月20日時点"), "{text}");
    assert!(!text.contains("かえで"), "{text}");

    // With the site's limit at 30 days, かえで's information is current and found.
    let site_yaml = site.path().join("content/site.yaml");
    let mut yaml = std::fs::read_to_string(&site_yaml).unwrap();
    yaml.push_str("availability:\n  stale_days: 30\n");
    std::fs::write(&site_yaml, yaml).unwrap();
    let out = built(site.path());
    let mut found = search_ids(&out.path().join("public"), "空きあり");
    found.sort();
    assert_eq!(found, ["kaede", "midori"]);
}
