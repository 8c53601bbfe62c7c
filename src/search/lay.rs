//! The lay vocabulary at query time: the shared table (`crate::ja::lay_words`) and the site's
//! `content/synonyms.csv`, merged at build time into `meta.bin` and compiled here into what
//! the query analysis looks words up in. `search-engine.js` compiles the same list the same
//! way (`Lay` there).
//!
//! * kind `term`: a query word that is one of the words becomes a group whose alternatives
//!   are the word itself and its terms.
//! * kind `day`: the word asks for a time; its group matches facilities open (hours) or
//!   reachable (24時間対応, ケアマネタイム) then, through the document table's `open` bits.

use std::collections::HashMap;

use super::engine::{Alternative, Group};
use super::normalize;
use crate::content::Content;
use crate::ja::lay_words::{self, LayEntry, LayKind, TIME_KEYS};

/// Bit of a time key (`mon` … `hol`, `night`) in a day mask; 0 for an unknown key.
pub fn time_bit(key: &str) -> u32 {
    TIME_KEYS
        .iter()
        .position(|k| *k == key)
        .map_or(0, |i| 1 << i)
}

/// The mask of several keys.
pub fn day_bits<S: AsRef<str>>(keys: &[S]) -> u32 {
    keys.iter().fold(0, |bits, k| bits | time_bit(k.as_ref()))
}

/// Where the document table's `open` keeps "reachable then" (24時間対応, ケアマネタイム), above
/// the bits of "open then" (hours).
pub const REACHABLE_SHIFT: u32 = 9;

/// Impact of a facility open at the time asked for, and of one reachable then.
pub const OPEN_IMPACT: u32 = 20;
pub const REACHABLE_IMPACT: u32 = 10;

/// The table written into `meta.bin`: the shipped lines, then one line per site synonym.
pub fn table(content: &Content) -> Vec<LayEntry> {
    let mut out = lay_words::shipped();
    out.extend(content.synonyms.iter().map(|s| LayEntry {
        words: vec![s.word.clone()],
        terms: s.terms.clone(),
        kind: LayKind::Term,
    }));
    out
}

/// A word's expansion: its terms (normalised, as written).
#[derive(Debug, Clone)]
struct Expansion {
    shown: String,
    terms: Vec<(String, String)>,
    days: u32,
    noise: bool,
}

/// The compiled table.
#[derive(Debug, Clone, Default)]
pub struct Lay {
    words: HashMap<String, Expansion>,
    /// Normalised words, longest first then in code point order (as the browser sorts).
    inside: Vec<Vec<char>>,
}

impl Lay {
    pub fn new(entries: &[LayEntry]) -> Lay {
        let mut words: HashMap<String, Expansion> = HashMap::new();
        for entry in entries {
            let days = match entry.kind {
                LayKind::Day => day_bits(&entry.terms),
                LayKind::Term | LayKind::Noise => 0,
            };
            let terms: Vec<(String, String)> = match entry.kind {
                LayKind::Day | LayKind::Noise => Vec::new(),
                LayKind::Term => entry
                    .terms
                    .iter()
                    .map(|t| (normalize::fold(t), t.clone()))
                    .filter(|(t, _)| !t.is_empty())
                    .collect(),
            };
            for word in &entry.words {
                let folded = normalize::fold(word);
                if folded.is_empty() {
                    continue;
                }
                let expansion = words.entry(folded.clone()).or_insert_with(|| Expansion {
                    shown: word.clone(),
                    terms: Vec::new(),
                    days,
                    noise: entry.kind == LayKind::Noise,
                });
                for term in &terms {
                    if term.0 != folded && !expansion.terms.iter().any(|t| t.0 == term.0) {
                        expansion.terms.push(term.clone());
                    }
                }
            }
        }
        let mut inside: Vec<Vec<char>> = words.keys().map(|w| w.chars().collect()).collect();
        inside.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        Lay { words, inside }
    }

    /// Whether a normalised word is one of the table's noise words (not searched for).
    pub fn is_noise(&self, folded: &str) -> bool {
        self.words.get(folded).is_some_and(|e| e.noise)
    }

    /// The group of a normalised query word that is in the table (not for noise words).
    pub fn group(&self, folded: &str) -> Option<Group> {
        let expansion = self.words.get(folded).filter(|e| !e.noise)?;
        if expansion.days != 0 {
            return Some(Group {
                word: folded.to_owned(),
                alternatives: Vec::new(),
                days: expansion.days,
                unit: 0,
            });
        }
        let mut alternatives = vec![Alternative {
            text: folded.to_owned(),
            ..Alternative::default()
        }];
        for (term, shown) in &expansion.terms {
            alternatives.push(Alternative {
                text: term.clone(),
                via: Some((expansion.shown.clone(), shown.clone())),
                loose: false,
            });
        }
        Some(Group {
            word: folded.to_owned(),
            alternatives,
            days: 0,
            unit: 0,
        })
    }

    /// The leftmost longest table word inside `chars` (a word of Latin letters and digits only
    /// where neither neighbour is one): its start and length.
    pub fn find_inside(&self, chars: &[char]) -> Option<(usize, usize)> {
        let latin = |c: char| c.is_ascii_alphanumeric();
        let mut best: Option<(usize, usize)> = None;
        for word in &self.inside {
            if word.len() >= chars.len() || best.is_some_and(|(_, l)| l > word.len()) {
                continue;
            }
            for start in 0..=chars.len() - word.len() {
                if best.is_some_and(|(s, _)| s <= start) {
                    break;
                }
                let end = start + word.len();
                if chars[start..end] != word[..] {
                    continue;
                }
                let glued = (word.first().is_some_and(|&c| latin(c))
                    && start > 0
                    && latin(chars[start - 1]))
                    || (word.last().is_some_and(|&c| latin(c))
                        && end < chars.len()
                        && latin(chars[end]));
                if !glued {
                    best = Some((start, word.len()));
                    break;
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lay() -> Lay {
        Lay::new(&lay_words::shipped())
    }

    #[test]
    fn no_two_lines_share_a_word() {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut problems = Vec::new();
        for (line, entry) in lay_words::shipped().iter().enumerate() {
            for word in &entry.words {
                let folded = normalize::fold(word);
                assert!(!folded.is_empty(), "{word}");
                if let Some(other) = seen.insert(folded.clone(), line) {
                    problems.push(format!("{word} ({folded}) in entries {other} and {line}"));
                }
            }
            for term in &entry.terms {
                if entry.kind == LayKind::Term {
                    let folded = normalize::fold(term);
                    assert!(
                        !folded.is_empty() && !folded.contains(' '),
                        "term {term} must be one word"
                    );
                }
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn groups() {
        let lay = lay();
        let group = lay.group(&normalize::fold("胃瘻")).unwrap();
        assert_eq!(group.alternatives[0].text, "胃瘻");
        assert_eq!(group.alternatives[1].text, normalize::fold("胃ろう"));
        assert_eq!(
            group.alternatives[1].via,
            Some(("胃瘻".to_owned(), "胃ろう".to_owned()))
        );
        let peg = lay.group(&normalize::fold("ＰＥＧ")).unwrap();
        assert_eq!(peg.alternatives.len(), group.alternatives.len());
        let sunday = lay.group(&normalize::fold("にちようび")).unwrap();
        assert_eq!(sunday.days, time_bit("sun"));
        assert!(sunday.alternatives.is_empty());
        assert!(lay.group("ラーメン").is_none());
    }

    #[test]
    fn inside_a_longer_word() {
        let lay = lay();
        let chars: Vec<char> = normalize::fold("胃瘻交換").chars().collect();
        assert_eq!(lay.find_inside(&chars), Some((0, 2)));
        let chars: Vec<char> = "acme".chars().collect();
        assert_eq!(lay.find_inside(&chars), None, "cm inside acme");
        let chars: Vec<char> = normalize::fold("ＣＭさん").chars().collect();
        assert_eq!(lay.find_inside(&chars), Some((0, 2)));
    }
}
