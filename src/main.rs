//! The `zaitaku` command: parses arguments, runs the library, and is the one place that
//! reports errors to the user and chooses the exit code (0 ok, 1 content errors, 2 usage or
//! environment, 128 + the signal when interrupted).

mod cmd;

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use zaitaku::Error;
use zaitaku::build::{self, BuildOptions};
use zaitaku::diagnostics::Diagnostic;
use zaitaku::error::printable;

use cmd::cli::{self, Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
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
    let prints_pdf = matches!(
        &cli.command,
        Command::Survey(cmd::survey::SurveyArgs {
            command: cmd::survey::SurveyCommand::Make(_)
        })
    );
    if !matches!(cli.command, Command::Serve(_) | Command::Pdf(_)) && !prints_pdf {
        // Ctrl+C and the like remove this run's temporary files (the preview stops by itself;
        // `pdf` catches them itself to stop the Chromium it started first).
        zaitaku::owned::clean_up_on_signals();
    }
    let result = run(&cli, started);
    match result {
        Ok(code) => code,
        Err(error) => {
            let mut stderr = std::io::stderr().lock();
            if let Error::Content { diagnostics, .. } = &error {
                print_diagnostics(&mut stderr, diagnostics);
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

/// Diagnostics quote the content, which may hold control characters: shown, never run.
fn print_diagnostics(out: &mut impl Write, diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        let _ = writeln!(out, "{}\n", printable(&diagnostic.to_string()));
    }
}

fn run(cli: &Cli, started: Instant) -> Result<ExitCode, Error> {
    let root = &cli.root;
    match &cli.command {
        Command::Build {
            out,
            base_url,
            today,
        } => {
            let options = BuildOptions {
                root: root.clone(),
                out: out.clone().unwrap_or_else(|| root.join("public")),
                base_url: base_url.clone(),
                today: today.unwrap_or_else(build::today_in_tokyo),
            };
            let report = build::build_with(&options, &mut |waiting| eprintln!("{waiting}"))?;
            let mut stderr = std::io::stderr().lock();
            print_diagnostics(&mut stderr, &report.diagnostics);
            if let Some(leftover) = &report.leftover {
                let _ = writeln!(
                    stderr,
                    "注意: 前のサイトを {} から消しきれませんでした。次の build で片付けます。",
                    leftover.display()
                );
            }
            let _ = writeln!(
                stderr,
                "完了: 事業所 {} 件、ページ {} 件、書き出したファイル {} 件、エラー 0 件、警告 {} 件（{:.2} 秒）→ {}",
                report.resources,
                report.pages,
                report.files,
                report.diagnostics.len(),
                report.elapsed.as_secs_f64(),
                options.out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Search(args) => {
            zaitaku::search::run(root, args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { today, site } => {
            let today = today.unwrap_or_else(build::today_in_tokyo);
            zaitaku::check::command(root, today, site, started)
        }
        Command::Serve(args) => zaitaku::serve::command(root, args),
        Command::Import(args) => zaitaku::sheet::import::command(root, args),
        Command::Export(args) => zaitaku::sheet::export::command(root, args),
        Command::Pdf(args) => zaitaku::pdf::command(root, args),
        Command::Survey(args) => cmd::survey::run(root, args),
    }
}
