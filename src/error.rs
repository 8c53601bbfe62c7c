//! The library's error type. Content problems are diagnostics (many at once, exit code 1);
//! everything else is an environment problem (exit code 2) with the path it concerns.
//!
//! Whatever the operating system or a library says in English is told here in Japanese:
//! [`io_reason`] turns an [`std::io::Error`] (by its errno first, then by its kind) into what
//! happened and what to do about it.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::path::PathBuf;

use rustix::io::Errno;

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
    #[error("{}: {action}できませんでした。{}", path.display(), IoReason::of(source))]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The theme's templates could not be loaded or rendered; every problem found.
    #[error("{}", TemplateProblem::list(.0))]
    Template(Vec<TemplateProblem>),
    /// The site folder or options are not usable.
    #[error("{0}")]
    Setup(String),
    /// The command was stopped by a signal (Ctrl-C, `kill`); what it started is cleaned up.
    #[error("中断しました（{}）。作りかけのファイルと、起動したプログラムは片付けました。", signal_name(*signal))]
    Interrupted { signal: i32 },
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            action,
            source,
        }
    }

    /// Process exit code: 1 for content errors, 128 + the signal when interrupted, 2 for usage
    /// and environment errors.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Content { .. } => 1,
            Error::Interrupted { signal } => 128 + signal,
            _ => 2,
        }
    }
}

fn signal_name(signal: i32) -> String {
    match signal {
        2 => "Ctrl-C".to_owned(),
        15 => "終了の合図 SIGTERM".to_owned(),
        1 => "端末が閉じられた合図 SIGHUP".to_owned(),
        other => format!("シグナル {other}"),
    }
}

/// One problem in the theme's templates: the file (as the user finds it), where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateProblem {
    /// `themes/default/templates/base.html`, or the built-in theme's template.
    pub file: String,
    /// 1-based line and column, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// What is wrong and how to fix it, in Japanese.
    pub message: String,
    /// The template's line, with a mark under the place.
    pub excerpt: Option<String>,
}

impl TemplateProblem {
    fn list(problems: &[TemplateProblem]) -> String {
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "テーマのテンプレート {}", self.file)?;
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, " の {line} 行目 {column} 文字目")?,
            (Some(line), None) => write!(f, " の {line} 行目")?,
            _ => {}
        }
        write!(f, ": {}", self.message)?;
        if let Some(excerpt) = &self.excerpt {
            write!(f, "\n{excerpt}")?;
        }
        Ok(())
    }
}

/// Why an I/O operation failed and what to do, in Japanese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoReason {
    pub what: Cow<'static, str>,
    pub hint: &'static str,
}

impl IoReason {
    pub fn of(error: &io::Error) -> IoReason {
        io_reason(error)
    }
}

impl fmt::Display for IoReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hint.is_empty() {
            write!(f, "{}。", self.what)
        } else {
            write!(f, "{}。{}", self.what, self.hint)
        }
    }
}

const fn reason(what: &'static str, hint: &'static str) -> IoReason {
    IoReason {
        what: Cow::Borrowed(what),
        hint,
    }
}

/// What an I/O error means for the user: by errno when the OS gave one (it says more than
/// the kind: a read-only disk, a full disk, a name too long), else by its kind.
pub fn io_reason(error: &io::Error) -> IoReason {
    if let Some(code) = error.raw_os_error()
        && let Some(found) = errno_reason(Errno::from_raw_os_error(code))
    {
        return found;
    }
    kind_reason(error.kind(), error.raw_os_error())
}

fn errno_reason(errno: Errno) -> Option<IoReason> {
    let found = match errno {
        Errno::PERM => reason(
            "許可されていません（変更できない属性が付いているなど）",
            "ファイルやフォルダの属性（chattr の i や a）や、ほかの利用者のものでないかを確かめてください。",
        ),
        Errno::ACCESS => reason(
            "権限がありません",
            "このファイルやフォルダを読み書きできる利用者で実行するか、権限を確かめてください。",
        ),
        Errno::ROFS => reason(
            "読み取り専用の場所です（書き込みが禁止されたディスクやフォルダ）",
            "書き込める場所を指定してください。",
        ),
        Errno::NOSPC => reason(
            "ディスクに空きがありません",
            "いらないファイルを消して空きを作ってから、もう一度実行してください。",
        ),
        Errno::DQUOT => reason(
            "使える容量（クォータ）を超えました",
            "いらないファイルを消すか、管理者に容量を増やしてもらってください。",
        ),
        Errno::FBIG => reason(
            "ファイルが大きすぎます",
            "ほかの場所（ディスク）を指定してください。",
        ),
        Errno::ISDIR => reason(
            "フォルダです（ファイルの名前を指定するところです）",
            "ファイルの名前まで指定してください。",
        ),
        Errno::NOTDIR => reason(
            "途中に、フォルダではなくファイルになっている名前があります",
            "パスの途中の名前がフォルダかどうか確かめてください。",
        ),
        Errno::LOOP => reason(
            "シンボリックリンクがループしているか、たどる回数が多すぎます",
            "リンクの先を確かめてください。",
        ),
        Errno::NAMETOOLONG => reason(
            "ファイル名かパスが長すぎます",
            "短い名前の、浅いフォルダを指定してください。",
        ),
        Errno::NOENT => reason(
            "ファイルまたはフォルダがありません",
            "名前と場所を確かめてください。",
        ),
        Errno::EXIST => reason(
            "同じ名前のファイルかフォルダがすでにあります",
            "別の名前を指定するか、いまあるものを確かめてください。",
        ),
        Errno::NOTEMPTY => reason(
            "フォルダが空ではありません",
            "中のファイルを確かめてください。",
        ),
        Errno::BUSY | Errno::TXTBSY => reason(
            "ほかのプログラムが使用中です",
            "そのファイルを開いているプログラムを閉じてから、もう一度実行してください。",
        ),
        Errno::XDEV => reason(
            "別のディスクへは移動できません",
            "同じディスクの中の場所を指定してください。",
        ),
        Errno::MFILE | Errno::NFILE => reason(
            "開いているファイルが多すぎます",
            "ほかのプログラムを閉じてから、もう一度実行してください。",
        ),
        Errno::NOMEM => reason(
            "メモリが足りません",
            "ほかのプログラムを閉じてから、もう一度実行してください。",
        ),
        Errno::IO => reason(
            "ディスクの読み書きに失敗しました（装置の故障や、抜けた USB メモリなど）",
            "装置をつなぎ直すか、別の場所を指定してください。",
        ),
        Errno::NXIO | Errno::NODEV => reason(
            "装置がないか、相手のいないパイプです（通常のファイルではありません）",
            "通常のファイルを指定してください。",
        ),
        Errno::NOEXEC => reason(
            "実行できる形式のファイルではありません",
            "プログラムの場所を確かめてください。",
        ),
        Errno::PIPE => reason(
            "受け取る側のプログラムが先に終わりました",
            "出力を渡している先のコマンドを確かめてください。",
        ),
        Errno::ADDRINUSE => reason(
            "そのポート番号はほかのプログラムが使っています",
            "--port で別の番号（例: --port 1112）を指定するか、使っているプログラムを終えてください。",
        ),
        Errno::ADDRNOTAVAIL => reason(
            "そのアドレスはこのパソコンにありません",
            "--interface には 127.0.0.1 か、このパソコンのアドレスを指定してください。",
        ),
        Errno::CONNREFUSED => reason(
            "相手に接続を断られました",
            "相手のアドレスとポート番号を確かめてください。",
        ),
        Errno::TIMEDOUT => reason(
            "時間内に応答がありませんでした",
            "ネットワークを確かめて、もう一度実行してください。",
        ),
        Errno::INTR => reason("途中で中断されました", "もう一度実行してください。"),
        Errno::INVAL => reason(
            "この場所やファイルには、この操作ができません",
            "指定したパスを確かめてください。",
        ),
        _ => return None,
    };
    Some(found)
}

fn kind_reason(kind: io::ErrorKind, code: Option<i32>) -> IoReason {
    use io::ErrorKind as K;
    let errno = match kind {
        K::NotFound => Some(Errno::NOENT),
        K::PermissionDenied => Some(Errno::ACCESS),
        K::ReadOnlyFilesystem => Some(Errno::ROFS),
        K::StorageFull => Some(Errno::NOSPC),
        K::QuotaExceeded => Some(Errno::DQUOT),
        K::FileTooLarge => Some(Errno::FBIG),
        K::IsADirectory => Some(Errno::ISDIR),
        K::NotADirectory => Some(Errno::NOTDIR),
        K::InvalidFilename => Some(Errno::NAMETOOLONG),
        K::AlreadyExists => Some(Errno::EXIST),
        K::DirectoryNotEmpty => Some(Errno::NOTEMPTY),
        K::ResourceBusy | K::ExecutableFileBusy => Some(Errno::BUSY),
        K::CrossesDevices => Some(Errno::XDEV),
        K::OutOfMemory => Some(Errno::NOMEM),
        K::BrokenPipe => Some(Errno::PIPE),
        K::AddrInUse => Some(Errno::ADDRINUSE),
        K::AddrNotAvailable => Some(Errno::ADDRNOTAVAIL),
        K::ConnectionRefused => Some(Errno::CONNREFUSED),
        K::TimedOut => Some(Errno::TIMEDOUT),
        K::Interrupted => Some(Errno::INTR),
        _ => None,
    };
    if let Some(found) = errno.and_then(errno_reason) {
        return found;
    }
    match kind {
        K::UnexpectedEof => reason(
            "ファイルが途中で終わっています（壊れているか、書き込みの途中です）",
            "元のファイルを確かめて、保存し直してください。",
        ),
        K::InvalidData => reason(
            "中身が正しくありません（壊れているか、違う形式のファイルです）",
            "元のファイルを確かめて、保存し直してください。",
        ),
        K::WriteZero => reason(
            "書き込めませんでした（ディスクが受け付けません）",
            "空きと、ディスクがつながっているかを確かめてください。",
        ),
        K::Unsupported => reason(
            "このパソコンやファイルシステムでは、この操作ができません",
            "別の場所を指定してください。",
        ),
        K::WouldBlock => reason(
            "相手の準備ができていません（パイプや装置です）",
            "通常のファイルを指定してください。",
        ),
        _ => match code {
            Some(code) => IoReason {
                what: Cow::Owned(format!("OS のエラー（番号 {code}）")),
                hint: "場所と権限、ディスクの空きを確かめてください。",
            },
            None => reason(
                "読み書きに失敗しました",
                "場所と権限、ディスクの空きを確かめてください。",
            ),
        },
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The terminal-safe form of quoted text lives with the diagnostics (which show it too).
pub use crate::diagnostics::{is_hidden_control, printable};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_beats_kind() {
        let read_only = io::Error::from_raw_os_error(Errno::ROFS.raw_os_error());
        assert!(io_reason(&read_only).what.contains("読み取り専用"));
        let custom = io::Error::new(io::ErrorKind::InvalidData, "Invalid checksum");
        assert!(io_reason(&custom).what.contains("壊れている"));
        let unknown = io::Error::from_raw_os_error(Errno::NOLINK.raw_os_error());
        assert_eq!(
            io_reason(&unknown).what,
            format!("OS のエラー（番号 {}）", Errno::NOLINK.raw_os_error())
        );
    }

    #[test]
    fn messages_name_the_path_and_stay_japanese() {
        let error = Error::io(
            "/srv/site/public",
            "書き込み",
            io::Error::from_raw_os_error(Errno::ACCESS.raw_os_error()),
        );
        let text = error.to_string();
        assert!(text.starts_with("/srv/site/public: 書き込みできませんでした。権限がありません。"));
        assert!(!text.contains("denied"), "{text}");
    }
}
