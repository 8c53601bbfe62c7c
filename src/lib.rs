//! zaitaku: a static-site generator for Japanese home-medical-care support centres
//! (在宅医療支援センター).
//!
//! The pipeline is split the way Zola splits it: [`content`] loads and validates `content/`,
//! [`markdown`] and [`render`] turn it into pages with the theme's Tera templates, and
//! [`build`] assembles the whole site into `public/` atomically.

pub mod arguments;
pub mod build;
pub mod content;
pub mod diagnostics;
pub mod error;
pub mod guard;
pub mod holidays;
pub mod japanese;
pub mod lock;
pub mod markdown;
pub mod output;
pub mod owned;
pub mod print;
pub mod render;
pub mod reserved;
pub mod search;
pub mod serve;
pub mod sheet;
pub mod site_check;
pub mod yaml;

pub use error::{Error, Result};
