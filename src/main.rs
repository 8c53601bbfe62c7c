//! The `zaitaku` command: parses arguments, runs the library, and is the one place that
//! reports errors to the user and chooses the exit code (0 ok, 1 content errors, 2 usage or
//! environment, 128 + the signal when interrupted).

mod cmd;

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use zaitaku::Error;
use zaitaku::error::printable;

use cmd::cli::{self, Cli, Command};

/// The build allocates and frees many small strings on every thread; mimalloc does that
/// faster than glibc's malloc and gives the memory back sooner (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if error.kind() == clap::error::ErrorKind::DisplayVersion => {
            print!("{}", cmd::version::text());
            return ExitCode::SUCCESS;
        }
        Err(error) if cli::is_requested_output(&error) => {
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            let args: Vec<String> = std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            let _ = writeln!(
                std::io::stderr().lock(),
                "エラー: {}",
                printable(&cli::explain(&error, &args))
            );
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    if !matches!(cli.command, Command::Serve(_))
        && zaitaku::signals::clean_up_on_signals(interrupted).is_err()
    {
        // Ctrl+C and the like stop the Chromium `pdf` started and remove this run's temporary
        // files (the preview stops by itself); without that, nothing is started.
        let _ = writeln!(
            std::io::stderr().lock(),
            "エラー: Ctrl+C などの合図を受け取る準備ができませんでした。"
        );
        return ExitCode::from(2);
    }
    let result = run(&cli, started);
    zaitaku::signals::wait_for_clean_up();
    match result {
        Ok(code) => code,
        Err(error) => {
            let mut stderr = std::io::stderr().lock();
            if let Error::Content { diagnostics, .. } = &error {
                cmd::print_diagnostics(&mut stderr, diagnostics);
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                let warnings = diagnostics.len() - errors;
                let _ = writeln!(
                    stderr,
                    "失敗: エラー {errors} 件、警告 {warnings} 件（{:.2} 秒）。public/ は変更していません。",
                    started.elapsed().as_secs_f64()
                );
            } else {
                let _ = writeln!(stderr, "エラー: {}", printable(&error.to_string()));
            }
            ExitCode::from(error.exit_code() as u8)
        }
    }
}

/// After a signal, once what the command started is stopped and its temporary files removed.
fn interrupted(signal: i32) -> ! {
    let _ = writeln!(
        std::io::stderr().lock(),
        "エラー: {}",
        Error::Interrupted { signal }
    );
    std::process::exit(Error::Interrupted { signal }.exit_code())
}

fn run(cli: &Cli, started: Instant) -> Result<ExitCode, Error> {
    let root = &cli.root;
    match &cli.command {
        Command::Build(args) => cmd::build::run(root, args),
        Command::Search(args) => cmd::search::run(root, args),
        Command::Check(args) => cmd::check::run(root, args, started),
        Command::Serve(args) => cmd::serve::run(root, args),
        Command::Import(args) => cmd::import::run(root, args),
        Command::Export(args) => cmd::export::run(root, args),
        Command::Pdf(args) => cmd::pdf::run(root, args),
        Command::Init(args) => cmd::init::run(args),
        Command::Survey(args) => cmd::survey::run(root, args),
    }
}
