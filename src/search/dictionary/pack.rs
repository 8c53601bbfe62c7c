//! The embedded dictionary's one-file form: a compiled lindera dictionary's files in the order
//! of [`FILES`], after a magic line, each as its length (u64, little-endian) and its bytes —
//! all of it one deflate stream. `build.rs` writes it into `OUT_DIR` (the binary includes it);
//! [`super`] inflates it into memory the first time a search index is built.
//!
//! This file is compiled twice, into zaitaku and into the build script (`#[path]`), so it uses
//! nothing but std and flate2.

use std::io::{self, Read, Write};
use std::path::Path;

/// The files of a compiled lindera dictionary (lindera-dictionary 5.3), in packing order.
pub const FILES: [&str; 9] = [
    "metadata.json",
    "char_def.bin",
    "unk.bin",
    "matrix.mtx",
    "dict.trie",
    "dict.valsidx",
    "dict.vals",
    "dict.wordsidx",
    "dict.words",
];

/// First bytes of the inflated stream; the digit is the layout's version.
pub const MAGIC: &[u8; 16] = b"zaitaku-ipadic1\n";

/// No file of a dictionary comes near this; a larger length means the data is damaged.
const MAX_FILE: u64 = 1 << 30;

/// Packs the compiled dictionary in `dir` into `out` at deflate `level` (0–9).
pub fn write<W: Write>(dir: &Path, out: W, level: u32) -> io::Result<W> {
    let mut encoder = flate2::write::DeflateEncoder::new(out, flate2::Compression::new(level));
    encoder.write_all(MAGIC)?;
    for name in FILES {
        let path = dir.join(name);
        let bytes = std::fs::read(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        encoder.write_all(&(bytes.len() as u64).to_le_bytes())?;
        encoder.write_all(&bytes)?;
    }
    encoder.finish()
}

fn damaged(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// Unpacks what [`write`] made: the files' bytes in the order of [`FILES`].
pub fn read(packed: &[u8]) -> io::Result<[Vec<u8>; FILES.len()]> {
    let mut decoder = flate2::bufread::DeflateDecoder::new(packed);
    let mut magic = [0u8; MAGIC.len()];
    decoder.read_exact(&mut magic)?;
    if &magic != MAGIC {
        return Err(damaged("not a packed dictionary (magic)"));
    }
    let mut files: [Vec<u8>; FILES.len()] = Default::default();
    for (file, name) in files.iter_mut().zip(FILES) {
        let mut length = [0u8; 8];
        decoder.read_exact(&mut length)?;
        let length = u64::from_le_bytes(length);
        if length > MAX_FILE {
            return Err(damaged(&format!("{name}: length {length}")));
        }
        *file = vec![0; length as usize];
        decoder.read_exact(file)?;
    }
    if decoder.read(&mut [0u8; 1])? != 0 {
        return Err(damaged("data after the last file"));
    }
    Ok(files)
}
