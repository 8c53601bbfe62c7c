//! `zaitaku check` beyond validation: links, anchors and images in the built site, stale
//! records by whom to ask, probable duplicates, facilities with no contact, empty categories
//! and areas, `--json`, and `--external` against a local server (this machine only).

use crate::common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn check(root: &Path, extra: &[&str]) -> (i32, String, String) {
    check_on(root, common::TODAY, extra)
}

fn check_on(root: &Path, today: &str, extra: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(root)
        .args(["check", "--today", today])
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The fixture site with one of each problem added.
fn site_with_problems(external: Option<u16>) -> tempfile::TempDir {
    let site = common::sheets_site();
    let root = site.path();
    let links = match external {
        Some(port) => format!(
            "\n外部: [ok](http://127.0.0.1:{port}/ok) [missing](http://127.0.0.1:{port}/missing) [slow](http://127.0.0.1:{port}/slow)\n"
        ),
        None => String::new(),
    };
    write(
        root,
        "content/pages/links.md",
        &format!(
            "---\ntitle: リンク集\norder: 3\n---\n[ない](../no-such-page/) [見出しがない](../soudan/#no-such-id) [ある](../soudan/#hours)\n\n![地図](missing-map.png)\n{links}"
        ),
    );
    // Unconfirmed for more than a year.
    let hikari = root.join("content/resources/home-help/helper-hikari.yaml");
    let text = std::fs::read_to_string(&hikari).unwrap();
    std::fs::write(
        &hikari,
        text.replace("verified: 2026-03-10", "verified: 2025-01-10"),
    )
    .unwrap();
    // The same clinic again, spelt with 高 instead of 髙 and another phone.
    write(
        root,
        "content/resources/clinic/takahashi-naika-2.yaml",
        "name: 高橋内科クリニック\nkana: たかはしないかくりにっく\ncategory: clinic\naddress: 徳島市山城西2丁目7番地\nphone: 088-608-4600\nverified: 2025-06-30\n",
    );
    // The same 事業所番号 in two home-nursing records.
    write(
        root,
        "content/resources/home-nursing/aoba-minami.yaml",
        "name: あおば南サテライト\nkana: あおばみなみさてらいと\ncategory: home-nursing\naddress: 徳島市南昭和町五丁目1番地\nfax: 088-606-7578\nsource_ids: { jigyosho: \"3660190011\" }\nverified: 2026-10-01\n",
    );
    // No way to contact.
    write(
        root,
        "content/resources/pharmacy/kita-yakkyoku.yaml",
        "name: きた薬局\nkana: きたやっきょく\ncategory: pharmacy\naddress: 徳島市北田宮一丁目1番地\nurl: https://kita.example.jp/\nverified: 2026-10-01\n",
    );
    site
}

#[test]
fn a_clean_site_passes_with_the_usual_summary() {
    let site = common::sheets_site();
    let (code, stdout, stderr) = check(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("■ リンク: ページ"), "{stderr}");
    assert!(stderr.contains("切れているものはありません"), "{stderr}");
    // Empty categories are listed, but the summary counts validation's warnings as before.
    assert!(stderr.contains("種別「病院」（hospital）"), "{stderr}");
    let last = stderr.lines().last().unwrap();
    assert!(
        last.starts_with("検査結果: 事業所 5 件、ページ 2 件、エラー 0 件、警告 0 件（"),
        "{last}"
    );
}

#[test]
fn warns_when_next_years_holidays_are_missing() {
    let site = common::sheets_site();
    let valid_until = zaitaku::ja::holidays::valid_until();
    let (code, _, stderr) = check_on(site.path(), &format!("{valid_until}-06-01"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr
            .matches(&format!("祝日のデータが {valid_until} 年までです。"))
            .count(),
        1,
        "once, from the one place build, check and serve share:\n{stderr}"
    );
    assert!(stderr.contains("src/holidays.csv"), "{stderr}");
}

#[test]
fn finds_broken_links_stale_records_duplicates_and_missing_contacts() {
    let site = site_with_problems(None);
    let (code, _, stderr) = check(site.path(), &[]);
    assert_eq!(code, 1, "broken internal links are errors:\n{stderr}");
    for expected in [
        "■ リンク切れ 3 件（エラー）",
        "content/pages/links.md（ページ /links/）",
        "エラー: 「../no-such-page/」→ 行き先のページやファイル /no-such-page/ がありません。",
        "エラー: 「../soudan/#no-such-id」→ ページ /soudan/ に見出し（id）「no-such-id」がありません。",
        "エラー: 「missing-map.png」→ 行き先の画像 /links/missing-map.png がありません。",
        "■ 最終確認日が 1 年以上前の事業所 2 件（連絡先ごと。警告）",
        "  電話 088-641-3300\n    ヘルパーステーションひかり（最終確認 2025-01-10、681 日前）content/resources/home-help/helper-hikari.yaml",
        "  電話 088-608-4600\n    高橋内科クリニック（最終確認 2025-06-30、510 日前）content/resources/clinic/takahashi-naika-2.yaml",
        "■ 重複のおそれ 2 組（警告）",
        "高橋内科クリニック（content/resources/clinic/takahashi-naika-2.yaml）と 髙橋内科クリニック（content/resources/clinic/takahashi-naika.yaml）: 名称が同じ（異体字・空白・法人格の違いを除く）",
        "あおば南サテライト（content/resources/home-nursing/aoba-minami.yaml）と 訪問看護ステーションあおば（content/resources/home-nursing/houmon-kango-aoba.yaml）: 事業所番号 3660190011 が同じ",
        "■ 電話・FAX・メールのどれもない事業所 1 件（警告）",
        "きた薬局（ホームページ https://kita.example.jp/ だけがあります） content/resources/pharmacy/kita-yakkyoku.yaml",
        "■ 事業所が 1 件もない種別・圏域 2 件（警告）",
        "種別「通所介護」（day-service）",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    // The stalest group first.
    assert!(stderr.find("088-641-3300").unwrap() < stderr.find("088-608-4600").unwrap());
    let last = stderr.lines().last().unwrap();
    assert!(
        last.starts_with("検査結果: エラー 3 件、警告 3 件（"),
        "{last}"
    );
    assert!(
        last.ends_with("エラーを直してから build してください。"),
        "{last}"
    );
}

#[test]
fn json_for_scripts() {
    let site = site_with_problems(None);
    let (code, stdout, stderr) = check(site.path(), &["--json"]);
    assert_eq!(code, 1);
    assert!(
        !stderr.contains("■"),
        "no human report with --json: {stderr}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["resources"], 8);
    assert_eq!(json["errors"], 3);
    let site_report = &json["site"];
    let broken = site_report["broken_links"].as_array().unwrap();
    assert_eq!(broken.len(), 3);
    let kinds: Vec<&str> = broken.iter().map(|b| b["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["anchor", "image", "link"]);
    assert_eq!(broken[0]["source"], "content/pages/links.md");
    assert!(broken.iter().all(|b| b["origin"] == "content"));
    assert_eq!(site_report["stale"][0]["contact"], "電話 088-641-3300");
    assert_eq!(site_report["stale"][0]["records"][0]["days"], 681);
    assert_eq!(site_report["duplicates"].as_array().unwrap().len(), 2);
    assert_eq!(
        site_report["no_contact"][0]["record"]["id"],
        "kita-yakkyoku"
    );
    let empty: Vec<&str> = site_report["empty"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(empty, ["hospital", "day-service"]);
    assert!(
        site_report["external"].is_null(),
        "not checked without --external"
    );
    assert_eq!(site_report["external_links"], 1);
    // Validation diagnostics are in the JSON too.
    assert!(
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["field"] == "verified")
    );
}

/// A tiny HTTP server on 127.0.0.1: /ok answers 200, /slow answers after 3 s, others 404.
fn local_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50) {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut request = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let _ = reader.read_line(&mut request);
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let status = match path.as_str() {
                    "/ok" => "200 OK",
                    "/slow" => {
                        std::thread::sleep(Duration::from_secs(3));
                        "200 OK"
                    }
                    _ => "404 Not Found",
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            });
        }
    });
    port
}

#[test]
fn external_links_only_when_asked_with_timeouts() {
    let port = local_server();
    let site = site_with_problems(Some(port));
    // Keep every link on this machine: the one record URL goes to the local server too.
    let kita = site
        .path()
        .join("content/resources/pharmacy/kita-yakkyoku.yaml");
    let text = std::fs::read_to_string(&kita).unwrap();
    std::fs::write(
        &kita,
        text.replace(
            "https://kita.example.jp/",
            &format!("http://127.0.0.1:{port}/ok"),
        ),
    )
    .unwrap();

    let (_, without, _) = check(site.path(), &["--json"]);
    let without: serde_json::Value = serde_json::from_str(&without).unwrap();
    assert!(without["site"]["external"].is_null());
    assert_eq!(without["site"]["external_links"], 3);

    // `/slow` answers 200 after 3 seconds: that it is reported as unanswered after 1 second
    // (below) shows the timeout is kept, without timing the run.
    let (code, stdout, _) = check(site.path(), &["--json", "--external", "--timeout", "1"]);
    assert_eq!(code, 1, "the broken internal links are still errors");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let results = json["site"]["external"].as_array().unwrap();
    let find = |path: &str| {
        results
            .iter()
            .find(|r| r["url"].as_str().unwrap().ends_with(path))
            .unwrap_or_else(|| panic!("{path} in {results:?}"))
    };
    assert_eq!(find("/ok")["ok"], true);
    assert_eq!(find("/ok")["status"], 200);
    let ok_files = find("/ok")["pages"].as_array().unwrap().len();
    assert_eq!(ok_files, 2, "written in the page and in the record");
    assert_eq!(find("/missing")["ok"], false);
    assert_eq!(find("/missing")["status"], 404);
    assert_eq!(find("/slow")["ok"], false);
    assert!(find("/slow")["status"].is_null());
    assert!(
        find("/slow")["message"]
            .as_str()
            .unwrap()
            .contains("1 秒待っても応答がありません")
    );

    let (_, _, stderr) = check(site.path(), &["--external", "--timeout", "1"]);
    assert!(
        stderr.contains(
            "外部リンク（content に書かれたもの）: 3 件を確かめ、つながらないもの 2 件（警告）"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "http://127.0.0.1:{port}/missing — ページがありません（HTTP 404）。"
        )),
        "{stderr}"
    );
}

#[test]
fn broken_links_made_by_the_theme_are_told_apart() {
    let site = common::sheets_site();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let themes = site.path().join("themes");
    common::copy_tree(&repo.join("themes"), &themes);
    let base = themes.join("default/templates/base.html");
    let text = std::fs::read_to_string(&base).unwrap();
    let marked = text.replacen(
        "</body>",
        "<a href=\"{{ root }}no-such-help/\">help</a></body>",
        1,
    );
    assert_ne!(text, marked, "base.html has a </body>");
    std::fs::write(&base, marked).unwrap();
    let (code, stdout, _) = check(site.path(), &["--json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let broken = json["site"]["broken_links"].as_array().unwrap();
    assert!(!broken.is_empty());
    assert!(broken.iter().all(|b| b["origin"] == "theme"), "{broken:?}");
    let (_, _, stderr) = check(site.path(), &[]);
    assert!(
        stderr.contains("（テーマのテンプレートが作るリンク）"),
        "{stderr}"
    );
    assert!(
        stderr.contains("テーマの担当者に知らせてください"),
        "{stderr}"
    );
}

#[test]
fn a_theme_that_cannot_render_is_a_setup_error() {
    let site = common::sheets_site();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    common::copy_tree(&repo.join("themes"), &site.path().join("themes"));
    let base = site.path().join("themes/default/templates/base.html");
    let text = std::fs::read_to_string(&base).unwrap();
    std::fs::write(&base, format!("{text}{{% if %}}")).unwrap();
    let (code, _, stderr) = check(site.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("サイトを作って確かめることができませんでした"),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("検査結果: エラー 1 件"),
        "{stderr}"
    );
}

/// HTML a hand-written scanner reads wrongly: the links of the parsed document are checked,
/// as a browser sees them — entities decoded, the first of two `href`s, nothing inside
/// `<textarea>` or `<template>`, a comment closed by `--!>`, upper-case and unquoted tags.
#[test]
fn links_are_read_as_a_browser_parses_the_page() {
    let site = common::sheets_site();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let themes = site.path().join("themes");
    common::copy_tree(&repo.join("themes"), &themes);
    let base = themes.join("default/templates/base.html");
    let text = std::fs::read_to_string(&base).unwrap();
    let tricky = concat!(
        // Not links: the text of a textarea, the inert contents of a template.
        "<textarea><a href=\"{{ root }}fp-textarea/\">x</a></textarea>",
        "<template><a href=\"{{ root }}fp-template/\">x</a></template>",
        // Good links, written in ways a browser still follows.
        "<a href=\"{{ root }}sou&#x64;an/\">entity</a>",
        "<a href=\"{{ root }}soudan/#h&#111;urs\">entity in the fragment</a>",
        "<a href=\"{{ root }}soudan/\" href=\"{{ root }}fp-second-href/\">two hrefs</a>",
        "<a href=\"{{ root }}sou\ndan/\">a newline</a>",
        // Broken links the scanner must still see.
        "<!-- a comment --!><a href=\"{{ root }}after-comment/\">x</a>",
        "<A HREF={{ root }}upper-unquoted/>x</A>",
        "<a href=\"{{ root }}soudan/#no&#45;such\">x</a>",
    );
    let marked = text.replacen("</body>", &format!("{tricky}</body>"), 1);
    assert_ne!(text, marked, "base.html has a </body>");
    std::fs::write(&base, marked).unwrap();
    let (code, stdout, stderr) = check(site.path(), &["--json"]);
    assert_eq!(code, 1, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let broken = json["site"]["broken_links"].as_array().unwrap();
    let messages: BTreeSet<String> = broken
        .iter()
        .map(|b| b["message"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = [
        "行き先のページやファイル /after-comment/ がありません。",
        "行き先のページやファイル /upper-unquoted/ がありません。",
        "ページ /soudan/ に見出し（id）「no-such」がありません。",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(messages, expected, "{broken:#?}");
}
