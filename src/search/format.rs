//! The files of the prebuilt index under `search-index/` — read by `zaitaku search` and by
//! `search-engine.js` in the browser. Every file is gzip-compressed JSON (the browser inflates
//! it with `DecompressionStream`), so a query transfers the same few kilobytes whatever the
//! static host compresses.
//!
//! * `meta.bin`: format, version, the rules (the browser's part of `src/ja/rules.json`), the first
//!   term of every term chunk, the document table (kind, category, area, services, title length,
//!   open days per document), the facet labels and the lay vocabulary with the site's synonyms.
//!   Fetched by the first query.
//! * `t/<n>.bin`: term chunk *n*: `[[term, grams, words], …]` in code point order, where
//!   `grams` / `words` are 0 or postings `[[impact, docs], …]` and `docs` is either a list of
//!   gaps between document numbers or a base64 bitmap (whichever is shorter). A whole name
//!   (or kana) adds its bonus to the `words` of the term with the same string.
//! * `f/<n>.bin`: what results show of documents `n × FRAGMENT_PACK …` up to the next pack,
//!   an array of fragments (title, URL, category, area, phone, ケアマネタイム, the text
//!   snippets are cut from).

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Bumped when the files change shape; `zaitaku search` refuses other versions.
pub const FORMAT: u32 = 4;

/// Fragments per `f/` file: a result list of ten needs fewer requests when neighbours in the
/// document order (五十音) come together, and a file stays around 1–2 KB compressed.
pub const FRAGMENT_PACK: usize = 8;

/// The folder in the site.
pub const DIR: &str = "search-index";

/// Facet labels: `[key, label]` pairs in site order.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Labels {
    pub categories: Vec<(String, String)>,
    pub areas: Vec<(String, String)>,
    pub services: Vec<(String, String)>,
    /// Labels of the document kinds, by kind number.
    pub kinds: Vec<(String, String)>,
}

/// The document table, one column per property.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct DocTable {
    /// Kind number (index into `Labels::kinds`; 0 is a facility).
    pub kind: Vec<u8>,
    /// Category index or -1.
    pub cat: Vec<i32>,
    /// Area index or -1.
    pub area: Vec<i32>,
    /// Services as a bit set (bit *i* = service *i*; at most 52 services).
    pub svc: Vec<u64>,
    /// Title length in normalised characters (shorter titles win ties).
    pub tlen: Vec<u32>,
    /// When a facility is open (bits of `search::lay::time_bit`: hours) and, shifted by
    /// `search::lay::REACHABLE_SHIFT`, reachable (24時間対応, ケアマネタイム); 0 for pages.
    pub open: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    pub format: u32,
    /// Changes whenever any index file changes; the browser adds it to file URLs.
    pub version: String,
    pub count: usize,
    /// The site's address (`base_url`), for absolute URLs on the command line.
    pub base_url: String,
    pub rules: serde_json::Value,
    /// First term of each term chunk.
    pub chunks: Vec<String>,
    pub docs: DocTable,
    pub labels: Labels,
    /// The lay vocabulary (`lay-words.tsv`) and the site's `content/synonyms.csv`.
    pub lay: Vec<crate::ja::lay_words::LayEntry>,
}

/// What a result shows of one document.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, Eq)]
pub struct Fragment {
    /// A facility's id, or a page's path (`lectures/2025-stage-play/`).
    pub id: String,
    /// `resource`, `page`, `pamphlet`, `manga`, `lecture` or `news`.
    pub kind: String,
    pub title: String,
    /// Site-relative URL (`resources/x/`).
    pub url: String,
    /// Category label (facility) or kind label (page).
    pub label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub area: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// ケアマネタイム windows, one line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caremane: Vec<String>,
    /// The text snippets are cut from.
    pub text: String,
    /// What a match by reading highlights: (key, shown word), both normalised. A key is the
    /// reading of a word of the title or text written in kanji (ヤマザキ → 山崎), the facility's
    /// whole `kana` (→ its name), or a kanji spelling of a kana word of the name (桜 → さくら).
    /// `engine::reading_marks` turns the query's strings into extra highlighted words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<(String, String)>,
}

/// Postings: `(document, impact)` sorted by document.
pub type Postings = Vec<(u32, u32)>;

/// One term of a chunk.
#[derive(Debug, Clone, Default)]
pub struct TermEntry {
    pub term: String,
    pub grams: Postings,
    pub words: Postings,
}

/// Gzip at the best level. One compressor per thread is reset and reused: allocating a fresh
/// one (about 300 KB of tables) for each of thousands of small files made glibc keep hundreds
/// of megabytes of freed memory mapped.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use flate2::{Compress, Compression, Crc, FlushCompress, Status};
    thread_local! {
        static DEFLATE: std::cell::RefCell<Compress> =
            std::cell::RefCell::new(Compress::new(Compression::best(), false));
    }
    // Header: deflate, no name or time, "best compression", unknown system (as GzEncoder).
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255];
    out.reserve(bytes.len() / 2 + 64);
    DEFLATE.with(|deflate| {
        let mut deflate = deflate.borrow_mut();
        deflate.reset();
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity());
            }
            let consumed = deflate.total_in() as usize;
            let status = deflate
                .compress_vec(&bytes[consumed..], &mut out, FlushCompress::Finish)
                .expect("deflate to memory");
            if status == Status::StreamEnd {
                break;
            }
        }
    });
    let mut crc = Crc::new();
    crc.update(bytes);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out
}

/// Reads a gzip file (or a plain one, if a tool unpacked it).
pub fn read_gz(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "読み込み", e))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::io(path, "展開", e))?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}

pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let bytes = read_gz(path)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::Setup(format!(
            "検索インデックス {} が壊れています（{e}）。zaitaku build で作り直してください。",
            path.display()
        ))
    })
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(BASE64[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let Some(value) = BASE64.iter().position(|&b| b == c) else {
            continue;
        };
        buffer = (buffer << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

/// Encodes postings as `[[impact, docs], …]`, highest impact first.
pub fn encode_postings(postings: &Postings, doc_count: usize) -> serde_json::Value {
    use std::collections::BTreeMap;
    let mut by_impact: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &(doc, impact) in postings {
        by_impact.entry(impact).or_default().push(doc);
    }
    let mut groups = Vec::new();
    for (impact, mut docs) in by_impact.into_iter().rev() {
        docs.sort_unstable();
        let mut gaps = Vec::with_capacity(docs.len());
        let mut previous = 0;
        let mut gaps_len = 2;
        for (i, &doc) in docs.iter().enumerate() {
            let gap = if i == 0 { doc } else { doc - previous };
            previous = doc;
            gaps_len += gap.to_string().len() + 1;
            gaps.push(gap);
        }
        let bitmap_len = (doc_count.div_ceil(8)).div_ceil(3) * 4 + 2;
        let encoded = if bitmap_len < gaps_len {
            let mut bits = vec![0u8; doc_count.div_ceil(8)];
            for &doc in &docs {
                bits[(doc >> 3) as usize] |= 1 << (doc & 7);
            }
            serde_json::Value::String(base64_encode(&bits))
        } else {
            serde_json::Value::from(gaps)
        };
        groups.push(serde_json::json!([impact, encoded]));
    }
    serde_json::Value::Array(groups)
}

/// Decodes what [`encode_postings`] wrote (0 for none).
pub fn decode_postings(value: &serde_json::Value) -> Postings {
    let mut out: Postings = Vec::new();
    let Some(groups) = value.as_array() else {
        return out;
    };
    for group in groups {
        let impact = group.get(0).and_then(|v| v.as_u64()).unwrap_or(0) as u32;
        match group.get(1) {
            Some(serde_json::Value::String(bitmap)) => {
                for (byte_index, byte) in base64_decode(bitmap).into_iter().enumerate() {
                    for bit in 0..8 {
                        if byte & (1 << bit) != 0 {
                            out.push(((byte_index * 8 + bit) as u32, impact));
                        }
                    }
                }
            }
            Some(serde_json::Value::Array(gaps)) => {
                let mut doc = 0u32;
                for (i, gap) in gaps.iter().enumerate() {
                    let gap = gap.as_u64().unwrap_or(0) as u32;
                    doc = if i == 0 { gap } else { doc + gap };
                    out.push((doc, impact));
                }
            }
            _ => {}
        }
    }
    out.sort_unstable();
    out
}

/// Parses a term chunk file.
pub fn decode_chunk(value: &serde_json::Value) -> Vec<TermEntry> {
    value
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|entry| TermEntry {
                    term: entry
                        .get(0)
                        .and_then(|t| t.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    grams: entry.get(1).map(decode_postings).unwrap_or_default(),
                    words: entry.get(2).map(decode_postings).unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_round_trip() {
        let postings: Postings = vec![(0, 5), (3, 20), (4, 5), (9, 20), (10, 5)];
        let encoded = encode_postings(&postings, 11);
        assert_eq!(decode_postings(&encoded), postings);
        let dense: Postings = (0..1000).map(|d| (d, 2)).collect();
        let encoded = encode_postings(&dense, 1000);
        assert!(encoded[0][1].is_string());
        assert_eq!(decode_postings(&encoded), dense);
    }

    #[test]
    fn gzip_round_trips_and_reuses_the_compressor() {
        let text = "訪問看護ステーション".repeat(500);
        for input in [&b""[..], b"a", text.as_bytes(), b"again, after a long one"] {
            let packed = gzip(input);
            let mut unpacked = Vec::new();
            flate2::read::GzDecoder::new(&packed[..])
                .read_to_end(&mut unpacked)
                .unwrap();
            assert_eq!(unpacked, input);
        }
        assert!(gzip(text.as_bytes()).len() < text.len() / 20);
    }

    #[test]
    fn base64() {
        for text in [&b""[..], b"a", b"ab", b"abc", b"abcd", &[255, 0, 17, 200]] {
            assert_eq!(base64_decode(&base64_encode(text)), text);
        }
        assert_eq!(base64_encode(b"Man"), "TWFu");
        assert_eq!(base64_encode(b"Ma"), "TWE=");
    }
}
