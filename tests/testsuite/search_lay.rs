//! Search as people ask (issue 13): the lay vocabulary and the site's `content/synonyms.csv`
//! (checked like `dictionary.csv`, and saying how a result was found), day words that mean
//! "open then", partial matches with their note, and — on a generated site of 1,500 records
//! with look-alike names — the exact name still first. The queries themselves are in
//! `tests/search/queries.tsv` (run by `search::queries_find_what_readers_mean` and, in the
//! browser, by `search::browser_matches_command_line`).

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{say, site_with};

use zaitaku::build::{BuildOptions, build};
use zaitaku::diagnostics::Severity;
use zaitaku::search::engine::SearchIndex;
use zaitaku::search::{format, lay, search_in};

fn zaitaku() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zaitaku"))
}

fn build_into(root: &Path) -> std::path::PathBuf {
    let public = root.join("public");
    build(&BuildOptions {
        root: root.to_path_buf(),
        out: public.clone(),
        base_url: None,
        today: common::today(),
    })
    .unwrap_or_else(|e| panic!("build failed: {e}"));
    public
}

#[test]
fn synonyms_csv_errors_name_file_line_and_column() {
    let site = site_with(None);
    std::fs::write(
        site.path().join("content/synonyms.csv"),
        "言葉,検索する言葉\n在宅センター,在宅医療支援センター\n=HYPERLINK(\"x\"),訪問看護\n胃瘻\n訪問 看護,訪問看護\n胃\u{1b}瘻,胃ろう\n",
    )
    .unwrap();
    let diagnostics = common::check(site.path());
    let ours: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.file == "content/synonyms.csv")
        .map(|d| {
            format!(
                "{:?} {}:{} {}",
                d.severity, d.position.line, d.position.column, d.message
            )
        })
        .collect();
    let errors = diagnostics
        .iter()
        .filter(|d| d.file == "content/synonyms.csv" && d.severity == Severity::Error)
        .count();
    assert_eq!(errors, 4, "{ours:#?}");
    for (line, column, text) in [
        (3, 1, "数式"),
        (4, 1, "2 つが必要"),
        (5, 1, "空白"),
        (6, 2, "画面に出ない"),
    ] {
        assert!(
            ours.iter()
                .any(|d| d.contains(&format!(" {line}:{column} ")) && d.contains(text)),
            "no error at {line}:{column} ({text}): {ours:#?}"
        );
    }
}

#[test]
fn the_sites_synonyms_reach_the_browser_index_and_say_so() {
    let site = site_with(None);
    std::fs::write(
        site.path().join("content/synonyms.csv"),
        "# テスト\nたかさん,髙橋内科\n",
    )
    .unwrap();
    let public = build_into(site.path());
    let meta: format::Meta = format::read_json(&public.join("search-index/meta.bin")).unwrap();
    assert!(
        meta.lay.iter().any(|e| e.words == ["たかさん"]),
        "the site's synonym is in meta.bin for the browser"
    );
    assert!(meta.lay.len() > 100, "the shared table is there too");
    let index = SearchIndex::open(&public).unwrap();
    let results = search_in(&index, "たかさん", None, None, None, 5).unwrap();
    let first = results.results.first().expect("found through the synonym");
    assert_eq!(first.id, "takahashi-naika");
    assert_eq!(first.via, ["『たかさん』を『髙橋内科』として検索しました"]);
}

#[test]
fn a_result_found_through_the_lay_vocabulary_says_so_on_the_command_line() {
    let public = common::sample_site();
    let output = zaitaku()
        .args(["search", "--site"])
        .arg(public)
        .arg("胃瘻")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("（『胃瘻』を『胃ろう』として検索しました）"),
        "{text}"
    );
    // The label is highlighted through the synonym.
    assert!(text.contains("【胃ろう】"), "{text}");

    let output = zaitaku()
        .args(["search", "--json", "--site"])
        .arg(public)
        .arg("PEG")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json[0]["via"][0], "『PEG』を『胃ろう』として検索しました",
        "{json}"
    );

    let output = zaitaku()
        .args(["search", "--site"])
        .arg(public)
        .args(["髙橋", "大阪"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with(
            "すべての言葉を含む結果はありませんでした。一部の言葉に一致した結果です。\n"
        ),
        "{text}"
    );
    assert!(text.contains("【髙橋】内科クリニック"), "{text}");

    let index = SearchIndex::open(public).unwrap();
    // 日曜 means open (or reachable) on Sunday: never a facility whose 休み says 日曜.
    let sunday = lay::time_bit("sun");
    let results = search_in(&index, "日曜", None, None, None, 200).unwrap();
    assert!(results.total >= 5, "{}", results.total);
    for result in &results.results {
        let open = index.meta.docs.open[result.doc as usize];
        assert!(
            open & sunday != 0 || (open >> lay::REACHABLE_SHIFT) & sunday != 0,
            "{} is neither open nor reachable on Sunday",
            result.id
        );
    }
    assert!(
        results.results.iter().all(|r| r.id != "yamasaki-helper"),
        "山崎ヘルパーステーション is closed on Sunday (休み: 土曜・日曜・祝日)"
    );
    // No one-character junk.
    assert_eq!(
        search_in(&index, "今日", None, None, None, 5)
            .unwrap()
            .total,
        0
    );
}

/// Surnames that look and sound alike (濁音/清音, one character apart), for names that differ
/// by a character. (異体字 pairs such as 山崎/山﨑 are one name to search, so they are not here.)
const SURNAMES: [(&str, &str); 12] = [
    ("山崎", "やまざき"),
    ("山先", "やまさき"),
    ("山岸", "やまぎし"),
    ("山坂", "やまさか"),
    ("中川", "なかがわ"),
    ("中河", "なかこう"),
    ("長谷川", "はせがわ"),
    ("長谷", "はせ"),
    ("高橋", "たかはし"),
    ("高梁", "たかはり"),
    ("佐古", "さこ"),
    ("佐子", "さご"),
];

const KINDS: [(&str, &str); 5] = [
    ("内科", "ないか"),
    ("内科クリニック", "ないかくりにっく"),
    ("医院", "いいん"),
    ("診療所", "しんりょうじょ"),
    ("クリニック", "くりにっく"),
];

/// Town words that make 1,500 distinct names out of the look-alikes.
const TOWNS: [(&str, &str); 26] = [
    ("", ""),
    ("南", "みなみ"),
    ("北", "きた"),
    ("東", "ひがし"),
    ("西", "にし"),
    ("中央", "ちゅうおう"),
    ("駅前", "えきまえ"),
    ("本町", "ほんまち"),
    ("新町", "しんまち"),
    ("川内", "かわうち"),
    ("国府", "こくふ"),
    ("八万", "はちまん"),
    ("津田", "つだ"),
    ("応神", "おうじん"),
    ("沖浜", "おきのはま"),
    ("昭和", "しょうわ"),
    ("蔵本", "くらもと"),
    ("勝占", "かつら"),
    ("渋野", "しぶの"),
    ("丈六", "じょうろく"),
    ("入田", "にゅうた"),
    ("名東", "みょうどう"),
    ("加茂", "かも"),
    ("助任", "すけとう"),
    ("富田", "とみだ"),
    ("眉山", "びざん"),
];

#[test]
fn the_exact_name_ranks_first_among_1500_look_alikes() {
    let site = site_with(None);
    let dir = site.path().join("content/resources/clinic");
    let mut names = Vec::new();
    let mut n = 0;
    'outer: for (town, town_kana) in TOWNS {
        for (surname, surname_kana) in SURNAMES {
            for (kind, kind_kana) in KINDS {
                if n == 1_560 {
                    break 'outer;
                }
                let name = format!("{town}{surname}{kind}");
                let kana = format!("{town_kana}{surname_kana}{kind_kana}");
                std::fs::write(
                    dir.join(format!("gen-{n}.yaml")),
                    format!(
                        "name: {name}\nkana: {kana}\ncategory: clinic\naddress: 徳島市幸町{n}番地\nphone: 088-7{:02}-{:04}\nverified: 2026-04-01\n",
                        n / 10_000,
                        n % 10_000
                    ),
                )
                .unwrap();
                names.push((format!("gen-{n}"), name, kana));
                n += 1;
            }
        }
    }
    assert!(names.len() >= 1_500);
    let public = build_into(site.path());
    let index = SearchIndex::open(&public).unwrap();
    let mut misses = Vec::new();
    // Every 13th record, by name and by reading.
    for (id, name, kana) in names.iter().step_by(13) {
        for query in [name, kana] {
            let results = search_in(&index, query, None, None, None, 3).unwrap();
            if results.results.first().map(|r| r.id.as_str()) != Some(id.as_str()) {
                misses.push(format!(
                    "「{query}」: {id} not first {:?}",
                    results.results.iter().map(|r| &r.id).collect::<Vec<_>>()
                ));
            }
        }
    }
    say(&format!(
        "search: {} generated look-alike records; {} exact names and readings tried, {} not first\n",
        names.len(),
        names.len().div_ceil(13) * 2,
        misses.len()
    ));
    assert!(misses.is_empty(), "{misses:#?}");
    // A reading with the other voicing still finds the name, below the exact one.
    let results = search_in(&index, "みなみやまさきないか", None, None, None, 10).unwrap();
    let ids: Vec<&str> = results.results.iter().map(|r| r.id.as_str()).collect();
    let exact = names
        .iter()
        .find(|(_, _, k)| k == "みなみやまさきないか")
        .unwrap();
    assert_eq!(ids.first(), Some(&exact.0.as_str()), "{ids:?}");
    let voiced = names
        .iter()
        .find(|(_, _, k)| k == "みなみやまざきないか")
        .unwrap();
    assert!(
        ids.contains(&voiced.0.as_str()),
        "やまざき found by やまさき: {ids:?}"
    );
}

/// The highlighted parts of a title.
fn marked_parts(title: &str, ranges: &[(usize, usize)]) -> Vec<String> {
    let chars: Vec<char> = title.chars().collect();
    ranges
        .iter()
        .map(|&(s, e)| chars[s..e].iter().collect())
        .collect()
}

#[test]
fn a_kanji_query_finds_a_kana_name_and_every_kind_of_match_is_highlighted() {
    let index = SearchIndex::open(common::sample_site()).unwrap();
    let top = |query: &str| {
        search_in(&index, query, None, None, None, 10)
            .unwrap()
            .results
    };
    // Kanji for a name written in kana: 向日葵 → ひまわり, 白鷺 → しらさぎ, 笑顔 → えがお.
    for (query, id, shown) in [
        ("向日葵", "houmon-kango-himawari", "ひまわり"),
        ("白鷺 訪問看護", "shirasagi-houmon-kango", "しらさぎ"),
        ("笑顔 訪問介護", "houmon-kaigo-egao", "えがお"),
        ("青空", "aozora-zaitaku", "あおぞら"),
    ] {
        let results = top(query);
        let hit = results
            .iter()
            .position(|r| r.id == id)
            .unwrap_or_else(|| panic!("「{query}」 does not find {id}: {results:#?}"));
        assert!(hit < 3, "「{query}」: {id} is {}th", hit + 1);
        // (Touching matches are one highlight: 「白鷺 訪問看護」 marks しらさぎ訪問看護 whole.)
        let parts = marked_parts(&results[hit].title, &results[hit].title_highlights);
        assert!(
            parts.iter().any(|p| p.contains(shown)),
            "「{query}」 highlights {parts:?}"
        );
    }
    // The same voicing ranks above another (白鷺 reads しらさぎ; 白崎 only without the marks).
    let exact = top("白鷺");
    let loose = top("白崎");
    let score_of = |results: &[zaitaku::search::SearchResult]| {
        results
            .iter()
            .find(|r| r.id == "shirasagi-houmon-kango")
            .map(|r| r.score)
    };
    assert!(
        score_of(&exact).unwrap() > score_of(&loose).unwrap_or(0),
        "{exact:#?} {loose:#?}"
    );
    // A kana query highlights the kanji it read (a name and the text), 異体字 included.
    let results = top("やまさき");
    let yamasaki = results.iter().find(|r| r.id == "yamasaki-helper").unwrap();
    assert_eq!(
        marked_parts(&yamasaki.title, &yamasaki.title_highlights),
        ["山崎"]
    );
    let yamazaki = results.iter().find(|r| r.id == "yamazaki-seikei").unwrap();
    assert_eq!(
        marked_parts(&yamazaki.title, &yamazaki.title_highlights),
        ["山﨑"],
        "voicing and 異体字"
    );
    // A compound matched by its reading is highlighted whole where it stands, and its parts
    // nowhere else (not 訪問 in 訪問点滴, not 看護 in 看護師).
    let results = top("ほうもんかんご");
    for r in results.iter().take(5) {
        assert!(
            marked_parts(&r.title, &r.title_highlights)
                .iter()
                .any(|p| p.contains("訪問看護")),
            "{r:#?}"
        );
        let chars: Vec<char> = r.snippet.chars().collect();
        for (s, e) in &r.highlights {
            let part: String = chars[*s..*e].iter().collect();
            assert!(
                part.contains("訪問看護"),
                "「ほうもんかんご」 marks 「{part}」: {r:#?}"
            );
        }
    }
    // A compound found through its parts is one highlight (在宅 + 酸素 in 在宅酸素療法), and so
    // is a lay word's term (酸素ボンベ → 在宅酸素療法) and a 異体字 (濱田 → 濵田).
    for (query, whole) in [
        ("ざいたくさんそ", "在宅酸素"),
        ("酸素ボンベ", "在宅酸素療法"),
        ("濱田", "濵田"),
        ("胃瘻", "胃ろう"),
    ] {
        let results = top(query);
        let first = results
            .first()
            .unwrap_or_else(|| panic!("「{query}」 finds nothing"));
        let chars: Vec<char> = first.snippet.chars().collect();
        let parts: Vec<String> = first
            .highlights
            .iter()
            .map(|&(s, e)| chars[s..e].iter().collect())
            .chain(marked_parts(&first.title, &first.title_highlights))
            .collect();
        assert!(
            parts.iter().any(|p| p.contains(whole)),
            "「{query}」 marks {parts:?}"
        );
    }
    // 異体字: 高橋 highlights 髙橋.
    let results = top("高橋");
    let first = &results[0];
    assert_eq!(
        marked_parts(&first.title, &first.title_highlights),
        ["髙橋"]
    );
    // The command line marks the title too.
    let output = zaitaku()
        .args(["search", "--site"])
        .arg(common::sample_site())
        .arg("向日葵")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("【ひまわり】"), "{text}");
}

/// Terms the sample directory happens not to use that are the standard names of a service, a
/// facility type or a profession (介護保険法・医療法・資格法の名称; the 介護サービス情報公表システム's
/// service list): another centre's records carry them.
const STANDARD_LABELS: [&str; 13] = [
    "デイケア",
    "定期巡回",
    "随時対応型訪問介護看護",
    "サービス付き高齢者向け住宅",
    "認知症対応型共同生活介護",
    "グループホーム",
    "在宅療養支援病院",
    "福祉用具",
    "介護福祉士",
    "保健師",
    "助産師",
    "知的障害",
    "生活習慣病",
];

/// Whether a term occurs in the index as it is: as a word, or as a substring (all its n-grams
/// in one document), the lay vocabulary left aside.
fn in_index(index: &SearchIndex, term: &str) -> bool {
    use zaitaku::search::engine::{Terms, clause_grams};
    let folded = zaitaku::search::normalize::fold(term);
    if index.entry(&folded).is_some_and(|e| !e.words.is_empty()) {
        return true;
    }
    let chars: Vec<char> = folded.chars().collect();
    let mut docs: Option<Vec<u32>> = None;
    for gram in clause_grams(&chars) {
        let these: Vec<u32> = index
            .entry(&gram)
            .map(|e| e.grams.iter().map(|&(d, _)| d).collect())
            .unwrap_or_default();
        docs = Some(match docs {
            None => these,
            Some(before) => before.into_iter().filter(|d| these.contains(d)).collect(),
        });
    }
    docs.is_some_and(|d| !d.is_empty())
}

/// The labels the sample directory's `site.yaml` offers (categories, services, specialties):
/// its own vocabulary, which records use as soon as a facility has one (婦人科, 産婦人科 are
/// in the list of specialties before any record of the sample lists them).
fn site_labels() -> Vec<String> {
    let loaded = zaitaku::content::load(&common::repo(), common::today()).unwrap();
    let site = loaded.content.expect("the sample site loads").site;
    site.categories
        .iter()
        .chain(&site.services)
        .map(|t| t.label.clone())
        .chain(site.specialties.iter().cloned())
        .collect()
}

/// Every term the lay vocabulary searches for is a word of the sample directory (its records'
/// labels, names, notes or pages, or a label of its site.yaml) — no blind mapping to words
/// nobody writes — and no lay word
/// floods the results (a term of its line matching more than half of all documents: 訪問 for
/// 「来てくれる」 once did).
#[test]
fn every_lay_term_is_used_by_the_directory_and_no_lay_word_floods() {
    let index = SearchIndex::open(common::sample_site()).unwrap();
    let documents = index.meta.count;
    let mut unused = Vec::new();
    let mut floods = Vec::new();
    let mut largest = (String::new(), 0);
    let labels = site_labels();
    for entry in zaitaku::ja::lay_words::shipped() {
        if entry.kind != zaitaku::ja::lay_words::LayKind::Term {
            continue;
        }
        for term in &entry.terms {
            if !in_index(&index, term)
                && !STANDARD_LABELS.contains(&term.as_str())
                && !labels.contains(term)
            {
                unused.push(format!("{term} ({})", entry.words[0]));
            }
        }
        // A term that matches most documents makes every word of its line flood the results.
        for term in &entry.terms {
            let total = search_in(&index, term, None, None, None, 1).unwrap().total;
            if total > largest.1 {
                largest = (term.clone(), total);
            }
            if total * 2 > documents {
                floods.push(format!(
                    "{term} ({}): {total} of {documents}",
                    entry.words[0]
                ));
            }
        }
    }
    say(&format!(
        "search: lay terms — the widest is 「{}」 with {} of {documents} documents\n",
        largest.0, largest.1
    ));
    assert!(
        unused.is_empty(),
        "terms no record or page uses: {unused:#?}"
    );
    assert!(
        floods.is_empty(),
        "lay words matching most documents: {floods:#?}"
    );
}
