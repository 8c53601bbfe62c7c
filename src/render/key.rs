//! Keys of what a page is made from, for the build cache (`crate::build::cache`): a SHA-256
//! fed with serialised values (serde_json writes straight into the hash: no text is built and
//! nothing is escaped but quotes, backslashes and control characters) and length-prefixed
//! parts. Two different streams of parts and values never give the same bytes, so equal keys
//! mean equal inputs.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::content::resource::Resource;

/// A key: a SHA-256 in hex.
pub type Key = String;

/// A SHA-256 fed by parts and values.
#[derive(Clone, Default)]
pub struct KeyHasher {
    hasher: Sha256,
    /// A value could not be serialised: the key is unusable.
    failed: bool,
}

impl KeyHasher {
    pub fn new() -> KeyHasher {
        KeyHasher::default()
    }

    /// Adds bytes, length-prefixed.
    pub fn part(&mut self, bytes: &[u8]) -> &mut KeyHasher {
        self.hasher.update((bytes.len() as u64).to_le_bytes());
        self.hasher.update(bytes);
        self
    }

    /// Adds a value as serde_json writes it, then a NUL (JSON text has none). A value that
    /// cannot be written so makes [`KeyHasher::finish`] give `None`.
    pub fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> &mut KeyHasher {
        if serde_json::to_writer(Raw(&mut self.hasher), value).is_err() {
            self.failed = true;
        }
        self.hasher.update(b"\0");
        self
    }

    /// The key; `None` when a value could not be serialised.
    pub fn finish(self) -> Option<Key> {
        (!self.failed).then(|| hex(&self.hasher.finalize()))
    }
}

/// Raw bytes into the hash (the SHA-256 of a file's bytes, through `std::io::Write`).
impl std::io::Write for KeyHasher {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Raw<'a>(&'a mut Sha256);

impl std::io::Write for Raw<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Lower-case hex.
pub fn hex(digest: &[u8]) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(digest.len() * 2);
    for byte in digest {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// What a facility's page shows of its record: the loaded record as templates get it, and
/// its rendered note (which templates get beside it).
pub fn resource(hasher: &mut KeyHasher, resource: &Resource) {
    hasher.value(resource);
    let note = resource.note_rendered.as_ref();
    hasher.value(&note.map(|n| (&n.html, &n.text)));
}
