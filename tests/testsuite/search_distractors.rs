//! Search against distractors (issue 13, robustness): a small generated directory where every
//! record the reader means has look-alikes — the same kana reading written otherwise (こくふ /
//! 国府 / 国分, さくら / サクラ / 桜町), one voicing mark apart (やまさき / やまざき), one digit
//! apart in the phone or postal code, the same department closed on the day asked for, the
//! same category without the service asked for. The queries are of kinds `queries.tsv` does
//! not use: full-width digits without hyphens, 〒 with full-width digits, kanji for a katakana
//! name, lay words inside whole sentences, a kanji word that only sounds like a kana name.
//! Each query says what must be first or in the top 5, and what must not be found at all; the
//! same queries then run in the browser, which must agree with the command line
//! (`tests/browser/search-parity.mjs`).

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{Need, repo, say, site_with};

use zaitaku::build::{BuildOptions, build};
use zaitaku::search::engine::SearchIndex;
use zaitaku::search::search_in;

const SITE_YAML: &str = "title: テスト在宅医療支援センター
organization: テスト医師会
base_url: https://test.example.jp/
description: テスト用のサイトです。
desk:
  name: 相談窓口
  phone: 088-600-0000
  fax: 088-600-0001
  email: soudan@example.jp
  hours: 平日 9:00〜17:00
  postal_code: \"770-0000\"
  address: 徳島市幸町一丁目1番地
categories:
  - { key: hospital, label: 病院 }
  - { key: clinic, label: 診療所 }
  - { key: dental, label: 歯科診療所 }
  - { key: pharmacy, label: 薬局 }
  - { key: home-nursing, label: 訪問看護ステーション }
  - { key: home-help, label: 訪問介護 }
areas:
  - { key: north, label: 北部 }
  - { key: south-east, label: 南東部 }
services:
  - { key: home-visit, label: 訪問診療 }
  - { key: on-call, label: 往診 }
  - { key: 24h, label: 24時間対応 }
  - { key: home-oxygen, label: 在宅酸素療法 }
  - { key: tube-feeding, label: 経管栄養・胃ろう }
  - { key: home-dental, label: 訪問歯科 }
  - { key: home-pharmacy, label: 訪問薬剤管理 }
specialties: [内科, 循環器内科, 外科, 整形外科, 眼科, 皮膚科, 歯科]
";

/// (file id, category, YAML after `category:`) of the distractor records.
const RECORDS: [(&str, &str, &str); 26] = [
    // One reading, three spellings, and a place that only sounds alike (国分 is こくぶ).
    (
        "helper-kokufu",
        "home-help",
        "name: ヘルパーステーション こくふ\nkana: へるぱーすてーしょん こくふ\naddress: 徳島市国府町府中1番地\nphone: 088-642-1001",
    ),
    (
        "kokufu-clinic",
        "clinic",
        "name: 国府クリニック\nkana: こくふくりにっく\naddress: 徳島市国府町府中2番地\nphone: 088-642-1002\nspecialties: [内科]",
    ),
    (
        "kokubu-houmon-kango",
        "home-nursing",
        "name: 国分訪問看護ステーション\nkana: こくぶほうもんかんごすてーしょん\naddress: 徳島市北佐古一番町5番地\nphone: 088-642-1003",
    ),
    // さくら in hiragana, in katakana, and 桜 inside a kanji name.
    (
        "sakura-houmon-kango",
        "home-nursing",
        "name: 訪問看護ステーション さくら\nkana: ほうもんかんごすてーしょん さくら\naddress: 徳島市佐古一番町1番地\nphone: 088-652-2001\nservices: [tube-feeding, 24h]",
    ),
    (
        "sakura-yakkyoku",
        "pharmacy",
        "name: サクラ薬局\nkana: さくらやっきょく\naddress: 徳島市佐古二番町2番地\nphone: 088-652-2002\nservices: [home-pharmacy]",
    ),
    (
        "sakuramachi-clinic",
        "clinic",
        "name: 桜町クリニック\nkana: さくらまちくりにっく\naddress: 徳島市佐古三番町3番地\nphone: 088-652-2003\nspecialties: [内科]",
    ),
    (
        "hotaru-helper",
        "home-help",
        "name: ホームヘルプ ホタル\nkana: ほーむへるぷ ほたる\naddress: 徳島市佐古四番町4番地\nphone: 088-652-2004",
    ),
    // One voicing mark apart.
    (
        "yamazaki-naika",
        "clinic",
        "name: 山崎内科\nkana: やまざきないか\naddress: 徳島市山城町1番地\nphone: 088-653-3001\nspecialties: [内科]",
    ),
    (
        "yamasaki-naika",
        "clinic",
        "name: 山先内科\nkana: やまさきないか\naddress: 徳島市山城町2番地\nphone: 088-653-3002\nspecialties: [内科]",
    ),
    (
        "yamasaki-shika",
        "dental",
        "name: やまさき歯科\nkana: やまさきしか\naddress: 徳島市山城町3番地\nphone: 088-653-3003\nspecialties: [歯科]",
    ),
    // 異体字 and a name one character apart.
    (
        "hamada-clinic",
        "clinic",
        "name: 濵田クリニック\nkana: はまだくりにっく\naddress: 徳島市沖浜町1番地\nphone: 088-654-4001\nspecialties: [外科]",
    ),
    (
        "hamaguchi-naika",
        "clinic",
        "name: 浜口内科\nkana: はまぐちないか\naddress: 徳島市沖浜町2番地\nphone: 088-654-4002\nspecialties: [内科]",
    ),
    (
        "hamada-yakkyoku",
        "pharmacy",
        "name: はまだ薬局\nkana: はまだやっきょく\naddress: 徳島市沖浜町3番地\nphone: 088-654-4003",
    ),
    // Phone and postal codes one digit apart.
    (
        "number-a",
        "clinic",
        "name: 南田宮診療所\nkana: みなみたみやしんりょうじょ\npostal_code: \"770-8011\"\naddress: 徳島市南田宮一丁目1番地\nphone: 088-611-2233\nfax: 088-611-2299\nspecialties: [内科]",
    ),
    (
        "number-b",
        "clinic",
        "name: 北田宮診療所\nkana: きたたみやしんりょうじょ\npostal_code: \"770-8012\"\naddress: 徳島市北田宮一丁目2番地\nphone: 088-611-2234\nspecialties: [内科]",
    ),
    (
        "number-c",
        "clinic",
        "name: 東田宮診療所\nkana: ひがしたみやしんりょうじょ\npostal_code: \"770-8110\"\naddress: 徳島市東田宮一丁目3番地\nphone: 088-612-2233\nspecialties: [内科]",
    ),
    // The same department, closed or open on the day asked for.
    (
        "eye-closed-sunday",
        "clinic",
        "name: 日の出眼科\nkana: ひのでがんか\naddress: 徳島市中前川町1番地\nphone: 088-655-5001\nspecialties: [眼科]\nhours:\n  - { days: [mon, tue, wed, thu, fri, sat], open: \"09:00\", close: \"18:00\" }\nclosed: 日曜・祝日",
    ),
    (
        "eye-open-sunday",
        "clinic",
        "name: 前川アイクリニック\nkana: まえかわあいくりにっく\naddress: 徳島市中前川町2番地\nphone: 088-655-5002\nspecialties: [眼科]\nhours:\n  - { days: [tue, wed, thu, fri, sat, sun], open: \"09:00\", close: \"17:00\" }\nclosed: 月曜（日曜は診療しています）",
    ),
    (
        "dental-closed-saturday",
        "dental",
        "name: 中前川歯科\nkana: なかまえかわしか\naddress: 徳島市中前川町3番地\nphone: 088-655-5003\nspecialties: [歯科]\nhours:\n  - { days: [mon, tue, wed, thu, fri], open: \"09:00\", close: \"18:00\" }\nclosed: 土曜・日曜",
    ),
    (
        "dental-open-saturday",
        "dental",
        "name: 前川デンタルオフィス\nkana: まえかわでんたるおふぃす\naddress: 徳島市中前川町4番地\nphone: 088-655-5004\nspecialties: [歯科]\nservices: [home-dental]\nhours:\n  - { days: [mon, tue, wed, fri, sat], open: \"09:00\", close: \"18:00\" }\nclosed: 木曜・日曜",
    ),
    // The same category, with and without the service asked for.
    (
        "kango-peg",
        "home-nursing",
        "name: 訪問看護ステーション みなと\nkana: ほうもんかんごすてーしょん みなと\naddress: 徳島市南末広町1番地\nphone: 088-656-6001\nservices: [tube-feeding, 24h]",
    ),
    (
        "kango-plain",
        "home-nursing",
        "name: 訪問看護ステーション みなみ\nkana: ほうもんかんごすてーしょん みなみ\naddress: 徳島市南末広町2番地\nphone: 088-656-6002\nservices: [24h]",
    ),
    (
        "oxygen-oncall",
        "clinic",
        "name: 末広在宅クリニック\nkana: すえひろざいたくくりにっく\naddress: 徳島市南末広町3番地\nphone: 088-656-6003\nspecialties: [内科]\nservices: [home-visit, on-call, home-oxygen]",
    ),
    (
        "oncall-only",
        "clinic",
        "name: 末広内科医院\nkana: すえひろないかいいん\naddress: 徳島市南末広町4番地\nphone: 088-656-6004\nspecialties: [内科]\nservices: [home-visit, on-call]",
    ),
    (
        "ortho",
        "clinic",
        "name: 末広整形外科\nkana: すえひろせいけいげか\naddress: 徳島市南末広町5番地\nphone: 088-656-6005\nspecialties: [整形外科]",
    ),
    (
        "skin",
        "clinic",
        "name: 末広ひふ科\nkana: すえひろひふか\naddress: 徳島市南末広町6番地\nphone: 088-656-6006\nspecialties: [皮膚科]",
    ),
];

/// One query: what must be first (if any), what must be in the top 5, what must not be found.
struct Case {
    query: &'static str,
    first: Option<&'static str>,
    top5: &'static [&'static str],
    never: &'static [&'static str],
    note: &'static str,
}

const CASES: [Case; 24] = [
    Case {
        query: "国分",
        first: Some("kokubu-houmon-kango"),
        top5: &[],
        never: &["helper-kokufu", "kokufu-clinic"],
        note: "kanji that sounds like こくふ with another voicing is another place",
    },
    Case {
        query: "国府",
        first: None,
        top5: &["helper-kokufu", "kokufu-clinic"],
        never: &["kokubu-houmon-kango"],
        note: "国府 finds こくふ written in kana",
    },
    Case {
        query: "こくぶ",
        first: Some("kokubu-houmon-kango"),
        top5: &[],
        never: &[],
        note: "the exact reading before the voicing variants",
    },
    Case {
        query: "桜",
        first: None,
        top5: &[
            "sakura-houmon-kango",
            "sakura-yakkyoku",
            "sakuramachi-clinic",
        ],
        never: &[],
        note: "kanji for さくら and for the katakana サクラ",
    },
    Case {
        query: "桜 薬局",
        first: Some("sakura-yakkyoku"),
        top5: &[],
        never: &["sakura-houmon-kango"],
        note: "kanji for a katakana name, with the category",
    },
    Case {
        query: "蛍 ヘルパー",
        first: Some("hotaru-helper"),
        top5: &[],
        never: &[],
        note: "kanji for a katakana name, with a lay word",
    },
    Case {
        query: "やまさき",
        first: None,
        top5: &["yamasaki-naika", "yamasaki-shika", "yamazaki-naika"],
        never: &[],
        note: "both exact readings, then the voiced one",
    },
    Case {
        query: "やまさきないか",
        first: Some("yamasaki-naika"),
        top5: &["yamazaki-naika"],
        never: &[],
        note: "the exact reading of the whole name first",
    },
    Case {
        query: "山崎内科",
        first: Some("yamazaki-naika"),
        top5: &[],
        never: &[],
        note: "the exact name first among look-alikes",
    },
    Case {
        query: "濱田",
        first: Some("hamada-clinic"),
        top5: &["hamada-yakkyoku"],
        never: &["hamaguchi-naika"],
        note: "異体字 (濱/濵/浜) and the kana spelling; 浜口 is another name",
    },
    Case {
        query: "０８８６１１２２３３",
        first: Some("number-a"),
        top5: &[],
        never: &["number-b", "number-c"],
        note: "full-width digits without hyphens",
    },
    Case {
        query: "６１１－２２３３",
        first: Some("number-a"),
        top5: &[],
        never: &["number-b", "number-c"],
        note: "full-width, without the area code",
    },
    Case {
        query: "0886112299",
        first: Some("number-a"),
        top5: &[],
        never: &["number-b"],
        note: "the FAX number without hyphens",
    },
    Case {
        query: "〒７７０８０１１",
        first: Some("number-a"),
        top5: &[],
        never: &["number-b", "number-c"],
        note: "〒 with full-width digits and no hyphen",
    },
    Case {
        query: "〒770－8012",
        first: Some("number-b"),
        top5: &[],
        never: &["number-a", "number-c"],
        note: "〒 with a full-width hyphen",
    },
    Case {
        query: "日曜 眼科",
        first: Some("eye-open-sunday"),
        top5: &[],
        never: &["eye-closed-sunday"],
        note: "open on Sunday; 休み: 日曜 never counts",
    },
    Case {
        query: "日曜日にやっている目医者",
        first: Some("eye-open-sunday"),
        top5: &[],
        never: &["eye-closed-sunday"],
        note: "day word and lay word inside a sentence",
    },
    Case {
        query: "土曜も診てくれる歯医者さん",
        first: Some("dental-open-saturday"),
        top5: &[],
        never: &["dental-closed-saturday"],
        note: "open on Saturday, in a sentence",
    },
    Case {
        query: "胃瘻の母を看てくれる訪問看護",
        first: None,
        top5: &["kango-peg", "sakura-houmon-kango"],
        never: &["kango-plain"],
        note: "lay word 胃瘻 inside a sentence with a word that is nowhere (母)",
    },
    Case {
        query: "酸素ボンベを使っている父の往診",
        first: Some("oxygen-oncall"),
        top5: &[],
        never: &[],
        note: "lay word 酸素ボンベ and a service in a sentence",
    },
    Case {
        query: "膝が痛い",
        first: Some("ortho"),
        top5: &[],
        never: &[],
        note: "a complaint → 整形外科",
    },
    Case {
        query: "じんましんが出た",
        first: Some("skin"),
        top5: &[],
        never: &[],
        note: "a complaint in a sentence → 皮膚科 (ひふ科)",
    },
    Case {
        query: "国分寺",
        first: None,
        top5: &[],
        never: &["helper-kokufu", "kokufu-clinic", "kokubu-houmon-kango"],
        note: "a place that is not in the directory",
    },
    Case {
        query: "さくら薬局",
        first: Some("sakura-yakkyoku"),
        top5: &[],
        never: &[],
        note: "hiragana for a katakana name",
    },
];

/// The distractor site, built once: (temporary folder kept alive, path of public/).
fn site() -> &'static Path {
    static SITE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &SITE
        .get_or_init(|| {
            let site = site_with(None);
            let content = site.path().join("content");
            std::fs::write(content.join("site.yaml"), SITE_YAML).unwrap();
            for (id, category, yaml) in RECORDS {
                let dir = content.join("resources").join(category);
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(
                    dir.join(format!("{id}.yaml")),
                    format!("{yaml}\ncategory: {category}\nverified: 2026-10-01\n"),
                )
                .unwrap();
            }
            let public = site.path().join("public");
            build(&BuildOptions {
                root: site.path().to_path_buf(),
                out: public.clone(),
                base_url: None,
                today: common::today(),
            })
            .unwrap_or_else(|e| panic!("building the distractor site failed: {e}"));
            (site, public)
        })
        .1
}

#[test]
fn look_alikes_do_not_outrank_or_pollute_what_the_reader_means() {
    let index = SearchIndex::open(site()).unwrap();
    let mut failures = Vec::new();
    let (mut found, mut wanted, mut reciprocal, mut ranked) = (0usize, 0usize, 0.0f64, 0usize);
    for case in &CASES {
        let results = search_in(&index, case.query, None, None, None, 50).unwrap();
        let ids: Vec<&str> = results.results.iter().map(|r| r.id.as_str()).collect();
        let top5 = &ids[..ids.len().min(5)];
        let expected: Vec<&str> = case
            .first
            .iter()
            .copied()
            .chain(case.top5.iter().copied())
            .collect();
        if !expected.is_empty() {
            ranked += 1;
            let first = ids.iter().position(|id| expected.contains(id));
            reciprocal += first.map_or(0.0, |p| 1.0 / (p + 1) as f64);
        }
        if let Some(first) = case.first
            && ids.first() != Some(&first)
        {
            failures.push(format!(
                "「{}」 ({}): {first} is not first: {ids:?}",
                case.query, case.note
            ));
        }
        for id in &expected {
            wanted += 1;
            if top5.contains(id) {
                found += 1;
            } else {
                failures.push(format!(
                    "「{}」 ({}): {id} not in the top 5: {ids:?}",
                    case.query, case.note
                ));
            }
        }
        for id in case.never {
            if ids.contains(id) {
                failures.push(format!(
                    "「{}」 ({}): found the distractor {id}: {ids:?}",
                    case.query, case.note
                ));
            }
        }
        if expected.is_empty() && case.never.is_empty() {
            failures.push(format!("「{}」 checks nothing", case.query));
        }
    }
    say(&format!(
        "search distractors: {} queries over {} look-alike records; recall@5 {:.3} ({found}/{wanted}), MRR {:.3} over {ranked}\n",
        CASES.len(),
        RECORDS.len(),
        found as f64 / wanted as f64,
        reciprocal / ranked as f64
    ));
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}

/// The same queries in the browser: the same results, scores, highlights and notes as the
/// command line.
#[test]
fn browser_agrees_on_the_distractor_queries() {
    let root = repo();
    if common::skip_or_require_browser(
        &root,
        &[
            Need::Node,
            Need::NodePackage("playwright-core"),
            Need::NodePackage("axe-core"),
            Need::NodePackage("vnu-jar"),
            Need::Java,
        ],
        "SKIPPED browser_agrees_on_the_distractor_queries: ZAITAKU_SKIP_BROWSER=1, so the browser was NOT compared with the command line on the distractor site.",
        "The browser search test cannot run; do the setup in README.md (or `bash .ci/run`):",
    ) {
        return;
    }
    let queries = tempfile::NamedTempFile::new().unwrap();
    let mut text = String::from("query\texpected\tgroup\tnote\n");
    for case in &CASES {
        text.push_str(&format!("{}\t-\tdistractor\t{}\n", case.query, case.note));
    }
    std::fs::write(queries.path(), text).unwrap();
    let run = common::run_harness(
        "tests/browser/search-parity.mjs",
        &[
            &site(),
            &"--zaitaku",
            &env!("CARGO_BIN_EXE_zaitaku"),
            &"--queries",
            &queries.path(),
        ],
    );
    assert!(
        run.status.success() && run.passed("search-parity"),
        "the browser disagrees with the command line on the distractor site ({}); its output is above",
        run.status
    );
}
