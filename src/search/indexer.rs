//! Building the index: every facility and page becomes a tantivy document whose fields are
//! analysed by lindera (IPADIC and the site's own words) and by a character n-gram tokenizer,
//! both after [`super::normalize`]. Lindera cuts each text once ([`Analyzer::cut`]: the words
//! through its stop-tag filter, their reading forms, the reading of the whole text); the
//! tokenizers of the word, reading and reading-n-gram fields share that cut (short texts, the
//! labels and corporations that repeat, once per build). Documents are made, indexed and
//! dropped in batches; each carries its *key* (a hash of what it is made from) and its
//! fragment. The index is kept between builds and saves ([`super::store`]): a build analyses
//! only the documents whose key the kept index lacks, deletes those no longer wanted by key,
//! and exports what is alive, each document numbered by its place in 五十音 order now — byte
//! for byte what an index made from nothing gives. The writer threads' segments are not merged
//! (small ones left by updates are, once there are [`SMALL_SEGMENTS`]): the export reads the
//! terms of all of them together, term by term, and writes the sharded files of [`super::format`]:
//! for every term, which documents have it and how strongly (an integer *impact*), so the
//! browser and `zaitaku search` rank with the very same numbers and the browser needs no
//! tantivy.
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
use std::sync::{Arc, Mutex};

use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera_analysis::token_filter::TokenFilter as _;
use lindera_analysis::token_filter::japanese_reading_form::JapaneseReadingFormTokenFilter;
use lindera_analysis::token_filter::japanese_stop_tags::JapaneseStopTagsTokenFilter;
use rayon::prelude::*;
use tantivy::postings::Postings as _;
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value as _,
};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{DocSet, Index, IndexWriter, TERMINATED, TantivyDocument};

use super::format::{self, DocTable, Fragment, Labels, Meta, Postings};
use super::lay;
use super::normalize::{self, is_kanji};
use super::store::{ChunkRecord, Inputs, LastExport, PackKey, Packed, Store, pack_key};
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

/// One text as lindera cut it, once ([`Analyzer::cut`]), with everything the index takes
/// from it: the `ja_w` and `ja_r` fields, the substring-of-reading terms and the reading marks.
#[derive(Clone, Default, Debug, PartialEq, Eq)]
pub struct Cut {
    /// The words, normalised; stop tags (particles, auxiliaries, symbols), empty words, numbers
    /// and stop words dropped.
    pub words: Vec<String>,
    /// The same words in their reading form (unknown words keep their spelling), dropped by
    /// the same rules.
    pub readings: Vec<String>,
    /// The katakana reading of the whole text (words without one keep their spelling).
    pub reading: String,
    /// The words written with kanji with their readings, `(reading, word)` normalised: what a
    /// match by reading highlights (only in a cut without the words).
    pub kanji: Vec<(String, String)>,
}

/// A lindera token's text as an indexed word: normalised, unless it is empty, only digits and
/// dashes, or a stop word.
fn index_word(text: &str) -> Option<String> {
    let folded = normalize::fold(text);
    let drop = folded.is_empty()
        || folded.chars().all(|c| c == '-' || c.is_ascii_digit())
        || normalize::rules().stop.contains(&folded);
    (!drop).then_some(folded)
}

/// A token stream over tokens made in advance.
pub struct VecStream {
    tokens: Vec<Token>,
    index: usize,
}

impl VecStream {
    fn new(terms: impl IntoIterator<Item = String>) -> VecStream {
        let tokens = terms
            .into_iter()
            .enumerate()
            .map(|(position, text)| Token {
                offset_from: 0,
                offset_to: 0,
                position,
                text,
                position_length: 1,
            })
            .collect();
        VecStream { tokens, index: 0 }
    }
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

/// Which part of a text's [`Cut`] a tokenizer gives tantivy.
#[derive(Clone, Copy)]
enum Part {
    /// The words (`ja_w`).
    Words,
    /// The words' reading forms (`ja_r`).
    Readings,
    /// The n-grams of the whole text's reading (`ja_rg`).
    ReadingGrams,
}

/// Lindera's analysis as tantivy tokenizers: the three of them read one [`Cut`] of each text
/// ([`Analyzer::cut_shared`]), so lindera cuts a text once, not once per field kind.
#[derive(Clone)]
struct CutTokenizer {
    analyzer: Arc<Analyzer>,
    part: Part,
}

impl Tokenizer for CutTokenizer {
    type TokenStream<'a> = VecStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        let cut = self.analyzer.cut_shared(text);
        match self.part {
            Part::Words => VecStream::new(cut.words.iter().cloned()),
            Part::Readings => VecStream::new(cut.readings.iter().cloned()),
            Part::ReadingGrams => VecStream::new(grams(&cut.reading)),
        }
    }
}

/// Character n-grams of the text ([`grams`]).
#[derive(Clone)]
struct GramTokenizer;

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = VecStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        VecStream::new(grams(text))
    }
}

/// Loose terms of a reading ([`loose_terms`]).
#[derive(Clone)]
struct LooseTokenizer;

impl Tokenizer for LooseTokenizer {
    type TokenStream<'a> = VecStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        VecStream::new(loose_terms(text))
    }
}

/// The whole value as one term ([`exact_term`]).
#[derive(Clone)]
struct ExactTokenizer;

impl Tokenizer for ExactTokenizer {
    type TokenStream<'a> = VecStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        VecStream::new(exact_term(text))
    }
}

/// How many kanji spellings of one kana word of a name are indexed (さくら: 桜, 佐倉 …).
const MAX_SPELLINGS: usize = 8;

/// Texts up to this long are cut once per build ([`Analyzer::cut_shared`]) and then reused.
const CACHED_TEXT_BYTES: usize = 64;
const CACHE_ENTRIES: usize = 50_000;
/// Long texts whose cuts are kept until their other field kinds are indexed (both writer
/// threads, every value of a field: a miss only costs a second cut).
const RECENT_TEXTS: usize = 256;

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
fn loose_terms(reading: &str) -> Vec<String> {
    let plain = crate::ja::voicing::voiceless(&normalize::fold(reading));
    grams(&plain)
        .into_iter()
        .map(|g| format!("{LOOSE_PREFIX}{g}"))
        .collect()
}

/// The whole value as one normalised term. It shares its key with the word term of the same
/// string, so the whole-name bonus arrives in the chunk a query fetches anyway.
fn exact_term(text: &str) -> Option<String> {
    let folded = normalize::fold(text);
    (!folded.is_empty()).then_some(folded)
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

/// Document `number` of the index: the facilities in their order, then the pages.
fn source_doc(content: &Content, number: usize) -> SourceDoc {
    match content.resources.get(number) {
        Some(resource) => resource_doc(&content.site, resource),
        None => page_doc(&content.pages[number - content.resources.len()]),
    }
}

fn resource_doc(
    site: &crate::content::site::SiteConfig,
    resource: &crate::content::resource::Resource,
) -> SourceDoc {
    {
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
        doc
    }
}

fn page_doc(page: &crate::content::pages::Page) -> SourceDoc {
    let labels = kind_labels();
    {
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
        doc
    }
}

/// The kana words of a name and the nouns in each ([`Analyzer::kana_words`]).
type KanaRuns = Vec<(String, Vec<String>)>;

/// Kana words and their kanji spellings, as [`Analyzer::spellings`] found them (`None`: none).
pub(crate) type Spellings = HashMap<String, Option<Vec<(String, bool)>>>;

/// The kanji spellings of the kana words of every facility's name ([`add_readings`]), found
/// in one pass over the dictionary before any document is indexed.
struct NameSpellings {
    /// Kana word → its spellings, and whether only with other voicing.
    spellings: HashMap<String, Vec<(String, bool)>>,
    /// The kana words of each facility's name (by document number) that have spellings.
    words: HashMap<usize, Vec<String>>,
}

impl NameSpellings {
    /// For the facilities among the documents `numbers`; `known` holds the spellings of words
    /// looked up before (`None`: the word has none), and gets those looked up now.
    fn new(
        analyzer: &Analyzer,
        content: &Content,
        numbers: &[usize],
        known: &mut Spellings,
    ) -> NameSpellings {
        let runs: Vec<(usize, KanaRuns)> = numbers
            .par_iter()
            .filter_map(|&number| content.resources.get(number).map(|r| (number, r)))
            .map(|(number, resource)| (number, analyzer.kana_words(&strip_legal(&resource.name))))
            .collect();
        let wanted: HashSet<String> = runs
            .iter()
            .flat_map(|(_, runs)| runs)
            .flat_map(|(run, nouns)| std::iter::once(run).chain(nouns))
            .cloned()
            .collect();
        // Known words' spellings from `known` (the store's, kept between updates).
        let missing: HashSet<String> = wanted
            .iter()
            .filter(|word| !known.contains_key(*word))
            .cloned()
            .collect();
        let mut found = analyzer.spellings(&missing);
        for word in missing {
            known.insert(word.clone(), found.remove(&word));
        }
        let spellings: HashMap<String, Vec<(String, bool)>> = wanted
            .iter()
            .filter_map(|word| Some((word.clone(), known.get(word)?.clone()?)))
            .collect();
        // A run's nouns count only when the run is no word as a whole.
        let words = runs
            .into_iter()
            .map(|(number, runs)| {
                let words = runs
                    .into_iter()
                    .flat_map(|(run, nouns)| {
                        if spellings.contains_key(&run) {
                            vec![run]
                        } else {
                            nouns
                        }
                    })
                    .collect();
                (number, words)
            })
            .collect();
        NameSpellings { spellings, words }
    }
}

/// Readings both ways: a facility whose name has kana words is also found by their kanji
/// spellings (さくら by 桜, at the weight of a reading of the name; やまさき by 山崎 only
/// through the voicing, lower); and every fragment gets the marks a match by reading highlights.
/// `docs` are the documents `numbers`.
fn add_readings(
    analyzer: &Analyzer,
    names: &NameSpellings,
    numbers: &[usize],
    docs: &mut [SourceDoc],
) {
    let spellings = &names.spellings;
    docs.par_iter_mut().zip(numbers).for_each(|(doc, number)| {
        let words = names
            .words
            .get(number)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut marks: Vec<(String, String)> = Vec::new();
        let mut push = |mark: (String, String)| {
            if !mark.0.is_empty() && !mark.1.is_empty() && !marks.contains(&mark) {
                marks.push(mark);
            }
        };
        for word in words {
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
    /// Lindera's own filters: the part-of-speech tags the words leave out, and the reading form.
    stop_tags: JapaneseStopTagsTokenFilter,
    reading_form: JapaneseReadingFormTokenFilter,
    /// Cuts of short texts: labels, corporations and numbers repeat across records.
    cache: Mutex<HashMap<String, Arc<Cut>>>,
    /// Cuts of the last long texts: the words, readings and reading grams of one value are
    /// indexed one after another.
    recent: Mutex<std::collections::VecDeque<(String, Arc<Cut>)>>,
}

impl Analyzer {
    /// With the site's own words (`content/dictionary.csv`).
    pub fn new(words: &[crate::content::dictionary::Entry]) -> Result<Analyzer> {
        let dictionary = super::dictionary::system()?;
        let user = super::dictionary::user(&dictionary, words)?;
        let tags: HashSet<String> = STOP_TAGS.iter().map(|t| (*t).to_owned()).collect();
        Ok(Analyzer {
            segmenter: Segmenter::new(Mode::Normal, dictionary.clone(), user),
            dictionary,
            stop_tags: JapaneseStopTagsTokenFilter::new(tags),
            reading_form: JapaneseReadingFormTokenFilter::new(),
            cache: Mutex::new(HashMap::new()),
            recent: Mutex::new(std::collections::VecDeque::new()),
        })
    }

    /// Cuts a text once: its reading, and either its words and their reading forms (`words`,
    /// for the index) or its kanji words (for the marks of a fragment). Lindera reads prepped
    /// text (NFKC and the 異体字 table: 髙橋 is 高橋 to IPADIC). A text lindera cannot cut (an
    /// error or a panic inside it: one odd text must not end the build) has no words, and its
    /// prepped self as reading.
    pub fn cut(&self, text: &str, words: bool) -> Cut {
        let prepped = normalize::prep(text);
        let cut = std::panic::catch_unwind(AssertUnwindSafe(|| self.cut_prepped(&prepped, words)));
        match cut {
            Ok(Some(cut)) => cut,
            _ => Cut {
                reading: prepped,
                ..Cut::default()
            },
        }
    }

    fn cut_prepped(&self, prepped: &str, words: bool) -> Option<Cut> {
        let mut tokens = self.segmenter.segment(Cow::Borrowed(prepped)).ok()?;
        let mut cut = Cut::default();
        for token in &mut tokens {
            let reading = token
                .get("reading")
                .filter(|r| *r != "*" && !r.is_empty())
                .map(str::to_owned);
            cut.reading
                .push_str(reading.as_deref().unwrap_or(&token.surface));
            if words {
                continue;
            }
            let surface = normalize::fold(&token.surface);
            if let Some(reading) = reading
                && surface.chars().any(is_kanji)
            {
                let pair = (normalize::fold(&reading), surface);
                if !pair.0.is_empty() && !cut.kanji.contains(&pair) {
                    cut.kanji.push(pair);
                }
            }
        }
        // The words through lindera's own filters, as its tantivy tokenizer had them.
        if words && self.stop_tags.apply(&mut tokens).is_ok() {
            cut.words = tokens
                .iter()
                .filter_map(|t| index_word(&t.surface))
                .collect();
            if self.reading_form.apply(&mut tokens).is_ok() {
                cut.readings = tokens
                    .iter()
                    .filter_map(|t| index_word(&t.surface))
                    .collect();
            }
        }
        Some(cut)
    }

    /// [`Analyzer::cut`] with the words, shared by the tokenizers of every thread: a short
    /// text is cut once per build, a long one once for its words, readings and reading grams.
    fn cut_shared(&self, text: &str) -> Arc<Cut> {
        if text.len() <= CACHED_TEXT_BYTES {
            let cache = || self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(cut) = cache().get(text) {
                return cut.clone();
            }
            let cut = Arc::new(self.cut(text, true));
            let mut cache = cache();
            if cache.len() >= CACHE_ENTRIES {
                cache.clear();
            }
            cache.insert(text.to_owned(), cut.clone());
            return cut;
        }
        let recent = || self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, cut)) = recent().iter().find(|(t, _)| t == text) {
            return cut.clone();
        }
        let cut = Arc::new(self.cut(text, true));
        let mut recent = recent();
        if recent.len() >= RECENT_TEXTS {
            recent.pop_front();
        }
        recent.push_back((text.to_owned(), cut.clone()));
        cut
    }

    /// Drops the remembered cuts (once every document is indexed).
    fn forget(&self) {
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = HashMap::new();
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The katakana reading of a text (words without one keep their spelling).
    pub fn reading(&self, text: &str) -> String {
        self.cut(text, false).reading
    }

    /// The words of a text written with kanji, normalised, with their normalised readings:
    /// (reading, word). What a result highlights when a query matched by reading.
    pub fn kanji_words(&self, text: &str) -> Vec<(String, String)> {
        self.cut(text, false).kanji
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
        let cut = self.cut(text, true);
        if readings { cut.readings } else { cut.words }
    }
}

/// One tantivy field and what it means.
struct FieldInfo {
    field: Field,
    logical: usize,
    kind: Kind,
}

fn tantivy_error(e: tantivy::TantivyError) -> Error {
    Error::Setup(format!(
        "検索インデックスを作れませんでした（tantivy）: {e}"
    ))
}

fn read_error(e: impl std::fmt::Display) -> Error {
    Error::Setup(format!("検索インデックスを読めません: {e}"))
}

/// Builds the index files (site-relative paths and bytes), every document analysed.
pub fn build_files(content: &Content) -> Result<Vec<(String, Vec<u8>)>> {
    build_files_with(content, &mut Store::in_memory())
}

/// Documents made, analysed and indexed together: only a batch's texts are in memory at once.
/// A multiple of [`format::FRAGMENT_PACK`], so a batch's fragments fill whole files.
const BATCH: usize = 2000;

/// Most memory a writer thread's buffers take before it writes a segment (the segments are not
/// merged, so more of them cost the export little; 100 MB per thread kept 400 MB more at 100,000
/// records for no less CPU — docs/benchmarks.md).
const WRITER_BUDGET: usize = 40_000_000;

/// Small segments (a few documents each, left by updates) are merged into one when there are
/// this many of them.
const SMALL_SEGMENTS: usize = 8;

/// The tantivy schema: per logical field, words, readings and grams (and reading grams for
/// short fields); and each document's key and fragment.
struct Fields {
    schema: Schema,
    infos: Vec<FieldInfo>,
    by_name: HashMap<(usize, u8), Field>,
    kana: Field,
    exact: Field,
    loose: Field,
    spelling: Field,
    spelling_loose: Field,
    /// The document's key ([`doc_key`], hex): a changed or removed document is deleted by it.
    key: Field,
    /// The document's fragment as JSON, as `f/<n>.bin` holds it.
    fragment: Field,
    /// What the document's terms are made of ([`source_bytes`]): a replaced document's terms
    /// are found again from it, for an export of only the term chunks that changed.
    source: Field,
}

fn fields() -> Fields {
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
            kinds.push(("rg", "ja_rg", Kind::ReadingGram));
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
    // The name's reading grams from its kana (a facility's `kana`), when it has one: a field of
    // its own, since the kana is n-grammed as it is while a name is read by lindera first.
    let mut special = |builder: &mut tantivy::schema::SchemaBuilder,
                       name: &str,
                       tokenizer: &str,
                       logical: usize,
                       kind: Kind| {
        let field = builder.add_text_field(name, options(tokenizer));
        infos.push(FieldInfo {
            field,
            logical,
            kind,
        });
        field
    };
    let kana = special(&mut builder, "name_kana", "gram", NAME, Kind::ReadingGram);
    let exact = special(&mut builder, "exact", "exact", EXACT, Kind::Exact);
    let loose = special(&mut builder, "loose", "loose", LOOSE, Kind::Loose);
    let spelling = special(&mut builder, "spelling", "exact", SPELLING, Kind::Spelling);
    let spelling_loose = special(
        &mut builder,
        "spelling_loose",
        "exact",
        SPELLING_LOOSE,
        Kind::Spelling,
    );
    let key = builder.add_text_field("key", STRING);
    let fragment = builder.add_bytes_field("fragment", STORED);
    let source = builder.add_bytes_field("source", STORED);
    Fields {
        schema: builder.build(),
        infos,
        by_name,
        kana,
        exact,
        loose,
        spelling,
        spelling_loose,
        key,
        fragment,
        source,
    }
}

/// A document's key: a hash of everything its terms and fragment are made from (its identity
/// is in its fragment: the facility's id or the page's path). The readings and marks
/// [`add_readings`] adds come from these and the analysis, which the [`Store`] keys.
fn doc_key(doc: &SourceDoc) -> String {
    use sha2::Digest as _;
    fn part(hasher: &mut sha2::Sha256, bytes: &[u8]) {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let mut hasher = sha2::Sha256::new();
    part(
        &mut hasher,
        &serde_json::to_vec(&doc.fragment).expect("fragments serialise"),
    );
    part(&mut hasher, &[doc.kind]);
    part(&mut hasher, &doc.cat.to_le_bytes());
    part(&mut hasher, &doc.area.to_le_bytes());
    part(&mut hasher, &doc.svc.to_le_bytes());
    part(&mut hasher, &doc.open.to_le_bytes());
    for values in doc.fields.iter().chain([&doc.name_reading, &doc.exact]) {
        part(&mut hasher, &(values.len() as u64).to_le_bytes());
        for value in values {
            part(&mut hasher, value.as_bytes());
        }
    }
    hex(&hasher.finalize())
}

/// Bytes in lowercase hex.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// What the analysis of every document depends on besides the document: the site's words.
fn analysis_key(content: &Content) -> String {
    use sha2::Digest as _;
    let words = serde_json::to_vec(&content.dictionary).expect("words serialise");
    hex(&sha2::Sha256::digest(&words))
}

/// A document's row of the [`DocTable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    kind: u8,
    cat: i32,
    area: i32,
    svc: u64,
    open: u32,
    tlen: u32,
}

impl Row {
    /// The length of [`Row::to_bytes`].
    pub(crate) const BYTES: usize = 25;

    /// The row as bytes (little-endian, in field order), for the kept export.
    pub(crate) fn to_bytes(&self) -> [u8; Row::BYTES] {
        let mut out = [0u8; Row::BYTES];
        out[0] = self.kind;
        out[1..5].copy_from_slice(&self.cat.to_le_bytes());
        out[5..9].copy_from_slice(&self.area.to_le_bytes());
        out[9..17].copy_from_slice(&self.svc.to_le_bytes());
        out[17..21].copy_from_slice(&self.open.to_le_bytes());
        out[21..25].copy_from_slice(&self.tlen.to_le_bytes());
        out
    }

    /// What [`Row::to_bytes`] wrote (`None`: not [`Row::BYTES`] bytes).
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Row> {
        let bytes: &[u8; Row::BYTES] = bytes.try_into().ok()?;
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        Some(Row {
            kind: bytes[0],
            cat: u32_at(1) as i32,
            area: u32_at(5) as i32,
            svc: u64::from_le_bytes(bytes[9..17].try_into().expect("8 bytes")),
            open: u32_at(17),
            tlen: u32_at(21),
        })
    }

    fn of(doc: &SourceDoc) -> Row {
        // At most 2^18 - 1: the browser packs score, title length and document into one
        // number.
        let tlen = normalize::fold(&doc.fragment.title)
            .chars()
            .count()
            .min((1 << 18) - 1);
        Row {
            kind: doc.kind,
            cat: doc.cat,
            area: doc.area,
            svc: doc.svc,
            open: doc.open,
            tlen: tlen as u32,
        }
    }
}

/// Builds the index files with the index kept in `store`: only the documents whose key it
/// does not hold are analysed and added, those no longer wanted are deleted, and the files are
/// exported from what is alive — byte for byte what a build from nothing gives. A kept index
/// on disk that fails in any way is given up with a warning, and the index made in memory.
pub fn build_files_with(content: &Content, store: &mut Store) -> Result<Vec<(String, Vec<u8>)>> {
    let doc_count = content.resources.len() + content.pages.len();
    if doc_count >= 1 << 20 {
        return Err(Error::Setup(format!(
            "検索インデックスに入れられるのは 1,048,575 件までです（{doc_count} 件あります）。"
        )));
    }
    let started = std::time::Instant::now();
    store.steps = Default::default();
    let analyzer = Arc::new(Analyzer::new(&content.dictionary)?);
    let analysis = analysis_key(content);
    let fields = fields();
    store.steps[0] = started.elapsed();
    if store.is_on_disk() {
        let attempt = std::panic::catch_unwind(AssertUnwindSafe(|| {
            update(&analyzer, content, store, &fields, &analysis)
        }));
        match attempt {
            Ok(Ok(files)) => return Ok(files),
            Ok(Err(e)) => store.fall_back(format!(
                "検索インデックスのキャッシュを使えなかったので、全部作り直しました（{e}）。"
            )),
            Err(_) => store.fall_back(
                "検索インデックスのキャッシュを読む途中で問題が起きたので、全部作り直しました。"
                    .to_owned(),
            ),
        }
        analyzer.forget();
    }
    update(&analyzer, content, store, &fields, &analysis)
}

/// Each document's key and row ([`doc_key`], [`Row`]): a facility whose record the last export
/// had (the same record key, [`Store::record_keys`], and site part) keeps that export's, and
/// is not made into a document again.
fn document_keys(content: &Content, store: &mut Store) -> (Vec<String>, Vec<Row>) {
    let doc_count = content.resources.len() + content.pages.len();
    // A facility whose record the last export had keeps its key and row ([`Inputs`]).
    let inputs = store.record_keys.clone().and_then(|records| {
        (records.len() == content.resources.len()).then(|| Inputs {
            site: site_key(content),
            records,
            rows: Vec::new(),
        })
    });
    let known = known_records(store.packed.last.as_ref(), inputs.as_ref());
    let (keys, rows): (Vec<String>, Vec<Row>) = (0..doc_count)
        .into_par_iter()
        .map(|number| {
            let record = inputs
                .as_ref()
                .and_then(|inputs| inputs.records.get(number)?.as_deref());
            if let Some((last, &was)) = record.zip(known.as_ref()).and_then(|(record, known)| {
                let last = store.packed.last.as_ref()?;
                Some((last, known.get(record)?))
            }) {
                let rows = &last.inputs.as_ref().expect("known records").rows;
                return (last.keys[was].clone(), rows[was].clone());
            }
            let doc = source_doc(content, number);
            (doc_key(&doc), Row::of(&doc))
        })
        .unzip();
    store.reused_keys = match (&known, &inputs) {
        (Some(known), Some(inputs)) => inputs
            .records
            .iter()
            .filter_map(Option::as_deref)
            .filter(|record| known.contains_key(record))
            .count(),
        _ => 0,
    };
    drop(known);
    store.packed.inputs = inputs.map(|inputs| Inputs {
        rows: rows[..inputs.records.len()].to_vec(),
        ..inputs
    });
    (keys, rows)
}

/// What the facilities' documents depend on besides their records: where their category, area
/// and services are in the site's lists.
fn site_key(content: &Content) -> String {
    use sha2::Digest as _;
    let site = &content.site;
    let lists: [Vec<&str>; 3] = [
        site.categories.iter().map(|t| t.key.as_str()).collect(),
        site.areas.iter().map(|t| t.key.as_str()).collect(),
        site.services.iter().map(|t| t.key.as_str()).collect(),
    ];
    let bytes = serde_json::to_vec(&lists).expect("keys serialise");
    hex(&sha2::Sha256::digest(&bytes))
}

/// The last export's facility numbers by record key, when that export's documents were made
/// with the same site part (`None`: nothing is taken from it).
fn known_records<'a>(
    last: Option<&'a LastExport>,
    inputs: Option<&Inputs>,
) -> Option<HashMap<&'a str, usize>> {
    let (last, inputs) = (last?, inputs?);
    let kept = last.inputs.as_ref()?;
    if kept.site != inputs.site
        || kept.records.len() != kept.rows.len()
        || kept.records.len() > last.keys.len()
    {
        return None;
    }
    Some(
        kept.records
            .iter()
            .enumerate()
            .filter_map(|(number, record)| Some((record.as_deref()?, number)))
            .collect(),
    )
}

/// The documents of a segment by key (only those alive).
fn segment_keys(
    segment: &tantivy::SegmentReader,
    field: Field,
) -> Result<Vec<(String, tantivy::DocId)>> {
    let alive = segment.alive_bitset();
    Ok(all_segment_keys(segment, field)?
        .into_iter()
        .filter(|(_, doc)| alive.is_none_or(|alive| alive.is_alive(*doc)))
        .collect())
}

/// Every document of a segment by key, deleted ones too.
fn all_segment_keys(
    segment: &tantivy::SegmentReader,
    field: Field,
) -> Result<Vec<(String, tantivy::DocId)>> {
    let ii = segment.inverted_index(field).map_err(tantivy_error)?;
    let mut out = Vec::with_capacity(segment.max_doc() as usize);
    let mut stream = ii.terms().stream().map_err(read_error)?;
    while stream.advance() {
        let key = std::str::from_utf8(stream.key()).map_err(read_error)?;
        let mut postings = ii
            .read_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)
            .map_err(read_error)?;
        let mut doc = postings.doc();
        while doc != TERMINATED {
            out.push((key.to_owned(), doc));
            doc = postings.advance();
        }
    }
    Ok(out)
}

/// The keys of each segment's documents ([`all_segment_keys`]), read once per update: a
/// segment's documents keep their place when others are deleted, so the export reads again
/// only the segments the update made.
#[derive(Default)]
struct KeyWalks(HashMap<tantivy::index::SegmentId, Vec<(String, tantivy::DocId)>>);

impl KeyWalks {
    /// The documents of `segment` alive now, by key.
    fn alive<'a>(
        &'a mut self,
        segment: &'a tantivy::SegmentReader,
        field: Field,
    ) -> Result<impl Iterator<Item = (&'a str, tantivy::DocId)> + 'a> {
        let keys = match self.0.entry(segment.segment_id()) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(all_segment_keys(segment, field)?)
            }
        };
        let alive = segment.alive_bitset();
        Ok(keys
            .iter()
            .filter(move |(_, doc)| alive.is_none_or(|alive| alive.is_alive(*doc)))
            .map(|(key, doc)| (key.as_str(), *doc)))
    }
}

fn update(
    analyzer: &Arc<Analyzer>,
    content: &Content,
    store: &mut Store,
    fields: &Fields,
    analysis: &str,
) -> Result<Vec<(String, Vec<u8>)>> {
    let opening = std::time::Instant::now();
    let opened = store.open(&fields.schema, analysis).map_err(Error::Setup)?;
    store.steps[1] = opening.elapsed();
    // After the kept export is read: an unchanged facility's key comes from it.
    let keying = std::time::Instant::now();
    let (keys, rows) = document_keys(content, store);
    let (keys, rows) = (keys.as_slice(), rows.as_slice());
    let doc_count = keys.len();
    store.steps[0] += keying.elapsed();
    let analysing = std::time::Instant::now();

    let index = opened.index.clone();
    register_tokenizers(&index, analyzer);

    // What the kept index holds: the documents still wanted are kept, the others deleted.
    let wanted: HashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(number, key)| (key.as_str(), number))
        .collect();
    let mut kept = vec![false; doc_count];
    let mut stale: Vec<String> = Vec::new();
    // Where each stale document is (segment, document), and the index before this update.
    let mut stale_at: Vec<(usize, tantivy::DocId)> = Vec::new();
    let mut before: Option<tantivy::Searcher> = None;
    let mut held = 0usize;
    let mut walks = KeyWalks::default();
    if !opened.fresh {
        let reader: tantivy::IndexReader = index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()
            .map_err(tantivy_error)?;
        let searcher = reader.searcher();
        for (s, segment) in searcher.segment_readers().iter().enumerate() {
            held += segment.max_doc() as usize;
            for (key, doc) in walks.alive(segment, fields.key)? {
                match wanted.get(key) {
                    Some(&number) if kept[number] => {
                        return Err(Error::Setup("同じ文書が二度入っています".to_owned()));
                    }
                    Some(&number) => kept[number] = true,
                    None => {
                        stale.push(key.to_owned());
                        stale_at.push((s, doc));
                    }
                }
            }
        }
        before = Some(searcher);
    }
    let mut to_add: Vec<usize> = (0..doc_count).filter(|&n| !kept[n]).collect();
    // Deleted documents stay in their segments: when they would outnumber the site, start
    // again from nothing.
    let kept_count = doc_count - to_add.len();
    let whole = !opened.fresh && held - kept_count + to_add.len() > doc_count + BATCH;
    if whole {
        stale.clear();
        to_add = (0..doc_count).collect();
    }
    // The last export is amended when the documents kept keep their numbers; then the old
    // versions of the removed documents are read back (their terms are dropped) and the added
    // ones indexed on the side too (their terms are added).
    let last = store.packed.last.take();
    let numbers = match &before {
        Some(_) if !whole && (to_add.len() + stale.len()) * 4 <= doc_count + 256 => {
            last_numbers(last.as_ref(), keys, &kept, &stale)
        }
        _ => None,
    };
    let mut old_versions: Vec<TantivyDocument> = Vec::new();
    if let (Some(_), Some(searcher)) = (&numbers, &before) {
        let segments = searcher.segment_readers();
        for (key, &(s, doc)) in stale.iter().zip(&stale_at) {
            let stored: TantivyDocument = segments[s]
                .get_store_reader(1)
                .map_err(read_error)?
                .get(doc)
                .map_err(read_error)?;
            let source = stored
                .get_first(fields.source)
                .and_then(|value| value.as_bytes())
                .ok_or_else(|| read_error("文書の元がありません"))?;
            old_versions.push(make_document(fields, &from_source(source)?, key));
        }
    }
    drop(before);
    let mut new_versions: Vec<TantivyDocument> = Vec::new();

    let threads = if to_add.len() < BATCH {
        1
    } else {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4)
    };
    let mut writer: IndexWriter<TantivyDocument> = index
        .writer_with_num_threads(
            threads,
            threads * (20_000_000 + 3_000 * to_add.len()).min(WRITER_BUDGET),
        )
        .map_err(tantivy_error)?;
    // No merge: the export below reads the terms of every segment together.
    writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    if whole {
        writer.delete_all_documents().map_err(tantivy_error)?;
    }
    for key in &stale {
        writer.delete_term(tantivy::Term::from_field_text(fields.key, key));
    }
    let names = NameSpellings::new(analyzer, content, &to_add, &mut store.spellings);
    // Documents in batches: made and analysed in parallel, indexed, and dropped.
    for batch in to_add.chunks(BATCH) {
        let mut docs: Vec<SourceDoc> = batch
            .par_iter()
            .map(|&number| source_doc(content, number))
            .collect();
        add_readings(analyzer, &names, batch, &mut docs);
        let documents: Vec<TantivyDocument> = docs
            .par_iter()
            .zip(batch)
            .map(|(doc, &number)| make_document(fields, doc, &keys[number]))
            .collect();
        for document in documents {
            if numbers.is_some() {
                new_versions.push(document.clone());
            }
            writer.add_document(document).map_err(tantivy_error)?;
        }
    }
    if whole || !stale.is_empty() || !to_add.is_empty() {
        writer.commit().map_err(tantivy_error)?;
        let small: Vec<tantivy::index::SegmentId> = index
            .searchable_segment_metas()
            .map_err(tantivy_error)?
            .iter()
            .filter(|meta| (meta.max_doc() as usize) < (doc_count / 32).max(64))
            .map(|meta| meta.id())
            .collect();
        if small.len() >= SMALL_SEGMENTS {
            writer.merge(&small).wait().map_err(tantivy_error)?;
        }
    }
    writer.wait_merging_threads().map_err(tantivy_error)?;
    analyzer.forget();
    drop(names);
    store.analysed = to_add.len();

    let reader = index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()
        .map_err(tantivy_error)?;
    let delta = match (&last, &numbers) {
        (Some(last), Some(numbers)) => Some(Delta {
            last,
            numbers,
            wanted: &wanted,
            old: small_index(analyzer, fields, old_versions)?,
            new: small_index(analyzer, fields, new_versions)?,
        }),
        _ => None,
    };
    store.steps[2] = analysing.elapsed();
    let exported = export(
        content,
        fields,
        Alive {
            searcher: &reader.searcher(),
            wanted: &wanted,
            walks,
        },
        keys,
        rows,
        &store.packed,
        delta,
    )?;
    store.encoded = exported.encoded;
    let mut made = exported.made;
    made.inputs = store.packed.inputs.clone();
    store.packed.made = Some(made);
    store.steps[3..6].copy_from_slice(&exported.steps);
    let saving = std::time::Instant::now();
    store.keep(&index, analysis);
    drop(opened);
    store.steps[6] = saving.elapsed();
    Ok(exported.files)
}

/// The tokenizers of the analysis, registered in `index`.
fn register_tokenizers(index: &Index, analyzer: &Arc<Analyzer>) {
    let tokenizers = index.tokenizers();
    let cut = |part: Part| {
        TextAnalyzer::from(CutTokenizer {
            analyzer: analyzer.clone(),
            part,
        })
    };
    tokenizers.register("ja_w", cut(Part::Words));
    tokenizers.register("ja_r", cut(Part::Readings));
    tokenizers.register("ja_rg", cut(Part::ReadingGrams));
    tokenizers.register("gram", TextAnalyzer::from(GramTokenizer));
    tokenizers.register("exact", TextAnalyzer::from(ExactTokenizer));
    tokenizers.register("loose", TextAnalyzer::from(LooseTokenizer));
}

/// A small index in memory of `documents` (the versions an update replaced or added).
fn small_index(
    analyzer: &Arc<Analyzer>,
    fields: &Fields,
    documents: Vec<TantivyDocument>,
) -> Result<Index> {
    let index = Index::create_in_ram(fields.schema.clone());
    register_tokenizers(&index, analyzer);
    let mut writer: IndexWriter<TantivyDocument> = index
        .writer_with_num_threads(1, 20_000_000)
        .map_err(tantivy_error)?;
    for document in documents {
        writer.add_document(document).map_err(tantivy_error)?;
    }
    writer.commit().map_err(tantivy_error)?;
    Ok(index)
}

/// Where the documents of the last export were, when an export of only what changed can
/// follow: the kept index holds exactly the last export's documents (the kept ones and the
/// stale ones), every kept one has the number it had, and a bitmap of postings takes as many
/// bytes ([`format::encode_postings`]). Then only the terms of the removed and added documents
/// change. `None`: everything is exported.
fn last_numbers<'a>(
    last: Option<&'a LastExport>,
    keys: &[String],
    kept: &[bool],
    stale: &[String],
) -> Option<HashMap<&'a str, u32>> {
    let last = last?;
    if last.chunks.is_empty() || last.keys.len().div_ceil(8) != keys.len().div_ceil(8) {
        return None;
    }
    let numbers: HashMap<&str, u32> = last
        .keys
        .iter()
        .enumerate()
        .map(|(number, key)| (key.as_str(), number as u32))
        .collect();
    let kept_count = kept.iter().filter(|kept| **kept).count();
    let same = numbers.len() == last.keys.len()
        && kept_count + stale.len() == last.keys.len()
        && stale.iter().all(|key| numbers.contains_key(key.as_str()))
        && keys
            .iter()
            .enumerate()
            .all(|(n, key)| !kept[n] || numbers.get(key.as_str()) == Some(&(n as u32)));
    same.then_some(numbers)
}

/// A tantivy document of `doc`, with its key and fragment.
fn make_document(fields: &Fields, doc: &SourceDoc, key: &str) -> TantivyDocument {
    let mut document = TantivyDocument::default();
    document.add_text(fields.key, key);
    document.add_bytes(
        fields.fragment,
        &serde_json::to_vec(&doc.fragment).expect("fragments serialise"),
    );
    document.add_bytes(fields.source, &source_bytes(doc));
    for (logical, values) in doc.fields.iter().enumerate() {
        let by_kana = logical == NAME && !doc.name_reading.is_empty();
        let mut kinds = vec![Kind::Word, Kind::Reading, Kind::Gram];
        if (logical != TEXT || READING_GRAMS_IN_TEXT) && !by_kana {
            kinds.push(Kind::ReadingGram);
        }
        for value in values {
            for &kind in &kinds {
                document.add_text(fields.by_name[&(logical, kind as u8)], value);
            }
        }
    }
    for reading in &doc.name_reading {
        document.add_text(fields.kana, reading);
        document.add_text(fields.loose, reading);
    }
    for value in &doc.exact {
        document.add_text(fields.exact, value);
    }
    for (word, is_loose) in &doc.spellings {
        let field = if *is_loose {
            fields.spelling_loose
        } else {
            fields.spelling
        };
        document.add_text(field, word);
    }
    document
}

/// The analysed values of `doc` (its fields, name readings, exact values and spellings), from
/// which [`make_document`] makes the same terms again ([`from_source`]).
type Source = (
    [Vec<String>; 5],
    Vec<String>,
    Vec<String>,
    Vec<(String, bool)>,
);

fn source_bytes(doc: &SourceDoc) -> Vec<u8> {
    serde_json::to_vec(&(&doc.fields, &doc.name_reading, &doc.exact, &doc.spellings))
        .expect("sources serialise")
}

/// A document with the terms of the stored `source` ([`source_bytes`]).
fn from_source(source: &[u8]) -> Result<SourceDoc> {
    let (fields, name_reading, exact, spellings): Source =
        serde_json::from_slice(source).map_err(read_error)?;
    Ok(SourceDoc {
        fields,
        name_reading,
        exact,
        spellings,
        ..Default::default()
    })
}

/// The documents alive after an update: the searcher, each key's number, and the segments'
/// keys read so far.
struct Alive<'a> {
    searcher: &'a tantivy::Searcher,
    wanted: &'a HashMap<&'a str, usize>,
    walks: KeyWalks,
}

/// The files of the index from the documents alive in `searcher`, each numbered by its key's
/// place in `wanted`.
fn export(
    content: &Content,
    fields: &Fields,
    alive: Alive<'_>,
    keys: &[String],
    rows: &[Row],
    packed: &Packed,
    delta: Option<Delta<'_>>,
) -> Result<Exported> {
    let doc_count = rows.len();
    let Alive {
        searcher,
        wanted,
        mut walks,
    } = alive;
    let segments = searcher.segment_readers();
    // Each segment's documents by number (`u32::MAX`: deleted), and where each number is.
    let mut numbers: Vec<Vec<u32>> = Vec::with_capacity(segments.len());
    let mut located = vec![(u32::MAX, 0u32); doc_count];
    for (s, segment) in segments.iter().enumerate() {
        let mut map = vec![u32::MAX; segment.max_doc() as usize];
        for (key, doc) in walks.alive(segment, fields.key)? {
            let number = *wanted
                .get(key)
                .ok_or_else(|| read_error("不要な文書が残っています"))?;
            map[doc as usize] = number as u32;
            located[number] = (s as u32, doc);
        }
        numbers.push(map);
    }
    if located.iter().any(|(s, _)| *s == u32::MAX) {
        return Err(read_error("足りない文書があります"));
    }

    let mut steps = [std::time::Duration::ZERO; 3];
    let fragments_started = std::time::Instant::now();
    // Fragments, `FRAGMENT_PACK` documents a file, in order.
    let stores: Vec<tantivy::store::StoreReader> = segments
        .iter()
        .map(|segment| segment.get_store_reader(16))
        .collect::<std::io::Result<_>>()
        .map_err(read_error)?;
    // A pack is known by the keys of its documents: an unchanged one is not read again.
    let pack_of = |first: usize| -> PackKey {
        let members: Vec<&[u8]> = keys[first..(first + format::FRAGMENT_PACK).min(doc_count)]
            .iter()
            .map(|key| key.as_bytes())
            .collect();
        let mut parts: Vec<&[u8]> = vec![b"f"];
        parts.extend(members);
        pack_key(&parts)
    };
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for first in (0..doc_count).step_by(BATCH) {
        let last = (first + BATCH).min(doc_count);
        let mut fragments: Vec<Option<Vec<u8>>> = vec![None; last - first];
        for pack in (first..last).step_by(format::FRAGMENT_PACK) {
            if packed.has(&pack_of(pack)) {
                continue;
            }
            for number in pack..(pack + format::FRAGMENT_PACK).min(last) {
                let (s, doc) = located[number];
                let document: TantivyDocument = stores[s as usize].get(doc).map_err(read_error)?;
                let bytes = document
                    .get_first(fields.fragment)
                    .and_then(|value| value.as_bytes().map(<[u8]>::to_vec))
                    .ok_or_else(|| read_error("文書の断片がありません"))?;
                fragments[number - first] = Some(bytes);
            }
        }
        let packs: Vec<(String, Vec<u8>)> = fragments
            .par_chunks(format::FRAGMENT_PACK)
            .enumerate()
            .map(|(i, pack)| {
                let number = first / format::FRAGMENT_PACK + i;
                let bytes = packed.get_or(pack_of(number * format::FRAGMENT_PACK), || {
                    let mut json =
                        Vec::with_capacity(pack.iter().flatten().map(Vec::len).sum::<usize>() + 16);
                    json.push(b'[');
                    for (j, fragment) in pack.iter().flatten().enumerate() {
                        if j > 0 {
                            json.push(b',');
                        }
                        json.extend_from_slice(fragment);
                    }
                    json.push(b']');
                    format::gzip(&json)
                });
                (format!("{}/f/{number}.bin", format::DIR), bytes)
            })
            .collect();
        files.extend(packs);
    }
    drop(stores);

    steps[0] = fragments_started.elapsed();
    let terms_started = std::time::Instant::now();
    // Term chunks: only those that changed when the last export can be amended, else all.
    let amended = match &delta {
        Some(delta) => export_changed(fields, delta, doc_count, packed)?,
        None => None,
    };
    let packer = match amended {
        Some(packer) => packer,
        None => {
            let mut packer = Packer::new(packed);
            walk_terms(
                fields,
                segments,
                &numbers,
                doc_count,
                |term, grams, words| {
                    let entry = term_entry(&term, &grams, &words, doc_count);
                    packer.push(term, &entry);
                },
            )?;
            packer.flush();
            packer
        }
    };
    let encoded = packer.encoded;
    let made = LastExport {
        keys: keys.to_vec(),
        chunks: packer.records,
        inputs: None,
    };
    let chunks = packer.chunks;

    steps[1] = terms_started.elapsed();
    let meta_started = std::time::Instant::now();
    // Files.
    let mut table = DocTable::default();
    for row in rows {
        table.kind.push(row.kind);
        table.cat.push(row.cat);
        table.area.push(row.area);
        table.svc.push(row.svc);
        table.open.push(row.open);
        table.tlen.push(row.tlen);
    }
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
    let mut firsts = Vec::with_capacity(chunks.len());
    for (number, (first, bytes)) in chunks.into_iter().enumerate() {
        firsts.push(first);
        files.push((format!("{}/t/{number}.bin", format::DIR), bytes));
    }
    let mut version = super::dictionary::FNV_OFFSET;
    for (name, bytes) in &files {
        version = super::dictionary::fnv1a(name.as_bytes(), version);
        version = super::dictionary::fnv1a(bytes, version);
    }
    let meta = Meta {
        format: format::FORMAT,
        version: format!("{:012x}", version & 0xffff_ffff_ffff),
        count: doc_count,
        base_url: content.site.base_url.clone(),
        rules: normalize::rules().json.clone(),
        chunks: firsts,
        docs: table,
        labels,
        lay: lay::table(content),
    };
    let json = serde_json::to_vec(&meta).expect("meta serialises");
    files.push((format!("{}/meta.bin", format::DIR), format::gzip(&json)));
    steps[2] = meta_started.elapsed();
    Ok(Exported {
        files,
        made,
        encoded,
        steps,
    })
}

/// What [`export`] made: the files, what they were made of, and how many term chunks it
/// encoded.
struct Exported {
    files: Vec<(String, Vec<u8>)>,
    made: LastExport,
    encoded: usize,
    /// How long the fragments, the term chunks and `meta.bin` took.
    steps: [std::time::Duration; 3],
}

/// Every term of `segments` in order, with its postings over the documents `numbers` gives
/// (per segment, tantivy's document → number; `u32::MAX`: left out): `(term, grams, words)`.
/// A document is in one segment only, so its impacts for a term are complete whichever segment
/// it is in; a term only left-out documents have is skipped.
fn walk_terms(
    fields: &Fields,
    segments: &[tantivy::SegmentReader],
    numbers: &[Vec<u32>],
    doc_count: usize,
    mut emit: impl FnMut(String, Postings, Postings),
) -> Result<()> {
    let infos = &fields.infos;
    let mut inverted = Vec::with_capacity(segments.len() * infos.len());
    for (number, segment) in segments.iter().enumerate() {
        for info in infos {
            let ii = segment.inverted_index(info.field).map_err(tantivy_error)?;
            inverted.push((number, info, ii));
        }
    }
    let mut streams: Vec<_> = inverted
        .iter()
        .map(|(_, _, ii)| ii.terms().stream())
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(read_error)?;
    let mut live: Vec<bool> = streams.iter_mut().map(|s| s.advance()).collect();
    // A term's impacts per document number, by space (grams, words), and the documents set.
    let mut scores = [
        vec![[0u32; SLOTS]; doc_count],
        vec![[0u32; SLOTS]; doc_count],
    ];
    let mut touched: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
    loop {
        // The smallest current term of all fields.
        let mut smallest: Option<Vec<u8>> = None;
        for (i, stream) in streams.iter().enumerate() {
            if live[i] && smallest.as_deref().is_none_or(|s| stream.key() < s) {
                smallest = Some(stream.key().to_vec());
            }
        }
        let Some(key) = smallest else { break };
        for (i, stream) in streams.iter_mut().enumerate() {
            if !live[i] || stream.key() != key.as_slice() {
                continue;
            }
            let (segment, info, ii) = &inverted[i];
            let map = &numbers[*segment];
            let mut postings = ii
                .read_postings_from_terminfo(stream.value(), IndexRecordOption::WithFreqs)
                .map_err(read_error)?;
            let space = usize::from(!info.kind.is_gram());
            let mut doc = postings.doc();
            while doc != TERMINATED {
                let number = map[doc as usize];
                if number == u32::MAX {
                    doc = postings.advance();
                    continue;
                }
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
                // Every value is above 0: a slot of zeros is a document not seen yet.
                let slot = &mut scores[space][number as usize];
                if *slot == [0; SLOTS] {
                    touched[space].push(number);
                }
                slot[info.logical] = slot[info.logical].max(value);
                doc = postings.advance();
            }
            live[i] = stream.advance();
        }
        if touched[0].is_empty() && touched[1].is_empty() {
            continue;
        }
        let mut to_postings = |space: usize| -> Postings {
            let mut list = std::mem::take(&mut touched[space]);
            list.sort_unstable();
            let postings = list
                .iter()
                .map(|&d| {
                    let slot = std::mem::replace(&mut scores[space][d as usize], [0; SLOTS]);
                    (d, slot.iter().sum())
                })
                .collect();
            list.clear();
            touched[space] = list;
            postings
        };
        let grams = to_postings(0);
        let words = to_postings(1);
        let Ok(term) = String::from_utf8(key) else {
            continue;
        };
        emit(term, grams, words);
    }
    Ok(())
}

/// A term's entry in its chunk: `[term, grams, words]`, each 0 or [`format::encode_postings`].
fn term_entry(term: &str, grams: &Postings, words: &Postings, doc_count: usize) -> String {
    let encode = |p: &Postings| {
        if p.is_empty() {
            serde_json::Value::from(0)
        } else {
            format::encode_postings(p, doc_count)
        }
    };
    serde_json::to_string(&(term, encode(grams), encode(words))).expect("terms serialise")
}

/// Term chunks being filled with entries in term order: a chunk is closed when the next entry
/// would take it over [`CHUNK_BYTES`], so where chunks end depends on the entries only, and a
/// run of the last export's chunks that starts where a chunk starts now is taken whole.
struct Packer<'a> {
    packed: &'a Packed,
    /// The chunk being filled (`[` and its entries), its first term and first entry's length.
    current: String,
    first: Option<(String, u32)>,
    /// The chunks made: (first term, gzip JSON), and what each is.
    chunks: Vec<(String, Vec<u8>)>,
    records: Vec<ChunkRecord>,
    /// Chunks whose entries were encoded (not taken whole).
    encoded: usize,
}

impl<'a> Packer<'a> {
    fn new(packed: &'a Packed) -> Packer<'a> {
        Packer {
            packed,
            current: String::from("["),
            first: None,
            chunks: Vec::new(),
            records: Vec::new(),
            encoded: 0,
        }
    }

    /// Whether an entry of `len` bytes would start a chunk now.
    fn starts_chunk(&self, len: usize) -> bool {
        self.first.is_none() || self.current.len() + len > CHUNK_BYTES
    }

    fn push(&mut self, term: String, entry: &str) {
        if self.first.is_some() && self.starts_chunk(entry.len()) {
            self.flush();
        }
        if self.first.is_none() {
            self.first = Some((term, entry.len() as u32));
        } else {
            self.current.push(',');
        }
        self.current.push_str(entry);
    }

    /// Closes the chunk being filled, compressed unless the last export made the same.
    fn flush(&mut self) {
        let Some((first, first_len)) = self.first.take() else {
            return;
        };
        self.current.push(']');
        let key = pack_key(&[b"t", self.current.as_bytes()]);
        let current = &self.current;
        let bytes = self.packed.get_or(key, || format::gzip(current.as_bytes()));
        self.chunks.push((first.clone(), bytes));
        self.records.push(ChunkRecord {
            first,
            key,
            first_len,
        });
        self.encoded += 1;
        self.current.clear();
        self.current.push('[');
    }

    /// Adds a chunk of the last export as it was (it starts a chunk now: [`Packer::starts_chunk`]).
    fn push_whole(&mut self, record: &ChunkRecord, bytes: Vec<u8>) {
        self.flush();
        self.chunks.push((record.first.clone(), bytes));
        self.records.push(record.clone());
    }
}

/// The documents an update replaced, for an export of only the term chunks that changed: the
/// last export, where its documents were, and the old versions of the documents removed (by
/// their number in the last export) and the new ones (by their number now), each in a small
/// index of its own.
struct Delta<'a> {
    last: &'a LastExport,
    numbers: &'a HashMap<&'a str, u32>,
    wanted: &'a HashMap<&'a str, usize>,
    old: Index,
    new: Index,
}

/// Each segment's documents of `index` by the number `number` gives their key.
fn small_numbers(
    fields: &Fields,
    searcher: &tantivy::Searcher,
    number: impl Fn(&str) -> Option<u32>,
) -> Result<Vec<Vec<u32>>> {
    let mut out = Vec::new();
    for segment in searcher.segment_readers() {
        let mut map = vec![u32::MAX; segment.max_doc() as usize];
        for (key, doc) in segment_keys(segment, fields.key)? {
            map[doc as usize] = number(&key).ok_or_else(|| read_error("文書の番号がありません"))?;
        }
        out.push(map);
    }
    Ok(out)
}

/// The term chunks of the last export amended by `delta` (the same numbering: [`last_numbers`]):
/// a term of a removed or added document gets its postings again (the old ones without the
/// removed documents, with the added ones'), and the chunks are filled again from the first
/// that changed until they start where the last export's did; the others are taken whole.
/// `None`: a file of the last export is missing (then everything is exported).
fn export_changed<'a>(
    fields: &Fields,
    delta: &Delta<'_>,
    doc_count: usize,
    packed: &'a Packed,
) -> Result<Option<Packer<'a>>> {
    use std::io::Read as _;
    let searcher = |index: &Index| -> Result<tantivy::Searcher> {
        let reader: tantivy::IndexReader = index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()
            .map_err(tantivy_error)?;
        Ok(reader.searcher())
    };
    let last = delta.last;
    // The changed terms: those of the removed documents (postings to drop) and the added ones'.
    let old = searcher(&delta.old)?;
    let old_numbers = small_numbers(fields, &old, |key| delta.numbers.get(key).copied())?;
    let removed: HashSet<u32> = old_numbers
        .iter()
        .flatten()
        .copied()
        .filter(|&n| n != u32::MAX)
        .collect();
    let slots = last.keys.len().max(doc_count);
    // Per term, the removed documents' postings and the added ones'.
    type Sides = [(Postings, Postings); 2];
    let mut sides: BTreeMap<String, Sides> = BTreeMap::new();
    walk_terms(
        fields,
        old.segment_readers(),
        &old_numbers,
        slots,
        |term, grams, words| {
            sides.entry(term).or_default()[0] = (grams, words);
        },
    )?;
    let new = searcher(&delta.new)?;
    let new_numbers = small_numbers(fields, &new, |key| delta.wanted.get(key).map(|&n| n as u32))?;
    walk_terms(
        fields,
        new.segment_readers(),
        &new_numbers,
        slots,
        |term, grams, words| {
            sides.entry(term).or_default()[1] = (grams, words);
        },
    )?;
    // A document replaced by one at its number with the same impacts leaves the term as it was.
    let changes: BTreeMap<String, (Postings, Postings)> = sides
        .into_iter()
        .filter(|(_, [old, new])| old != new)
        .map(|(term, [_, new])| (term, new))
        .collect();
    // The chunk each changed term falls in; the chunk before it may end elsewhere too.
    let chunk_of = |term: &str| {
        last.chunks
            .partition_point(|chunk| chunk.first.as_str() <= term)
            .saturating_sub(1)
    };
    let mut affected = vec![false; last.chunks.len()];
    for term in changes.keys() {
        let i = chunk_of(term);
        affected[i] = true;
        if i > 0 {
            affected[i - 1] = true;
        }
    }
    let mut packer = Packer::new(packed);
    let mut changes = changes.into_iter().peekable();
    for (i, record) in last.chunks.iter().enumerate() {
        if !affected[i] && packer.starts_chunk(record.first_len as usize) {
            let Some(bytes) = packed.reuse(&record.key) else {
                return Ok(None);
            };
            packer.push_whole(record, bytes);
            continue;
        }
        let Some(bytes) = packed.previous(&record.key) else {
            return Ok(None);
        };
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut json)
            .map_err(read_error)?;
        let entries: Vec<(String, serde_json::Value, serde_json::Value)> =
            serde_json::from_slice(&json).map_err(read_error)?;
        let next = last.chunks.get(i + 1).map(|chunk| chunk.first.as_str());
        let mut entries = entries.into_iter().peekable();
        loop {
            let change_here = changes
                .peek()
                .filter(|(term, _)| next.is_none_or(|next| term.as_str() < next));
            let take_old = match (entries.peek(), change_here) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some((old, _, _)), Some((term, _))) => old < term,
            };
            if take_old {
                let (term, grams, words) = entries.next().expect("peeked");
                let entry = serde_json::to_string(&(&term, grams, words)).expect("terms serialise");
                packer.push(term, &entry);
                continue;
            }
            let (term, (mut grams, mut words)) = changes.next().expect("peeked");
            if entries.peek().is_some_and(|(old, _, _)| *old == term) {
                let (_, old_grams, old_words) = entries.next().expect("peeked");
                for (postings, old) in [(&mut grams, old_grams), (&mut words, old_words)] {
                    postings.extend(
                        format::decode_postings(&old)
                            .into_iter()
                            .filter(|(doc, _)| !removed.contains(doc)),
                    );
                    postings.sort_unstable();
                }
            }
            if grams.is_empty() && words.is_empty() {
                continue;
            }
            let entry = term_entry(&term, &grams, &words, doc_count);
            packer.push(term, &entry);
        }
    }
    if changes.next().is_some() {
        return Err(read_error("検索語の順序が合いません"));
    }
    packer.flush();
    Ok(Some(packer))
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
