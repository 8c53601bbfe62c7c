//! The search dictionary's load time in a fresh process, for `scripts/bench-selfcontained.sh`:
//! prints the milliseconds `zaitaku::search::dictionary::system()` takes (where it loads from
//! follows the same rules as `zaitaku`: `ZAITAKU_IPADIC`, the embedded dictionary and its
//! cache, `XDG_CACHE_HOME`), and, with `--tokenize`, the first tokenisation of a sentence
//! after it (the pages a mapped dictionary reads only when used).
//!
//! `cargo run --release --example bench-dictionary [-- --tokenize]`

use std::time::Instant;

use lindera::mode::Mode;
use lindera::segmenter::Segmenter;

fn main() {
    let started = Instant::now();
    let dictionary = zaitaku::search::dictionary::system().unwrap_or_else(|e| panic!("{e}"));
    let mut elapsed = started.elapsed();
    if std::env::args().any(|a| a == "--tokenize") {
        let segmenter = Segmenter::new(Mode::Normal, dictionary, None);
        let tokens = segmenter
            .segment("訪問看護ステーションの看護師が、ご自宅で療養の相談にのります。".into())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(tokens.len() > 5);
        elapsed = started.elapsed();
    }
    println!("{:.2}", elapsed.as_secs_f64() * 1000.0);
}
