fn main() {
    let a = zaitaku::search::indexer::Analyzer::new(&[]).unwrap();
    for text in std::env::args().skip(1) {
        println!(
            "{text}\n  W {:?}\n  R {:?}\n  reading {}",
            a.words(&text, false),
            a.words(&text, true),
            a.reading(&text)
        );
    }
}
