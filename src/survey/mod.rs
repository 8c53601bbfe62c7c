//! The yearly confirmation round (確認調査, issue 16): making the 確認票 sent to every facility
//! ([`make`]), knowing who has answered ([`status`]), and marking a facility that answered
//! "no change" as confirmed ([`confirm`]). Returned sheets go back in with `zaitaku import`
//! (see [`crate::sheet::returned`]).
//!
//! The round's state is `content/survey.yaml` ([`crate::content::survey`]).

pub mod confirm;
pub mod make;
pub mod status;

use std::path::Path;

use jiff::civil::Date;

use crate::content::{self, Content};
use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};

/// What to write into `content/survey.yaml` to start a round, shown when it is missing.
pub const EXAMPLE: &str = "start: 2026-11-01     # 確認調査を始めた日（この日以降の最終確認日を「回答あり」とします）\ndue: 2026-12-15       # 回答期限\nselection:            # 対象（省略するとすべての事業所）\n  categories: [clinic, home-nursing]\n  areas: [north]";

/// The content with its round, for the survey commands: the records as far as they could be
/// read (a round goes on while someone fixes a typo elsewhere), but `survey.yaml` itself must
/// be valid.
pub fn load(root: &Path, today: Date) -> Result<(Content, crate::content::survey::Survey)> {
    let loaded = content::load(root, today)?;
    let survey_problems: Vec<Diagnostic> = loaded
        .diagnostics
        .iter()
        .filter(|d| {
            d.is_error()
                && (d.file.ends_with(content::survey::FILE_NAME)
                    || d.file.ends_with(content::survey::LETTER_NAME)
                    || d.file.ends_with("site.yaml"))
        })
        .cloned()
        .collect();
    if !survey_problems.is_empty() {
        return Err(Error::Content {
            errors: survey_problems.len(),
            diagnostics: survey_problems,
        });
    }
    let Some(content) = loaded.content else {
        return Err(Error::Content {
            errors: loaded.diagnostics.error_count().max(1),
            diagnostics: loaded.diagnostics.sorted(),
        });
    };
    let Some(survey) = content.survey.clone() else {
        return Err(Error::Setup(format!(
            "確認調査の設定 content/{} がありません。次のように書いて作ってください:\n{}",
            content::survey::FILE_NAME,
            EXAMPLE
        )));
    };
    Ok((content, survey))
}
