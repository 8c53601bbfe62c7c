//! The command layer.

pub mod cli;
pub mod init;
pub mod version;
