//! zaitaku: a static-site generator for Japanese home-medical-care support centres
//! (在宅医療支援センター).
//!
//! The library, in layers (each imports only from below; `docs/architecture.md` has the
//! table, `tests/testsuite/architecture.rs` enforces it):
//!
//! * base: [`error`], [`diagnostics`], [`output`] (staging, path guard, marker), [`owned`],
//!   [`lock`], [`signals`], [`timings`];
//! * [`ja`]: the Japanese text rules and tables;
//! * [`content`]: loading, validation and the model (each page with its HTML and plain text);
//! * [`render`]: the theme and the context every page shares;
//! * [`site`] (the list of pages) and [`search`] (the index);
//! * [`build`]: one build, content → site + search → `public/`;
//! * [`check`], [`serve`], [`sheet`], [`pdf`]: what the other commands do.
//!
//! The command line (clap, printing, exit codes) is the binary's (`src/main.rs`, `src/cmd/`):
//! library functions take plain option structs and return reports or typed errors.

pub mod build;
pub mod cache_file;
pub mod check;
pub mod content;
pub mod diagnostics;
pub mod error;
pub mod init;
pub mod ja;
pub mod lock;
pub mod output;
pub mod owned;
pub mod pdf;
pub mod render;
pub mod search;
pub mod serve;
pub mod sheet;
pub mod signals;
pub mod site;
pub mod stamp;
pub mod survey;
pub mod timings;

pub use error::{Error, Result};
