//! One home for each Japanese rule (`src/ja/rules.json`): search, import (`sheet`) and
//! `zaitaku check` agree on 異体字 (齊藤/齋藤/斉藤/斎藤) and on every 法人格 — including forms
//! that only one of the lists the three used to keep had.

use std::path::Path;
use std::process::Command;

use zaitaku::ja;
use zaitaku::search::{indexer, normalize};
use zaitaku::sheet::{import, names};

use crate::common;

const SAITO: [&str; 4] = ["齊藤", "齋藤", "斉藤", "斎藤"];

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn check_stderr(root: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(root)
        .args(["check", "--today", common::TODAY])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn saito_is_one_name_for_search_and_for_matching() {
    let folded: Vec<String> = SAITO
        .iter()
        .map(|s| normalize::fold(&format!("{s}内科")))
        .collect();
    let loose: Vec<String> = SAITO
        .iter()
        .map(|s| ja::loose_text(&format!("{s}内科")))
        .collect();
    for (i, s) in SAITO.iter().enumerate() {
        assert_eq!(folded[i], folded[3], "search: {s}");
        assert_eq!(loose[i], loose[3], "import and check: {s}");
    }
    assert_eq!(folded[3], "斎藤内科");
    assert_eq!(loose[3], "斎藤内科");
}

#[test]
fn import_matches_saito_written_another_way_to_the_existing_record() {
    for written in ["齊藤", "斉藤", "齋藤"] {
        let site = common::sheets_site();
        write(
            site.path(),
            "content/resources/clinic/saito-naika.yaml",
            "name: 斎藤内科\nkana: さいとうないか\ncategory: clinic\naddress: 徳島市佐古三番町1番地\nphone: 088-611-0001\nverified: 2026-06-01\n",
        );
        let dir = tempfile::tempdir().unwrap();
        let sheet = dir.path().join("staff.csv");
        std::fs::write(
            &sheet,
            format!(
                "名称,ふりがな,種別,住所,電話番号,最終確認日\n{written}内科,さいとうないか,診療所,徳島市佐古三番町1番地,088-611-0002,2026-11-01\n"
            ),
        )
        .unwrap();
        let report = import::run(site.path(), &common::import_args(&sheet)).unwrap();
        assert!(
            report.new.is_empty(),
            "{written}内科 is 斎藤内科, not a new facility:\n{report}"
        );
        assert_eq!(report.changed.len(), 1, "{report}");
        assert_eq!(report.changed[0].id, "saito-naika", "{report}");
    }
}

#[test]
fn check_calls_saito_written_four_ways_probable_duplicates() {
    let site = common::sheets_site();
    for (i, written) in SAITO.iter().enumerate() {
        write(
            site.path(),
            &format!("content/resources/clinic/saito-{i}.yaml"),
            &format!(
                "name: {written}内科\nkana: さいとうないか\ncategory: clinic\naddress: 徳島市佐古{i}番町1番地\nphone: 088-611-000{i}\nverified: 2026-06-01\n"
            ),
        );
    }
    let stderr = check_stderr(site.path());
    // Four records with one key: every pair, six of them.
    assert!(stderr.contains("■ 重複のおそれ 6 組（警告）"), "{stderr}");
    for (i, first) in SAITO.iter().enumerate() {
        for (j, second) in SAITO.iter().enumerate().skip(i + 1) {
            let pair = format!(
                "{first}内科（content/resources/clinic/saito-{i}.yaml）と {second}内科（content/resources/clinic/saito-{j}.yaml）: 名称が同じ（異体字・空白・法人格の違いを除く）"
            );
            assert!(stderr.contains(&pair), "{pair}\n{stderr}");
        }
    }
}

#[test]
fn every_legal_form_is_known_to_search_and_import() {
    let forms = &ja::tables().legal_forms;
    // 社団法人 and (財) were only in search's list, (一社) and (医社) only in import's.
    for only_one in ["社団法人", "(財)", "(一社)", "(医社)", "(社福)", "(特非)"] {
        assert!(forms.iter().any(|f| f.form == only_one), "{only_one}");
    }
    for form in forms {
        let form = &form.form;
        // Search: a query or a name need not have the form typed.
        assert_eq!(
            indexer::strip_legal(&format!("{form}さくら診療所")),
            "さくら診療所",
            "search: {form}"
        );
        let parts = zaitaku::search::engine::word_parts(&format!("{form}さくら診療所"));
        assert_eq!(parts.len(), 1, "search: {form}: {parts:?}");
        assert_eq!(
            parts[0].0,
            normalize::fold("さくら診療所"),
            "search: {form}"
        );
        // Import: the corporation is split off a name from open data.
        assert_eq!(
            names::split_corporation(&format!("{form} さくら会 さくら診療所")),
            Some((format!("{form} さくら会"), "さくら診療所".to_owned())),
            "import: {form}"
        );
    }
    for reading in forms.iter().flat_map(|f| &f.readings) {
        assert_eq!(
            names::strip_form_reading(&format!("{reading}サクラシンリョウジョ")),
            Some(("サクラシンリョウジョ".to_owned(), reading.clone())),
            "import: {reading}"
        );
    }
}

#[test]
fn check_ignores_forms_that_only_search_or_import_knew() {
    let site = common::sheets_site();
    let pairs = [
        ("(一社)", "あさひ"),
        ("社団法人", "ゆうひ"),
        ("(財)", "つばさ"),
        ("(医社)", "かえで"),
        ("(公財)", "もみじ"),
    ];
    for (i, (form, name)) in pairs.iter().enumerate() {
        for (suffix, written) in [
            ("a", format!("{form}{name}診療所")),
            ("b", format!("{name}診療所")),
        ] {
            write(
                site.path(),
                &format!("content/resources/clinic/form-{i}-{suffix}.yaml"),
                &format!(
                    "name: \"{written}\"\nkana: あ\ncategory: clinic\naddress: 徳島市南田宮{i}丁目{suffix}\nphone: 088-622-10{i}{}\nverified: 2026-06-01\n",
                    if suffix == "a" { 1 } else { 2 }
                ),
            );
        }
    }
    let stderr = check_stderr(site.path());
    for (i, (form, name)) in pairs.iter().enumerate() {
        let pair = format!(
            "{form}{name}診療所（content/resources/clinic/form-{i}-a.yaml）と {name}診療所（content/resources/clinic/form-{i}-b.yaml）: 名称が同じ（異体字・空白・法人格の違いを除く）"
        );
        assert!(stderr.contains(&pair), "{pair}\n{stderr}");
    }
}
