//! The command layer: one module per command, each with its clap arguments, the library call
//! it makes, what it prints and the exit code it chooses. Nothing below `cmd` prints.

pub mod arguments;
pub mod build;
pub mod check;
pub mod cli;
pub mod export;
pub mod import;
pub mod init;
pub mod pdf;
pub mod search;
pub mod serve;
pub mod survey;
pub mod version;

use std::io::Write;

use zaitaku::diagnostics::Diagnostic;
use zaitaku::error::printable;

/// Diagnostics quote the content, which may hold control characters: shown, never run.
pub fn print_diagnostics(out: &mut impl Write, diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        let _ = writeln!(out, "{}\n", printable(&diagnostic.to_string()));
    }
}

/// A line on standard error; a terminal that is gone (SIGHUP) does not stop the command.
pub fn tell(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// A line on standard output, likewise.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}
