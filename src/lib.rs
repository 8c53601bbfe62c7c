//! zaitaku: a static-site generator for Japanese home-medical-care support centres
//! (在宅医療支援センター).
//!
//! The pipeline is split the way Zola splits it: [`content`] loads and validates `content/`,
//! [`markdown`] and [`render`] turn it into pages with the theme's Tera templates, and
//! [`build`] assembles the whole site into `public/` atomically.

#[path = "cmd/arguments.rs"]
pub mod arguments;
pub mod build;
pub mod check;
pub mod content;
pub mod diagnostics;
pub mod error;
pub mod ja;
pub mod lock;
pub mod output;
pub mod owned;
pub mod pdf;
pub mod render;
pub mod search;
pub mod serve;
pub mod sheet;
pub mod site;
pub mod survey;

pub use error::{Error, Result};
