//! Markdown pages with YAML front matter: plain pages, pamphlet chapters, manga episodes,
//! lectures (市民公開講座) and news. Each kind has its own front matter, checked as strictly as
//! facility records.

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::body::PageBody;
use super::fields;
use crate::diagnostics::{Diagnostic, Position};
use crate::ja;

/// The folders of `content/` that hold Markdown pages, and their kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    Page,
    Pamphlet,
    Manga,
    Lecture,
    News,
}

impl PageKind {
    pub const ALL: [PageKind; 5] = [
        PageKind::Page,
        PageKind::Pamphlet,
        PageKind::Manga,
        PageKind::Lecture,
        PageKind::News,
    ];

    pub fn from_folder(folder: &str) -> Option<PageKind> {
        match folder {
            "pages" => Some(PageKind::Page),
            "pamphlet" => Some(PageKind::Pamphlet),
            "manga" => Some(PageKind::Manga),
            "lectures" => Some(PageKind::Lecture),
            "news" => Some(PageKind::News),
            _ => None,
        }
    }

    /// The output folder: `pages/about.md` is served at `/about/`, the others keep their folder.
    pub fn url_prefix(self) -> &'static str {
        match self {
            PageKind::Page => "",
            PageKind::Pamphlet => "pamphlet/",
            PageKind::Manga => "manga/",
            PageKind::Lecture => "lectures/",
            PageKind::News => "news/",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageFront {
    title: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    order: Option<i64>,
    #[serde(default)]
    video: Option<VideoFront>,
}

/// `video:` of a page or a pamphlet chapter: a YouTube video shown as its poster and title;
/// nothing is loaded from YouTube until the reader presses play.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VideoFront {
    /// The video's id, the 11 characters after `watch?v=`.
    youtube: Spanned<String>,
    title: Spanned<String>,
    /// An image beside the page (like a manga panel).
    poster: Spanned<String>,
    #[serde(default)]
    transcript: Option<String>,
}

/// A video of a page, ready to show.
#[derive(Debug, Clone, Serialize)]
pub struct Video {
    pub id: String,
    pub title: String,
    /// The poster, site-relative (beside the page's source, e.g. `pamphlet/video-poster.svg`).
    pub poster: String,
    pub transcript: Option<String>,
    /// The video on YouTube, for the link.
    pub watch_url: String,
    /// What the player loads once play is pressed.
    pub embed_url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChapterFront {
    title: Spanned<String>,
    order: Spanned<i64>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    video: Option<VideoFront>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpisodeFront {
    title: Spanned<String>,
    episode: Spanned<i64>,
    #[serde(default)]
    summary: Option<String>,
    panels: Spanned<Vec<PanelFront>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PanelFront {
    src: Spanned<String>,
    alt: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LectureFront {
    title: Spanned<String>,
    date: Spanned<String>,
    start: Spanned<String>,
    end: Spanned<String>,
    venue: String,
    address: String,
    /// How to get there: bus stop, parking, steps (会場への行き方).
    #[serde(default)]
    access: Option<String>,
    fee: String,
    #[serde(default)]
    capacity: Option<u32>,
    apply: String,
    organizer: String,
    #[serde(default)]
    summary: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewsFront {
    title: Spanned<String>,
    date: Spanned<String>,
    #[serde(default)]
    summary: Option<String>,
}

/// A manga panel image.
#[derive(Debug, Clone, Serialize)]
pub struct Panel {
    /// Path relative to the episode's folder in the output, e.g. `ep1-1.svg`.
    pub src: String,
    pub alt: String,
}

/// What only some kinds of page have.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PageDetails {
    Page {
        order: i64,
        video: Option<Video>,
    },
    Pamphlet {
        order: i64,
        video: Option<Video>,
    },
    Manga {
        episode: i64,
        panels: Vec<Panel>,
    },
    Lecture {
        date: Date,
        date_label: String,
        wareki_label: String,
        start: String,
        end: String,
        venue: String,
        address: String,
        access: Option<String>,
        fee: String,
        capacity: Option<u32>,
        apply: String,
        organizer: String,
    },
    News {
        date: Date,
        date_label: String,
        wareki_label: String,
    },
}

/// A validated Markdown page of any kind.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub kind: PageKind,
    /// The file stem, `[a-z0-9-]+`.
    pub slug: String,
    /// Site-relative URL path, e.g. `lectures/2025-stage-play/`.
    pub path: String,
    pub file: String,
    pub title: String,
    pub description: Option<String>,
    /// The Markdown body (transcript, chapter, details). Never shown as it is: everything
    /// published takes [`Page::rendered`].
    #[serde(skip_serializing)]
    pub body: String,
    /// Line of the file where the body starts.
    pub body_line: u64,
    /// The body rendered once when the page is loaded ([`super::body`]).
    #[serde(flatten)]
    pub rendered: PageBody,
    pub details: PageDetails,
    /// Where `order` / `episode` is written, for duplicate-number messages.
    #[serde(skip)]
    pub order_position: Position,
}

impl Page {
    pub fn date(&self) -> Option<Date> {
        match &self.details {
            PageDetails::Lecture { date, .. } | PageDetails::News { date, .. } => Some(*date),
            _ => None,
        }
    }

    /// The number pages of a kind are ordered by (chapter order, episode number, menu order).
    pub fn order(&self) -> i64 {
        match &self.details {
            PageDetails::Page { order, .. } | PageDetails::Pamphlet { order, .. } => *order,
            PageDetails::Manga { episode, .. } => *episode,
            _ => 0,
        }
    }
}

/// A lecture's start and end in Tokushima's local time. An end at 24:00 is midnight, the start
/// of the next day (iCalendar and schema.org have no 24:00).
pub fn lecture_span(date: Date, start: &str, end: &str) -> Option<(DateTime, DateTime)> {
    let at = |time: &str| -> Option<DateTime> {
        let minutes = fields::time_of_day(time).ok()?;
        let day = if minutes == 24 * 60 {
            date.tomorrow().ok()?
        } else {
            date
        };
        Some(day.at((minutes / 60 % 24) as i8, (minutes % 60) as i8, 0, 0))
    };
    Some((at(start)?, at(end)?))
}

/// The front-matter fields that may hold tabs and line breaks (prose shown as a paragraph).
pub fn is_multiline(field: &str) -> bool {
    matches!(
        field,
        "description" | "summary" | "apply" | "video.transcript"
    )
}

/// Control and invisible characters in a page's Markdown body (which starts on `body_line`
/// of its file), each with its line and column.
fn body_characters(file: &str, body: &str, body_line: u64) -> Vec<Diagnostic> {
    let mut seen: Vec<char> = Vec::new();
    let mut out = Vec::new();
    for found in super::text::problems(body, true) {
        // One report per kind of character and line: a pasted block is one mistake.
        if seen.contains(&found.problem.character) && out.len() >= 20 {
            continue;
        }
        seen.push(found.problem.character);
        out.push(
            found
                .problem
                .diagnostic(
                    file,
                    Position::new(body_line + found.line, found.column + 1),
                    format!("本文の{}", found.problem.message(None)),
                )
                .field("本文"),
        );
    }
    out
}

/// Splits `---` front matter from the body. Returns the YAML, the body and the body's line.
pub fn split_front_matter<'a>(
    file: &str,
    text: &'a str,
) -> Result<(&'a str, &'a str, u64), Diagnostic> {
    let missing = || {
        Diagnostic::error(
            file,
            Position::new(1, 1),
            "ページの先頭に「---」で囲んだ見出し情報（front matter）がありません。",
        )
        .hint("1 行目に ---、次の行から title: などを書き、もう一度 --- の行で閉じてください。")
    };
    let rest = text.strip_prefix("---\n").ok_or_else(missing)?;
    let mut offset = 0;
    for (index, line) in rest.split_inclusive('\n').enumerate() {
        if line.trim_end() == "---" {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            return Ok((yaml, body, index as u64 + 3));
        }
        offset += line.len();
    }
    Err(Diagnostic::error(
        file,
        Position::new(1, 1),
        "front matter を閉じる「---」の行がありません。",
    )
    .hint("見出し情報の最後に --- だけの行を入れてください。"))
}

/// Whether a file named in the front matter is a plain name beside the page.
fn is_beside_the_page(src: &str) -> bool {
    !src.is_empty()
        && !src.contains("..")
        && !src.starts_with('/')
        && !src.contains('\\')
        && !src.contains(':')
}

/// Checks `video:`; problems go to `error`.
fn video(
    front: VideoFront,
    kind: PageKind,
    asset_exists: &dyn Fn(&str) -> bool,
    error: &mut dyn FnMut(serde_saphyr::Location, &str, String, &str),
) -> Option<Video> {
    let id = front.youtube.value.trim().to_owned();
    let mut ok = true;
    if id.len() != 11
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        error(
            front.youtube.referenced,
            "video.youtube",
            format!("YouTube の動画 ID「{id}」が正しくありません。"),
            "動画のアドレス https://www.youtube.com/watch?v=XXXXXXXXXXX の「v=」の後ろの 11 文字を書いてください。",
        );
        ok = false;
    }
    if front.title.value.trim().is_empty() {
        error(
            front.title.referenced,
            "video.title",
            "動画の題名が空です。".to_owned(),
            "ボタンの横に出る、動画の題名を書いてください。",
        );
        ok = false;
    }
    let poster = front.poster.value.trim().to_owned();
    if !is_beside_the_page(&poster) {
        error(
            front.poster.referenced,
            "video.poster",
            format!("画像の場所「{poster}」が使えません。"),
            "ページと同じフォルダに置いた画像のファイル名を書いてください（例: video-poster.svg）。",
        );
        ok = false;
    } else if !asset_exists(&poster) {
        error(
            front.poster.referenced,
            "video.poster",
            format!("画像「{poster}」が見つかりません。"),
            "画像ファイルをこのページと同じフォルダに置くか、ファイル名のつづりを確認してください。",
        );
        ok = false;
    }
    ok.then(|| Video {
        watch_url: format!("https://www.youtube.com/watch?v={id}"),
        embed_url: format!("https://www.youtube-nocookie.com/embed/{id}?autoplay=1&rel=0"),
        id,
        title: front.title.value.trim().to_owned(),
        poster: format!("{}{poster}", kind.url_prefix()),
        transcript: front
            .transcript
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty()),
    })
}

/// Parses and validates one page of `kind`. Diagnostics include warnings for a good page.
/// `asset_exists` tells whether a file named in the front matter (a manga panel) exists beside
/// the page.
pub fn load(
    kind: PageKind,
    slug: &str,
    file: &str,
    text: &str,
    asset_exists: &dyn Fn(&str) -> bool,
) -> (Option<Page>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let (yaml, body, body_line) = match split_front_matter(file, text) {
        Ok(parts) => parts,
        Err(error) => return (None, vec![error]),
    };
    // Front matter starts on line 2 of the file.
    let offset = 1;
    diagnostics.extend(crate::content::yaml::check_characters(
        file,
        yaml,
        offset,
        &is_multiline,
    ));
    diagnostics.extend(body_characters(file, body, body_line));
    let at = |location: serde_saphyr::Location| crate::content::yaml::shift(location, offset);
    let mut error = |location: serde_saphyr::Location, field: &str, message: String, hint: &str| {
        diagnostics.push(
            Diagnostic::error(file, at(location), message)
                .field(field)
                .hint(hint),
        )
    };
    let check_date = |value: &Spanned<String>,
                      field: &str,
                      error: &mut dyn FnMut(serde_saphyr::Location, &str, String, &str)|
     -> Option<Date> {
        match fields::date(&value.value) {
            Ok(date) => Some(date),
            Err(invalid) => {
                error(value.referenced, field, invalid.message, &invalid.hint);
                None
            }
        }
    };
    let mut order_position = Position::new(2, 1);
    let parsed: Result<(String, Option<String>, PageDetails), Diagnostic> = match kind {
        PageKind::Page => crate::content::yaml::parse::<PageFront>(file, yaml, offset).map(|front| {
            let video = front.video.and_then(|v| video(v, kind, asset_exists, &mut error));
            (
                front.title.value,
                front.description,
                PageDetails::Page {
                    order: front.order.unwrap_or(100),
                    video,
                },
            )
        }),
        PageKind::Pamphlet => crate::content::yaml::parse::<ChapterFront>(file, yaml, offset).map(|front| {
            order_position = at(front.order.referenced);
            let video = front.video.and_then(|v| video(v, kind, asset_exists, &mut error));
            (
                front.title.value,
                front.description,
                PageDetails::Pamphlet {
                    order: front.order.value,
                    video,
                },
            )
        }),
        PageKind::Manga => crate::content::yaml::parse::<EpisodeFront>(file, yaml, offset).map(|front| {
            order_position = at(front.episode.referenced);
            if front.panels.value.is_empty() {
                error(
                    front.panels.referenced,
                    "panels",
                    "コマの画像（panels）が 1 つもありません。".to_owned(),
                    "panels: の下に「- { src: 画像ファイル名, alt: 画像の説明 }」を書いてください。",
                );
            }
            let mut panels = Vec::new();
            for (index, panel) in front.panels.value.into_iter().enumerate() {
                let src = panel.src.value.trim().to_owned();
                if !is_beside_the_page(&src) {
                    error(
                        panel.src.referenced,
                        &format!("panels[{index}].src"),
                        format!("画像の場所「{src}」が使えません。"),
                        "ページと同じフォルダに置いた画像のファイル名を書いてください（例: ep1-1.svg）。",
                    );
                } else if !asset_exists(&src) {
                    error(
                        panel.src.referenced,
                        &format!("panels[{index}].src"),
                        format!("画像「{src}」が見つかりません。"),
                        "画像ファイルをこのページと同じフォルダに置くか、ファイル名のつづりを確認してください。",
                    );
                }
                if panel.alt.value.trim().is_empty() {
                    error(
                        panel.alt.referenced,
                        &format!("panels[{index}].alt"),
                        "画像の説明（alt）が空です。".to_owned(),
                        "目の見えない方が読み上げで内容を知れるよう、コマに描かれていることを文章で書いてください。",
                    );
                }
                panels.push(Panel {
                    src,
                    alt: panel.alt.value.trim().to_owned(),
                });
            }
            (
                front.title.value,
                front.summary,
                PageDetails::Manga {
                    episode: front.episode.value,
                    panels,
                },
            )
        }),
        PageKind::Lecture => crate::content::yaml::parse::<LectureFront>(file, yaml, offset).map(|front| {
            let date = check_date(&front.date, "date", &mut error);
            for (value, field) in [(&front.start, "start"), (&front.end, "end")] {
                if let Err(invalid) = fields::time_of_day(&value.value) {
                    error(value.referenced, field, invalid.message, &invalid.hint);
                }
            }
            if let (Ok(start), Ok(end)) = (
                fields::time_of_day(&front.start.value),
                fields::time_of_day(&front.end.value),
            )
                && end <= start {
                    error(
                        front.end.referenced,
                        "end",
                        format!("終了時刻「{}」が開始時刻「{}」より後になっていません。", front.end.value, front.start.value),
                        "終了は開始より後の時刻にしてください。",
                    );
                }
            let date = date.unwrap_or_default();
            (
                front.title.value,
                front.summary,
                PageDetails::Lecture {
                    date,
                    date_label: ja::seireki(date),
                    wareki_label: ja::wareki(date),
                    start: front.start.value,
                    end: front.end.value,
                    venue: front.venue,
                    address: front.address,
                    access: front.access,
                    fee: front.fee,
                    capacity: front.capacity,
                    apply: front.apply,
                    organizer: front.organizer,
                },
            )
        }),
        PageKind::News => crate::content::yaml::parse::<NewsFront>(file, yaml, offset).map(|front| {
            let date = check_date(&front.date, "date", &mut error).unwrap_or_default();
            (
                front.title.value,
                front.summary,
                PageDetails::News {
                    date,
                    date_label: ja::seireki(date),
                    wareki_label: ja::wareki(date),
                },
            )
        }),
    };
    match parsed {
        Ok((title, description, details)) => {
            if title.trim().is_empty() {
                diagnostics.push(
                    Diagnostic::error(file, Position::new(2, 1), "題名（title）が空です。")
                        .field("title")
                        .hint("ページの題名を書いてください。"),
                );
            }
            let page = Page {
                kind,
                slug: slug.to_owned(),
                path: format!("{}{slug}/", kind.url_prefix()),
                file: file.to_owned(),
                title: title.trim().to_owned(),
                description,
                body: body.to_owned(),
                body_line,
                rendered: PageBody::default(),
                details,
                order_position,
            };
            (Some(page), diagnostics)
        }
        Err(error) => {
            diagnostics.push(error);
            (None, diagnostics)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter() {
        let (yaml, body, line) = split_front_matter("a.md", "---\ntitle: x\n---\n本文\n").unwrap();
        assert_eq!(yaml, "title: x\n");
        assert_eq!(body, "本文\n");
        assert_eq!(line, 4);
        assert!(split_front_matter("a.md", "title: x\n").is_err());
        assert!(split_front_matter("a.md", "---\ntitle: x\n").is_err());
    }

    #[test]
    fn lectures_ending_at_midnight_end_the_next_day() {
        let date: Date = "2026-12-31".parse().unwrap();
        let (from, to) = lecture_span(date, "22:00", "24:00").unwrap();
        assert_eq!(from.to_string(), "2026-12-31T22:00:00");
        assert_eq!(to.to_string(), "2027-01-01T00:00:00");
    }
}
