//! The command layer.

pub mod cli;
