//! Keys of what a page is made from, for the build cache (`crate::build::cache`): a SHA-256
//! fed with values and length-prefixed parts. A value is walked by its `Serialize` and written
//! as tagged bytes ([`Feed`]: a tag for each kind of value, every string and name
//! length-prefixed, every list and map closed by a tag no value begins with), with no text
//! formatted or escaped. That writing is prefix-free, so two different streams of parts and
//! values never give the same bytes, and equal keys mean equal inputs.

use serde::Serialize;
use serde::ser;
use sha2::{Digest, Sha256};

use crate::content::resource::Resource;

/// A key: a SHA-256 in hex.
pub type Key = String;

/// Bytes gathered before they go into the hash (few calls of the hash, each with many bytes).
const BUFFER: usize = 16 * 1024;

/// A SHA-256 fed by parts and values.
#[derive(Clone, Default)]
pub struct KeyHasher {
    hasher: Sha256,
    buffer: Vec<u8>,
    /// A value could not be serialised: the key is unusable.
    failed: bool,
}

impl KeyHasher {
    pub fn new() -> KeyHasher {
        KeyHasher::default()
    }

    fn bytes(&mut self, bytes: &[u8]) {
        if self.buffer.len() + bytes.len() > BUFFER {
            self.hasher.update(&self.buffer);
            self.buffer.clear();
            if bytes.len() > BUFFER {
                self.hasher.update(bytes);
                return;
            }
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// Bytes, length-prefixed.
    fn prefixed(&mut self, bytes: &[u8]) {
        self.bytes(&(bytes.len() as u64).to_le_bytes());
        self.bytes(bytes);
    }

    /// Adds bytes, tagged and length-prefixed.
    pub fn part(&mut self, bytes: &[u8]) -> &mut KeyHasher {
        self.bytes(b"p");
        self.prefixed(bytes);
        self
    }

    /// Adds a value, tagged, walked by its `Serialize` ([`Feed`]). A value that cannot be serialised
    /// makes [`KeyHasher::finish`] give `None`.
    pub fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> &mut KeyHasher {
        self.bytes(b"=");
        if value.serialize(Feed(self)).is_err() {
            self.failed = true;
        }
        self
    }

    /// The key; `None` when a value could not be serialised.
    pub fn finish(mut self) -> Option<Key> {
        self.hasher.update(&self.buffer);
        (!self.failed).then(|| hex(&self.hasher.finalize()))
    }
}

/// Raw bytes into the hash (the SHA-256 of a file's bytes, through `std::io::Write`).
impl std::io::Write for KeyHasher {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.bytes(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes a value into a [`KeyHasher`] as tagged bytes. Every value begins with its tag:
/// `b` bool, `i`/`u`/`I`/`U` integers (little-endian, 8 or 16 bytes), `f` a float's bits, `c`
/// char, `s` string and `y` bytes (length-prefixed), `n` none, `S` some, `0` unit, and for the
/// containers `[` seq, `(` tuple, `{` map, `<` struct, each closed by `]`, `)`, `}`, `>` (no
/// value begins with those), a struct's fields each `.` and its name. Names of structs, fields
/// and variants are length-prefixed, variants also numbered.
pub struct Feed<'h>(&'h mut KeyHasher);

/// Why a value could not be walked (its `Serialize` said so).
#[derive(Debug)]
pub struct Unkeyable(String);

impl std::fmt::Display for Unkeyable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unkeyable {}

impl ser::Error for Unkeyable {
    fn custom<T: std::fmt::Display>(message: T) -> Unkeyable {
        Unkeyable(message.to_string())
    }
}

impl Feed<'_> {
    fn tag(&mut self, tag: u8) {
        self.0.bytes(&[tag]);
    }

    fn text(&mut self, tag: u8, bytes: &[u8]) {
        self.tag(tag);
        self.0.prefixed(bytes);
    }

    fn variant(&mut self, tag: u8, name: &str, index: u32, variant: &str) {
        self.text(tag, name.as_bytes());
        self.0.bytes(&index.to_le_bytes());
        self.0.prefixed(variant.as_bytes());
    }
}

type Done = Result<(), Unkeyable>;

impl<'h> ser::Serializer for Feed<'h> {
    type Ok = ();
    type Error = Unkeyable;
    type SerializeSeq = Feed<'h>;
    type SerializeTuple = Feed<'h>;
    type SerializeTupleStruct = Feed<'h>;
    type SerializeTupleVariant = Feed<'h>;
    type SerializeMap = Feed<'h>;
    type SerializeStruct = Feed<'h>;
    type SerializeStructVariant = Feed<'h>;

    fn serialize_bool(self, v: bool) -> Done {
        self.0.bytes(&[b'b', u8::from(v)]);
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Done {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Done {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Done {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(mut self, v: i64) -> Done {
        self.tag(b'i');
        self.0.bytes(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_i128(mut self, v: i128) -> Done {
        self.tag(b'I');
        self.0.bytes(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Done {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Done {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Done {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(mut self, v: u64) -> Done {
        self.tag(b'u');
        self.0.bytes(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_u128(mut self, v: u128) -> Done {
        self.tag(b'U');
        self.0.bytes(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Done {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(mut self, v: f64) -> Done {
        self.tag(b'f');
        self.0.bytes(&v.to_bits().to_le_bytes());
        Ok(())
    }
    fn serialize_char(mut self, v: char) -> Done {
        self.tag(b'c');
        self.0.bytes(&u32::from(v).to_le_bytes());
        Ok(())
    }
    fn serialize_str(mut self, v: &str) -> Done {
        self.text(b's', v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(mut self, v: &[u8]) -> Done {
        self.text(b'y', v);
        Ok(())
    }
    fn serialize_none(mut self) -> Done {
        self.tag(b'n');
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(mut self, value: &T) -> Done {
        self.tag(b'S');
        value.serialize(self)
    }
    fn serialize_unit(mut self) -> Done {
        self.tag(b'0');
        Ok(())
    }
    fn serialize_unit_struct(mut self, name: &'static str) -> Done {
        self.text(b'1', name.as_bytes());
        Ok(())
    }
    fn serialize_unit_variant(
        mut self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Done {
        self.variant(b'2', name, index, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        mut self,
        name: &'static str,
        value: &T,
    ) -> Done {
        self.text(b'3', name.as_bytes());
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Done {
        self.variant(b'4', name, index, variant);
        value.serialize(self)
    }
    fn serialize_seq(mut self, _: Option<usize>) -> Result<Feed<'h>, Unkeyable> {
        self.tag(b'[');
        Ok(self)
    }
    fn serialize_tuple(mut self, _: usize) -> Result<Feed<'h>, Unkeyable> {
        self.tag(b'(');
        Ok(self)
    }
    fn serialize_tuple_struct(
        mut self,
        name: &'static str,
        _: usize,
    ) -> Result<Feed<'h>, Unkeyable> {
        self.text(b'5', name.as_bytes());
        Ok(self)
    }
    fn serialize_tuple_variant(
        mut self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Feed<'h>, Unkeyable> {
        self.variant(b'6', name, index, variant);
        Ok(self)
    }
    fn serialize_map(mut self, _: Option<usize>) -> Result<Feed<'h>, Unkeyable> {
        self.tag(b'{');
        Ok(self)
    }
    fn serialize_struct(mut self, name: &'static str, _: usize) -> Result<Feed<'h>, Unkeyable> {
        self.text(b'<', name.as_bytes());
        Ok(self)
    }
    fn serialize_struct_variant(
        mut self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Feed<'h>, Unkeyable> {
        self.variant(b'7', name, index, variant);
        Ok(self)
    }
}

impl Feed<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        value.serialize(Feed(self.0))
    }
}

impl ser::SerializeSeq for Feed<'_> {
    type Ok = ();
    type Error = Unkeyable;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(mut self) -> Done {
        self.tag(b']');
        Ok(())
    }
}

impl ser::SerializeTuple for Feed<'_> {
    type Ok = ();
    type Error = Unkeyable;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(mut self) -> Done {
        self.tag(b')');
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Feed<'_> {
    type Ok = ();
    type Error = Unkeyable;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(mut self) -> Done {
        self.tag(b')');
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Feed<'_> {
    type Ok = ();
    type Error = Unkeyable;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(mut self) -> Done {
        self.tag(b')');
        Ok(())
    }
}

impl ser::SerializeMap for Feed<'_> {
    type Ok = ();
    type Error = Unkeyable;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        self.element(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(mut self) -> Done {
        self.tag(b'}');
        Ok(())
    }
}

impl ser::SerializeStruct for Feed<'_> {
    type Ok = ();
    type Error = Unkeyable;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Done {
        self.text(b'.', name.as_bytes());
        self.element(value)
    }
    fn end(mut self) -> Done {
        self.tag(b'>');
        Ok(())
    }
}

impl ser::SerializeStructVariant for Feed<'_> {
    type Ok = ();
    type Error = Unkeyable;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Done {
        self.text(b'.', name.as_bytes());
        self.element(value)
    }
    fn end(mut self) -> Done {
        self.tag(b'>');
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key<T: Serialize + ?Sized>(value: &T) -> Key {
        let mut hasher = KeyHasher::new();
        hasher.value(value);
        hasher.finish().unwrap()
    }

    #[derive(Serialize)]
    struct Pair<'a> {
        a: &'a str,
        b: Option<&'a str>,
    }

    #[derive(Serialize)]
    struct Other<'a> {
        a: &'a str,
        c: Option<&'a str>,
    }

    #[test]
    fn different_values_give_different_keys() {
        // Strings split differently, none and empty, numbers of another width or sign.
        assert_ne!(key(&("ab", "c")), key(&("a", "bc")));
        assert_ne!(key(&Some("")), key(&None::<&str>));
        assert_ne!(key(&vec!["a", "b"]), key(&vec!["ab"]));
        assert_ne!(key(&vec![vec!["a"], vec![]]), key(&vec![vec![], vec!["a"]]));
        assert_ne!(key(&1u64), key(&1i64));
        assert_ne!(key(&-1i64), key(&u64::MAX));
        assert_ne!(key(&0.0f64), key(&-0.0f64));
        // The same fields under other names.
        assert_ne!(
            key(&Pair { a: "x", b: None }),
            key(&Other { a: "x", c: None })
        );
        assert_ne!(
            key(&Pair {
                a: "x",
                b: Some("y")
            }),
            key(&Pair { a: "xy", b: None })
        );
        // A part and a value of the same bytes.
        let mut part = KeyHasher::new();
        part.part(b"x");
        let mut value = KeyHasher::new();
        value.value("x");
        assert_ne!(part.finish(), value.finish());
    }

    #[test]
    fn equal_values_give_equal_keys() {
        assert_eq!(
            key(&Pair {
                a: "x",
                b: Some("y")
            }),
            key(&Pair {
                a: "x",
                b: Some("y")
            })
        );
        let long = "長い文字列".repeat(10_000);
        assert_eq!(key(&(long.as_str(), 1u8)), key(&(long.clone(), 1u8)));
    }

    #[test]
    fn raw_bytes_hash_as_the_file_hash() {
        use std::io::Write;
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut hasher = KeyHasher::new();
        for chunk in bytes.chunks(7_000) {
            hasher.write_all(chunk).unwrap();
        }
        assert_eq!(hasher.finish().unwrap(), hex(&Sha256::digest(&bytes)));
    }
}
