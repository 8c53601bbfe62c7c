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
    #[error("{}: {action}できませんでした: {source}", path.display())]
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

pub type Result<T, E = Error> = std::result::Result<T, E>;
