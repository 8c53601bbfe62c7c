//! `zaitaku survey make`: the 確認票 of the round. For every selected facility, one A4 page
//! showing its current entry (services as checkboxes, hours, ケアマネタイム, contact) with room
//! for corrections, its id, the centre's return FAX / e-mail and the due date, preceded by the
//! cover letter of `content/survey-letter.md` (unless left out) — all in one PDF printed by
//! Chromium as `zaitaku pdf` prints — and one pre-filled `.xlsx` per facility in the layout
//! `zaitaku import` reads, named `確認票-<ID>.xlsx` so a returned file says whom it was for.
//!
//! Every file is written into the output folder only when none of them is there yet: a folder
//! holding returned sheets is never written over. The folder is judged like `export`'s and
//! `pdf`'s files (never inside `content/` or `themes/`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::civil::Date;
use serde::Serialize;

use crate::content::Content;
use crate::content::resource::Resource;
use crate::content::survey::{Survey, fill_letter, japanese_date};
use crate::error::{Error, Result};
use crate::output::guard::{self, FileKind};
use crate::pdf::{self, Watch};
use crate::render::Theme;
use crate::sheet::export::{self, ExportFormat, Layout};
use crate::sheet::import;
use crate::sheet::returned::sheet_name;

/// The PDF's name in the output folder.
pub const PDF_NAME: &str = "確認票.pdf";
/// The theme's template for the forms.
const TEMPLATE: &str = "survey_form.html";

/// What `survey make` is asked to make.
#[derive(Debug, Clone)]
pub struct MakeOptions {
    pub category: Option<String>,
    pub area: Option<String>,
    pub due: Option<Date>,
    pub out: PathBuf,
    pub letter: bool,
    pub today: Date,
    pub chromium: PathBuf,
    pub timeout: Option<Duration>,
}

/// What `survey make` wrote.
#[derive(Debug, Clone)]
pub struct MakeReport {
    pub pdf: PathBuf,
    pub pages: u32,
    pub sheets: Vec<PathBuf>,
    pub facilities: usize,
    pub due: Date,
}

#[derive(Serialize)]
struct Check {
    label: String,
    checked: bool,
}

#[derive(Serialize)]
struct Form<'a> {
    resource: &'a Resource,
    area: String,
    services: Vec<Check>,
    /// The cover letter for this facility, as HTML (sanitised Markdown).
    letter: Option<String>,
}

/// Characters that would change the meaning of Markdown, escaped in a facility's name put
/// into the cover letter.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_{}[]()<>#+-.!|~&".contains(c) {
            out.push('\\');
        }
        if !c.is_control() {
            out.push(c);
        }
    }
    out
}

fn letter_html(
    source: &str,
    file: &str,
    resource: &Resource,
    content: &Content,
    survey: &Survey,
    due: Date,
    today: Date,
) -> Result<String> {
    let site = &content.site;
    let filled = fill_letter(source, &|name| {
        let value = match name {
            "事業所名" => resource.name.clone(),
            "回答期限" => japanese_date(due),
            "開始日" => japanese_date(survey.start),
            "発行日" => japanese_date(today),
            "センター名" => site.organization.clone(),
            "窓口名" => site.desk.name.clone(),
            "返信FAX" => site.desk.fax.clone().unwrap_or_default(),
            "返信メール" => site.desk.email.clone().unwrap_or_default(),
            _ => String::new(),
        };
        markdown_text(&value)
    });
    crate::content::markdown::render(&filled, "letter", 0)
        .map(|rendered| rendered.html)
        .map_err(|refusal| {
            Error::Setup(format!(
                "送付状 {file} を HTML にできません: {}",
                refusal.message
            ))
        })
}

/// A key of `terms`, or a Japanese error listing them.
fn check_key(
    key: &Option<String>,
    option: &str,
    terms: &[crate::content::site::Term],
) -> Result<()> {
    if let Some(key) = key
        && !terms.iter().any(|t| &t.key == key)
    {
        let keys: Vec<String> = terms
            .iter()
            .map(|t| format!("{}（{}）", t.key, t.label))
            .collect();
        return Err(Error::Setup(format!(
            "{option}「{}」は site.yaml にありません。次から選んでください: {}",
            crate::error::printable(key),
            keys.join("、")
        )));
    }
    Ok(())
}

/// The facilities the forms are for: the round's selection, narrowed by `--category` and
/// `--area`, in the directory's order (category as in site.yaml, then 五十音順).
pub fn selected<'a>(
    content: &'a Content,
    survey: &Survey,
    options: &MakeOptions,
) -> Result<Vec<&'a Resource>> {
    check_key(&options.category, "--category", &content.site.categories)?;
    check_key(&options.area, "--area", &content.site.areas)?;
    let mut resources: Vec<&Resource> = content
        .resources
        .iter()
        .filter(|r| survey.selects(r))
        .filter(|r| {
            options
                .category
                .as_ref()
                .is_none_or(|c| &r.category.key == c)
        })
        .filter(|r| {
            options
                .area
                .as_ref()
                .is_none_or(|a| r.area.as_ref().is_some_and(|t| &t.key == a))
        })
        .collect();
    let order = |r: &Resource| {
        content
            .site
            .categories
            .iter()
            .position(|t| t.key == r.category.key)
    };
    resources.sort_by_key(|r| order(r));
    if resources.is_empty() {
        return Err(Error::Setup(
            "確認票を作る事業所がありません。survey.yaml の selection と --category・--area を確かめてください。".to_owned(),
        ));
    }
    Ok(resources)
}

/// Makes the forms of the site at `root` into `options.out`.
pub fn make(root: &Path, options: &MakeOptions) -> Result<MakeReport> {
    let (content, _warnings) = crate::build::load_valid(root, options.today)?;
    let Some(survey) = content.survey.clone() else {
        return Err(Error::Setup(format!(
            "確認調査の設定 content/{} がありません。次のように書いて作ってください:\n{}",
            crate::content::survey::FILE_NAME,
            super::EXAMPLE
        )));
    };
    let due = options.due.unwrap_or(survey.due);
    if due < options.today {
        return Err(Error::Setup(format!(
            "回答期限 {due} が今日（{}）より前です。--due で先の日付を指定するか、survey.yaml の due を直してください。",
            options.today
        )));
    }
    let resources = selected(&content, &survey, options)?;
    if options.letter && survey.letter.is_none() {
        return Err(Error::Setup(format!(
            "送付状のひな形 content/{} がありません。作るか（docs/workflow.md に例があります）、送付状なしで作るときは --no-letter を付けてください。",
            crate::content::survey::LETTER_NAME
        )));
    }

    // Where everything goes, judged before anything is made.
    let pdf_path = options.out.join(PDF_NAME);
    let sheet_paths: Vec<PathBuf> = resources
        .iter()
        .map(|r| options.out.join(sheet_name(&r.id)))
        .collect();
    guard::output_file(root, &pdf_path, FileKind::Pdf, false)?;
    let present: Vec<String> = std::iter::once(&pdf_path)
        .chain(&sheet_paths)
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .map(|p| p.display().to_string())
        .collect();
    if !present.is_empty() {
        return Err(Error::Setup(format!(
            "書き出し先のフォルダ {} に、同じ名前のファイルがすでにあります（{} 件。最初は {}）。返ってきた確認票を上書きしないよう、何も書き出していません。\n  確認票は、まだない新しいフォルダに作ってください（例: --out 確認票-{}）。",
            options.out.display(),
            present.len(),
            present[0],
            options.today
        )));
    }

    // The pre-filled sheets, in the import's own layout.
    let site = import::load_site(root)?;
    let existing = import::load_existing(root)?;
    let records = export::sorted_records(&site, &existing)?;
    let all_rows = export::rows(&site, &records);
    let widths: Vec<f64> = all_rows[0]
        .iter()
        .map(|h| {
            if h.text().chars().count() > 4 {
                24.0
            } else {
                16.0
            }
        })
        .collect();
    let layout = Layout {
        sheet: "確認票",
        widths,
        freeze: (1, 3),
    };

    // The forms, printed.
    let theme = Theme::load(root)?;
    let (work, _) = crate::owned::dir_in(&std::env::temp_dir(), "zaitaku-survey-", 0o700)
        .map_err(|e| Error::io(std::env::temp_dir(), "作業用フォルダを作成", e))?;
    for (relative, bytes) in &theme.static_files {
        crate::output::write_under(work.path(), relative, bytes)?;
    }
    let mut forms = Vec::new();
    for resource in &resources {
        let letter = match (&survey.letter, options.letter) {
            (Some(letter), true) => Some(letter_html(
                &letter.source,
                &letter.file,
                resource,
                &content,
                &survey,
                due,
                options.today,
            )?),
            _ => None,
        };
        forms.push(Form {
            resource,
            area: resource
                .area
                .as_ref()
                .map(|a| a.label.clone())
                .unwrap_or_default(),
            services: content
                .site
                .services
                .iter()
                .map(|s| Check {
                    label: s.label.clone(),
                    checked: resource.services.contains(s),
                })
                .collect(),
            letter,
        });
    }
    let mut context = tera::Context::new();
    context.insert("site", &content.site);
    context.insert("survey", &survey);
    context.insert("due_label", &japanese_date(due));
    context.insert("issued_label", &japanese_date(options.today));
    context.insert("forms", &forms);
    context.insert("root", "");
    let html = theme.render(TEMPLATE, &context)?;
    crate::output::write_under(work.path(), "survey.html", html.as_bytes())?;
    let printed_path = work.path().join("survey.pdf");
    let watch = Watch {
        timeout: options
            .timeout
            .unwrap_or_else(|| pdf::default_timeout(resources.len())),
    };
    pdf::print_to_pdf(
        &options.chromium,
        &work.path().join("survey.html"),
        &printed_path,
        work.path(),
        &watch,
    )?;
    let printed = pdf::read_pdf(&printed_path)?;
    check_one_page_each(&resources, &printed, options.letter)?;

    // Written last, once everything is made.
    std::fs::create_dir_all(&options.out)
        .map_err(|e| Error::io(&options.out, "フォルダを作成", e))?;
    let target = guard::output_file(root, &pdf_path, FileKind::Pdf, false)?;
    crate::owned::replace_file(&target, ".zaitaku-survey-", |file| {
        std::fs::copy(&printed_path, file.path())
            .map(|_| ())
            .map_err(|e| Error::io(&pdf_path, "書き込み", e))
    })?;
    for (resource, path) in resources.iter().zip(&sheet_paths) {
        let row = all_rows
            .iter()
            .skip(1)
            .find(|row| row.first().is_some_and(|id| id.text() == resource.id))
            .ok_or_else(|| {
                Error::Setup(format!(
                    "{} を表にできませんでした（ファイルが読めません）。zaitaku check で確かめてください。",
                    resource.file
                ))
            })?;
        let rows = vec![all_rows[0].clone(), row.clone()];
        export::write_table(root, path, ExportFormat::Xlsx, false, &rows, &layout)?;
    }
    Ok(MakeReport {
        pdf: pdf_path,
        pages: printed.pages,
        sheets: sheet_paths,
        facilities: resources.len(),
        due,
    })
}

/// Each facility's form starts on its own page and takes exactly one: the PDF's named
/// destinations (`form-<ID>`, each form links to itself) say where each begins.
fn check_one_page_each(
    resources: &[&Resource],
    printed: &pdf::Printed,
    letter: bool,
) -> Result<()> {
    let per_facility = if letter { 2 } else { 1 };
    let mut too_long = Vec::new();
    for (index, resource) in resources.iter().enumerate() {
        let expected = (index as u32 + 1) * per_facility;
        match printed.destinations.get(&format!("form-{}", resource.id)) {
            Some(page) if *page == expected => {}
            _ => too_long.push(resource.name.clone()),
        }
    }
    if printed.pages != resources.len() as u32 * per_facility && too_long.is_empty() {
        too_long.push(resources.last().map(|r| r.name.clone()).unwrap_or_default());
    }
    if too_long.is_empty() {
        return Ok(());
    }
    Err(Error::Setup(format!(
        "「{}」の確認票（か、その前の送付状）が A4 1 枚に収まりません。何も書き出していません。\n  送付状（content/{}）を短くするか、その事業所の内容（診療時間やケアマネタイムの数）を確かめてください。",
        too_long[0],
        crate::content::survey::LETTER_NAME
    )))
}
