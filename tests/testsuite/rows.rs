//! Rows rendered once per record (`site::rows`): the listings, 五十音 rows, ケアマネタイム pages
//! and the printed directory's booklets are assembled from each record's rows, rendered with
//! the theme's row templates. A site's theme that overrides a row template sees it in every
//! list; a theme without the row templates (an older copy) still builds the same site; the
//! preview renders the rows again when the theme or a record changes.

use crate::common;
use crate::serve::{Events, start};

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{copy_tree, repo, site_with, snapshot, today};
use zaitaku::build::{BuildOptions, build};

/// The row templates of the built-in theme.
const ROW_TEMPLATES: [&str; 4] = [
    "row_facility.html",
    "row_caremane.html",
    "print_entry.html",
    "print_caremane_entry.html",
];

fn built(root: &Path, base_url: Option<String>) -> BTreeMap<String, Vec<u8>> {
    let out = root.join("public");
    build(&BuildOptions {
        root: root.to_path_buf(),
        out: out.clone(),
        base_url,
        today: today(),
    })
    .unwrap();
    let mut tree = snapshot(&out);
    tree.retain(|name, _| !name.starts_with(".zaitaku"));
    tree
}

/// The built-in theme copied into the site, as `zaitaku init` or a designer would.
fn with_theme_copy(root: &Path) -> std::path::PathBuf {
    let theme = root.join("themes/default");
    copy_tree(&repo().join("themes/default"), &theme);
    theme.join("templates")
}

/// Turns the theme copy's `templates` folder into an older theme's: no row templates, the
/// booklets' lists written out in full (each list loops over its entries with the row's body).
pub(crate) fn make_older(templates: &Path) {
    for (list, row) in [
        ("print_entries.html", "print_entry.html"),
        ("print_caremane_entries.html", "print_caremane_entry.html"),
    ] {
        let body = std::fs::read_to_string(templates.join(row)).unwrap();
        std::fs::write(
            templates.join(list),
            format!("{{% for e in entries %}}{body}{{% endfor %}}"),
        )
        .unwrap();
    }
    for row in ROW_TEMPLATES {
        std::fs::remove_file(templates.join(row)).unwrap();
    }
}

fn text(tree: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(tree[name].clone()).unwrap()
}

#[test]
fn a_theme_without_row_templates_builds_the_same_site() {
    let builtin = site_with(None);
    let expected = built(builtin.path(), None);

    // An older copy of the theme: no row templates, the booklets' lists written out in full.
    let older = site_with(None);
    let templates = with_theme_copy(older.path());
    make_older(&templates);
    let older_site = built(older.path(), None);
    assert_eq!(
        expected.keys().collect::<Vec<_>>(),
        older_site.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &expected {
        assert!(
            older_site[name] == *bytes,
            "{name} differs without the row templates:\n{}",
            String::from_utf8_lossy(&older_site[name])
        );
    }
}

#[test]
fn a_row_template_of_the_site_shows_in_every_list() {
    let site = site_with(None);
    let templates = with_theme_copy(site.path());
    for (row, mark) in [
        ("row_facility.html", "<!--facility-row-->"),
        ("row_caremane.html", "<!--caremane-row-->"),
        ("print_entry.html", "<!--entry-row-->"),
        ("print_caremane_entry.html", "<!--caremane-entry-row-->"),
    ] {
        let body = std::fs::read_to_string(templates.join(row)).unwrap();
        std::fs::write(templates.join(row), format!("{mark}{body}")).unwrap();
    }
    let tree = built(site.path(), None);
    let count = |name: &str, mark: &str| text(&tree, name).matches(mark).count();
    let items = |name: &str, class: &str| text(&tree, name).matches(class).count();

    // Every listing: by category, area and service, and the 五十音 rows.
    let mut listed = 0;
    for name in tree.keys().filter(|name| {
        ["category", "area", "service", "kana"]
            .iter()
            .any(|kind| name.starts_with(&format!("resources/{kind}/")))
    }) {
        let facilities = items(name, "class=\"facility-item\"");
        assert_eq!(count(name, "<!--facility-row-->"), facilities, "{name}");
        listed += facilities;
    }
    assert!(listed > 0);
    // One row per window, on the page of all windows and on a day's page.
    for page in ["caremane-time/index.html", "caremane-time/tue/index.html"] {
        let windows = items(page, "<tr data-cm-days=");
        assert!(windows > 0, "{page}");
        assert_eq!(count(page, "<!--caremane-row-->"), windows, "{page}");
    }
    let whole = "print/whole/index.html";
    assert!(items(whole, "<li class=\"entry\"") > 0);
    assert_eq!(
        count(whole, "<!--entry-row-->"),
        items(whole, "<li class=\"entry\"")
    );
    let table = "print/caremane/index.html";
    assert!(items(table, "<tbody class=\"cmp-facility\"") > 0);
    assert_eq!(
        count(table, "<!--caremane-entry-row-->"),
        items(table, "<tbody class=\"cmp-facility\"")
    );
    // A facility's own page is not a list.
    assert_eq!(count("resources/takahashi-naika/index.html", "-row-->"), 0);
}

#[test]
fn a_list_gets_each_row_alone_when_the_theme_has_the_row_template() {
    // The lists are assembled from the rows, without any item's data: a page that shows
    // what it gets of each item sees its row alone (`html`), and the site is the same.
    let site = site_with(None);
    let templates = with_theme_copy(site.path());
    let plain = built(site.path(), None);
    for (file, each) in [
        ("listing.html", "{% for r in group.resources %}"),
        ("components.html", "{% for row in rows %}"),
    ] {
        let body = std::fs::read_to_string(templates.join(file)).unwrap();
        assert!(body.contains(each), "{file}");
        let item = each.split(' ').nth(2).unwrap();
        let shown = format!("{each}<!--fields {{{{ {item} | length }}}}-->");
        std::fs::write(templates.join(file), body.replace(each, &shown)).unwrap();
    }
    let tree = built(site.path(), None);
    let mut items = 0;
    for (name, bytes) in &tree {
        // Pages and other text; the search index's compressed files are not shown markers.
        let Ok(page) = std::str::from_utf8(bytes) else {
            continue;
        };
        let shown = page.matches("<!--fields ").count();
        assert_eq!(page.matches("<!--fields 1-->").count(), shown, "{name}");
        items += shown;
        let again = page.replace("<!--fields 1-->", "");
        assert_eq!(again.as_bytes(), &plain[name][..], "{name}");
    }
    let windows = text(&tree, "caremane-time/index.html")
        .matches("<tr data-cm-days=")
        .count();
    assert!(
        windows > 0 && items > windows,
        "{items} items, {windows} windows"
    );
}

/// Waits until the served folder is what a clean build of the site writes (the preview's
/// background work may still be running); fails by a generous deadline (a hang, not a speed).
fn assert_served_is_clean(site: &Path, served: &Path, port: u16, step: &str) {
    let fresh = tempfile::tempdir().unwrap();
    for part in ["content", "themes"] {
        if site.join(part).is_dir() {
            copy_tree(&site.join(part), &fresh.path().join(part));
        }
    }
    let clean = built(fresh.path(), Some(format!("http://127.0.0.1:{port}/")));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let now = snapshot(served);
        if now == clean {
            return;
        }
        if Instant::now() > deadline {
            let differs: Vec<&String> = clean
                .keys()
                .chain(now.keys())
                .filter(|name| now.get(*name) != clean.get(*name))
                .collect();
            panic!("{step}: the served folder differs from a clean build: {differs:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_preview_renders_rows_again_when_a_record_or_a_row_template_changes() {
    let site = site_with(None);
    let root = site.path();
    let templates = with_theme_copy(root);
    let server = start(root, &[]);
    let port = server.port;
    let served = server
        .scratch
        .as_deref()
        .expect("a scratch folder")
        .join("site");
    let mut events = Events::open(port);
    let mut generation = events.next();
    assert_served_is_clean(root, &served, port, "first build");
    let mut save = |step: &str, change: &dyn Fn()| {
        change();
        let next = events.next();
        assert!(next > generation, "{step}: a reload after the save");
        generation = next;
        assert_served_is_clean(root, &served, port, step);
    };

    // A ケアマネ office's windows and phone: its rows in every list change, the others stay.
    let takahashi = root.join("content/resources/clinic/takahashi-naika.yaml");
    let original = std::fs::read_to_string(&takahashi).unwrap();
    save("a phone number", &|| {
        std::fs::write(&takahashi, original.replace("088-600-1234", "088-600-4699")).unwrap();
    });
    let served_text = |name: &str| std::fs::read_to_string(served.join(name)).unwrap();
    for page in [
        "caremane-time/index.html",
        "resources/category/clinic/index.html",
        "print/whole/index.html",
    ] {
        assert!(served_text(page).contains("088-600-4699"), "{page}");
    }
    save("the same record saved back", &|| {
        std::fs::write(&takahashi, &original).unwrap();
    });
    // The theme's row templates: every row is rendered again.
    save("a row template", &|| {
        let row = templates.join("row_caremane.html");
        let body = std::fs::read_to_string(&row).unwrap();
        std::fs::write(&row, format!("<!--changed-->{body}")).unwrap();
        let entry = templates.join("print_entry.html");
        let body = std::fs::read_to_string(&entry).unwrap();
        std::fs::write(&entry, format!("<!--changed-->{body}")).unwrap();
    });
    assert!(served_text("caremane-time/index.html").contains("<!--changed-->"));
    assert!(served_text("print/area/north/index.html").contains("<!--changed-->"));
    save("a record after the theme changed", &|| {
        std::fs::write(&takahashi, original.replace("088-600-1234", "088-600-4611")).unwrap();
    });
}
