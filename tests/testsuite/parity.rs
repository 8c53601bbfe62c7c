//! Search parity without a browser: Rust writes what its normalisation and query analysis make
//! of the test queries (`tests/search/queries.tsv`) and of a few thousand generated strings —
//! every kana in every width, 異体字, kanji numerals with address counters, 法人格 and their
//! readings, dashes, spaces, particles and noise words, and random mixes of them — and
//! `search-engine.js`, run by node (`tests/browser/normalize-parity.cjs`, no Chromium), must
//! produce exactly the same with the rules `meta.bin` gives it. The Chromium test
//! (`search-parity.mjs`) still checks the whole path on the built index.

use std::io::Write;
use std::process::Command;

use serde_json::json;
use zaitaku::search::{engine, normalize};

use crate::common;

/// A small, fixed pseudo-random sequence (xorshift64*), so every run checks the same strings.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn range(from: u32, to: u32) -> impl Iterator<Item = char> {
    (from..=to).filter_map(char::from_u32)
}

/// Every character the generated strings are made of.
fn alphabet() -> Vec<char> {
    let tables = zaitaku::ja::tables();
    let mut out: Vec<char> = Vec::new();
    // Hiragana, katakana, half-width katakana, small katakana for Ainu, voicing marks.
    out.extend(range(0x3041, 0x3096));
    out.extend(range(0x3099, 0x309E));
    out.extend(range(0x30A1, 0x30FE));
    out.extend(range(0xFF61, 0xFF9F));
    out.extend(range(0x31F0, 0x31FF));
    // ASCII and full-width ASCII.
    out.extend(range(0x21, 0x7E));
    out.extend(range(0xFF01, 0xFF5E));
    // Every 異体字 and what it folds to, every kanji numeral and unit.
    for (from, to) in tables.variants.iter() {
        out.push(*from);
        out.push(*to);
    }
    out.extend(tables.digits.iter().map(|(c, _)| *c));
    out.extend(tables.units.iter().map(|(c, _)| *c));
    // Address counters, ヶ between kanji, words of names.
    out.extend("丁目番地号霞関町内科訪問看護医療法人会社団財".chars());
    // Dashes, spaces and punctuation.
    out.extend("-‐‑‒–—―⁃−─━﹣－ｰー・、。（）「」【】～〜".chars());
    out.extend([
        ' ', '\u{3000}', '\t', '\u{A0}', '\u{2002}', '\u{200B}', '\u{FEFF}', '\u{0301}',
    ]);
    out.sort_unstable();
    out.dedup();
    out
}

/// 0 … 9999 in kanji as people write them in addresses (二十三, 百五).
fn kanji_number(n: u32) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if n == 0 {
        return DIGITS[0].to_owned();
    }
    let mut out = String::new();
    for (value, unit) in [(1000, "千"), (100, "百"), (10, "十")] {
        let digit = n / value % 10;
        if digit > 1 {
            out.push_str(DIGITS[digit as usize]);
        }
        if digit > 0 {
            out.push_str(unit);
        }
    }
    if !n.is_multiple_of(10) {
        out.push_str(DIGITS[(n % 10) as usize]);
    }
    out
}

/// The strings both sides are run on.
fn inputs() -> Vec<String> {
    let tables = zaitaku::ja::tables();
    let mut out: Vec<String> = Vec::new();
    let queries = std::fs::read_to_string(common::repo().join("tests/search/queries.tsv")).unwrap();
    for line in queries.lines().filter(|l| !l.starts_with('#')).skip(1) {
        out.push(line.split('\t').next().unwrap().to_owned());
    }
    let alphabet = alphabet();
    for c in &alphabet {
        out.push(format!("{c}"));
        out.push(format!("漢{c}字"));
        out.push(format!("ア{c}ー"));
        out.push(format!("1{c}2丁目"));
    }
    for form in &tables.legal_forms {
        let wide: String = form
            .form
            .chars()
            .map(|c| match c {
                '(' => '（',
                ')' => '）',
                'A'..='Z' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
                other => other,
            })
            .collect();
        for written in [&form.form, &wide] {
            out.push(written.clone());
            out.push(format!("{written}さくら会 さくら診療所"));
            out.push(format!("{written}さくら訪問看護"));
            out.push(format!("さくら {written}"));
        }
        for reading in &form.readings {
            out.push(format!("{reading}サクラ"));
            out.push(zaitaku::ja::to_hiragana(&format!("{reading} さくら")));
        }
    }
    for (from, to) in tables.variants.iter() {
        out.push(format!("{from}藤内科"));
        out.push(format!("{to}藤 内科の電話番号"));
    }
    for n in (0..=130).chain([200, 305, 999, 1000, 1001, 2026, 4321]) {
        let kanji = kanji_number(n);
        for counter in ["丁目", "番地", "番", "号", ""] {
            out.push(format!("山城西{kanji}{counter}12"));
            out.push(format!("南昭和町{n}{counter}"));
        }
    }
    for word in tables.particles.iter().chain(&tables.noise) {
        out.push(word.clone());
        out.push(format!("訪問看護{word}"));
        out.push(format!("在宅酸素{word}できる診療所を教えて"));
    }
    let mut random = Random(0x5EED_2026_1126);
    for _ in 0..3000 {
        let length = 1 + random.below(14);
        out.push(
            (0..length)
                .map(|_| alphabet[random.below(alphabet.len())])
                .collect(),
        );
    }
    out
}

/// One line per input: what Rust makes of it.
fn case(input: &str) -> serde_json::Value {
    let normalized = normalize::normalize(input);
    let parts = engine::word_parts(input);
    let clauses: Vec<String> = parts.iter().map(|(word, _)| word.clone()).collect();
    let (snippet, highlights) = engine::snippet(input, &clauses, 12);
    json!({
        "input": input,
        "prep": normalize::prep(input),
        "normalized": normalized.text(),
        "source": normalized.source,
        "fold": normalize::fold(input),
        "parts": parts,
        "snippet": [snippet, highlights],
    })
}

#[test]
fn search_engine_js_normalises_and_analyses_queries_as_rust_does() {
    let inputs = inputs();
    assert!(inputs.len() > 4000, "{} strings", inputs.len());
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&cases).unwrap());
    // The rules exactly as the browser gets them in search-index/meta.bin.
    writeln!(file, "{}", json!({ "rules": normalize::rules().json })).unwrap();
    for input in &inputs {
        writeln!(file, "{}", case(input)).unwrap();
    }
    file.into_inner().unwrap().sync_all().unwrap();

    let root = common::repo();
    let output = Command::new("node")
        .arg(root.join("tests/browser/normalize-parity.cjs"))
        .arg(root.join("themes/default/static/assets/search-engine.js"))
        .arg(&cases)
        .output()
        .unwrap_or_else(|e| panic!("node (Node.js 20 or later) must be on PATH: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "search-engine.js differs from Rust:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("{} cases agree", inputs.len())),
        "{stdout}\n{stderr}"
    );
}
