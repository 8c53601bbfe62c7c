//! What kind of file a page folder of `content/` may hold, by its extension.
//!
//! Files beside the pages are published as they are, with the site's address. Anything a
//! browser would run with the site's origin (HTML, JavaScript, XML with style sheets,
//! WebAssembly, compressed SVG that cannot be checked) or a server might run (PHP, CGI) is
//! refused with an error. SVG is published only after [`super::svg::check`]. Pictures,
//! documents, audio and video are published. Anything else is left out with a warning: an
//! unknown type is never published by accident.

/// What to do with a file beside the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Markdown page.
    Page,
    /// Published as it is.
    Publish,
    /// Published after its content is checked.
    Svg,
    /// Refused with an error: it would run code with the site's origin or on the server.
    Active(&'static str),
    /// Not published, with a warning.
    Unknown,
}

/// The largest file published as it is: bigger files are mistakes (a video in full quality, a
/// disk image) and would be slow on a reader's phone.
pub const MAX_ASSET_BYTES: u64 = 100 * 1024 * 1024;

/// The largest SVG that is read and checked.
pub const MAX_SVG_BYTES: u64 = 16 * 1024 * 1024;

/// The types published as they are, as shown in messages.
pub const PUBLISHED: &str = "画像（png, jpg, gif, webp, avif, svg, ico）、PDF、文書（txt, csv, docx, xlsx, pptx など）、音声・動画（mp3, m4a, mp4, webm など）、字幕（vtt）、zip";

/// The kind of a file by its extension (any case).
pub fn kind(extension: &str) -> Kind {
    let extension = extension.to_ascii_lowercase();
    match extension.as_str() {
        "md" => Kind::Page,
        "svg" => Kind::Svg,
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "avif" | "ico" | "bmp" | "pdf" | "txt"
        | "csv" | "tsv" | "doc" | "docx" | "xls" | "xlsx" | "ppt" | "pptx" | "odt" | "ods"
        | "odp" | "mp3" | "m4a" | "aac" | "wav" | "ogg" | "oga" | "opus" | "mp4" | "m4v"
        | "webm" | "ogv" | "mov" | "vtt" | "zip" => Kind::Publish,
        "html" | "htm" | "xhtml" | "xht" | "shtml" | "shtm" | "mht" | "mhtml" | "hta" => {
            Kind::Active("HTML はサイトの中でプログラムを動かせる")
        }
        "js" | "mjs" | "cjs" | "jsx" | "wasm" => {
            Kind::Active("プログラム（JavaScript や WebAssembly）はサイトの中で動く")
        }
        "xml" | "xsl" | "xslt" | "rss" | "atom" | "rdf" => {
            Kind::Active("XML はスタイルシート経由でサイトの中でプログラムを動かせる")
        }
        "svgz" => Kind::Active(
            "圧縮された SVG は中身を確かめられず、SVG はサイトの中でプログラムを動かせる",
        ),
        "swf" | "xap" => Kind::Active("Flash などのプラグインはサイトの中でプログラムを動かせる"),
        "php" | "phtml" | "php3" | "php4" | "php5" | "php7" | "phar" | "cgi" | "pl" | "py"
        | "rb" | "asp" | "aspx" | "jsp" | "sh" => {
            Kind::Active("サーバーによってはこのファイルをプログラムとして実行する")
        }
        _ => Kind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(kind("MD"), Kind::Page);
        assert_eq!(kind("svg"), Kind::Svg);
        assert_eq!(kind("PNG"), Kind::Publish);
        for active in [
            "html", "HTM", "js", "mjs", "xhtml", "svgz", "wasm", "php", "xml",
        ] {
            assert!(matches!(kind(active), Kind::Active(_)), "{active}");
        }
        assert_eq!(kind("psd"), Kind::Unknown);
        assert_eq!(kind(""), Kind::Unknown);
    }
}
