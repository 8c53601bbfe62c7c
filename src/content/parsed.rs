//! The parse cache: what loading each record file produced (the [`Resource`] and the file's own
//! diagnostics), kept by `zaitaku build` between builds so that a record whose file did not
//! change is not parsed and validated again.
//!
//! An entry is used only when everything its result depends on is the same:
//! - the file's path relative to the site (its id and every message name it) and the SHA-256 of
//!   its bytes, or its [`Stamp`] (device, inode, size, modification and change time) when
//!   that is the one taken when those bytes were read: the file is then not opened at all
//!   (git's index does the same). The change time is set by the kernel on every write, rename
//!   or change of permissions and no user can set it, so a file written by a tool that keeps
//!   the size and modification time, renamed over, or replaced by a link or a FIFO has another
//!   stamp and is read again. A stamp is kept only for a file whose change time is
//!   [`RACY`] before the load started (one changed in the same tick of the file clock as it was
//!   read could keep its change time), and trusted only on the file systems
//!   `crate::stamp::keeps_stamps` names;
//! - the [`context`] of the whole cache: this binary, the day (`--today`: every record's
//!   `verified` and vacancy are judged by it) and the parts of `site.yaml` validation reads
//!   ([`super::resource::RecordRules`]). Anything else (the dictionary, the pages, the rest of
//!   `site.yaml`) is not read by a record's load.
//!
//! The checks across records (ids, phone numbers, names and addresses) are not per file: they
//! run over every record each build. Pages (a few dozen) are parsed every time.
//!
//! The bytes (`build::parse_cache` reads and writes the file in `.zaitaku-cache/`):
//! [`MAGIC`], the header's length (u64, little-endian), the header (postcard: binary, context,
//! and per entry its file, digest, stamp, record key and blob length), the blobs (postcard:
//! the stored record and diagnostics), and the SHA-256 of all that before it. A file that does
//! not end in its own SHA-256 is damaged and not used; each blob is decoded only when its entry
//! is used.

use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::availability::Availability;
use super::body::NoteBody;
use super::markdown::IdUse;
use super::resource::{
    CaremaneWindow, HoursBand, LatLng, Resource, ResourceContext, SourceIds, method_term,
    shared_hours,
};
use super::site::{SiteConfig, Term};
use crate::diagnostics::{Diagnostic, Position};
use crate::ja;
use crate::stamp::{RACY, Stamp, keeps_stamps};

/// What the file starts with: its kind and the version of its layout (another version is
/// another schema: not read).
pub const MAGIC: &[u8] = b"zaitaku-parse-cache 2\n";

/// A SHA-256.
pub type Digest32 = [u8; 32];

/// The SHA-256 of some bytes.
pub fn digest(bytes: &[u8]) -> Digest32 {
    Sha256::digest(bytes).into()
}

/// What every entry depends on besides its file: the binary, the day and the parts of
/// `site.yaml` a record's validation reads.
pub fn context(binary: &str, context: &ResourceContext<'_>) -> Digest32 {
    let rules = postcard::to_allocvec(&context.rules()).unwrap_or_default();
    let mut hasher = Sha256::new();
    for part in [
        MAGIC,
        binary.as_bytes(),
        context.today.to_string().as_bytes(),
        &rules,
    ] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Why a cache file is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Not a parse cache, or cut short, or a byte changed.
    Damaged,
    /// Another version's layout.
    OtherSchema,
}

#[derive(Serialize, Deserialize)]
struct Header {
    binary: String,
    context: Digest32,
    entries: Vec<HeaderEntry>,
}

#[derive(Serialize, Deserialize)]
struct HeaderEntry {
    file: String,
    digest: Digest32,
    /// The file's stamp when the bytes of `digest` were read, when it can be trusted.
    stamp: Option<Stamp>,
    /// The record's key for the build cache (`crate::build::record_key`), when it was made.
    key: Option<String>,
    len: u64,
}

/// One entry of the previous build.
struct Kept {
    digest: Digest32,
    stamp: Option<Stamp>,
    key: Option<String>,
    blob: Range<usize>,
}

/// The previous build's cache, checked whole and indexed by file.
pub struct Previous {
    bytes: Vec<u8>,
    binary: String,
    context: Digest32,
    entries: HashMap<String, Kept>,
}

impl Previous {
    /// Reads a cache file's bytes: `Err` when they are not a whole cache of this layout.
    pub fn decode(bytes: Vec<u8>) -> Result<Previous, Unusable> {
        const PREFIX: &[u8] = b"zaitaku-parse-cache ";
        if !bytes.starts_with(MAGIC) {
            let other = bytes.starts_with(PREFIX)
                && bytes[PREFIX.len()..].iter().take(16).any(|b| *b == b'\n');
            return Err(if other {
                Unusable::OtherSchema
            } else {
                Unusable::Damaged
            });
        }
        let Some(body_end) = bytes.len().checked_sub(32) else {
            return Err(Unusable::Damaged);
        };
        if body_end < MAGIC.len() + 8 || digest(&bytes[..body_end])[..] != bytes[body_end..] {
            return Err(Unusable::Damaged);
        }
        let at = MAGIC.len();
        let length = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        let header_start = at + 8;
        let header_end = usize::try_from(length)
            .ok()
            .and_then(|length| header_start.checked_add(length))
            .filter(|end| *end <= body_end)
            .ok_or(Unusable::Damaged)?;
        let header: Header = postcard::from_bytes(&bytes[header_start..header_end])
            .map_err(|_| Unusable::Damaged)?;
        let mut entries = HashMap::with_capacity(header.entries.len());
        let mut offset = header_end;
        for entry in header.entries {
            let end = usize::try_from(entry.len)
                .ok()
                .and_then(|len| offset.checked_add(len))
                .filter(|end| *end <= body_end)
                .ok_or(Unusable::Damaged)?;
            entries.insert(
                entry.file,
                Kept {
                    digest: entry.digest,
                    stamp: entry.stamp,
                    key: entry.key,
                    blob: offset..end,
                },
            );
            offset = end;
        }
        if offset != body_end {
            return Err(Unusable::Damaged);
        }
        Ok(Previous {
            bytes,
            binary: header.binary,
            context: header.context,
            entries,
        })
    }
}

/// A loaded record file, as the next build's cache keeps it.
pub struct Entry {
    pub file: String,
    pub digest: Digest32,
    /// The file's stamp when it was read (`None`: read it next time).
    pub stamp: Option<Stamp>,
    /// The record's key for the build cache, when known.
    pub key: Option<String>,
    blob: Blob,
}

enum Blob {
    /// The bytes of the previous cache's entry (unchanged: copied as they are).
    Previous(Range<usize>),
    New(Vec<u8>),
}

/// The parse cache of one build: the previous build's entries, and this build's as the load
/// makes them.
pub struct ParseCache {
    binary: String,
    previous: Option<Previous>,
    /// Whether the previous entries were made in this build's context (set by the load).
    usable: bool,
    context: Digest32,
    entries: Vec<Entry>,
    /// Record files parsed and validated by this build's load.
    pub parsed: usize,
    /// Record files whose previous result was used.
    pub reused: usize,
    /// Of those, the files known by their stamp (not opened).
    pub stamped: usize,
    /// A stamp is kept when the file's change time is before this (the load's start less
    /// [`RACY`]).
    settled: Duration,
    /// Whether each device seen keeps stamps (`keeps_stamps`).
    devices: Mutex<HashMap<u64, bool>>,
}

/// A record file's previous result, and its entry for the next build.
pub(super) struct Hit {
    pub resource: Option<Resource>,
    pub diagnostics: Vec<Diagnostic>,
    pub entry: Entry,
}

/// What loading one record file gave, with what the cache keeps of it.
pub struct Loaded {
    pub resource: Option<Resource>,
    pub diagnostics: Vec<Diagnostic>,
    /// `None` when the file could not be read (nothing to key it by).
    pub entry: Option<Entry>,
    pub reused: bool,
    /// Known by its stamp, not read.
    pub stamped: bool,
}

impl ParseCache {
    /// A cache for the binary `binary` (`crate::build::cache::binary_id`), starting from the
    /// previous build's (`None`: nothing to reuse).
    pub fn new(binary: String, previous: Option<Previous>) -> ParseCache {
        ParseCache {
            binary,
            previous,
            usable: false,
            context: [0; 32],
            entries: Vec::new(),
            parsed: 0,
            reused: 0,
            stamped: 0,
            settled: Duration::ZERO,
            devices: Mutex::new(HashMap::new()),
        }
    }

    /// Sets the context of this build's load: the previous entries are used only if theirs
    /// was the same.
    pub(super) fn start(&mut self, context: &ResourceContext<'_>) {
        self.context = self::context(&self.binary, context);
        self.usable = self
            .previous
            .as_ref()
            .is_some_and(|p| p.binary == self.binary && p.context == self.context);
        self.entries.clear();
        self.parsed = 0;
        self.reused = 0;
        self.stamped = 0;
        self.settled = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(Duration::ZERO, |now| now.saturating_sub(RACY));
    }

    /// The stamp to keep for a file read with the metadata `meta` (`None` when it changed too
    /// recently to tell a later change by its stamp).
    pub(super) fn stamp_of(&self, meta: &std::fs::Metadata) -> Option<Stamp> {
        let stamp = Stamp::of(meta);
        (meta.is_file() && stamp.changed_before(self.settled)).then_some(stamp)
    }

    /// The previous result of `file` (at `path`) when the file's stamp is the one kept with
    /// it: the file is not opened.
    pub(super) fn lookup_stamped(&self, file: &str, path: &Path, site: &SiteConfig) -> Option<Hit> {
        if !self.usable {
            return None;
        }
        let kept = self.previous.as_ref()?.entries.get(file)?;
        let stamp = kept.stamp?;
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || Stamp::of(&meta) != stamp || !self.keeps_stamps(&meta, path) {
            return None;
        }
        self.hit(file, kept, Some(stamp), site)
    }

    /// Whether the file system of `path` (device of `meta`) keeps stamps, asked once per device.
    fn keeps_stamps(&self, meta: &std::fs::Metadata, path: &Path) -> bool {
        let mut devices = self.devices.lock().unwrap_or_else(|p| p.into_inner());
        *devices
            .entry(meta.dev())
            .or_insert_with(|| keeps_stamps(path))
    }

    /// The previous result of `file` with these bytes, when there is one for this context.
    pub(super) fn lookup(&self, file: &str, digest: &Digest32, site: &SiteConfig) -> Option<Hit> {
        if !self.usable {
            return None;
        }
        let previous = self.previous.as_ref()?;
        let kept = previous.entries.get(file).filter(|k| &k.digest == digest)?;
        self.hit(file, kept, None, site)
    }

    /// The result kept in `kept`, and its entry for the next build (with `stamp`).
    fn hit(&self, file: &str, kept: &Kept, stamp: Option<Stamp>, site: &SiteConfig) -> Option<Hit> {
        let previous = self.previous.as_ref()?;
        let stored: StoredFile =
            postcard::from_bytes(previous.bytes.get(kept.blob.clone())?).ok()?;
        let resource = match stored.resource {
            Some(stored) => Some(stored.restore(site)?),
            None => None,
        };
        Some(Hit {
            resource,
            diagnostics: stored.diagnostics,
            entry: Entry {
                file: file.to_owned(),
                digest: kept.digest,
                stamp,
                key: kept.key.clone(),
                blob: Blob::Previous(kept.blob.clone()),
            },
        })
    }

    /// This build's entries, in the order of their files, and its counts.
    pub(super) fn finish(
        &mut self,
        entries: Vec<Entry>,
        parsed: usize,
        reused: usize,
        stamped: usize,
    ) {
        self.entries = entries;
        self.parsed = parsed;
        self.reused = reused;
        self.stamped = stamped;
    }

    /// The entries of this build, to give their keys.
    pub fn entries_mut(&mut self) -> &mut [Entry] {
        &mut self.entries
    }

    /// Whether the load ran (and so there is something to save).
    pub fn started(&self) -> bool {
        self.context != [0; 32]
    }

    /// The stored bytes of an entry.
    fn blob<'a>(&'a self, entry: &'a Entry) -> &'a [u8] {
        match &entry.blob {
            Blob::Previous(range) => self
                .previous
                .as_ref()
                .and_then(|p| p.bytes.get(range.clone()))
                .unwrap_or(&[]),
            Blob::New(bytes) => bytes,
        }
    }

    /// Writes this build's cache to `out` (the whole file, its SHA-256 last).
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        let header = Header {
            binary: self.binary.clone(),
            context: self.context,
            entries: self
                .entries
                .iter()
                .map(|entry| HeaderEntry {
                    file: entry.file.clone(),
                    digest: entry.digest,
                    stamp: entry.stamp,
                    key: entry.key.clone(),
                    len: self.blob(entry).len() as u64,
                })
                .collect(),
        };
        let header = postcard::to_allocvec(&header).map_err(std::io::Error::other)?;
        let mut hasher = Sha256::new();
        let mut put = |bytes: &[u8]| -> std::io::Result<()> {
            hasher.update(bytes);
            out.write_all(bytes)
        };
        put(MAGIC)?;
        put(&(header.len() as u64).to_le_bytes())?;
        put(&header)?;
        for entry in &self.entries {
            put(self.blob(entry))?;
        }
        let digest: Digest32 = hasher.finalize().into();
        out.write_all(&digest)
    }
}

impl Entry {
    /// The entry of a file just parsed.
    pub(super) fn new(
        file: &str,
        digest: Digest32,
        resource: Option<&Resource>,
        diagnostics: &[Diagnostic],
    ) -> Entry {
        let stored = StoredFileRef {
            resource: resource.map(StoredResource::of),
            diagnostics,
        };
        Entry {
            file: file.to_owned(),
            digest,
            stamp: None,
            key: None,
            blob: Blob::New(postcard::to_allocvec(&stored).unwrap_or_default()),
        }
    }
}

/// One file's result as stored.
#[derive(Deserialize)]
struct StoredFile {
    resource: Option<StoredResource>,
    diagnostics: Vec<Diagnostic>,
}

#[derive(Serialize)]
struct StoredFileRef<'a> {
    resource: Option<StoredResource>,
    diagnostics: &'a [Diagnostic],
}

/// A term as stored: its key and label (made the site's own shared term again when it is one).
type StoredTerm = (String, String);

fn term_of(term: &Term) -> StoredTerm {
    (term.key.clone(), term.label.clone())
}

/// The site's term with this key and label, or a new one (a term validation made itself).
fn term_in(terms: &[Term], (key, label): StoredTerm) -> Term {
    terms
        .iter()
        .find(|t| t.key == key && t.label == label)
        .cloned()
        .unwrap_or_else(|| Term::new(key, label))
}

/// A day key of a record (`ja::DAY_KEYS`).
fn day_key(key: &str) -> Option<&'static str> {
    ja::DAY_KEYS.iter().copied().find(|k| *k == key)
}

fn days_of(days: Vec<String>) -> Option<Vec<&'static str>> {
    days.iter().map(|d| day_key(d)).collect()
}

fn date_of((year, month, day): (i16, i8, i8)) -> Option<Date> {
    Date::new(year, month, day).ok()
}

fn date_parts(date: Date) -> (i16, i8, i8) {
    (date.year(), date.month(), date.day())
}

/// A rendered note as stored: its HTML, its text and its ids (id, line, column).
type StoredNote = (String, String, Vec<(String, u64, u64)>);

/// A [`Resource`] as stored: every field (the ones made from others, the 五十音 row and the
/// hours table, are made again), the static strings as text and the terms as key and label.
#[derive(Serialize, Deserialize)]
struct StoredResource {
    id: String,
    file: String,
    name: String,
    kana: String,
    sort_key: (String, String),
    category: StoredTerm,
    corporation: Option<String>,
    area: Option<StoredTerm>,
    postal_code: Option<String>,
    address: String,
    phone: Option<String>,
    fax: Option<String>,
    email: Option<String>,
    url: Option<String>,
    location: Option<(f64, f64)>,
    specialties: Vec<String>,
    services: Vec<StoredTerm>,
    hours: Vec<(Vec<String>, String, String)>,
    closed: Option<String>,
    caremane_time: Vec<StoredWindow>,
    source_ids: (Option<String>, Option<String>),
    note: Option<String>,
    note_rendered: Option<StoredNote>,
    note_position: Position,
    verified: (i16, i8, i8),
    availability: Option<StoredAvailability>,
    name_position: Position,
    phone_position: Position,
}

#[derive(Serialize, Deserialize)]
struct StoredWindow {
    days: Vec<String>,
    days_label: String,
    from: String,
    to: String,
    from_minutes: u16,
    to_minutes: u16,
    methods: Vec<String>,
    contact: Option<String>,
    appointment: bool,
    note: Option<String>,
    closures: Vec<StoredTerm>,
}

#[derive(Serialize, Deserialize)]
struct StoredAvailability {
    status: StoredTerm,
    available: bool,
    count: Option<u32>,
    note: Option<String>,
    as_of: (i16, i8, i8),
    as_of_label: String,
    age_days: i64,
    stale: bool,
}

impl StoredResource {
    fn of(resource: &Resource) -> StoredResource {
        // Every field named: a field added to `Resource` must be stored too.
        let Resource {
            id,
            file,
            name,
            kana,
            row: _,
            sort_key,
            category,
            corporation,
            area,
            postal_code,
            address,
            phone,
            fax,
            email,
            url,
            location,
            specialties,
            services,
            hours,
            hours_table: _,
            closed,
            caremane_time,
            source_ids,
            note,
            note_rendered,
            note_position,
            verified,
            availability,
            name_position,
            phone_position,
        } = resource;
        StoredResource {
            id: id.clone(),
            file: file.clone(),
            name: name.clone(),
            kana: kana.clone(),
            sort_key: sort_key.clone(),
            category: term_of(category),
            corporation: corporation.clone(),
            area: area.as_ref().map(term_of),
            postal_code: postal_code.clone(),
            address: address.clone(),
            phone: phone.clone(),
            fax: fax.clone(),
            email: email.clone(),
            url: url.clone(),
            location: location.map(|l| (l.lat, l.lng)),
            specialties: specialties.clone(),
            services: services.iter().map(term_of).collect(),
            hours: hours
                .iter()
                .map(|band| {
                    let days = band.days.iter().map(|d| (*d).to_owned()).collect();
                    (days, band.open.clone(), band.close.clone())
                })
                .collect(),
            closed: closed.clone(),
            caremane_time: caremane_time.iter().map(StoredWindow::of).collect(),
            source_ids: (source_ids.jigyosho.clone(), source_ids.navii.clone()),
            note: note.clone(),
            note_rendered: note_rendered.as_ref().map(|n| {
                let ids = n
                    .ids
                    .iter()
                    .map(|i| (i.id.clone(), i.line, i.column))
                    .collect();
                (n.html.clone(), n.text.clone(), ids)
            }),
            note_position: *note_position,
            verified: date_parts(*verified),
            availability: availability.as_ref().map(StoredAvailability::of),
            name_position: *name_position,
            phone_position: *phone_position,
        }
    }

    /// The resource again, its terms the site's own; `None` when something stored is not one
    /// this binary makes (a day key it does not know).
    fn restore(self, site: &SiteConfig) -> Option<Resource> {
        let mut hours = Vec::with_capacity(self.hours.len());
        for (days, open, close) in self.hours {
            hours.push(HoursBand {
                days: days_of(days)?,
                open,
                close,
            });
        }
        let mut caremane_time = Vec::with_capacity(self.caremane_time.len());
        for window in self.caremane_time {
            caremane_time.push(window.restore()?);
        }
        let (hours, hours_table) = shared_hours(hours);
        let availability = match self.availability {
            Some(stored) => Some(stored.restore(&site.availability.statuses)?),
            None => None,
        };
        Some(Resource {
            id: self.id,
            file: self.file,
            name: self.name,
            kana: self.kana,
            row: ja::gojuon_row_of_key(&self.sort_key),
            sort_key: self.sort_key,
            category: term_in(&site.categories, self.category),
            corporation: self.corporation,
            area: self.area.map(|a| term_in(&site.areas, a)),
            postal_code: self.postal_code,
            address: self.address,
            phone: self.phone,
            fax: self.fax,
            email: self.email,
            url: self.url,
            location: self.location.map(|(lat, lng)| LatLng { lat, lng }),
            specialties: self.specialties,
            services: self
                .services
                .into_iter()
                .map(|s| term_in(&site.services, s))
                .collect(),
            hours,
            hours_table,
            closed: self.closed,
            caremane_time,
            source_ids: SourceIds {
                jigyosho: self.source_ids.0,
                navii: self.source_ids.1,
            },
            note: self.note,
            note_rendered: self.note_rendered.map(|(html, text, ids)| NoteBody {
                html,
                text,
                ids: ids
                    .into_iter()
                    .map(|(id, line, column)| IdUse { id, line, column })
                    .collect(),
            }),
            note_position: self.note_position,
            verified: date_of(self.verified)?,
            availability,
            name_position: self.name_position,
            phone_position: self.phone_position,
        })
    }
}

impl StoredWindow {
    fn of(window: &CaremaneWindow) -> StoredWindow {
        StoredWindow {
            days: window.days.iter().map(|d| (*d).to_owned()).collect(),
            days_label: window.days_label.clone(),
            from: window.from.clone(),
            to: window.to.clone(),
            from_minutes: window.from_minutes,
            to_minutes: window.to_minutes,
            methods: window.methods.iter().map(|m| m.key.clone()).collect(),
            contact: window.contact.clone(),
            appointment: window.appointment,
            note: window.note.clone(),
            closures: window.closures.iter().map(term_of).collect(),
        }
    }

    fn restore(self) -> Option<CaremaneWindow> {
        let methods = self
            .methods
            .iter()
            .map(|m| method_term(m))
            .collect::<Option<Vec<_>>>()?;
        Some(CaremaneWindow {
            days: days_of(self.days)?,
            days_label: self.days_label,
            from: self.from,
            to: self.to,
            from_minutes: self.from_minutes,
            to_minutes: self.to_minutes,
            methods,
            contact: self.contact,
            appointment: self.appointment,
            note: self.note,
            closures: self
                .closures
                .into_iter()
                .map(|(key, label)| Term::new(key, label))
                .collect(),
        })
    }
}

impl StoredAvailability {
    fn of(availability: &Availability) -> StoredAvailability {
        StoredAvailability {
            status: term_of(&availability.status),
            available: availability.available,
            count: availability.count,
            note: availability.note.clone(),
            as_of: date_parts(availability.as_of),
            as_of_label: availability.as_of_label.clone(),
            age_days: availability.age_days,
            stale: availability.stale,
        }
    }

    fn restore(self, statuses: &[Term]) -> Option<Availability> {
        Some(Availability {
            status: term_in(statuses, self.status),
            available: self.available,
            count: self.count,
            note: self.note,
            as_of: date_of(self.as_of)?,
            as_of_label: self.as_of_label,
            age_days: self.age_days,
            stale: self.stale,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_is_read_back_and_any_damage_is_seen() {
        let mut cache = ParseCache::new("test".to_owned(), None);
        cache.context = [7; 32];
        let diagnostic =
            Diagnostic::warning("content/resources/a.yaml", Position::new(3, 4), "注意")
                .field("phone")
                .hint("直してください");
        cache.entries = vec![Entry::new(
            "content/resources/a.yaml",
            digest(b"a"),
            None,
            std::slice::from_ref(&diagnostic),
        )];
        let mut bytes = Vec::new();
        cache.write(&mut bytes).unwrap();
        let previous = Previous::decode(bytes.clone()).unwrap();
        assert_eq!(previous.entries.len(), 1);
        cache.previous = Some(previous);
        cache.usable = true;
        let site = sample().site;
        let hit = cache
            .lookup("content/resources/a.yaml", &digest(b"a"), &site)
            .unwrap();
        assert!(hit.resource.is_none() && hit.entry.key.is_none());
        assert_eq!(hit.diagnostics, vec![diagnostic]);
        assert!(
            cache
                .lookup("content/resources/a.yaml", &digest(b"b"), &site)
                .is_none()
        );
        for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(
                Previous::decode(bytes[..cut].to_vec()).err(),
                Some(Unusable::Damaged),
                "cut at {cut}"
            );
        }
        for at in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[at] ^= 0x20;
            assert!(Previous::decode(changed).is_err(), "byte {at} changed");
        }
        let mut other = bytes.clone();
        other[MAGIC.len() - 2] = b'9';
        assert_eq!(Previous::decode(other).err(), Some(Unusable::OtherSchema));
    }

    #[test]
    fn a_stamp_is_kept_only_for_a_file_changed_before_the_margin() {
        let content = sample();
        let context = ResourceContext {
            site: &content.site,
            today: "2026-11-22".parse().unwrap(),
        };
        let mut cache = ParseCache::new("test".to_owned(), None);
        let before = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        cache.start(&context);
        assert!(cache.settled >= before.saturating_sub(RACY));
        assert!(cache.settled <= before.saturating_sub(RACY) + Duration::from_secs(60));
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a.yaml");
        std::fs::write(&path, "name: a\n").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let changed = Duration::new(meta.ctime() as u64, meta.ctime_nsec() as u32);
        cache.settled = changed;
        assert_eq!(cache.stamp_of(&meta), None, "changed at the very moment");
        cache.settled = changed + Duration::from_nanos(1);
        assert_eq!(cache.stamp_of(&meta), Some(Stamp::of(&meta)));
        let folder_meta = std::fs::metadata(folder.path()).unwrap();
        assert_eq!(cache.stamp_of(&folder_meta), None, "not a regular file");
        let stamp = Stamp(1, 2, 3, 4, 5, -1, 0);
        assert!(
            !stamp.changed_before(Duration::MAX),
            "a change time before 1970"
        );
        let stamp = Stamp(1, 2, 3, 4, 5, 6, 1_000_000_000);
        assert!(
            !stamp.changed_before(Duration::MAX),
            "nanoseconds out of range"
        );
    }

    /// The sample site (the repository's `content/`) as of the tests' day.
    fn sample() -> crate::content::Content {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let today = "2026-11-22".parse().unwrap();
        crate::content::load(root, today).unwrap().content.unwrap()
    }

    #[test]
    fn every_sample_record_comes_back_the_same() {
        let content = sample();
        assert!(content.resources.len() > 100);
        for resource in &content.resources {
            let bytes = postcard::to_allocvec(&StoredResource::of(resource)).unwrap();
            let back = postcard::from_bytes::<StoredResource>(&bytes)
                .unwrap()
                .restore(&content.site)
                .unwrap();
            assert_eq!(
                format!("{back:?}"),
                format!("{resource:?}"),
                "{}",
                resource.file
            );
        }
    }

    #[test]
    fn another_binary_day_or_record_rules_use_nothing() {
        let content = sample();
        let today: Date = "2026-11-22".parse().unwrap();
        let context = ResourceContext {
            site: &content.site,
            today,
        };
        let written = |binary: &str| {
            let mut cache = ParseCache::new(binary.to_owned(), None);
            cache.start(&context);
            let mut bytes = Vec::new();
            cache.write(&mut bytes).unwrap();
            Previous::decode(bytes).unwrap()
        };
        let usable = |binary: &str, previous: Previous, context: &ResourceContext<'_>| {
            let mut cache = ParseCache::new(binary.to_owned(), Some(previous));
            cache.start(context);
            cache.usable
        };
        assert!(usable("a", written("a"), &context));
        assert!(!usable("b", written("a"), &context), "another binary");
        let tomorrow = ResourceContext {
            site: &content.site,
            today: today.tomorrow().unwrap(),
        };
        assert!(!usable("a", written("a"), &tomorrow), "another day");
        let mut site = content.site.clone();
        site.title.push('!');
        let titled = ResourceContext { site: &site, today };
        assert!(usable("a", written("a"), &titled), "the title is not read");
        site.availability.stale_days += 1;
        let stale = ResourceContext { site: &site, today };
        assert!(!usable("a", written("a"), &stale), "vacancy settings");
    }
}
