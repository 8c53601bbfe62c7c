//! The ケアマネタイム pages and the data of their lookup.

pub mod lookup;
