//! Generates a large synthetic site for benchmarks: `--records N` facility records with
//! realistic Japanese names, readings, addresses in Tokushima city, hours and ケアマネタイム,
//! plus the sample site's `site.yaml` and pages. The same `--seed` gives the same site.
//!
//! `cargo run --release --example gen-site -- --records 10000 --out /tmp/site-10k`

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

struct Args {
    records: usize,
    out: PathBuf,
    seed: u64,
}

fn parse_args() -> Args {
    let mut args = Args {
        records: 1000,
        out: PathBuf::from("target/gen-site"),
        seed: 42,
    };
    let mut iter = std::env::args().skip(1);
    while let Some(flag) = iter.next() {
        let value = iter
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--records" => args.records = value.parse().expect("--records takes a number"),
            "--out" => args.out = PathBuf::from(value),
            "--seed" => args.seed = value.parse().expect("--seed takes a number"),
            other => panic!("unknown option {other}; use --records N --out DIR [--seed S]"),
        }
    }
    args
}

/// (surname, reading) pairs for facility names.
const SURNAMES: [(&str, &str); 24] = [
    ("髙橋", "たかはし"),
    ("佐藤", "さとう"),
    ("山﨑", "やまさき"),
    ("渡邊", "わたなべ"),
    ("中澤", "なかざわ"),
    ("齋藤", "さいとう"),
    ("濵田", "はまだ"),
    ("德永", "とくなが"),
    ("廣瀬", "ひろせ"),
    ("吉田", "よしだ"),
    ("森", "もり"),
    ("岡田", "おかだ"),
    ("藤井", "ふじい"),
    ("三木", "みき"),
    ("近藤", "こんどう"),
    ("大西", "おおにし"),
    ("林", "はやし"),
    ("宮本", "みやもと"),
    ("井上", "いのうえ"),
    ("小松", "こまつ"),
    ("新居", "にい"),
    ("板東", "ばんどう"),
    ("湯浅", "ゆあさ"),
    ("阿部", "あべ"),
];

/// (word, reading) for station-style names.
const NICE_WORDS: [(&str, &str); 12] = [
    ("ひまわり", "ひまわり"),
    ("あおば", "あおば"),
    ("さくら", "さくら"),
    ("すだち", "すだち"),
    ("びざん", "びざん"),
    ("しんまち", "しんまち"),
    ("わかば", "わかば"),
    ("ほたる", "ほたる"),
    ("かもめ", "かもめ"),
    ("あゆみ", "あゆみ"),
    ("こもれび", "こもれび"),
    ("ゆうかり", "ゆうかり"),
];

/// (town, postal code, area) in Tokushima city.
const TOWNS: [(&str, &str, &str); 16] = [
    ("川内町", "771-0100", "north"),
    ("応神町", "771-1150", "north"),
    ("北島田町", "770-8002", "north"),
    ("中吉野町", "770-8023", "north"),
    ("国府町", "779-3100", "west"),
    ("入田町", "779-3131", "west"),
    ("不動本町", "779-3112", "west"),
    ("名東町", "770-8025", "south-west"),
    ("八万町", "770-8070", "south-west"),
    ("上八万町", "770-8075", "south-west"),
    ("佐古一番町", "770-0021", "south-west"),
    ("南昭和町", "770-0944", "south-east"),
    ("山城町", "770-8043", "south-east"),
    ("大原町", "770-8063", "south-east"),
    ("勝占町", "771-4261", "south-east"),
    ("津田町", "770-8003", "south-east"),
];

/// (category, name pattern, reading pattern) — `{}` is the surname or word.
const KINDS: [(&str, &str, &str); 13] = [
    ("hospital", "{}記念病院", "{}きねんびょういん"),
    ("clinic", "{}内科クリニック", "{}ないかくりにっく"),
    ("dental", "{}歯科医院", "{}しかいいん"),
    ("pharmacy", "{}薬局", "{}やっきょく"),
    (
        "home-nursing",
        "訪問看護ステーション{}",
        "ほうもんかんごすてーしょん{}",
    ),
    (
        "care-planning",
        "居宅介護支援事業所{}",
        "きょたくかいごしえんじぎょうしょ{}",
    ),
    (
        "community-support",
        "{}地域包括支援センター",
        "{}ちいきほうかつしえんせんたー",
    ),
    (
        "home-help",
        "ヘルパーステーション{}",
        "へるぱーすてーしょん{}",
    ),
    ("home-bathing", "訪問入浴{}", "ほうもんにゅうよく{}"),
    (
        "home-rehab",
        "{}訪問リハビリテーション",
        "{}ほうもんりはびりてーしょん",
    ),
    ("day-service", "デイサービス{}", "でいさーびす{}"),
    ("day-rehab", "{}デイケア", "{}でいけあ"),
    ("short-stay", "ショートステイ{}", "しょーとすてい{}"),
];

const SERVICES: [&str; 12] = [
    "home-visit",
    "on-call",
    "24h",
    "end-of-life",
    "home-oxygen",
    "palliative",
    "tube-feeding",
    "pressure-ulcer",
    "narcotics",
    "ventilator",
    "iv-drip",
    "dementia",
];
const DAYS: [&str; 6] = ["mon", "tue", "wed", "thu", "fri", "sat"];
const METHODS: [&str; 5] = ["phone", "fax", "email", "visit", "online"];
const KANJI_NUMBERS: [&str; 9] = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn record(rng: &mut fastrand::Rng, index: usize) -> (String, String, String) {
    let (category, name_pattern, kana_pattern) = *pick(rng, &KINDS);
    let (word, reading) = if name_pattern.starts_with("{}") {
        *pick(rng, &SURNAMES)
    } else {
        *pick(rng, &NICE_WORDS)
    };
    let (town, postal, area) = *pick(rng, &TOWNS);
    let mut y = String::new();
    // The index keeps names and phones unique at any size.
    writeln!(
        y,
        "name: {}{}",
        name_pattern.replace("{}", word),
        if index > 0 {
            format!(" 第{index}")
        } else {
            String::new()
        }
    )
    .unwrap();
    writeln!(y, "kana: {}", kana_pattern.replace("{}", reading)).unwrap();
    writeln!(y, "category: {category}").unwrap();
    if rng.bool() {
        writeln!(y, "corporation: 医療法人社団 {word}会").unwrap();
    }
    writeln!(y, "area: {area}").unwrap();
    writeln!(y, "postal_code: \"{postal}\"").unwrap();
    writeln!(
        y,
        "address: 徳島市{town}{}丁目{}番{}号",
        pick(rng, &KANJI_NUMBERS),
        rng.u32(1..30),
        rng.u32(1..20)
    )
    .unwrap();
    writeln!(
        y,
        "phone: 0{:02}-{:03}-{:04}",
        80 + index / 10_000_000,
        100 + (index / 10_000) % 900,
        index % 10_000
    )
    .unwrap();
    if rng.u8(..10) < 7 {
        writeln!(
            y,
            "fax: 0{:02}-{:03}-{:04}",
            90 + index / 10_000_000,
            100 + (index / 10_000) % 900,
            index % 10_000
        )
        .unwrap();
    }
    writeln!(
        y,
        "location: {{ lat: {:.5}, lng: {:.5} }}",
        33.98 + rng.f64() * 0.15,
        134.43 + rng.f64() * 0.19
    )
    .unwrap();
    let services: Vec<&str> = SERVICES
        .iter()
        .copied()
        .filter(|_| rng.u8(..4) == 0)
        .collect();
    writeln!(y, "services: [{}]", services.join(", ")).unwrap();
    writeln!(y, "hours:").unwrap();
    writeln!(
        y,
        "  - {{ days: [mon, tue, wed, thu, fri], open: \"{:02}:00\", close: \"12:30\" }}",
        8 + rng.u8(..2)
    )
    .unwrap();
    writeln!(
        y,
        "  - {{ days: [mon, tue, wed, fri], open: \"14:00\", close: \"{:02}:00\" }}",
        17 + rng.u8(..3)
    )
    .unwrap();
    writeln!(y, "closed: 日曜・祝日").unwrap();
    if rng.bool() {
        writeln!(y, "caremane_time:").unwrap();
        for _ in 0..rng.usize(1..3) {
            let from = 9 + rng.u8(..7);
            let days: Vec<&str> = DAYS.iter().copied().filter(|_| rng.u8(..3) == 0).collect();
            let days = if days.is_empty() { vec!["wed"] } else { days };
            let methods: Vec<&str> = METHODS.iter().copied().filter(|_| rng.bool()).collect();
            let methods = if methods.is_empty() {
                vec!["phone"]
            } else {
                methods
            };
            writeln!(y, "  - days: [{}]", days.join(", ")).unwrap();
            writeln!(y, "    from: \"{from:02}:00\"").unwrap();
            writeln!(y, "    to: \"{:02}:30\"", from + 1).unwrap();
            writeln!(y, "    methods: [{}]", methods.join(", ")).unwrap();
            writeln!(y, "    contact: 地域連携室 {}", pick(rng, &SURNAMES).0).unwrap();
            writeln!(y, "    appointment: {}", rng.bool()).unwrap();
        }
    }
    writeln!(
        y,
        "note: |\n  駐車場は{}台分あります。\n  - 送迎: {}",
        rng.u8(2..30),
        if rng.bool() { "あり" } else { "なし" }
    )
    .unwrap();
    writeln!(
        y,
        "verified: 2026-{:02}-{:02}",
        rng.u8(1..11),
        rng.u8(1..28)
    )
    .unwrap();
    (category.to_owned(), format!("gen-{index:07}"), y)
}

fn main() {
    let args = parse_args();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let content = args.out.join("content");
    if content.exists() {
        std::fs::remove_dir_all(&content).unwrap();
    }
    // site.yaml, pages, dictionary and images come from the sample site; only records are generated.
    for entry in walkdir::WalkDir::new(repo.join("content")) {
        let entry = entry.unwrap();
        let relative = entry.path().strip_prefix(repo.join("content")).unwrap();
        if relative.starts_with("resources") || !entry.file_type().is_file() {
            continue;
        }
        let target = content.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(entry.path(), target).unwrap();
    }
    let mut rng = fastrand::Rng::with_seed(args.seed);
    for index in 0..args.records {
        let (category, id, yaml) = record(&mut rng, index);
        write(
            &content
                .join("resources")
                .join(category)
                .join(format!("{id}.yaml")),
            &yaml,
        );
    }
    eprintln!("{} records written to {}", args.records, args.out.display());
}
