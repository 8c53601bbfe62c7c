//! Reading content files as text: encodings, byte-order marks and line endings.
//!
//! Staff often save files from Windows Excel or Notepad, so a file may arrive as UTF-8 with a
//! BOM, with CRLF line endings, or as Shift_JIS (CP932). Shift_JIS is converted with a warning
//! that says how to re-save the file; anything else that is not UTF-8 is an error pointing at
//! the first byte that could not be read. Nothing is ever read as garbage.
//!
//! Files are opened by [`open_regular`] only: without blocking, and checked to be a regular
//! file after opening, so a FIFO or device swapped in after the walk never stalls a build or
//! `serve`'s rebuilds; and their size is checked before anything is read, so a 3 GB file is
//! refused without reading it.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use crate::diagnostics::{Diagnostic, Position};

/// Files larger than this are refused: a facility record or a page is a few kilobytes, so a
/// bigger file is a mistake (a pasted spreadsheet, a binary) and must not slow the build down.
pub const MAX_SOURCE_BYTES: usize = 4 * 1024 * 1024;

/// A file's text, ready to parse, and the warnings produced while decoding it.
#[derive(Debug)]
pub struct SourceText {
    pub text: String,
    pub warnings: Vec<Diagnostic>,
}

const RESAVE_HINT: &str = "メモ帳やエディタで開き、文字コードを「UTF-8」にして保存し直してください（Excel の CSV は「CSV UTF-8（コンマ区切り）」で保存します）。";

/// Decodes `bytes` read from `file` (shown as `file` in messages).
pub fn decode(file: &str, bytes: &[u8]) -> Result<SourceText, Diagnostic> {
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(too_big(file, bytes.len() as u64));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Diagnostic::error(
            file,
            Position::new(1, 1),
            "ファイルが UTF-16 で保存されています。zaitaku は UTF-8 のファイルだけを読みます。",
        )
        .hint(RESAVE_HINT));
    }
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(without_bom) {
        Ok(text) => text.to_owned(),
        Err(utf8_error) => {
            let decoded = encoding_rs::SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(without_bom);
            match decoded {
                Some(text) if looks_like_japanese(&text) => {
                    let warning = Diagnostic::warning(
                        file,
                        Position::FILE,
                        "ファイルが Shift_JIS（Windows の日本語）で保存されていたため、UTF-8 に変換して読み込みました。",
                    )
                    .hint(RESAVE_HINT);
                    return Ok(SourceText {
                        text: normalize_newlines(&text),
                        warnings: vec![warning],
                    });
                }
                _ => {
                    let valid = &without_bom[..utf8_error.valid_up_to()];
                    let position = end_position(std::str::from_utf8(valid).unwrap_or(""));
                    return Err(Diagnostic::error(
                        file,
                        position,
                        "UTF-8 として読めない文字があります。文字コードが UTF-8 ではないか、ファイルが壊れています。",
                    )
                    .hint(RESAVE_HINT));
                }
            }
        }
    };
    if let Some(offset) = text.find('\0') {
        return Err(Diagnostic::error(
            file,
            end_position(&text[..offset]),
            "文字ではないデータ（NUL 文字）が含まれています。画像などを誤って保存していないか確認してください。",
        )
        .hint("テキストエディタで開き直し、内容を確認してください。"));
    }
    Ok(SourceText {
        text: normalize_newlines(&text),
        warnings: Vec::new(),
    })
}

/// Opens `path` (following links) for reading without ever blocking, and only if it is a
/// regular file: a FIFO, socket or device is closed again at once and refused.
pub fn open_regular(path: &Path) -> std::io::Result<(File, Metadata)> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    )?;
    let file = File::from(fd);
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            NOT_REGULAR,
        ));
    }
    Ok((file, metadata))
}

/// The message of the error [`open_regular`] gives for a file that is not a regular file.
pub const NOT_REGULAR: &str = "通常のファイルではありません（名前付きパイプ・ソケット・デバイス）";

/// A Japanese description of a failed file operation on `content/` (the library's English
/// text, "No such file or directory", is never shown): [`crate::error::io_reason`], and the
/// refusal of a file that is not a regular file.
pub fn describe_io_error(error: &std::io::Error) -> String {
    if error.kind() == std::io::ErrorKind::InvalidInput && error.to_string() == NOT_REGULAR {
        return NOT_REGULAR.to_owned();
    }
    crate::error::io_reason(error).what.into_owned()
}

/// Reads and decodes one file.
pub fn read(file: &str, path: &Path) -> Result<SourceText, Diagnostic> {
    decode(file, &read_bytes(file, path)?)
}

/// Reads one file's bytes, undecoded: opened as [`open_regular`] does, and never more than
/// [`MAX_SOURCE_BYTES`] and one byte (which [`decode`] refuses).
pub fn read_bytes(file: &str, path: &Path) -> Result<Vec<u8>, Diagnostic> {
    read_bytes_stamped(file, path).map(|(bytes, _)| bytes)
}

/// Like [`read_bytes`], with the file's metadata as it was when opened (before its bytes were
/// read: a write after that gives the file a later change time).
pub fn read_bytes_stamped(file: &str, path: &Path) -> Result<(Vec<u8>, Metadata), Diagnostic> {
    let cannot_read = |error: std::io::Error| {
        Diagnostic::error(
            file,
            Position::FILE,
            format!("ファイルを読み込めません: {}", describe_io_error(&error)),
        )
        .hint("ファイルが存在し、読み取りが許可されているか確認してください。置き換えている最中なら、もう一度実行してください。")
    };
    let (handle, metadata) = open_regular(path).map_err(cannot_read)?;
    let size = metadata.len();
    if size > MAX_SOURCE_BYTES as u64 {
        return Err(too_big(file, size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // The file may grow after the size was read: never read past the limit.
    handle
        .take(MAX_SOURCE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    Ok((bytes, metadata))
}

/// Reads at most `limit` bytes of a regular file (opened as [`open_regular`] does).
pub fn read_limited(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let (handle, metadata) = open_regular(path)?;
    let mut bytes = Vec::with_capacity(metadata.len().min(limit) as usize);
    handle.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn too_big(file: &str, size: u64) -> Diagnostic {
    Diagnostic::error(
        file,
        Position::FILE,
        format!("ファイルが大きすぎます（{size} バイト。上限は {MAX_SOURCE_BYTES} バイト）。"),
    )
    .hint("1 つのファイルには 1 件の事業所か 1 ページだけを書いてください。")
}

/// CRLF and lone CR become LF, so line numbers and front-matter fences work the same on
/// files saved on Windows.
fn normalize_newlines(text: &str) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_owned()
    }
}

/// Shift_JIS decodes almost any byte soup; only trust it when the result contains Japanese.
fn looks_like_japanese(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\u{3040}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}' | '\u{FF61}'..='\u{FF9F}')
    })
}

/// The 1-based position just after `prefix`.
fn end_position(prefix: &str) -> Position {
    let line = prefix.matches('\n').count() as u64 + 1;
    let column = prefix.rsplit('\n').next().unwrap_or("").chars().count() as u64 + 1;
    Position::new(line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bom_and_crlf() {
        let source = decode("a.yaml", b"\xEF\xBB\xBFname: x\r\nkana: y\r\n").unwrap();
        assert_eq!(source.text, "name: x\nkana: y\n");
        assert!(source.warnings.is_empty());
    }

    #[test]
    fn converts_shift_jis_with_a_warning() {
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("name: 髙橋内科\n");
        let source = decode("a.yaml", &bytes).unwrap();
        assert!(source.text.contains("内科"));
        assert_eq!(source.warnings.len(), 1);
        assert!(source.warnings[0].message.contains("Shift_JIS"));
    }

    #[test]
    fn rejects_undecodable_bytes_with_position() {
        let error = decode("a.yaml", b"name: ok\nkana: \xFF\xFF\xFF\n").unwrap_err();
        assert_eq!(error.position, Position::new(2, 7));
    }

    #[test]
    fn rejects_utf16() {
        let error = decode("a.yaml", b"\xFF\xFEn\0a\0").unwrap_err();
        assert!(error.message.contains("UTF-16"));
    }
}
