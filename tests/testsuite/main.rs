//! zaitaku's integration tests: one test binary (as mdBook has it), a module per feature, and
//! the fixture sites under `tests/fixtures/`. `common` holds what the modules share.

mod common;

mod architecture;
mod browser;
mod build;
mod build_speed;
mod caremane;
mod check;
mod closures;
mod first_screen;
mod incremental;
mod index_incremental;
mod init;
mod init_examples;
mod ja_rules;
mod live_model;
mod parity;
mod parse_cache;
mod phone;
mod print;
mod print_books;
mod print_pdf;
mod render;
mod reuse;
mod rows;
mod rows_cache;
mod safety_content;
mod safety_output;
mod safety_publish;
mod safety_sheets;
mod search;
mod search_distractors;
mod search_lay;
mod selfcontained;
mod serve;
mod serve_incremental;
mod sheet;
mod survey;
mod vacancy;
mod validation;
