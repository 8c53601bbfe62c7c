//! One test per validation rule: each folder of `tests/fixtures/invalid/` adds bad files to the
//! base fixture site, and its `expected.txt` lists every diagnostic that must come out — severity,
//! file, line, column and field — and nothing else.

use crate::common;

use std::path::Path;

use common::{check, fixtures, site_with, summary_line};

fn run_case(name: &str) -> Vec<zaitaku::diagnostics::Diagnostic> {
    let case = fixtures().join("invalid").join(name);
    let site = site_with(Some(&case));
    let diagnostics = check(site.path());
    let actual: Vec<String> = diagnostics.iter().map(summary_line).collect();
    let expected: Vec<String> = std::fs::read_to_string(case.join("expected.txt"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let shown: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        actual,
        expected,
        "diagnostics of case {name}:\n{}",
        shown.join("\n")
    );
    diagnostics
}

fn message_of<'a>(
    diagnostics: &'a [zaitaku::diagnostics::Diagnostic],
    field: &str,
) -> &'a zaitaku::diagnostics::Diagnostic {
    diagnostics
        .iter()
        .find(|d| d.field.as_deref() == Some(field))
        .unwrap_or_else(|| panic!("no diagnostic for {field}"))
}

#[test]
fn base_fixture_is_clean() {
    let site = site_with(None);
    assert!(check(site.path()).is_empty());
}

#[test]
fn unknown_field_suggests_the_closest() {
    let diagnostics = run_case("unknown-field");
    assert!(
        diagnostics[0]
            .message
            .contains("「adress」という項目はありません。「address」の誤りではありませんか。"),
        "{}",
        diagnostics[0]
    );
}

#[test]
fn missing_required_field() {
    let diagnostics = run_case("missing-field");
    assert!(
        diagnostics[0].message.contains("必須の項目「kana」"),
        "{}",
        diagnostics[0]
    );
}

#[test]
fn every_bad_value_is_reported_in_one_run() {
    let diagnostics = run_case("bad-values");
    assert!(
        message_of(&diagnostics, "category")
            .message
            .contains("「clinic」の誤りではありませんか")
    );
    assert!(
        message_of(&diagnostics, "phone")
            .message
            .contains("088-600-30011")
    );
    assert!(message_of(&diagnostics, "fax").message.contains("全角"));
    assert!(
        message_of(&diagnostics, "hours[0].days[1]")
            .message
            .contains("「tue」の誤りではありませんか")
    );
    assert!(
        message_of(&diagnostics, "hours[1].close")
            .message
            .contains("後になっていません")
    );
    assert!(
        message_of(&diagnostics, "caremane_time[0].methods[1]")
            .message
            .contains("mail")
    );
}

#[test]
fn wrong_type() {
    run_case("wrong-type");
}

#[test]
fn yaml_syntax_error() {
    run_case("syntax-error");
}

#[test]
fn unsafe_id() {
    run_case("bad-id");
}

#[test]
fn duplicate_id_across_folders() {
    let diagnostics = run_case("duplicate-id");
    assert!(
        diagnostics[0]
            .message
            .contains("content/resources/clinic/takahashi-naika.yaml")
    );
}

#[test]
fn warnings_do_not_stop_the_build() {
    let diagnostics = run_case("warnings");
    assert!(diagnostics.iter().all(|d| !d.is_error()));
}

#[test]
fn duplicate_phone_is_a_warning() {
    run_case("duplicate-phone");
}

#[test]
fn alias_bomb_fails_cleanly() {
    let diagnostics = run_case("alias-bomb");
    assert!(diagnostics[0].is_error());
}

#[test]
fn page_front_matter_errors() {
    run_case("page-errors");
}

#[test]
fn dictionary_rows() {
    run_case("dictionary");
}

fn write(root: &Path, relative: &str, bytes: &[u8]) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

const RECORD: &str = "name: テスト医院\nkana: てすといいん\ncategory: clinic\naddress: 徳島市幸町1番地\nphone: 088-600-3001\nverified: 2026-04-01\n";

#[test]
fn shift_jis_is_converted_with_a_warning() {
    let site = site_with(None);
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(RECORD);
    write(site.path(), "content/resources/clinic/sjis.yaml", &bytes);
    let diagnostics = check(site.path());
    let lines: Vec<String> = diagnostics.iter().map(summary_line).collect();
    assert_eq!(lines, ["warning content/resources/clinic/sjis.yaml -"]);
    assert!(diagnostics[0].message.contains("Shift_JIS"));
}

#[test]
fn bom_and_crlf_are_accepted() {
    let site = site_with(None);
    let text = format!("\u{FEFF}{}", RECORD.replace('\n', "\r\n"));
    write(
        site.path(),
        "content/resources/clinic/bom.yaml",
        text.as_bytes(),
    );
    assert!(check(site.path()).is_empty());
}

#[test]
fn undecodable_bytes_are_an_error_with_position() {
    let site = site_with(None);
    let mut bytes = b"name: \xff\xfe\xfd\n".to_vec();
    bytes.extend_from_slice(RECORD.as_bytes());
    write(site.path(), "content/resources/clinic/garbage.yaml", &bytes);
    let lines: Vec<String> = check(site.path()).iter().map(summary_line).collect();
    assert_eq!(lines, ["error content/resources/clinic/garbage.yaml:1:7 -"]);
}

#[test]
fn symlinks_outside_content_are_refused() {
    let site = site_with(None);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.yaml"), RECORD).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        site.path().join("content/resources/clinic/link.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path(),
        site.path().join("content/resources/linked-dir"),
    )
    .unwrap();
    let lines: Vec<String> = check(site.path()).iter().map(summary_line).collect();
    assert_eq!(
        lines,
        [
            "error content/resources/clinic/link.yaml -",
            "error content/resources/linked-dir -"
        ]
    );
}

#[test]
fn deep_nesting_fails_cleanly() {
    let site = site_with(None);
    let deep = format!(
        "{RECORD}note: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    write(
        site.path(),
        "content/resources/clinic/deep.yaml",
        deep.as_bytes(),
    );
    let diagnostics = check(site.path());
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(diagnostics[0].is_error());
    assert_eq!(diagnostics[0].file, "content/resources/clinic/deep.yaml");
}

#[test]
fn huge_files_are_refused() {
    let site = site_with(None);
    let huge = format!("{RECORD}note: \"{}\"\n", "あ".repeat(2_000_000));
    write(
        site.path(),
        "content/resources/clinic/huge.yaml",
        huge.as_bytes(),
    );
    let lines: Vec<String> = check(site.path()).iter().map(summary_line).collect();
    assert_eq!(lines, ["error content/resources/clinic/huge.yaml -"]);
}

#[test]
fn errors_in_many_files_are_all_reported() {
    let site = site_with(None);
    for index in 0..5 {
        write(
            site.path(),
            &format!("content/resources/clinic/bad-{index}.yaml"),
            RECORD
                .replace("088-600-3001", &format!("088-600-30{index}"))
                .as_bytes(),
        );
    }
    let errors = check(site.path()).iter().filter(|d| d.is_error()).count();
    assert_eq!(errors, 5);
}

/// Two English words in a row (`unexpected end`, `tabs disallowed`): a library's text that
/// reached an editor.
fn english_fragment(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let mut previous_end = None;
    let bytes = text.as_bytes();
    let mut start = 0;
    for word in words {
        let at = start + text[start..].find(word).unwrap();
        if let Some(end) = previous_end
            && at == end + 1
            && bytes[end] == b' '
            && word.len() > 1
        {
            return Some(text[..at + word.len()].to_owned());
        }
        previous_end = Some(at + word.len());
        start = at + word.len();
    }
    None
}

/// The diagnostic of the file whose path ends with `file`.
fn diagnostic_for<'a>(
    diagnostics: &'a [zaitaku::diagnostics::Diagnostic],
    file: &str,
) -> &'a zaitaku::diagnostics::Diagnostic {
    diagnostics
        .iter()
        .find(|d| d.file.ends_with(file))
        .unwrap_or_else(|| panic!("no diagnostic for {file}"))
}

fn assert_japanese(diagnostics: &[zaitaku::diagnostics::Diagnostic]) {
    for diagnostic in diagnostics {
        for text in [Some(&diagnostic.message), diagnostic.hint.as_ref()]
            .into_iter()
            .flatten()
        {
            assert!(
                english_fragment(text).is_none(),
                "English in {}: {:?}",
                diagnostic,
                english_fragment(text)
            );
        }
    }
}

#[test]
fn control_characters_are_errors_with_their_place() {
    let diagnostics = run_case("control-characters");
    assert_japanese(&diagnostics);
    let name = message_of(&diagnostics, "name");
    assert!(name.message.contains("U+001B"), "{name}");
    let address = message_of(&diagnostics, "address");
    assert!(address.message.contains("U+202E"), "{address}");
    let contact = message_of(&diagnostics, "caremane_time[0].contact");
    assert!(contact.message.contains("U+2066"), "{contact}");
    let note = message_of(&diagnostics, "note");
    assert!(note.message.contains("U+200B"), "{note}");
    // Shown to a terminal, a message never carries the character itself.
    for diagnostic in &diagnostics {
        let shown = diagnostic.to_string();
        assert!(
            !shown
                .chars()
                .any(|c| c.is_control() && c != '\n' || ('\u{202A}'..='\u{202E}').contains(&c)),
            "{shown:?}"
        );
    }
}

#[test]
fn yaml_library_messages_are_japanese() {
    let diagnostics = run_case("yaml-messages");
    assert_japanese(&diagnostics);
    let of = |file: &str| diagnostic_for(&diagnostics, file);
    assert!(of("tab-indent.yaml").message.contains("タブ"));
    assert!(of("duplicate-key.yaml").message.contains("2 回"));
    assert!(of("unclosed-list.yaml").message.contains("閉じていません"));
    assert!(
        of("colon-in-value.yaml")
            .hint
            .as_deref()
            .unwrap()
            .contains("\"…\" で囲んで")
    );
    assert!(of("null-name.yaml").message.contains("空です"));
    assert!(of("not-a-number.yaml").message.contains("数値"));
    assert!(of("not-a-list.yaml").message.contains("一覧"));
    assert!(
        of("two-documents.yaml")
            .message
            .contains("複数の YAML 文書")
    );
    assert!(of("alias.yaml").message.contains("エイリアス"));
    assert!(of("not-a-bool.yaml").message.contains("true"));
    assert!(of("bad-escape.yaml").message.contains("\\"));
}

#[test]
fn nested_fields_are_named_exactly() {
    let diagnostics = run_case("nested-fields");
    assert_japanese(&diagnostics);
    assert!(
        message_of(&diagnostics, "location.alt")
            .message
            .contains("「alt」という項目はありません")
    );
    assert!(
        message_of(&diagnostics, "location.lng")
            .message
            .contains("必須の項目「lng」")
    );
    assert!(
        message_of(&diagnostics, "hours[1].clse")
            .message
            .contains("「close」の誤りではありませんか")
    );
}

#[test]
fn site_yaml_nested_field_is_named_exactly() {
    run_case("site-nested-field");
}

#[test]
fn names_windows_cannot_hold_are_refused() {
    let diagnostics = run_case("windows-names");
    assert_japanese(&diagnostics);
    assert!(diagnostics.iter().any(|d| d.message.contains("「con」")));
    assert!(diagnostics.iter().any(|d| d.message.contains("長すぎ")));
}

#[test]
fn active_files_and_svg_with_scripts_are_refused() {
    let diagnostics = run_case("active-files");
    assert_japanese(&diagnostics);
    let of = |file: &str| diagnostic_for(&diagnostics, file);
    assert!(of("script.svg").message.contains("<script>"));
    assert!(of("handler.svg").message.contains("onload"));
    assert!(of("foreign.svg").message.contains("foreignObject"));
    assert!(
        of("external.svg")
            .message
            .contains("https://tracker.example/pixel.png")
    );
    assert!(of("style-url.svg").message.contains("url("));
    assert!(of("use-file.svg").message.contains("other.svg#shape"));
    assert!(of("entity.svg").message.contains("ENTITY"));
    assert!(of("evil.html").message.contains("HTML"));
    assert!(of("original.psd").message.contains("公開しません"));
}

#[test]
fn reserved_addresses_are_errors_naming_both() {
    let diagnostics = run_case("reserved-paths");
    assert_japanese(&diagnostics);
    let of = |file: &str| diagnostic_for(&diagnostics, file);
    assert!(
        of("pages/robots.txt")
            .message
            .contains("/robots.txt（検索エンジン向けの案内")
    );
    assert!(
        of("pages/search.md")
            .message
            .contains("サイト内検索のページ")
    );
    assert!(of("pages/assets/site.svg").message.contains("/assets/"));
    assert!(
        of("pamphlet/all.md")
            .message
            .contains("/pamphlet/all/index.html")
    );
}
