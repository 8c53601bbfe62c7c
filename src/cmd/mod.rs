//! The command layer.

pub mod cli;
pub mod survey;
