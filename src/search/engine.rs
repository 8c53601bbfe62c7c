//! Searching the exported index: query analysis, ranking and snippets. This is the algorithm
//! of `themes/default/static/assets/search-engine.js`, step for step, on the same files, so
//! `zaitaku search` and the browser give the same results in the same order.
//!
//! **Query analysis.** The query is prepped and split into words at spaces and punctuation.
//! Legal-entity prefixes are dropped. A word that occurs in the index as it is (as a word or
//! as a substring) is searched for as it is. Otherwise noise words (電話番号, 教えて …) are
//! cut out, runs of particles after a kanji or katakana word split it (在宅酸素|ができる|診療所),
//! and what is still not in the index is segmented against the index's own vocabulary and
//! n-grams, cheapest first (each searched piece costs 10, a dropped particle 9 or 6; numbers
//! and Latin words are never cut; a character found nowhere makes the query find nothing).
//! The browser fetches what this needs in rounds ([`fetch_plan`]).
//!
//! **Lay vocabulary** ([`super::lay`]). A word (or part of a word) in the lay table becomes a
//! group of alternatives — itself and its terms (胃瘻 → 胃瘻 | 胃ろう | 経管栄養); a day word
//! (日曜, 夜間) a group matched by opening times, not text; a noise phrase (診てくれる) is
//! dropped. A kana word also matches name readings without voicing marks, at a lower score;
//! a kanji word matches the names whose kana words it spells (桜 → さくら, terms made at index
//! time). Results highlight what matched, through readings too ([`result_clauses`]).
//! A single kanji is never cut out of a longer word (今日 is not 今 + 日).
//!
//! **Ranking.** A clause's score in a document is the larger of its word impact (which
//! includes the whole-name bonus when the clause is a document's whole name or kana) and its
//! substring impact (the smallest impact among its n-grams). Documents must match every
//! group (its best alternative); their score is the sum. When none does, the documents that
//! match most of the query's content words are shown, marked partial. Ties go to the shorter
//! title, then to the document order (facilities in 五十音順, then pages). Everything is
//! integer arithmetic.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::format::{self, Fragment, Meta, Postings, TermEntry};
use super::lay::{self, Lay};
use super::normalize::{self, is_boundary, is_dash, is_hiragana, is_kanji, is_space};
use crate::error::{Error, Result};

/// Queries are cut to this many characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// Where the analysis finds terms.
pub trait Terms {
    fn entry(&self, term: &str) -> Option<Rc<TermEntry>>;
}

/// The prebuilt index in a built site.
pub struct SearchIndex {
    dir: PathBuf,
    pub meta: Meta,
    chunks: RefCell<HashMap<usize, Rc<Vec<Rc<TermEntry>>>>>,
    fragments: RefCell<HashMap<usize, Rc<Vec<Fragment>>>>,
    lay: std::cell::OnceCell<Lay>,
}

impl SearchIndex {
    /// Opens `<site>/search-index/`.
    pub fn open(site: &Path) -> Result<SearchIndex> {
        let dir = site.join(format::DIR);
        let meta_path = dir.join("meta.bin");
        if !meta_path.is_file() {
            return Err(Error::Setup(format!(
                "検索インデックスがありません: {}\n  先に zaitaku build でサイトを作ってください（--site で作ったサイトのフォルダを指定することもできます）。",
                meta_path.display()
            )));
        }
        let meta: Meta = format::read_json(&meta_path)?;
        if meta.format != format::FORMAT {
            return Err(Error::Setup(format!(
                "検索インデックス {} は別の版の zaitaku で作られています。zaitaku build で作り直してください。",
                dir.display()
            )));
        }
        Ok(SearchIndex {
            dir,
            meta,
            chunks: RefCell::new(HashMap::new()),
            fragments: RefCell::new(HashMap::new()),
            lay: std::cell::OnceCell::new(),
        })
    }

    fn chunk(&self, number: usize) -> Option<Rc<Vec<Rc<TermEntry>>>> {
        if let Some(chunk) = self.chunks.borrow().get(&number) {
            return Some(chunk.clone());
        }
        let path = self.dir.join("t").join(format!("{number}.bin"));
        let value: serde_json::Value = format::read_json(&path).ok()?;
        let entries: Vec<Rc<TermEntry>> = format::decode_chunk(&value)
            .into_iter()
            .map(Rc::new)
            .collect();
        let chunk = Rc::new(entries);
        self.chunks.borrow_mut().insert(number, chunk.clone());
        Some(chunk)
    }

    /// The chunk whose first term is the last one <= `term`.
    fn chunk_of(&self, term: &str) -> Option<usize> {
        self.meta
            .chunks
            .partition_point(|first| first.as_str() <= term)
            .checked_sub(1)
    }

    /// The term chunks the browser fetches for a query: those of [`fetch_plan`], and those of
    /// every term the analysis and ranking look up (the lay vocabulary's terms).
    pub fn chunks_for(&self, query: &str) -> std::collections::BTreeSet<usize> {
        let recorder = Recorder {
            index: self,
            seen: RefCell::new(Vec::new()),
        };
        let analysis = analyze(query, &recorder, self.lay());
        rank(&analysis, &recorder, &self.meta);
        fetch_plan(query, self)
            .iter()
            .flatten()
            .chain(recorder.seen.borrow().iter())
            .filter_map(|term| self.chunk_of(term))
            .collect()
    }

    /// The lay vocabulary and the site's synonyms, as the index carries them.
    pub fn lay(&self) -> &Lay {
        self.lay.get_or_init(|| Lay::new(&self.meta.lay))
    }

    /// The folder of the index files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What results show of document `doc` (its pack of fragments is read once).
    pub fn fragment(&self, doc: u32) -> Result<Fragment> {
        let pack_number = doc as usize / format::FRAGMENT_PACK;
        let cached = self.fragments.borrow().get(&pack_number).cloned();
        let pack = match cached {
            Some(pack) => pack,
            None => {
                let path = self.dir.join("f").join(format!("{pack_number}.bin"));
                let pack: Rc<Vec<Fragment>> = Rc::new(format::read_json(&path)?);
                self.fragments
                    .borrow_mut()
                    .insert(pack_number, pack.clone());
                pack
            }
        };
        pack.get(doc as usize % format::FRAGMENT_PACK)
            .cloned()
            .ok_or_else(|| {
                Error::Setup(format!(
                    "検索インデックス {} に文書 {doc} がありません。zaitaku build で作り直してください。",
                    self.dir.display()
                ))
            })
    }
}

/// Looks terms up in an index and remembers which.
struct Recorder<'a> {
    index: &'a SearchIndex,
    seen: RefCell<Vec<String>>,
}

impl Terms for Recorder<'_> {
    fn entry(&self, term: &str) -> Option<Rc<TermEntry>> {
        self.seen.borrow_mut().push(term.to_owned());
        self.index.entry(term)
    }
}

impl Terms for SearchIndex {
    fn entry(&self, term: &str) -> Option<Rc<TermEntry>> {
        let number = self.chunk_of(term)?;
        let chunk = self.chunk(number)?;
        chunk
            .binary_search_by(|e| e.term.as_str().cmp(term))
            .ok()
            .map(|i| chunk[i].clone())
    }
}

/// What a query means to the index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Every normalised string searched for (the alternatives of all groups), for highlights.
    pub clauses: Vec<String>,
    /// What results must match: one group per content word of the query.
    pub groups: Vec<Group>,
    /// A part of the query occurs nowhere: no document has every word.
    pub impossible: bool,
}

/// One content word of a query and the ways it is searched ([`super::lay`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    /// The word as typed (normalised), for messages.
    pub word: String,
    /// Searched strings (normalised): a document matching any of them matches the group.
    /// Empty (with `days` 0) when the word is found nowhere.
    pub alternatives: Vec<Alternative>,
    /// For a word that asks for a time (日曜, 夜間): the day bits of [`super::lay::day_bits`];
    /// the group then matches facilities open or reachable then, not text.
    pub days: u32,
    /// The content word the group belongs to: the pieces a word not in the index is cut into
    /// share it, and a partial match counts whole content words.
    pub unit: usize,
}

/// One searched string of a group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alternative {
    pub text: String,
    /// Through the lay vocabulary or the site's synonyms: (the word as written there, the term
    /// as written there), for 「『胃瘻』を『胃ろう』として検索しました」.
    pub via: Option<(String, String)>,
    /// Matched against name readings without voicing marks (`text` has none): a kana word
    /// remembered with the wrong 濁音/清音, at a lower score.
    pub loose: bool,
}

impl Group {
    /// A word searched as itself and, when it is kana, loosely among name readings.
    fn plain(text: String) -> Group {
        let mut alternatives = vec![Alternative {
            text: text.clone(),
            ..Alternative::default()
        }];
        if let Some(loose) = loose_form(&text) {
            alternatives.push(Alternative {
                text: loose,
                loose: true,
                ..Alternative::default()
            });
        }
        Group {
            word: text,
            alternatives,
            days: 0,
            unit: 0,
        }
    }
}

/// The loose form of a normalised word written in katakana only (two characters or more).
fn loose_form(text: &str) -> Option<String> {
    (text.chars().count() >= 2 && text.chars().all(normalize::is_katakana))
        .then(|| crate::ja::voicing::voiceless(text))
}

/// Per-document scores of a loose form among the name readings' loose terms.
fn loose_scores<T: Terms>(loose: &str, terms: &T) -> Postings {
    let mut out: Option<Postings> = None;
    for gram in clause_grams(&chars_of(loose)) {
        let key = format!("{}{gram}", super::indexer::LOOSE_PREFIX);
        let these = terms
            .entry(&key)
            .map(|e| e.grams.clone())
            .unwrap_or_default();
        out = Some(match out {
            None => these,
            Some(previous) => merge(&previous, &these, true, u32::min),
        });
    }
    out.unwrap_or_default()
}

/// Whether a normalised word matches a name reading loosely.
fn loose_present<T: Terms>(text: &str, terms: &T) -> bool {
    loose_form(text).is_some_and(|loose| !loose_scores(&loose, terms).is_empty())
}

fn chars_of(text: &str) -> Vec<char> {
    text.chars().collect()
}

fn string_of(chars: &[char]) -> String {
    chars.iter().collect()
}

/// Splits prepped text into words at spaces and punctuation (dashes stay).
fn split_words(chars: &[char]) -> Vec<Vec<char>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for &c in chars {
        if is_space(c) || (is_boundary(c) && !is_dash(c)) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether `run` is made of particles only.
fn particles_only(run: &[char], particles: &[Vec<char>]) -> bool {
    let n = run.len();
    let mut ok = vec![false; n + 1];
    ok[n] = true;
    for i in (0..n).rev() {
        ok[i] = particles
            .iter()
            .any(|p| run[i..].starts_with(p) && ok[i + p.len()]);
    }
    ok[0]
}

/// Splits at particle runs that follow a non-hiragana character.
fn split_particles(part: &[char], particles: &[Vec<char>]) -> Vec<Vec<char>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < part.len() {
        if is_hiragana(part[i]) && i > 0 {
            let mut j = i;
            while j < part.len() && is_hiragana(part[j]) {
                j += 1;
            }
            if particles_only(&part[i..j], particles) {
                if i > start {
                    out.push(part[start..i].to_vec());
                }
                start = j;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    if start < part.len() {
        out.push(part[start..].to_vec());
    }
    out
}

/// Cuts noise words out of a word.
fn cut_noise(word: &[char], noise: &[Vec<char>]) -> Vec<Vec<char>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut i = 0;
    while i < word.len() {
        if let Some(found) = noise.iter().find(|n| word[i..].starts_with(n)) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            i += found.len();
            continue;
        }
        current.push(word[i]);
        i += 1;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Intersection of sorted document lists.
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

fn docs_of(postings: &Postings) -> Vec<u32> {
    postings.iter().map(|&(d, _)| d).collect()
}

/// The n-grams a clause is looked up by: itself up to 2 characters, else its trigrams.
pub fn clause_grams(clause: &[char]) -> Vec<String> {
    if clause.len() <= 2 {
        vec![string_of(clause)]
    } else {
        (0..=clause.len() - 3)
            .map(|i| string_of(&clause[i..i + 3]))
            .collect()
    }
}

struct Lookup<'a, T: Terms> {
    terms: &'a T,
    present: RefCell<HashMap<String, bool>>,
}

impl<T: Terms> Lookup<'_, T> {
    fn gram_docs(&self, s: &[char]) -> Vec<u32> {
        let mut docs: Option<Vec<u32>> = None;
        for gram in clause_grams(s) {
            let Some(entry) = self.terms.entry(&gram) else {
                return Vec::new();
            };
            let these = docs_of(&entry.grams);
            docs = Some(match docs {
                None => these,
                Some(previous) => intersect(&previous, &these),
            });
            if docs.as_ref().is_some_and(Vec::is_empty) {
                return Vec::new();
            }
        }
        docs.unwrap_or_default()
    }

    fn present(&self, s: &[char]) -> bool {
        if s.is_empty() {
            return false;
        }
        let key = string_of(s);
        if let Some(&known) = self.present.borrow().get(&key) {
            return known;
        }
        let found = self.terms.entry(&key).is_some_and(|e| !e.words.is_empty())
            || !self.gram_docs(s).is_empty();
        self.present.borrow_mut().insert(key, found);
        found
    }
}

fn is_alnum_dash(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// Segments a normalised piece against the index: `None` for a character found nowhere.
fn segment<T: Terms>(
    piece: &[char],
    lookup: &Lookup<'_, T>,
    stop: &HashSet<String>,
) -> Option<Vec<String>> {
    const UNKNOWN: u32 = 1000;
    let n = piece.len();
    // best[i] = (cost, length of the first edge, searched?) for piece[i..].
    let mut best: Vec<(u32, usize, bool)> = vec![(0, 0, false); n + 1];
    // Numbers and Latin words (with their dashes) are never cut: 770-9999 is one piece.
    let glued = |k: usize| k > 0 && k < n && is_alnum_dash(piece[k - 1]) && is_alnum_dash(piece[k]);
    // A single kanji cut out of a longer word is junk (今日 is not 今 + 日).
    let usable = |s: &[char]| lookup.present(s) && (n == 1 || s.len() > 1 || !is_kanji(s[0]));
    for i in (0..n).rev() {
        let mut choice: Option<(u32, usize, bool)> = None;
        for length in (1..=n - i).rev() {
            if glued(i) || glued(i + length) {
                continue;
            }
            let s = &piece[i..i + length];
            let (cost, searched) = if stop.contains(&string_of(s)) {
                (if length == 1 { 9 } else { 6 }, false)
            } else if usable(s) {
                (10, true)
            } else {
                continue;
            };
            let total = cost + best[i + length].0;
            if choice.is_none_or(|(c, _, _)| total < c) {
                choice = Some((total, length, searched));
            }
        }
        best[i] = choice.unwrap_or((UNKNOWN + best[i + 1].0, 1, true));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let (_, length, searched) = best[i];
        let s = &piece[i..i + length];
        if searched {
            if !usable(s) {
                return None;
            }
            out.push(string_of(s));
        }
        i += length;
    }
    Some(out)
}

/// The terms a string's presence and score are looked up by: itself and its n-grams.
fn terms_of(folded: &str) -> Vec<String> {
    let mut out = vec![folded.to_owned()];
    out.extend(clause_grams(&chars_of(folded)));
    out
}

/// What the browser fetches for a query, in rounds (`prepare` in search-engine.js): (1) the
/// query's words and, where noise words or particles split a word, its parts — fetched
/// together, so most queries need one round; (2) every substring of the parts of words that
/// are not in the index, for segmenting them, when there are such parts. Every term the
/// analysis and ranking look up is in one of the rounds, so the chunks they fall in are all
/// a query transfers.
pub fn fetch_plan<T: Terms>(query: &str, terms: &T) -> Vec<Vec<String>> {
    let lookup = Lookup {
        terms,
        present: RefCell::new(HashMap::new()),
    };
    let mut rounds: Vec<Vec<String>> = vec![Vec::new(); 2];
    let mut parts: Vec<(String, Vec<String>)> = Vec::new();
    for (folded, subs) in word_parts(query) {
        rounds[0].extend(terms_of(&folded));
        for sub in &subs {
            rounds[0].extend(terms_of(sub));
        }
        parts.push((folded, subs));
    }
    for (folded, subs) in &parts {
        if lookup.present(&chars_of(folded)) {
            continue;
        }
        for sub in subs {
            let chars = chars_of(sub);
            if lookup.present(&chars) {
                continue;
            }
            for i in 0..chars.len() {
                for j in i + 1..=chars.len() {
                    rounds[1].push(string_of(&chars[i..j]));
                }
            }
        }
    }
    rounds
}

/// Each query word, folded, with its parts after noise words and particles are cut out (the
/// parts that are not stop words; empty words are left out). What the query means before the
/// index is asked (`wordParts` in search-engine.js; the node parity test compares the two).
pub fn word_parts(query: &str) -> Vec<(String, Vec<String>)> {
    let rules = normalize::rules();
    let mut out = Vec::new();
    for word in query_words(query) {
        let folded = normalize::fold(&string_of(&word));
        if folded.is_empty() {
            continue;
        }
        let mut subs = Vec::new();
        for part in cut_noise(&word, &rules.noise) {
            for sub in split_particles(&part, &rules.particles) {
                let sub = normalize::fold(&string_of(&sub));
                if !sub.is_empty() && !rules.stop.contains(&sub) {
                    subs.push(sub);
                }
            }
        }
        out.push((folded, subs));
    }
    out
}

/// The query's words after legal-entity prefixes are dropped.
fn query_words(query: &str) -> Vec<Vec<char>> {
    let rules = normalize::rules();
    let mut prepped: Vec<char> = chars_of(&normalize::prep(query));
    prepped.truncate(MAX_QUERY_CHARS);
    // Bracketed abbreviations such as (株) go first, before brackets split words.
    for prefix in rules
        .legal_prefixes
        .iter()
        .filter(|p| p.iter().any(|&c| is_boundary(c)))
    {
        let mut i = 0;
        while i + prefix.len() <= prepped.len() {
            if prepped[i..].starts_with(prefix) && prepped.len() > prefix.len() {
                prepped.splice(i..i + prefix.len(), [' ']);
            }
            i += 1;
        }
    }
    let words = split_words(&prepped);
    let mut kept = Vec::new();
    let mut legal_only = Vec::new();
    for word in words {
        let mut word = word;
        let mut whole = false;
        for prefix in &rules.legal_prefixes {
            if word.starts_with(prefix) {
                if word.len() > prefix.len() {
                    word = word[prefix.len()..].to_vec();
                } else {
                    whole = true;
                }
                break;
            }
        }
        if whole {
            legal_only.push(word);
        } else {
            kept.push(word);
        }
    }
    if kept.is_empty() { legal_only } else { kept }
}

/// Analyses a query against the index, with the lay vocabulary `lay`.
pub fn analyze<T: Terms>(query: &str, terms: &T, lay: &Lay) -> Analysis {
    let lookup = Lookup {
        terms,
        present: RefCell::new(HashMap::new()),
    };
    let mut groups: Vec<Group> = Vec::new();
    for (word, subs) in word_parts(query) {
        if lay.is_noise(&word) {
            continue;
        }
        if let Some(group) = lay.group(&word) {
            push_group(group, &mut groups, false);
            continue;
        }
        if lookup.present(&chars_of(&word)) || loose_present(&word, terms) {
            push_group(Group::plain(word), &mut groups, false);
            continue;
        }
        for sub in subs {
            analyze_piece(&chars_of(&sub), &lookup, lay, &mut groups);
        }
    }
    let mut clauses: Vec<String> = Vec::new();
    for group in &groups {
        for alternative in group.alternatives.iter().filter(|a| !a.loose) {
            if !clauses.contains(&alternative.text) {
                clauses.push(alternative.text.clone());
            }
        }
    }
    let impossible = groups
        .iter()
        .any(|g| g.days == 0 && g.alternatives.is_empty());
    Analysis {
        clauses,
        groups,
        impossible,
    }
}

/// Adds a group as a content word of its own (`same_unit`: as a piece of the last one).
fn push_group(mut group: Group, groups: &mut Vec<Group>, same_unit: bool) {
    if !groups.iter().any(|g| g.word == group.word) {
        let last = groups.last().map_or(0, |g| g.unit);
        group.unit = if same_unit || groups.is_empty() {
            last
        } else {
            last + 1
        };
        groups.push(group);
    }
}

/// A part of a query word (normalised) that is not in the index as a whole word: a lay word,
/// a word of the index, a lay word inside it, or pieces of the index's vocabulary.
fn analyze_piece<T: Terms>(
    piece: &[char],
    lookup: &Lookup<'_, T>,
    lay: &Lay,
    groups: &mut Vec<Group>,
) {
    let rules = normalize::rules();
    let text = string_of(piece);
    if piece.is_empty() || rules.stop.contains(&text) || lay.is_noise(&text) {
        return;
    }
    if let Some(group) = lay.group(&text) {
        push_group(group, groups, false);
        return;
    }
    if lookup.present(piece) || loose_present(&text, lookup.terms) {
        push_group(Group::plain(text), groups, false);
        return;
    }
    // A particle left at the start by the cuts (歯医者さん|に家): the rest is the word.
    if let Some(k) = (1..piece.len().min(4))
        .rev()
        .find(|&k| rules.stop.contains(&string_of(&piece[..k])))
    {
        analyze_piece(&piece[k..], lookup, lay, groups);
        return;
    }
    if let Some((start, length)) = lay.find_inside(piece) {
        analyze_piece(&piece[..start], lookup, lay, groups);
        if let Some(group) = lay.group(&string_of(&piece[start..start + length])) {
            push_group(group, groups, false);
        }
        analyze_piece(&piece[start + length..], lookup, lay, groups);
        return;
    }
    match segment(piece, lookup, &rules.stop) {
        Some(pieces) => {
            // Pieces of two characters or more are words of their own (a partial match may
            // leave one out); a single character only counts with its neighbours (ラ + メン).
            // So is a katakana word (チョコレート is not チヨ + コレ).
            let glued = pieces.iter().any(|p| p.chars().count() < 2)
                || piece.iter().all(|&c| normalize::is_katakana(c));
            for (i, piece) in pieces.into_iter().enumerate() {
                push_group(Group::plain(piece), groups, glued && i > 0);
            }
        }
        None => push_group(
            Group {
                word: text,
                ..Group::default()
            },
            groups,
            false,
        ),
    }
}

/// Per-document scores of one clause, sorted by document.
fn clause_scores<T: Terms>(clause: &str, terms: &T) -> Postings {
    let chars = chars_of(clause);
    let words = terms
        .entry(clause)
        .map(|e| e.words.clone())
        .unwrap_or_default();
    // Substring: the smallest impact among the clause's n-grams, in documents that have all.
    let mut grams: Option<Postings> = None;
    for gram in clause_grams(&chars) {
        let these = terms
            .entry(&gram)
            .map(|e| e.grams.clone())
            .unwrap_or_default();
        grams = Some(match grams {
            None => these,
            Some(previous) => merge(&previous, &these, true, u32::min),
        });
    }
    // A whole number (a phone, FAX or postal code: seven digits or more) that some document
    // has as a word is that document's: the n-grams of 770-8011 are all in a record of
    // 770-8012 whose phone has 011, so substrings do not count then.
    if is_whole_number(&chars) && !words.is_empty() {
        return words;
    }
    // Union, taking the larger score.
    merge(&words, &grams.unwrap_or_default(), false, u32::max)
}

/// Digits and dashes only, with seven digits or more.
fn is_whole_number(chars: &[char]) -> bool {
    chars.iter().all(|&c| c.is_ascii_digit() || c == '-')
        && chars.iter().filter(|c| c.is_ascii_digit()).count() >= 7
}

/// Facet filters by index into the labels (`None`: any).
#[derive(Debug, Clone, Copy, Default)]
pub struct Filters {
    pub category: Option<usize>,
    pub area: Option<usize>,
    pub service: Option<usize>,
}

/// A ranked document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub doc: u32,
    pub score: u32,
}

/// Ranked documents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ranking {
    pub hits: Vec<Hit>,
    /// No document matches every group: these match most of them
    /// (「すべての言葉を含む結果はありませんでした。一部の言葉に一致した結果です」).
    pub partial: bool,
}

/// The note shown when a ranking is partial.
pub const PARTIAL_NOTE: &str =
    "すべての言葉を含む結果はありませんでした。一部の言葉に一致した結果です。";

/// Joins two postings lists by document, keeping documents in both (`both`) or in either.
fn merge(a: &Postings, b: &Postings, both: bool, f: impl Fn(u32, u32) -> u32) -> Postings {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() || j < b.len() {
        if j >= b.len() || (i < a.len() && a[i].0 < b[j].0) {
            if !both {
                out.push(a[i]);
            }
            i += 1;
        } else if i >= a.len() || b[j].0 < a[i].0 {
            if !both {
                out.push(b[j]);
            }
            j += 1;
        } else {
            out.push((a[i].0, f(a[i].1, b[j].1)));
            i += 1;
            j += 1;
        }
    }
    out
}

/// Per-document scores of a group: the best of its alternatives, or for a time word the
/// facilities open (or reachable) then.
pub fn group_scores<T: Terms>(group: &Group, terms: &T, meta: &Meta) -> Postings {
    if group.days != 0 {
        let open = &meta.docs.open;
        return (0..meta.count.min(open.len()))
            .filter_map(|d| {
                let bits = open[d];
                // Each time asked for: open then, or else reachable then (年中無休 asks for
                // every day, 土日 for two).
                let open_bits = bits & group.days;
                let reachable = (bits >> lay::REACHABLE_SHIFT) & group.days & !open_bits;
                let score = open_bits.count_ones() * lay::OPEN_IMPACT
                    + reachable.count_ones() * lay::REACHABLE_IMPACT;
                (score > 0).then_some((d as u32, score))
            })
            .collect();
    }
    let mut out: Postings = Vec::new();
    for alternative in &group.alternatives {
        let scores = if alternative.loose {
            loose_scores(&alternative.text, terms)
        } else {
            clause_scores(&alternative.text, terms)
        };
        out = merge(&out, &scores, false, u32::max);
    }
    out
}

/// The documents that match every group, best first, before filtering; when none does (and
/// the query has several words), the documents that match most of them.
pub fn rank<T: Terms>(analysis: &Analysis, terms: &T, meta: &Meta) -> Ranking {
    if analysis.groups.is_empty() {
        return Ranking::default();
    }
    let scores: Vec<Postings> = analysis
        .groups
        .iter()
        .map(|g| group_scores(g, terms, meta))
        .collect();
    let mut total: Option<Postings> = None;
    for group in &scores {
        total = Some(match total {
            None => group.clone(),
            Some(previous) => merge(&previous, group, true, |a, b| a + b),
        });
    }
    let total = total.unwrap_or_default();
    let tlen = &meta.docs.tlen;
    let finish = |postings: Vec<(u32, u32, usize)>| -> Vec<Hit> {
        let mut hits: Vec<(Hit, usize)> = postings
            .into_iter()
            .filter(|&(doc, score, _)| score > 0 && (doc as usize) < meta.count)
            .map(|(doc, score, matched)| (Hit { doc, score }, matched))
            .collect();
        hits.sort_by(|(a, am), (b, bm)| {
            bm.cmp(am)
                .then(b.score.cmp(&a.score))
                .then(tlen[a.doc as usize].cmp(&tlen[b.doc as usize]))
                .then(a.doc.cmp(&b.doc))
        });
        hits.into_iter().map(|(hit, _)| hit).collect()
    };
    let unit_count = analysis.groups.last().map_or(0, |g| g.unit + 1);
    if !total.is_empty() || unit_count < 2 {
        let n = scores.len();
        return Ranking {
            hits: finish(total.into_iter().map(|(d, s)| (d, s, n)).collect()),
            partial: false,
        };
    }
    // Partial: documents by how many content words they match, then by score; at least half
    // of the words (or the most any document matches, when that is fewer).
    let mut units: Vec<Postings> = Vec::new();
    for (group, postings) in analysis.groups.iter().zip(&scores) {
        match units.get_mut(group.unit) {
            Some(unit) => *unit = merge(unit, postings, true, |a, b| a + b),
            None => units.push(postings.clone()),
        }
    }
    let mut counted: Vec<(u32, u32, usize)> = Vec::new();
    for group in &units {
        let mut merged = Vec::with_capacity(counted.len() + group.len());
        let (mut i, mut j) = (0, 0);
        while i < counted.len() || j < group.len() {
            if j >= group.len() || (i < counted.len() && counted[i].0 < group[j].0) {
                merged.push(counted[i]);
                i += 1;
            } else if i >= counted.len() || group[j].0 < counted[i].0 {
                merged.push((group[j].0, group[j].1, 1));
                j += 1;
            } else {
                merged.push((counted[i].0, counted[i].1 + group[j].1, counted[i].2 + 1));
                i += 1;
                j += 1;
            }
        }
        counted = merged;
    }
    let most = counted.iter().map(|c| c.2).max().unwrap_or(0);
    let needed = most.min(units.len().div_ceil(2)).max(1);
    counted.retain(|c| c.2 >= needed);
    let hits = finish(counted);
    Ranking {
        partial: !hits.is_empty(),
        hits,
    }
}

/// How a document was found through the lay vocabulary: one note per group it matches only
/// through a term (「『胃瘻』を『胃ろう』として検索しました」).
pub fn via_notes<T: Terms>(analysis: &Analysis, terms: &T, doc: u32) -> Vec<String> {
    let score = |text: &str| {
        let scores = clause_scores(text, terms);
        scores
            .binary_search_by(|p| p.0.cmp(&doc))
            .map_or(0, |i| scores[i].1)
    };
    let mut notes = Vec::new();
    for group in &analysis.groups {
        if group.alternatives.iter().all(|a| a.via.is_none()) {
            continue;
        }
        if group
            .alternatives
            .iter()
            .any(|a| a.via.is_none() && score(&a.text) > 0)
        {
            continue;
        }
        // The first term that matches (the table lists the most telling term first).
        let first = group
            .alternatives
            .iter()
            .filter_map(|a| a.via.as_ref().map(|via| (a, via)))
            .find(|(a, _)| score(&a.text) > 0);
        if let Some((_, (word, term))) = first {
            notes.push(format!("『{word}』を『{term}』として検索しました"));
        }
    }
    notes
}

/// The strings a result highlights: the query's [`Analysis::clauses`] and, through the
/// fragment's marks ([`Fragment::marks`]), the words it matched by reading. A searched string
/// is walked from the start: where a mark's key (its whole text, or two characters or more of
/// it) begins, the longest such key is taken, and keys that follow each other make one
/// highlight of their words joined — ほうもんかんご highlights 訪問看護 where the compound
/// stands, never 訪問 in 訪問点滴 or 看護 in 看護師. A group none of whose strings is covered
/// whole so takes the shortest key one of them begins (three characters or more: みなみしょうわ
/// and 南昭和町, ほうもんかんご and 訪問看護ステーション), and only failing that the runs that
/// cover part of a string. Compared without voicing marks for a loose alternative. So
/// やまさき highlights 山崎 (and the name it reads), 桜 highlights さくら.
pub fn result_clauses(analysis: &Analysis, fragment: &Fragment) -> Vec<String> {
    let mut out = analysis.clauses.clone();
    for group in &analysis.groups {
        let mut matched = false;
        // The shortest key an alternative begins, for a group that matches no key as a whole.
        let mut begun: Option<(usize, &String)> = None;
        // Runs of keys that cover only part of a searched string.
        let mut parts: Vec<String> = Vec::new();
        for alternative in &group.alternatives {
            let text = chars_of(&alternative.text);
            let keys: Vec<(Vec<char>, &String)> = fragment
                .marks
                .iter()
                .map(|(key, shown)| {
                    let key = if alternative.loose {
                        crate::ja::voicing::voiceless(key)
                    } else {
                        key.clone()
                    };
                    (chars_of(&key), shown)
                })
                .collect();
            for (key, shown) in &keys {
                if text.len() >= 3
                    && key.len() > text.len()
                    && key.starts_with(&text)
                    && begun.is_none_or(|(l, _)| key.len() < l)
                {
                    begun = Some((key.len(), shown));
                }
            }
            let mut run = String::new();
            let mut run_start = 0;
            let mut i = 0;
            while i <= text.len() {
                // The longest key at i (the first of equals, in the marks' order).
                let mut found: Option<(usize, &String)> = None;
                for (key, shown) in &keys {
                    let usable = key.len() >= 2 || (i == 0 && key.len() == text.len());
                    if !key.is_empty()
                        && usable
                        && text[i..].starts_with(key)
                        && found.is_none_or(|(l, _)| key.len() > l)
                    {
                        found = Some((key.len(), shown));
                    }
                }
                match found {
                    Some((length, shown)) => {
                        if run.is_empty() {
                            run_start = i;
                        }
                        run.push_str(shown);
                        i += length;
                    }
                    None => {
                        if !run.is_empty() {
                            let joined = std::mem::take(&mut run);
                            if run_start == 0 && i == text.len() {
                                matched = true;
                                if !out.contains(&joined) {
                                    out.push(joined);
                                }
                            } else if !parts.contains(&joined) {
                                parts.push(joined);
                            }
                        }
                        i += 1;
                    }
                }
            }
        }
        // Not matched whole: the compound the string begins, else the parts it holds.
        if !matched && begun.is_none() {
            for part in parts {
                if !out.contains(&part) {
                    out.push(part);
                }
            }
        }
        if let Some((_, shown)) = begun.filter(|_| !matched)
            && !out.contains(shown)
        {
            out.push(shown.clone());
        }
    }
    out
}

/// Whether a document passes the filters.
pub fn passes(meta: &Meta, doc: u32, filters: &Filters) -> bool {
    let d = doc as usize;
    filters
        .category
        .is_none_or(|c| meta.docs.cat[d] == c as i32)
        && filters.area.is_none_or(|a| meta.docs.area[d] == a as i32)
        && filters
            .service
            .is_none_or(|s| meta.docs.svc[d] >> s & 1 == 1)
}

/// A snippet of `text` around the first match of any clause: the text (with `…` where cut)
/// and the highlighted ranges in characters (touching matches joined into one).
pub fn snippet(text: &str, clauses: &[String], width: usize) -> (String, Vec<(usize, usize)>) {
    let original = chars_of(text);
    let normalized = normalize::normalize(text);
    let mut found: Vec<(usize, usize)> = Vec::new();
    let mut ordered: Vec<Vec<char>> = clauses.iter().map(|c| chars_of(c)).collect();
    ordered.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    for clause in &ordered {
        if clause.is_empty() || clause.len() > normalized.chars.len() {
            continue;
        }
        for p in 0..=normalized.chars.len() - clause.len() {
            if normalized.chars[p..p + clause.len()] == clause[..] {
                let start = normalized.source[p];
                let mut end = normalized.source[p + clause.len() - 1] + 1;
                while end < original.len()
                    && matches!(
                        original[end],
                        '\u{0300}'..='\u{036F}' | '\u{3099}' | '\u{309A}' | '\u{FF9E}' | '\u{FF9F}'
                    )
                {
                    end += 1;
                }
                if !found.iter().any(|&(s, e)| start < e && s < end) {
                    found.push((start, end));
                }
            }
        }
    }
    found.sort_unstable();
    // A compound matched through its parts (在宅 + 酸素, ほうもん + かんご by reading) is one
    // highlight, not fragments: ranges that touch are joined.
    let mut joined: Vec<(usize, usize)> = Vec::with_capacity(found.len());
    for (s, e) in found {
        match joined.last_mut() {
            Some(last) if last.1 == s => last.1 = e,
            _ => joined.push((s, e)),
        }
    }
    let found = joined;
    let first = found.first().map_or(0, |&(s, _)| s);
    let start = first.saturating_sub(width / 4);
    let end = (start + width).min(original.len());
    let mut out = String::new();
    let offset = if start > 0 {
        out.push('…');
        1
    } else {
        0
    };
    out.extend(&original[start..end]);
    if end < original.len() {
        out.push('…');
    }
    let highlights = found
        .into_iter()
        .filter(|&(s, e)| s >= start && e <= end)
        .map(|(s, e)| (s - start + offset, e - start + offset))
        .collect();
    (out, highlights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_particles_noise() {
        let rules = normalize::rules();
        let words = query_words("医療法人社団 髙橋会　(株)ひまわり");
        let words: Vec<String> = words.iter().map(|w| string_of(w)).collect();
        assert_eq!(words, vec!["高橋会", "ひまわり"]);
        let parts = split_particles(&chars_of("在宅酸素ができる診療所"), &rules.particles);
        let parts: Vec<String> = parts.iter().map(|w| string_of(w)).collect();
        assert_eq!(parts, vec!["在宅酸素", "診療所"]);
        let parts = split_particles(&chars_of("たかはし内科"), &rules.particles);
        assert_eq!(parts.len(), 1);
        let parts = cut_noise(&chars_of("訪問看護の電話番号を教えて"), &rules.noise);
        let parts: Vec<String> = parts.iter().map(|w| string_of(w)).collect();
        assert_eq!(parts, vec!["訪問看護の", "を"]);
    }

    #[test]
    fn snippets() {
        let (text, highlights) = snippet("徳島市南昭和町一丁目", &["昭和町".to_owned()], 40);
        assert_eq!(text, "徳島市南昭和町一丁目");
        assert_eq!(highlights, vec![(4, 7)]);
        let (_, highlights) = snippet("ｸﾘﾆｯｸです", &["クリニツク".to_owned()], 40);
        assert_eq!(highlights, vec![(0, 5)]);
        // A compound found through its parts is one highlight; words apart stay apart.
        let clauses = ["在宅", "酸素", "経管栄養", "胃ろう"].map(normalize::fold);
        let (_, highlights) = snippet("在宅酸素療法、経管栄養・胃ろう", &clauses, 40);
        assert_eq!(highlights, vec![(0, 4), (7, 11), (12, 15)]);
    }
}
