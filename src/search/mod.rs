//! Japanese full-text search: a prebuilt index written by `zaitaku build`, queried by
//! `zaitaku search` and, with no server, by the browser.
//!
//! * [`normalize`]: the one normalisation (NFKC, kana, 異体字, dashes, 丁目/番地 …), mirrored
//!   in `search-engine.js`; its tables live in `src/ja/rules.json`.
//! * [`dictionary`]: IPADIC from Debian's `mecab-ipadic`, compiled once by lindera into a cache.
//! * [`indexer`]: lindera (one cut per text) and n-gram analysis into a tantivy index, exported
//!   as the sharded files of [`format`] under `search-index/`.
//! * [`store`]: the tantivy index kept between builds (`.zaitaku-cache/search/`) and between
//!   the preview's saves, so that only changed documents are analysed again.
//! * [`engine`]: query analysis, ranking and snippets on those files — the same algorithm as
//!   the browser's, so both give the same results.
//! * [`lay`]: the lay vocabulary (`themes/default/static/assets/ja/lay-words.tsv`) and the
//!   site's `content/synonyms.csv` at query time: everyday words, abbreviations, old terms,
//!   day words and noise phrases.

pub mod dictionary;
pub mod engine;
pub mod format;
pub mod indexer;
pub mod lay;
pub mod normalize;
pub mod store;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::content::Content;
use crate::error::{Error, Result};
use crate::output::Staging;
use engine::{Filters, SearchIndex};

/// The steps of writing the index, timed in [`IndexStats::steps`]: the documents' keys (and the
/// dictionary loaded), the kept index opened, the changed documents analysed, the fragments, the
/// term chunks and `meta.bin` exported, the kept index's files saved, the files written.
pub const STEPS: [&str; 8] = [
    "keys",
    "open",
    "analyse",
    "fragments",
    "terms",
    "meta",
    "save",
    "write",
];

/// What writing the index took and made (benchmarks show it with `ZAITAKU_SEARCH_STATS=1`).
#[derive(Debug, Clone, Copy)]
pub struct IndexStats {
    pub documents: usize,
    /// Documents analysed (the others came from the index kept in the [`store::Store`]).
    pub analysed: usize,
    /// Term chunks encoded (the others were taken whole from the last export).
    pub encoded: usize,
    /// Facilities whose document key and row came from the last export (their records had
    /// not changed), not made again.
    pub reused_keys: usize,
    pub files: usize,
    pub bytes: usize,
    /// Files of term chunks (`t/`).
    pub chunks: usize,
    pub elapsed: Duration,
    /// How long each of [`STEPS`] took.
    pub steps: [Duration; STEPS.len()],
    /// The process's peak resident memory before and after the index, in MiB.
    pub peak_rss_before_mib: u64,
    pub peak_rss_after_mib: u64,
}

/// Writes the search index into the site being built (`search-index/`), every document
/// analysed.
pub fn write_index(content: &Content, staging: &Staging) -> Result<IndexStats> {
    write_index_with(content, staging, &mut store::Store::in_memory())
}

/// [`write_index`] with the index kept in `store` ([`store`]): only the documents that changed
/// since it was last updated are analysed.
pub fn write_index_with(
    content: &Content,
    staging: &Staging,
    store: &mut store::Store,
) -> Result<IndexStats> {
    let started = std::time::Instant::now();
    let peak_before = peak_rss_mib();
    let files = indexer::build_files_with(content, store)?;
    let writing = std::time::Instant::now();
    for (relative, bytes) in &files {
        staging.write(relative, bytes)?;
    }
    store.steps[7] = writing.elapsed();
    let summary = indexer::summary(&files);
    Ok(IndexStats {
        documents: content.resources.len() + content.pages.len(),
        analysed: store.analysed,
        encoded: store.encoded,
        reused_keys: store.reused_keys,
        files: summary["files"],
        bytes: summary["bytes"],
        chunks: summary["chunks"],
        elapsed: started.elapsed(),
        steps: store.steps,
        peak_rss_before_mib: peak_before,
        peak_rss_after_mib: peak_rss_mib(),
    })
}

/// The process's peak resident memory so far (Linux `VmHWM`), for the benchmark line.
fn peak_rss_mib() -> u64 {
    crate::timings::memory_mib().1
}

/// What `zaitaku search` looks for, and where.
#[derive(Debug, Clone)]
pub struct SearchArgs {
    /// The words to look for (all of them must match).
    pub query: Vec<String>,
    /// The results as JSON (`[{id, kind, title, url, score, snippet}, …]`).
    pub json: bool,
    /// How many results to show.
    pub limit: usize,
    /// Only this category (a key of `site.yaml`'s categories).
    pub category: Option<String>,
    /// Only this area (a key of `site.yaml`'s areas).
    pub area: Option<String>,
    /// Only this service (a key of `site.yaml`'s services).
    pub service: Option<String>,
    /// The built site (`None`: `<root>/public`).
    pub site: Option<PathBuf>,
}

/// One result, as `--json` prints it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SearchResult {
    /// A facility's id or a page's path.
    pub id: String,
    /// `resource`, `page`, `pamphlet`, `manga`, `lecture` or `news`.
    pub kind: String,
    pub title: String,
    /// Absolute URL (the site's `base_url` + the page's path).
    pub url: String,
    pub score: u32,
    pub snippet: String,
    /// Highlighted ranges of `snippet`, in characters.
    pub highlights: Vec<(usize, usize)>,
    /// Highlighted ranges of `title`, in characters (matches by reading included).
    pub title_highlights: Vec<(usize, usize)>,
    /// How it was found through the lay vocabulary or the site's synonyms
    /// (「『胃瘻』を『胃ろう』として検索しました」).
    pub via: Vec<String>,
    #[serde(skip)]
    pub fragment: format::Fragment,
    /// The document number in the index (its fragment file is `f/<doc>.bin`).
    #[serde(skip)]
    pub doc: u32,
}

/// Results of a query.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// Every match after the filters.
    pub total: usize,
    pub results: Vec<SearchResult>,
    pub clauses: Vec<String>,
    /// No result has every word of the query; these have most of them
    /// ([`engine::PARTIAL_NOTE`]).
    pub partial: bool,
}

fn filter_index(
    labels: &[(String, String)],
    key: Option<&str>,
    option: &str,
) -> Result<Option<usize>> {
    let Some(key) = key else { return Ok(None) };
    match labels.iter().position(|(k, _)| k == key) {
        Some(i) => Ok(Some(i)),
        None => {
            let known: Vec<String> = labels.iter().map(|(k, l)| format!("{k}（{l}）")).collect();
            Err(Error::Setup(terminal_text(&format!(
                "--{option} {key} はありません。使えるのは次のとおりです: {}",
                known.join("、")
            ))))
        }
    }
}

/// Searches the built site at `site`.
pub fn search(
    site: &Path,
    query: &str,
    category: Option<&str>,
    area: Option<&str>,
    service: Option<&str>,
    limit: usize,
) -> Result<Results> {
    let index = SearchIndex::open(site)?;
    search_in(&index, query, category, area, service, limit)
}

/// Searches an opened index.
pub fn search_in(
    index: &SearchIndex,
    query: &str,
    category: Option<&str>,
    area: Option<&str>,
    service: Option<&str>,
    limit: usize,
) -> Result<Results> {
    let labels = &index.meta.labels;
    let filters = Filters {
        category: filter_index(&labels.categories, category, "category")?,
        area: filter_index(&labels.areas, area, "area")?,
        service: filter_index(&labels.services, service, "service")?,
    };
    let analysis = engine::analyze(query, index, index.lay());
    let ranking = engine::rank(&analysis, index, &index.meta);
    let hits: Vec<engine::Hit> = ranking
        .hits
        .into_iter()
        .filter(|hit| engine::passes(&index.meta, hit.doc, &filters))
        .collect();
    let mut results = Vec::new();
    for hit in hits.iter().take(limit) {
        let fragment = index.fragment(hit.doc)?;
        let clauses = engine::result_clauses(&analysis, &fragment);
        let (snippet, highlights) = engine::snippet(&fragment.text, &clauses, 100);
        let (_, title_highlights) = engine::snippet(&fragment.title, &clauses, 1000);
        results.push(SearchResult {
            id: fragment.id.clone(),
            kind: fragment.kind.clone(),
            title: fragment.title.clone(),
            url: format!("{}{}", index.meta.base_url, fragment.url),
            score: hit.score,
            snippet,
            highlights,
            title_highlights,
            via: engine::via_notes(&analysis, index, hit.doc),
            fragment,
            doc: hit.doc,
        });
    }
    Ok(Results {
        total: hits.len(),
        results,
        clauses: analysis.clauses,
        partial: ranking.partial,
    })
}

/// Characters a terminal may take as commands or that reorder what it shows: C0 and C1
/// controls, DEL, and the bidirectional marks, embeddings, overrides and isolates.
fn is_terminal_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Text from the index (or the query) as it may be written to a terminal: line breaks and tabs
/// become spaces, every other control character becomes U+FFFD, so an escape sequence in a
/// record can neither run nor hide what follows.
pub fn terminal_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if is_terminal_control(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// JSON for the terminal: serde_json escapes C0 controls inside strings (the line breaks left
/// are its own layout); DEL, C1 controls and bidirectional controls are escaped here too
/// (`\u202e`). They only occur inside strings, so the JSON means the same.
pub fn terminal_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if is_terminal_control(c) && c > '\u{1f}' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn marked(text: &str, highlights: &[(usize, usize)]) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if highlights.iter().any(|&(s, _)| s == i) {
            out.push('【');
        }
        out.push(c);
        if highlights.iter().any(|&(_, e)| e == i + 1) {
            out.push('】');
        }
    }
    out
}

/// Runs `zaitaku search`: the text to print, every part of it safe for a terminal.
pub fn run(root: &Path, args: &SearchArgs) -> Result<String> {
    let site = args.site.clone().unwrap_or_else(|| root.join("public"));
    let query = args.query.join(" ");
    let shown_query = terminal_text(&query);
    let results = search(
        &site,
        &query,
        args.category.as_deref(),
        args.area.as_deref(),
        args.service.as_deref(),
        args.limit,
    )?;
    Ok(if args.json {
        let json = serde_json::to_string_pretty(&results.results).expect("results serialise");
        format!("{}\n", terminal_json(&json))
    } else if results.total == 0 {
        format!("「{shown_query}」に一致するものは見つかりませんでした。\n")
    } else {
        let mut text = String::new();
        if results.partial {
            text.push_str(engine::PARTIAL_NOTE);
            text.push('\n');
        }
        text += &format!(
            "「{shown_query}」の検索結果: {} 件{}\n",
            results.total,
            if results.total > results.results.len() {
                format!("（上位 {} 件を表示）", results.results.len())
            } else {
                String::new()
            }
        );
        for (i, result) in results.results.iter().enumerate() {
            let fragment = &result.fragment;
            let mut label = fragment.label.clone();
            if !fragment.area.is_empty() {
                label.push('・');
                label.push_str(&fragment.area);
            }
            text.push_str(&format!(
                "{:>2}. {}［{}］ {}\n",
                i + 1,
                terminal_text(&marked(&result.title, &result.title_highlights)),
                terminal_text(&label),
                terminal_text(&result.url)
            ));
            let mut contact = Vec::new();
            if !fragment.phone.is_empty() {
                contact.push(format!("電話 {}", fragment.phone));
            }
            if !fragment.caremane.is_empty() {
                contact.push(format!("ケアマネタイム {}", fragment.caremane.join("／")));
            }
            if !contact.is_empty() {
                text.push_str(&format!("    {}\n", terminal_text(&contact.join("　"))));
            }
            for note in &result.via {
                text.push_str(&format!("    （{}）\n", terminal_text(note)));
            }
            text.push_str(&format!(
                "    {}\n",
                terminal_text(&marked(&result.snippet, &result.highlights))
            ));
        }
        text
    })
}
