//! The library's error type. Content problems are diagnostics (many at once, exit code 1);
//! everything else is an environment problem (exit code 2) with the path it concerns.

use std::path::PathBuf;

use crate::diagnostics::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The content has errors; the diagnostics say which (warnings included).
    #[error("content にエラーが {errors} 件あります。")]
    Content {
        errors: usize,
        diagnostics: Vec<Diagnostic>,
    },
    /// Reading or writing a file failed.
    #[error("{}: {action}できませんでした（{}）", path.display(), reason(source))]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// A theme template failed to parse or render.
    #[error("テーマのテンプレート「{template}」でエラーが起きました: {message}")]
    Template { template: String, message: String },
    /// The site folder or options are not usable.
    #[error("{0}")]
    Setup(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            action,
            source,
        }
    }

    /// Process exit code: 1 for content errors, 2 for usage and environment errors.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Content { .. } => 1,
            _ => 2,
        }
    }
}

/// Why a file operation failed, in Japanese (the system's own text is English).
pub fn reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let text = match error.kind() {
        ErrorKind::StorageFull => {
            "ディスクの空きがありません。不要なファイルを消して空きを作ってください"
        }
        ErrorKind::QuotaExceeded => "ディスクの使用量の上限に達しました",
        ErrorKind::ReadOnlyFilesystem => {
            "読み取り専用のディスクです。書き込めるディスクを指定してください"
        }
        ErrorKind::PermissionDenied if error.raw_os_error() == Some(1) => {
            "許可されていません（変更できない属性が付いているなど）"
        }
        ErrorKind::PermissionDenied => "権限がありません",
        ErrorKind::NotFound => "見つかりません",
        ErrorKind::AlreadyExists => "すでにあります",
        ErrorKind::NotADirectory => "途中にフォルダではないものがあります",
        ErrorKind::IsADirectory => "フォルダです",
        ErrorKind::DirectoryNotEmpty => "フォルダが空ではありません",
        ErrorKind::ResourceBusy => "使用中です",
        ErrorKind::CrossesDevices => "別のディスクをまたいでいます",
        ErrorKind::InvalidFilename => "名前が長すぎるか、使えない文字があります",
        ErrorKind::TimedOut => "時間切れになりました",
        ErrorKind::InvalidData => "中身が正しくありません",
        _ if error.raw_os_error() == Some(40) => "リンク（シンボリックリンク）が循環しています",
        _ => {
            return match error.raw_os_error() {
                Some(code) => format!("入出力のエラー、OS のエラー番号 {code}"),
                None => "入出力のエラー".to_owned(),
            };
        }
    };
    text.to_owned()
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
