//! Building the index: every facility and page becomes a tantivy document whose fields are
//! analysed by lindera (through lindera-tantivy, with IPADIC and the site's own words) and by
//! a character n-gram tokenizer, both after [`super::normalize`]. The tantivy index is then
//! read back term by term and exported as the sharded files of [`super::format`]: for every
//! term, which documents have it and how strongly (an integer *impact*), so the browser and
//! `zaitaku search` rank with the very same numbers and the browser needs no tantivy.
//!
//! Impacts: a term in a field scores `field weight × kind factor`; a document's impact for a
//! term is the sum over its fields of the best kind in each.
//!
//! | field | weight | | kind | factor |
//! | --- | --- | --- | --- | --- |
//! | name / title | 10 | | whole word (lindera token) | 4 |
//! | address, phone | 5 | | word by its reading (読み) | 3 |
//! | category, area, services, specialties | 5 | | substring (n-gram) | 2 |
//! | corporation (法人名) | 4 | | substring of the reading | 1 |
//! | text (notes, page body) | 2, 3 if it occurs 3 times or more | | | |
//!
//! The whole name (without a legal-entity prefix) and the facility's `kana` are also terms of
//! their own worth 100, so typing a name exactly puts it first. The `kana` without voicing
//! marks gives `~` + n-gram terms worth 5 (やまさき finds ヤマザキ, below an exact reading).
//! Readings the other way round: a name's words written in kana (hiragana, and katakana
//! words without ー: サクラ, not センター) get IPADIC's kanji spellings of that reading as terms
//! of their own (しらさぎ → 白鷺 worth 30, a reading of the name), so a kanji query finds a
//! kana name with no dictionary in the browser. Spellings read with other voicing (worth 5)
//! only for a word no noun spells as it is read: こくふ has 国府, so 国分 (こくぶ) does not find
//! it. Each fragment carries the marks a match by reading highlights
//! ([`format::Fragment::marks`]).
//! Phone and FAX numbers are indexed as written, as digits only and without the area code;
//! postal codes also as digits only. The document table records when a facility is open
//! (hours) and reachable (24時間対応, ケアマネタイム) for the day words of a query.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::AssertUnwindSafe;

use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera_analysis::token_filter::japanese_reading_form::JapaneseReadingFormTokenFilter;
use lindera_analysis::token_filter::japanese_stop_tags::JapaneseStopTagsTokenFilter;
use lindera_tantivy::tokenizer::LinderaTokenizer;
use rayon::prelude::*;
use tantivy::postings::Postings as _;
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{DocSet, Index, IndexWriter, TERMINATED, TantivyDocument};

use super::format::{self, DocTable, Fragment, Labels, Meta, Postings};
use super::lay;
use super::normalize::{self, is_kanji};
use crate::content::Content;
use crate::content::availability;
use crate::content::pages::{PageDetails, PageKind};
use crate::error::{Error, Result};

/// Logical fields, in impact order.
const NAME: usize = 0;
const CORP: usize = 1;
const ADDR: usize = 2;
const ATTRS: usize = 3;
const TEXT: usize = 4;
const EXACT: usize = 5;
const LOOSE: usize = 6;
const SPELLING: usize = 7;
const SPELLING_LOOSE: usize = 8;
/// Logical fields and the slots of a document's impacts.
const SLOTS: usize = 9;
const FIELDS: [&str; 5] = ["name", "corp", "addr", "attrs", "text"];
const WEIGHT: [u32; 5] = [10, 4, 5, 5, 2];

/// Kinds of term.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Reading,
    Gram,
    ReadingGram,
    Exact,
    /// n-grams of the name's reading without voicing marks, as `~` + gram (`LOOSE_IMPACT`).
    Loose,
    /// A kanji spelling of a kana word of the name, read the same (`SPELLING_IMPACT`) or with
    /// other voicing (`LOOSE_IMPACT`).
    Spelling,
}

impl Kind {
    fn factor(self) -> u32 {
        match self {
            Kind::Word => 4,
            Kind::Reading => 3,
            Kind::Gram => 2,
            Kind::ReadingGram => 1,
            Kind::Exact | Kind::Loose | Kind::Spelling => 0,
        }
    }

    fn is_gram(self) -> bool {
        matches!(self, Kind::Gram | Kind::ReadingGram | Kind::Loose)
    }
}

/// Whether body text also gets substring-of-reading terms (kana queries find words inside
/// compounds of the body, at the cost of a larger index).
const READING_GRAMS_IN_TEXT: bool = false;

/// Worth of an exact whole-name term.
const EXACT_IMPACT: u32 = 100;

/// Worth of a name reading matched with other voicing (やまさき for ヤマザキ): below a
/// substring of the reading (10), so the exact spelling ranks first.
const LOOSE_IMPACT: u32 = 5;

/// Worth of a kanji spelling of a kana word of the name (桜 for さくら): a reading of the name
/// (name weight × reading factor).
const SPELLING_IMPACT: u32 = 30;

/// The prefix of loose terms; no query word can hold it (`~` is punctuation to search).
pub const LOOSE_PREFIX: char = '~';

/// How much text a result's fragment keeps for snippets (a later query fetches ten fragments).
const FACILITY_SNIPPET_CHARS: usize = 300;
const PAGE_SNIPPET_CHARS: usize = 600;

/// Target size of one term chunk before compression.
const CHUNK_BYTES: usize = 2000;

/// Part-of-speech tags lindera drops before indexing words (particles, auxiliaries, symbols).
const STOP_TAGS: [&str; 24] = [
    "助詞,格助詞,一般",
    "助詞,格助詞,引用",
    "助詞,格助詞,連語",
    "助詞,係助詞",
    "助詞,副助詞",
    "助詞,間投助詞",
    "助詞,並立助詞",
    "助詞,終助詞",
    "助詞,副助詞／並立助詞／終助詞",
    "助詞,連体化",
    "助詞,副詞化",
    "助詞,特殊",
    "助詞,接続助詞",
    "助動詞",
    "記号",
    "記号,一般",
    "記号,句点",
    "記号,読点",
    "記号,空白",
    "記号,括弧開",
    "記号,括弧閉",
    "フィラー",
    "その他,間投",
    "感動詞",
];

/// A token stream over tokens made in advance.
pub struct VecStream {
    tokens: Vec<Token>,
    index: usize,
}

impl TokenStream for VecStream {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}

fn token(text: String, position: usize) -> Token {
    Token {
        offset_from: 0,
        offset_to: 0,
        position,
        text,
        position_length: 1,
    }
}

/// Lindera's tokens (surfaces or readings), normalised; particles and empty tokens dropped.
#[derive(Clone)]
struct FoldTokenizer {
    inner: LinderaTokenizer,
    cache: HashMap<String, Vec<Token>>,
}

impl Tokenizer for FoldTokenizer {
    type TokenStream<'a> = VecStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        // Labels (categories, services, areas) repeat in every record: analyse each once.
        let short = text.len() <= CACHED_TEXT_BYTES;
        if short && let Some(tokens) = self.cache.get(text) {
            return VecStream {
                tokens: tokens.clone(),
                index: 0,
            };
        }
        let inner = &mut self.inner;
        // Lindera reads prepped text (NFKC and the 異体字 table: 髙橋 is 高橋 to IPADIC).
        let prepped = normalize::prep(text);
        // lindera-tantivy unwraps lindera's errors; one odd text must not end the build.
        let texts = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut stream = inner.token_stream(&prepped);
            let mut texts = Vec::new();
            while stream.advance() {
                texts.push(stream.token().text.clone());
            }
            texts
        }))
        .unwrap_or_default();
        let stop = &normalize::rules().stop;
        let mut tokens = Vec::new();
        for text in texts {
            let folded = normalize::fold(&text);
            if folded.is_empty()
                || folded.chars().all(|c| c == '-' || c.is_ascii_digit())
                || stop.contains(&folded)
            {
                continue;
            }
            tokens.push(token(folded, tokens.len()));
        }
        if short {
            if self.cache.len() >= CACHE_ENTRIES {
                self.cache.clear();
            }
            self.cache.insert(text.to_owned(), tokens.clone());
        }
        VecStream { tokens, index: 0 }
    }
}

/// How many kanji spellings of one kana word of a name are indexed (さくら: 桜, 佐倉 …).
const MAX_SPELLINGS: usize = 8;

/// Texts up to this long are analysed once per indexing thread and then reused.
const CACHED_TEXT_BYTES: usize = 64;
const CACHE_ENTRIES: usize = 50_000;

/// The n-grams of normalised text: kanji unigrams, bigrams and trigrams within words.
pub fn grams(text: &str) -> Vec<String> {
    let normalized = normalize::normalize(text);
    let mut out = Vec::new();
    for word in normalized.chars.split(|&c| c == ' ') {
        for i in 0..word.len() {
            if is_kanji(word[i]) {
                out.push(word[i].to_string());
            }
            for n in [2, 3] {
                if i + n <= word.len() {
                    out.push(word[i..i + n].iter().collect());
                }
            }
        }
    }
    out
}

/// Loose terms of a reading: `~` + the n-grams of it without voicing marks.
#[derive(Clone)]
struct LooseTokenizer;

impl Tokenizer for LooseTokenizer {
    type TokenStream<'a> = VecStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        let plain = crate::ja::voicing::voiceless(&normalize::fold(text));
        let tokens = grams(&plain)
            .into_iter()
            .enumerate()
            .map(|(i, g)| token(format!("{LOOSE_PREFIX}{g}"), i))
            .collect();
        VecStream { tokens, index: 0 }
    }
}

#[derive(Clone)]
struct GramTokenizer;

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = VecStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        let tokens = grams(text)
            .into_iter()
            .enumerate()
            .map(|(i, g)| token(g, i))
            .collect();
        VecStream { tokens, index: 0 }
    }
}

/// The whole value as one normalised term. It shares its key with the word term of the same
/// string, so the whole-name bonus arrives in the chunk a query fetches anyway.
#[derive(Clone)]
struct ExactTokenizer;

impl Tokenizer for ExactTokenizer {
    type TokenStream<'a> = VecStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        let folded = normalize::fold(text);
        let tokens = if folded.is_empty() {
            Vec::new()
        } else {
            vec![token(folded, 0)]
        };
        VecStream { tokens, index: 0 }
    }
}

/// What a document is made of, before analysis.
#[derive(Default)]
struct SourceDoc {
    fragment: Fragment,
    kind: u8,
    cat: i32,
    area: i32,
    svc: u64,
    /// `DocTable::open`.
    open: u32,
    /// Values of each logical field.
    fields: [Vec<String>; 5],
    /// Readings (kana) of the name, when known (a facility's `kana`).
    name_reading: Vec<String>,
    /// Whole values worth [`EXACT_IMPACT`] when a query word is exactly one of them: the name,
    /// its kana, a page's title, and every written form of the phone, FAX and postal numbers.
    exact: Vec<String>,
    /// Kanji spellings of the kana words of the name (さくら → 桜), and whether only with other
    /// voicing ([`add_readings`]).
    spellings: Vec<(String, bool)>,
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// A phone number without its area code: `088-608-4633` → `608-4633` (numbers written with
/// three groups; mobile and toll-free numbers, 0120 / 0570 / 0X0, have none to drop).
pub fn local_number(number: &str) -> Option<String> {
    let prepped = normalize::prep(number);
    let groups: Vec<&str> = prepped
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let area = groups.first()?;
    let mobile = area.len() == 3 && area.ends_with('0');
    if groups.len() != 3
        || !area.starts_with('0')
        || mobile
        || ["0120", "0570", "0800"].contains(area)
    {
        return None;
    }
    Some(format!("{}-{}", groups[1], groups[2]))
}

/// When a facility is open (hours) and reachable (24時間対応, ケアマネタイム), as the bits of
/// `DocTable::open`; `night` is open after 19:00 or 24時間対応.
fn open_bits(resource: &crate::content::resource::Resource) -> u32 {
    use super::lay::{REACHABLE_SHIFT, time_bit};
    let mut open = 0;
    for band in &resource.hours {
        open |= lay::day_bits(&band.days);
        if band.close.as_str() > "19:00" || band.open.as_str() < "06:00" {
            open |= time_bit("night");
        }
    }
    let mut reachable = 0;
    for window in &resource.caremane_time {
        reachable |= lay::day_bits(&window.days);
    }
    if resource.services.iter().any(|s| s.key == "24h") {
        reachable = (1 << crate::ja::lay_words::TIME_KEYS.len()) - 1;
    }
    open | (reachable << REACHABLE_SHIFT)
}

/// The terms a facility is found by for its vacancy information: only a 「空きあり」 that is
/// current on the build's day — its label in `site.yaml` and [`availability::AVAILABLE_LABEL`]
/// (what the lay words search for, whatever the site calls it). Other statuses and old
/// information are not searchable, so 「空き」 never finds a facility that is full, or one whose
/// vacancy may be long gone.
fn vacancy_terms(resource: &crate::content::resource::Resource) -> Vec<String> {
    match &resource.availability {
        Some(a) if a.available && !a.stale => {
            let mut terms = vec![availability::AVAILABLE_LABEL.to_owned()];
            if a.status.label != availability::AVAILABLE_LABEL {
                terms.push(a.status.label.clone());
            }
            terms
        }
        _ => Vec::new(),
    }
}

/// Current vacancy information as a result shows it: 「空きあり（2）11月20日時点 女性の個室に空きが
/// あります」.
fn vacancy_snippet(resource: &crate::content::resource::Resource) -> Option<String> {
    let a = resource.availability.as_ref().filter(|a| !a.stale)?;
    let count = a.count.map(|c| format!("（{c}）")).unwrap_or_default();
    let note = a.note.as_ref().map(|n| format!(" {n}")).unwrap_or_default();
    Some(format!(
        "{}{count}{}時点{note}",
        a.status.label, a.as_of_label
    ))
}

/// The vacancy note as search finds it: the note of current information (the facility's page
/// shows it; an old one is hidden there, so search does not find it either). For another
/// status than 「空きあり」 the character 空 is left out, so that 「空き」 never finds a facility
/// through 「空きはありません」 or 「空き状況はお問い合わせください」.
fn vacancy_note(resource: &crate::content::resource::Resource) -> Option<String> {
    let a = resource.availability.as_ref().filter(|a| !a.stale)?;
    let note = a.note.as_ref()?;
    Some(if a.available {
        note.clone()
    } else {
        note.replace('空', "　")
    })
}

/// Removes a legal-entity prefix (医療法人社団 …) and the spaces after it.
pub fn strip_legal(name: &str) -> String {
    let prepped: Vec<char> = normalize::prep(name).chars().collect();
    for prefix in &normalize::rules().legal_prefixes {
        if prepped.len() > prefix.len() && prepped.starts_with(prefix) {
            let rest: String = prepped[prefix.len()..].iter().collect();
            return rest.trim_start_matches(normalize::is_space).to_owned();
        }
    }
    name.to_owned()
}

fn kind_labels() -> Vec<(String, String)> {
    [
        ("resource", "事業所"),
        ("page", "ページ"),
        ("pamphlet", "パンフレット"),
        ("manga", "漫画"),
        ("lecture", "市民公開講座"),
        ("news", "お知らせ"),
    ]
    .iter()
    .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
    .collect()
}

fn page_kind(kind: PageKind) -> u8 {
    match kind {
        PageKind::Page => 1,
        PageKind::Pamphlet => 2,
        PageKind::Manga => 3,
        PageKind::Lecture => 4,
        PageKind::News => 5,
    }
}

fn truncate(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        text
    } else {
        let mut out: String = text.chars().take(max).collect();
        out.push('…');
        out
    }
}

fn source_docs(content: &Content) -> Vec<SourceDoc> {
    let site = &content.site;
    let labels = kind_labels();
    let mut docs = Vec::new();
    for resource in &content.resources {
        // The note as its page shows it (sanitised; comments and hidden parts gone).
        let note = resource
            .note_rendered
            .as_ref()
            .map(|note| note.text.as_str())
            .filter(|text| !text.is_empty());
        let mut doc = SourceDoc {
            kind: 0,
            cat: site
                .categories
                .iter()
                .position(|c| c.key == resource.category.key)
                .map_or(-1, |i| i as i32),
            area: resource
                .area
                .as_ref()
                .and_then(|a| site.areas.iter().position(|t| t.key == a.key))
                .map_or(-1, |i| i as i32),
            ..Default::default()
        };
        for service in &resource.services {
            if let Some(i) = site.services.iter().position(|t| t.key == service.key)
                && i < 52
            {
                doc.svc |= 1 << i;
            }
        }
        doc.fields[NAME].push(resource.name.clone());
        doc.name_reading.push(resource.kana.clone());
        if let Some(corporation) = &resource.corporation {
            doc.fields[CORP].push(corporation.clone());
        }
        doc.open = open_bits(resource);
        let addr = &mut doc.fields[ADDR];
        if let Some(postal) = &resource.postal_code {
            addr.push(format!("〒{postal}"));
            // Also as digits only: 7708011 finds 770-8011.
            addr.push(digits(postal));
        }
        addr.push(resource.address.clone());
        for number in resource.phone.iter().chain(&resource.fax) {
            addr.push(number.clone());
            // Also as digits only (0886084633 finds 088-608-4633), and without the area code
            // (608-4633, 6084633), as people dial within the city.
            addr.push(digits(number));
            if let Some(local) = local_number(number) {
                addr.push(digits(&local));
                addr.push(local);
            }
        }
        // A number typed whole is that facility's, first: its forms are exact terms too (the
        // n-grams of 770-8011 are all in a record of 770-8012 whose phone has 011).
        let numbers: Vec<String> = addr
            .iter()
            .filter(|v| *v != &resource.address)
            .map(|v| v.trim_start_matches('〒').to_owned())
            .collect();
        doc.exact.extend(numbers);
        let attrs = &mut doc.fields[ATTRS];
        attrs.push(resource.category.label.clone());
        attrs.extend(resource.area.iter().map(|a| a.label.clone()));
        attrs.extend(resource.services.iter().map(|s| s.label.clone()));
        attrs.extend(resource.specialties.iter().cloned());
        if !resource.caremane_time.is_empty() {
            attrs.push("ケアマネタイム".to_owned());
        }
        attrs.extend(vacancy_terms(resource));
        let text = &mut doc.fields[TEXT];
        text.extend(note.map(str::to_owned));
        text.extend(vacancy_note(resource));
        text.extend(resource.closed.iter().cloned());
        let mut caremane = Vec::new();
        for window in &resource.caremane_time {
            text.extend(window.contact.iter().cloned());
            text.extend(window.note.iter().cloned());
            let methods: Vec<&str> = window.methods.iter().map(|m| m.label.as_str()).collect();
            let mut line = format!("{} {}〜{}", window.days_label, window.from, window.to);
            if !methods.is_empty() || window.appointment {
                line.push('（');
                line.push_str(&methods.join("・"));
                if window.appointment {
                    if !methods.is_empty() {
                        line.push('、');
                    }
                    line.push_str("要予約");
                }
                line.push('）');
            }
            caremane.push(line);
        }
        let stripped = strip_legal(&resource.name);
        doc.exact.push(stripped);
        doc.exact.push(resource.kana.clone());
        let mut snippet = vec![resource.address.clone()];
        let services: Vec<&str> = resource.services.iter().map(|s| s.label.as_str()).collect();
        if !services.is_empty() {
            snippet.push(services.join("・"));
        }
        if !resource.specialties.is_empty() {
            snippet.push(resource.specialties.join("・"));
        }
        snippet.extend(vacancy_snippet(resource));
        snippet.extend(note.map(str::to_owned));
        snippet.extend(resource.closed.iter().map(|c| format!("休み: {c}")));
        doc.fragment = Fragment {
            id: resource.id.clone(),
            kind: "resource".to_owned(),
            title: resource.name.clone(),
            url: format!("resources/{}/", resource.id),
            label: resource.category.label.clone(),
            area: resource
                .area
                .as_ref()
                .map(|a| a.label.clone())
                .unwrap_or_default(),
            phone: resource.phone.clone().unwrap_or_default(),
            caremane,
            text: truncate(&snippet.join("　"), FACILITY_SNIPPET_CHARS),
            marks: Vec::new(),
        };
        docs.push(doc);
    }
    for page in &content.pages {
        let kind = page_kind(page.kind);
        // The body as its page shows it; never the Markdown source.
        let body = page.rendered.text.clone();
        let mut doc = SourceDoc {
            kind,
            cat: -1,
            area: -1,
            ..Default::default()
        };
        doc.fields[NAME].push(page.title.clone());
        doc.fields[ATTRS].push(labels[kind as usize].1.clone());
        doc.fields[TEXT].extend(page.description.iter().cloned());
        doc.fields[TEXT].push(body.clone());
        let mut snippet = Vec::new();
        match &page.details {
            PageDetails::Lecture {
                date_label,
                venue,
                address,
                fee,
                organizer,
                apply,
                start,
                end,
                ..
            } => {
                doc.fields[ADDR].push(venue.clone());
                doc.fields[ADDR].push(address.clone());
                doc.fields[TEXT].extend([
                    date_label.clone(),
                    organizer.clone(),
                    fee.clone(),
                    apply.clone(),
                ]);
                snippet.push(format!("{date_label} {start}〜{end} {venue}"));
            }
            PageDetails::News { date_label, .. } => {
                doc.fields[TEXT].push(date_label.clone());
                snippet.push(date_label.clone());
            }
            PageDetails::Manga { panels, .. } => {
                doc.fields[TEXT].extend(panels.iter().map(|p| p.alt.clone()));
            }
            _ => {}
        }
        doc.exact.push(page.title.clone());
        snippet.extend(page.description.iter().cloned());
        snippet.push(body);
        doc.fragment = Fragment {
            id: page.path.clone(),
            kind: labels[kind as usize].0.clone(),
            title: page.title.clone(),
            url: page.path.clone(),
            label: labels[kind as usize].1.clone(),
            text: truncate(&snippet.join("　"), PAGE_SNIPPET_CHARS),
            ..Default::default()
        };
        docs.push(doc);
    }
    docs
}

/// Readings both ways: a facility whose name has kana words is also found by their kanji
/// spellings (さくら by 桜, at the weight of a reading of the name; やまさき by 山崎 only
/// through the voicing, lower); and every fragment gets the marks a match by reading highlights.
fn add_readings(analyzer: &Analyzer, docs: &mut [SourceDoc]) {
    let runs: Vec<Vec<(String, Vec<String>)>> = docs
        .par_iter()
        .map(|doc| {
            if doc.kind == 0 {
                analyzer.kana_words(&strip_legal(&doc.fragment.title))
            } else {
                Vec::new()
            }
        })
        .collect();
    let wanted: HashSet<String> = runs
        .iter()
        .flatten()
        .flat_map(|(run, nouns)| std::iter::once(run).chain(nouns))
        .cloned()
        .collect();
    let spellings = analyzer.spellings(&wanted);
    // A run's nouns count only when the run is no word as a whole.
    let words: Vec<Vec<String>> = runs
        .into_iter()
        .map(|runs| {
            runs.into_iter()
                .flat_map(|(run, nouns)| {
                    if spellings.contains_key(&run) {
                        vec![run]
                    } else {
                        nouns
                    }
                })
                .collect()
        })
        .collect();
    docs.par_iter_mut().zip(words).for_each(|(doc, words)| {
        let mut marks: Vec<(String, String)> = Vec::new();
        let mut push = |mark: (String, String)| {
            if !mark.0.is_empty() && !mark.1.is_empty() && !marks.contains(&mark) {
                marks.push(mark);
            }
        };
        for word in &words {
            for (spelling, loose) in spellings.get(word).into_iter().flatten() {
                if !doc.spellings.iter().any(|(s, _)| s == spelling) {
                    doc.spellings.push((spelling.clone(), *loose));
                }
                push((spelling.clone(), word.clone()));
            }
        }
        if doc.kind == 0 {
            let name = normalize::fold(&strip_legal(&doc.fragment.title));
            for reading in &doc.name_reading {
                push((normalize::fold(reading), name.clone()));
            }
        }
        for mark in analyzer.kanji_words(&doc.fragment.title) {
            push(mark);
        }
        for mark in analyzer.kanji_words(&doc.fragment.text) {
            if mark.1.chars().count() >= 2 {
                push(mark);
            }
        }
        doc.fragment.marks = marks;
    });
}

/// Lindera with IPADIC and the site's words.
pub struct Analyzer {
    segmenter: Segmenter,
    /// The system dictionary, read for the spellings of kana names ([`Analyzer::spellings`]).
    dictionary: lindera::dictionary::Dictionary,
    /// Readings of short texts (labels repeat in every record).
    readings: std::sync::Mutex<HashMap<String, String>>,
}

impl Analyzer {
    /// With the site's own words (`content/dictionary.csv`).
    pub fn new(words: &[crate::content::dictionary::Entry]) -> Result<Analyzer> {
        let dictionary = super::dictionary::system()?;
        let user = super::dictionary::user(&dictionary, words)?;
        Ok(Analyzer {
            segmenter: Segmenter::new(Mode::Normal, dictionary.clone(), user),
            dictionary,
            readings: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// The katakana reading of a text (words without one keep their spelling).
    pub fn reading(&self, text: &str) -> String {
        let short = text.len() <= CACHED_TEXT_BYTES;
        if short {
            let cache = self.readings.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(reading) = cache.get(text) {
                return reading.clone();
            }
        }
        let prepped = normalize::prep(text);
        let mut out = String::new();
        match self.segmenter.segment(Cow::Borrowed(prepped.as_str())) {
            Ok(mut tokens) => {
                for token in &mut tokens {
                    let surface = token.surface.to_string();
                    match token.get("reading") {
                        Some(reading) if reading != "*" && !reading.is_empty() => {
                            out.push_str(reading)
                        }
                        _ => out.push_str(&surface),
                    }
                }
            }
            Err(_) => out.push_str(&prepped),
        }
        if short {
            let mut cache = self.readings.lock().unwrap_or_else(|e| e.into_inner());
            if cache.len() >= CACHE_ENTRIES {
                cache.clear();
            }
            cache.insert(text.to_owned(), out.clone());
        }
        out
    }

    /// The words of a text written with kanji, normalised, with their normalised readings:
    /// (reading, word). What a result highlights when a query matched by reading.
    pub fn kanji_words(&self, text: &str) -> Vec<(String, String)> {
        let prepped = normalize::prep(text);
        let mut out: Vec<(String, String)> = Vec::new();
        let Ok(mut tokens) = self.segmenter.segment(Cow::Borrowed(prepped.as_str())) else {
            return out;
        };
        for token in &mut tokens {
            let surface = normalize::fold(&token.surface);
            if !surface.chars().any(is_kanji) {
                continue;
            }
            let Some(reading) = token.get("reading").filter(|r| *r != "*" && !r.is_empty()) else {
                continue;
            };
            let pair = (normalize::fold(reading), surface);
            if !pair.0.is_empty() && !out.contains(&pair) {
                out.push(pair);
            }
        }
        out
    }

    /// The words of a name written in kana (normalised): each run of hiragana of two
    /// characters or more as a whole (しらさぎ, かつら・たから → かつら, たから), and the nouns of
    /// three characters or more lindera finds in it (くすりのあさひ → くすり, あさひ), for a
    /// run that is no word as a whole; and each run of katakana of three characters or more
    /// without a long-vowel mark (サクラ, ヒマワリ, ホタル). A reader who heard the name does
    /// not know how it is written and types 桜 for サクラ as for さくら; katakana with ー
    /// (センター, ケアプラザ, ハーモニー) and short runs (ケア, サン) are loanwords or parts of them,
    /// which have no kanji spelling worth indexing.
    pub fn kana_words(&self, name: &str) -> Vec<(String, Vec<String>)> {
        let prepped = normalize::prep(name);
        let stop = &normalize::rules().stop;
        let katakana = |c: char| normalize::is_katakana(c) || c == 'ー';
        let mut runs: Vec<(String, bool)> = Vec::new();
        let mut run = String::new();
        let mut in_katakana = false;
        for c in prepped.chars().chain(std::iter::once(' ')) {
            let kind = if normalize::is_hiragana(c) {
                Some(false)
            } else if katakana(c) {
                Some(true)
            } else {
                None
            };
            if !run.is_empty() && kind != Some(in_katakana) {
                runs.push((std::mem::take(&mut run), in_katakana));
            }
            if let Some(kind) = kind {
                run.push(c);
                in_katakana = kind;
            }
        }
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (run, is_katakana) in runs {
            let folded = normalize::fold(&run);
            if is_katakana && (run.contains('ー') || run.chars().count() < 3) {
                continue;
            }
            if folded.chars().count() < 2 || stop.contains(&folded) {
                continue;
            }
            let mut nouns = Vec::new();
            if !is_katakana
                && let Ok(mut tokens) = self.segmenter.segment(Cow::Borrowed(run.as_str()))
            {
                for token in &mut tokens {
                    let noun = token.get("part_of_speech") == Some("名詞")
                        && token.get("reading").is_some_and(|r| r != "*");
                    let word = normalize::fold(&token.surface);
                    if noun && word.chars().count() >= 3 && word != folded {
                        nouns.push(word);
                    }
                }
            }
            if !out.iter().any(|(w, _)| *w == folded) {
                out.push((folded, nouns));
            }
        }
        out
    }

    /// The kanji spellings IPADIC gives nouns read as the kana words asked for (さくら → 桜,
    /// 佐倉 …), normalised: (kana word, spelling, whether only the voicing differs). Spellings
    /// read with other voicing only for a word that has no spelling read as it is. At most
    /// [`MAX_SPELLINGS`] per word, common nouns before proper ones.
    pub fn spellings(&self, kana_words: &HashSet<String>) -> HashMap<String, Vec<(String, bool)>> {
        let mut by_loose: HashMap<String, Vec<&String>> = HashMap::new();
        for word in kana_words {
            by_loose
                .entry(crate::ja::voicing::voiceless(word))
                .or_default()
                .push(word);
        }
        let mut found: HashMap<String, Vec<(u8, String, bool)>> = HashMap::new();
        if by_loose.is_empty() {
            return HashMap::new();
        }
        let count = self.dictionary.prefix_dictionary.words_idx_data.len() / 4;
        for id in 0..count {
            let details = self.dictionary.word_details(id);
            // 品詞, 細分類1, 2, 3, 活用型, 活用形, 原形, 読み, 発音
            if details.len() < 8 || details[0] != "名詞" {
                continue;
            }
            let rank = match details[1] {
                "一般" | "形容動詞語幹" => 0,
                "固有名詞" if details[2] != "人名" => 1,
                _ => continue,
            };
            let reading = normalize::fold(details[7]);
            let Some(words) = by_loose.get(&crate::ja::voicing::voiceless(&reading)) else {
                continue;
            };
            let spelling = normalize::fold(details[6]);
            if !spelling.chars().any(is_kanji) {
                continue;
            }
            for word in words {
                let loose = **word != reading;
                let list = found.entry((*word).clone()).or_default();
                match list.iter_mut().find(|(_, s, _)| *s == spelling) {
                    Some(known) => {
                        known.2 &= loose;
                        known.0 = known.0.min(rank);
                    }
                    None => list.push((rank, spelling.clone(), loose)),
                }
            }
        }
        found
            .into_iter()
            .map(|(word, mut list)| {
                // Another voicing only for a word that no noun spells as it is read: こくふ is
                // 国府, so 国分 (こくぶ) is another place, not こくふ remembered wrongly.
                if list.iter().any(|(_, _, loose)| !loose) {
                    list.retain(|(_, _, loose)| !loose);
                }
                list.sort_by_key(|a| (a.2, a.0));
                list.truncate(MAX_SPELLINGS);
                (word, list.into_iter().map(|(_, s, l)| (s, l)).collect())
            })
            .collect()
    }

    /// The normalised words (or readings) lindera finds in a text, as indexed.
    pub fn words(&self, text: &str, readings: bool) -> Vec<String> {
        let mut tokenizer = self.words_tokenizer(readings);
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    fn words_tokenizer(&self, readings: bool) -> FoldTokenizer {
        let mut inner = LinderaTokenizer::from_segmenter(self.segmenter.clone());
        let tags: HashSet<String> = STOP_TAGS.iter().map(|t| (*t).to_owned()).collect();
        inner.append_token_filter(JapaneseStopTagsTokenFilter::new(tags).into());
        if readings {
            inner.append_token_filter(JapaneseReadingFormTokenFilter::new().into());
        }
        FoldTokenizer {
            inner,
            cache: HashMap::new(),
        }
    }
}

/// One tantivy field and what it means.
struct FieldInfo {
    field: Field,
    logical: usize,
    kind: Kind,
}

struct Built {
    files: Vec<(String, Vec<u8>)>,
}

fn tantivy_error(e: tantivy::TantivyError) -> Error {
    Error::Setup(format!(
        "検索インデックスを作れませんでした（tantivy）: {e}"
    ))
}

/// Builds the index files (site-relative paths and bytes).
pub fn build_files(content: &Content) -> Result<Vec<(String, Vec<u8>)>> {
    let analyzer = Analyzer::new(&content.dictionary)?;
    let mut docs = source_docs(content);
    add_readings(&analyzer, &mut docs);
    let built = build_with(&analyzer, content, docs)?;
    Ok(built.files)
}

fn build_with(analyzer: &Analyzer, content: &Content, mut docs: Vec<SourceDoc>) -> Result<Built> {
    // Schema: per logical field, words, readings and grams (and reading grams for short fields).
    let mut builder = Schema::builder();
    let options = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let mut infos: Vec<FieldInfo> = Vec::new();
    let mut by_name: HashMap<(usize, u8), Field> = HashMap::new();
    for (logical, name) in FIELDS.iter().enumerate() {
        let mut kinds = vec![
            ("w", "ja_w", Kind::Word),
            ("r", "ja_r", Kind::Reading),
            ("g", "gram", Kind::Gram),
        ];
        if logical != TEXT || READING_GRAMS_IN_TEXT {
            kinds.push(("rg", "gram", Kind::ReadingGram));
        }
        for (suffix, tokenizer, kind) in kinds {
            let field = builder.add_text_field(&format!("{name}_{suffix}"), options(tokenizer));
            by_name.insert((logical, kind as u8), field);
            infos.push(FieldInfo {
                field,
                logical,
                kind,
            });
        }
    }
    let exact = builder.add_text_field("exact", options("exact"));
    infos.push(FieldInfo {
        field: exact,
        logical: EXACT,
        kind: Kind::Exact,
    });
    let loose = builder.add_text_field("loose", options("loose"));
    infos.push(FieldInfo {
        field: loose,
        logical: LOOSE,
        kind: Kind::Loose,
    });
    let spelling = builder.add_text_field("spelling", options("exact"));
    infos.push(FieldInfo {
        field: spelling,
        logical: SPELLING,
        kind: Kind::Spelling,
    });
    let spelling_loose = builder.add_text_field("spelling_loose", options("exact"));
    infos.push(FieldInfo {
        field: spelling_loose,
        logical: SPELLING_LOOSE,
        kind: Kind::Spelling,
    });
    let doc_field = builder.add_u64_field("doc", FAST);
    let schema = builder.build();

    let index = Index::create_in_ram(schema);
    let tokenizers = index.tokenizers();
    tokenizers.register("ja_w", TextAnalyzer::from(analyzer.words_tokenizer(false)));
    tokenizers.register("ja_r", TextAnalyzer::from(analyzer.words_tokenizer(true)));
    tokenizers.register("gram", TextAnalyzer::from(GramTokenizer));
    tokenizers.register("exact", TextAnalyzer::from(ExactTokenizer));
    tokenizers.register("loose", TextAnalyzer::from(LooseTokenizer));

    let make_document = |number: usize, doc: &SourceDoc| {
        let mut document = TantivyDocument::default();
        document.add_u64(doc_field, number as u64);
        for (logical, values) in doc.fields.iter().enumerate() {
            for value in values {
                for kind in [Kind::Word, Kind::Reading, Kind::Gram] {
                    document.add_text(by_name[&(logical, kind as u8)], value);
                }
            }
            if logical != TEXT || READING_GRAMS_IN_TEXT {
                let field = by_name[&(logical, Kind::ReadingGram as u8)];
                if logical == NAME && !doc.name_reading.is_empty() {
                    for reading in &doc.name_reading {
                        document.add_text(field, reading);
                    }
                } else {
                    for value in values {
                        document.add_text(field, analyzer.reading(value));
                    }
                }
            }
        }
        for value in &doc.exact {
            document.add_text(exact, value);
        }
        for reading in &doc.name_reading {
            document.add_text(loose, reading);
        }
        for (word, is_loose) in &doc.spellings {
            document.add_text(if *is_loose { spelling_loose } else { spelling }, word);
        }
        document
    };

    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    let mut writer: IndexWriter<TantivyDocument> = index
        .writer_with_num_threads(
            threads,
            threads * (20_000_000 + 3_000 * docs.len()).min(100_000_000),
        )
        .map_err(tantivy_error)?;
    // One explicit merge into a single segment at the end, none in the background.
    writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    // Documents in batches (readings worked out in parallel), so only a batch is in memory.
    for (batch_number, batch) in docs.chunks_mut(2000).enumerate() {
        let documents: Vec<TantivyDocument> = batch
            .par_iter()
            .enumerate()
            .map(|(i, doc)| make_document(batch_number * 2000 + i, doc))
            .collect();
        // The texts a batch was indexed from are not needed again (the fragments and the
        // document table are): freed now, so they do not stay beside tantivy's buffers.
        for doc in batch.iter_mut() {
            doc.fields = Default::default();
            doc.name_reading = Vec::new();
            doc.exact = Vec::new();
        }
        for document in documents {
            writer.add_document(document).map_err(tantivy_error)?;
        }
    }
    writer.commit().map_err(tantivy_error)?;
    let segments = index.searchable_segment_ids().map_err(tantivy_error)?;
    if segments.len() > 1 {
        writer.merge(&segments).wait().map_err(tantivy_error)?;
    }
    writer.wait_merging_threads().map_err(tantivy_error)?;

    let reader = index.reader().map_err(tantivy_error)?;
    let searcher = reader.searcher();
    let doc_count = docs.len();
    if doc_count >= 1 << 20 {
        return Err(Error::Setup(format!(
            "検索インデックスに入れられるのは 1,048,575 件までです（{doc_count} 件あります）。"
        )));
    }
    let mut chunks: Vec<(String, String)> = Vec::new(); // (first term, JSON)
    let mut current = String::from("[");
    let mut current_first: Option<String> = None;
    let flush = |current: &mut String,
                 current_first: &mut Option<String>,
                 chunks: &mut Vec<(String, String)>| {
        if let Some(first) = current_first.take() {
            current.push(']');
            chunks.push((first, std::mem::replace(current, String::from("["))));
        }
    };

    for segment in searcher.segment_readers() {
        let numbers = segment.fast_fields().u64("doc").map_err(tantivy_error)?;
        let number_of = |doc: u32| numbers.first(doc).unwrap_or(0) as u32;
        let inverted: Vec<_> = infos
            .iter()
            .map(|info| segment.inverted_index(info.field))
            .collect::<tantivy::Result<Vec<_>>>()
            .map_err(tantivy_error)?;
        let mut streams: Vec<_> = inverted
            .iter()
            .map(|ii| ii.terms().stream())
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(|e| Error::Setup(format!("検索インデックスを読めません: {e}")))?;
        let mut live: Vec<bool> = streams.iter_mut().map(|s| s.advance()).collect();
        loop {
            // The smallest current term of all fields.
            let mut smallest: Option<Vec<u8>> = None;
            for (i, stream) in streams.iter().enumerate() {
                if live[i] && smallest.as_deref().is_none_or(|s| stream.key() < s) {
                    smallest = Some(stream.key().to_vec());
                }
            }
            let Some(key) = smallest else { break };
            let mut best: [HashMap<u32, [u32; SLOTS]>; 2] = [HashMap::new(), HashMap::new()];
            for (i, stream) in streams.iter_mut().enumerate() {
                if !live[i] || stream.key() != key.as_slice() {
                    continue;
                }
                let info = &infos[i];
                let mut postings = inverted[i]
                    .read_postings_from_terminfo(stream.value(), IndexRecordOption::WithFreqs)
                    .map_err(|e| Error::Setup(format!("検索インデックスを読めません: {e}")))?;
                let space = usize::from(!info.kind.is_gram());
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    let value = if info.kind == Kind::Exact {
                        EXACT_IMPACT
                    } else if info.kind == Kind::Loose || info.logical == SPELLING_LOOSE {
                        LOOSE_IMPACT
                    } else if info.kind == Kind::Spelling {
                        SPELLING_IMPACT
                    } else {
                        let mut weight = WEIGHT[info.logical];
                        if info.logical == TEXT && postings.term_freq() >= 3 {
                            weight += 1;
                        }
                        weight * info.kind.factor()
                    };
                    let slot = best[space].entry(number_of(doc)).or_insert([0; SLOTS]);
                    slot[info.logical] = slot[info.logical].max(value);
                    doc = postings.advance();
                }
                live[i] = stream.advance();
            }
            let Ok(term) = String::from_utf8(key) else {
                continue;
            };
            let to_postings = |map: &HashMap<u32, [u32; SLOTS]>| -> Postings {
                let mut postings: Postings =
                    map.iter().map(|(&d, v)| (d, v.iter().sum())).collect();
                postings.sort_unstable();
                postings
            };
            let grams = to_postings(&best[0]);
            let words = to_postings(&best[1]);
            let encode = |p: &Postings| {
                if p.is_empty() {
                    serde_json::Value::from(0)
                } else {
                    format::encode_postings(p, doc_count)
                }
            };
            let entry = serde_json::json!([term, encode(&grams), encode(&words)]).to_string();
            if current_first.is_some() && current.len() + entry.len() > CHUNK_BYTES {
                flush(&mut current, &mut current_first, &mut chunks);
            }
            if current_first.is_none() {
                current_first = Some(term);
            } else {
                current.push(',');
            }
            current.push_str(&entry);
        }
    }
    flush(&mut current, &mut current_first, &mut chunks);

    // Files.
    let site = &content.site;
    let labels = Labels {
        categories: site
            .categories
            .iter()
            .map(|t| (t.key.clone(), t.label.clone()))
            .collect(),
        areas: site
            .areas
            .iter()
            .map(|t| (t.key.clone(), t.label.clone()))
            .collect(),
        services: site
            .services
            .iter()
            .take(52)
            .map(|t| (t.key.clone(), t.label.clone()))
            .collect(),
        kinds: kind_labels(),
    };
    let mut table = DocTable::default();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for doc in &docs {
        table.kind.push(doc.kind);
        table.cat.push(doc.cat);
        table.area.push(doc.area);
        table.svc.push(doc.svc);
        table.open.push(doc.open);
        // At most 2^18 - 1: the browser packs score, title length and document into one number.
        let tlen = normalize::fold(&doc.fragment.title)
            .chars()
            .count()
            .min((1 << 18) - 1);
        table.tlen.push(tlen as u32);
    }
    for (number, pack) in docs.chunks(format::FRAGMENT_PACK).enumerate() {
        let fragments: Vec<&Fragment> = pack.iter().map(|doc| &doc.fragment).collect();
        let json = serde_json::to_vec(&fragments).expect("fragments serialise");
        files.push((
            format!("{}/f/{number}.bin", format::DIR),
            format::gzip(&json),
        ));
    }
    let mut firsts = Vec::with_capacity(chunks.len());
    for (number, (first, json)) in chunks.into_iter().enumerate() {
        firsts.push(first);
        files.push((
            format!("{}/t/{number}.bin", format::DIR),
            format::gzip(json.as_bytes()),
        ));
    }
    let mut version = super::dictionary::FNV_OFFSET;
    for (name, bytes) in &files {
        version = super::dictionary::fnv1a(name.as_bytes(), version);
        version = super::dictionary::fnv1a(bytes, version);
    }
    let meta = Meta {
        format: format::FORMAT,
        version: format!("{:012x}", version & 0xffff_ffff_ffff),
        count: docs.len(),
        base_url: content.site.base_url.clone(),
        rules: normalize::rules().json.clone(),
        chunks: firsts,
        docs: table,
        labels,
        lay: lay::table(content),
    };
    let json = serde_json::to_vec(&meta).expect("meta serialises");
    files.push((format!("{}/meta.bin", format::DIR), format::gzip(&json)));
    Ok(Built { files })
}

/// Counts of what was built, for messages and benchmarks.
pub fn summary(files: &[(String, Vec<u8>)]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    out.insert("files", files.len());
    out.insert("bytes", files.iter().map(|(_, b)| b.len()).sum());
    out.insert(
        "chunks",
        files.iter().filter(|(n, _)| n.contains("/t/")).count(),
    );
    out
}
