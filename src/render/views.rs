//! The view data each kind of page is rendered with. Templates only lay out what is here;
//! sorting, grouping, labels and dates are decided in Rust so every theme shows the same facts.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;
use tera::Context;

use crate::content::Content;
use crate::content::pages::{Page, PageKind};
use crate::content::resource::{CaremaneWindow, Resource};
use crate::content::site::Term;
use crate::japanese;
use crate::markdown::{self, Heading};

/// A link inside the site: `url` is site-relative without a leading slash (`resources/x/`).
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

fn link(title: impl Into<String>, url: impl Into<String>) -> Link {
    Link {
        title: title.into(),
        url: url.into(),
    }
}

/// A vocabulary term with the number of facilities that use it.
#[derive(Debug, Clone, Serialize)]
pub struct TermCount {
    pub key: String,
    pub label: String,
    pub count: usize,
    pub url: String,
}

/// What listings show of a facility.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: String,
    pub url: String,
    pub name: String,
    pub kana: String,
    pub category: String,
    pub area: Option<String>,
    pub address: String,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub services: Vec<String>,
    pub has_caremane_time: bool,
}

impl Summary {
    pub fn of(resource: &Resource) -> Summary {
        Summary {
            id: resource.id.clone(),
            url: format!("resources/{}/", resource.id),
            name: resource.name.clone(),
            kana: resource.kana.clone(),
            category: resource.category.label.clone(),
            area: resource.area.as_ref().map(|a| a.label.clone()),
            address: resource.address.clone(),
            phone: resource.phone.clone(),
            fax: resource.fax.clone(),
            services: resource.services.iter().map(|s| s.label.clone()).collect(),
            has_caremane_time: !resource.caremane_time.is_empty(),
        }
    }
}

/// A group of facilities under a heading (by area, by category, by 五十音 row).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub key: String,
    pub label: String,
    pub resources: Vec<Summary>,
}

/// One ケアマネタイム window with the facility it belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct CaremaneRow {
    pub resource: Summary,
    pub verified: String,
    pub window: CaremaneWindow,
}

/// A Markdown page with its rendered body.
#[derive(Debug, Clone, Serialize)]
pub struct PageView {
    #[serde(flatten)]
    pub page: Page,
    pub url: String,
    pub html: String,
    pub toc: Vec<Heading>,
    pub text: String,
}

impl PageView {
    pub fn of(page: &Page) -> PageView {
        // Pages have their own h1, so a `#` in the body becomes an h2.
        let rendered = markdown::render_at(
            &page.body,
            &format!("{}-h", page.slug),
            1,
            Some(&root_prefix(&page.path)),
        );
        PageView {
            page: page.clone(),
            url: page.path.clone(),
            html: rendered.html,
            toc: rendered
                .headings
                .into_iter()
                .filter(|h| h.level == 2)
                .collect(),
            text: rendered.text,
        }
    }
}

/// One page of the site to render.
pub struct Output {
    /// Site-relative file path, e.g. `resources/x/index.html`.
    pub file: String,
    pub template: &'static str,
    pub context: Context,
}

/// The "../" prefix that leads from a page at `url` (site-relative, ending in `/`) to the root.
pub fn root_prefix(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

/// Builds every page's view data.
pub struct Views<'a> {
    pub content: &'a Content,
    pub today: Date,
    pub pages: BTreeMap<PageKind, Vec<PageView>>,
    footer: Vec<Link>,
    base_path: String,
}

/// The day keys that have their own ケアマネタイム page, and the URL segment for each.
pub const CAREMANE_DAYS: [&str; 8] = japanese::DAY_KEYS;

/// Roman names of the 五十音 rows, used in URLs.
pub const ROW_SLUGS: [(&str, &str); 10] = [
    ("あ", "a"),
    ("か", "ka"),
    ("さ", "sa"),
    ("た", "ta"),
    ("な", "na"),
    ("は", "ha"),
    ("ま", "ma"),
    ("や", "ya"),
    ("ら", "ra"),
    ("わ", "wa"),
];

impl<'a> Views<'a> {
    pub fn new(content: &'a Content, today: Date) -> Views<'a> {
        let mut pages: BTreeMap<PageKind, Vec<PageView>> = BTreeMap::new();
        for page in &content.pages {
            pages.entry(page.kind).or_default().push(PageView::of(page));
        }
        let footer = pages
            .get(&PageKind::Page)
            .map(|list| list.iter().map(|p| link(&p.page.title, &p.url)).collect())
            .unwrap_or_default();
        let base_path = url::Url::parse(&content.site.base_url)
            .map(|u| u.path().to_owned())
            .unwrap_or_else(|_| "/".to_owned());
        Views {
            content,
            today,
            pages,
            footer,
            base_path,
        }
    }

    fn kind(&self, kind: PageKind) -> &[PageView] {
        self.pages.get(&kind).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Context shared by every page: site, navigation, breadcrumbs, links' root.
    fn common(&self, url: &str, title: &str, breadcrumbs: Vec<Link>) -> Context {
        let mut context = Context::new();
        let site = &self.content.site;
        context.insert("site", site);
        context.insert("root", &root_prefix(url));
        context.insert("url", url);
        context.insert("canonical", &format!("{}{}", site.base_url, url));
        context.insert("title", title);
        context.insert("breadcrumbs", &breadcrumbs);
        context.insert("footer_pages", &self.footer);
        context.insert("today", &self.today.to_string());
        context.insert("today_label", &japanese::seireki(self.today));
        context.insert("description", &site.description);
        context
    }

    fn home_crumb() -> Link {
        link("ホーム", "")
    }

    fn upcoming(&self) -> (Vec<&PageView>, Vec<&PageView>) {
        let mut upcoming: Vec<&PageView> = Vec::new();
        let mut past: Vec<&PageView> = Vec::new();
        for lecture in self.kind(PageKind::Lecture) {
            if lecture.page.date().is_some_and(|d| d >= self.today) {
                upcoming.push(lecture);
            } else {
                past.push(lecture);
            }
        }
        // Upcoming: soonest first. Past: newest first (the load order).
        upcoming.sort_by_key(|l| l.page.date());
        (upcoming, past)
    }

    fn news_sorted(&self) -> Vec<&PageView> {
        let mut news: Vec<&PageView> = self.kind(PageKind::News).iter().collect();
        news.sort_by(|a, b| {
            b.page
                .date()
                .cmp(&a.page.date())
                .then(a.page.slug.cmp(&b.page.slug))
        });
        news
    }

    fn counts(
        &self,
        terms: &[Term],
        prefix: &str,
        count: impl Fn(&Term) -> usize,
    ) -> Vec<TermCount> {
        terms
            .iter()
            .map(|term| TermCount {
                key: term.key.clone(),
                label: term.label.clone(),
                count: count(term),
                url: format!("resources/{prefix}/{}/", term.key),
            })
            .collect()
    }

    fn category_counts(&self) -> Vec<TermCount> {
        let resources = &self.content.resources;
        self.counts(&self.content.site.categories, "category", |t| {
            resources.iter().filter(|r| r.category.key == t.key).count()
        })
    }

    fn area_counts(&self) -> Vec<TermCount> {
        let resources = &self.content.resources;
        self.counts(&self.content.site.areas, "area", |t| {
            resources
                .iter()
                .filter(|r| r.area.as_ref().is_some_and(|a| a.key == t.key))
                .count()
        })
    }

    fn service_counts(&self) -> Vec<TermCount> {
        let resources = &self.content.resources;
        self.counts(&self.content.site.services, "service", |t| {
            resources
                .iter()
                .filter(|r| r.services.iter().any(|s| s.key == t.key))
                .count()
        })
    }

    fn row_groups(&self) -> Vec<(String, String, Vec<&Resource>)> {
        ROW_SLUGS
            .iter()
            .map(|(row, slug)| {
                let members: Vec<&Resource> = self
                    .content
                    .resources
                    .iter()
                    .filter(|r| r.row == *row)
                    .collect();
                ((*row).to_owned(), (*slug).to_owned(), members)
            })
            .collect()
    }

    /// Every page of the site.
    pub fn outputs(&self) -> Vec<Output> {
        let mut out = Vec::new();
        out.push(self.home());
        out.extend(self.directory());
        out.extend(self.resource_pages());
        out.extend(self.caremane());
        out.extend(self.pamphlet());
        out.extend(self.manga());
        out.extend(self.lectures());
        out.extend(self.news());
        out.extend(self.plain_pages());
        out.push(self.search_page());
        out.push(self.not_found());
        out
    }

    fn home(&self) -> Output {
        let mut context = self.common("", &self.content.site.title, vec![]);
        let (upcoming, _) = self.upcoming();
        context.insert(
            "upcoming_lectures",
            &upcoming.into_iter().take(3).collect::<Vec<_>>(),
        );
        context.insert(
            "latest_news",
            &self.news_sorted().into_iter().take(5).collect::<Vec<_>>(),
        );
        context.insert("categories", &self.category_counts());
        context.insert("resource_count", &self.content.resources.len());
        Output {
            file: "index.html".to_owned(),
            template: "index.html",
            context,
        }
    }

    fn directory(&self) -> Vec<Output> {
        let mut out = Vec::new();
        let directory_crumbs = vec![Self::home_crumb()];
        let rows = self.row_groups();
        let row_links: Vec<TermCount> = rows
            .iter()
            .map(|(row, slug, members)| TermCount {
                key: slug.clone(),
                label: row.clone(),
                count: members.len(),
                url: format!("resources/kana/{slug}/"),
            })
            .collect();
        let mut context = self.common(
            "resources/",
            "医療・介護の資源を探す",
            directory_crumbs.clone(),
        );
        context.insert("categories", &self.category_counts());
        context.insert("areas", &self.area_counts());
        context.insert("services", &self.service_counts());
        context.insert("rows", &row_links);
        context.insert("resource_count", &self.content.resources.len());
        out.push(Output {
            file: "resources/index.html".to_owned(),
            template: "directory.html",
            context,
        });
        let listing_crumbs = vec![
            Self::home_crumb(),
            link("医療・介護の資源を探す", "resources/"),
        ];
        let site = &self.content.site;

        let group_by = |members: &[&Resource],
                        terms: &[Term],
                        key_of: &dyn Fn(&Resource) -> Option<String>,
                        none_label: &str|
         -> Vec<Group> {
            let mut groups: Vec<Group> = terms
                .iter()
                .map(|t| Group {
                    key: t.key.clone(),
                    label: t.label.clone(),
                    resources: Vec::new(),
                })
                .collect();
            let mut unassigned = Vec::new();
            for resource in members {
                match key_of(resource).and_then(|k| groups.iter_mut().find(|g| g.key == k)) {
                    Some(group) => group.resources.push(Summary::of(resource)),
                    None => unassigned.push(Summary::of(resource)),
                }
            }
            if !unassigned.is_empty() {
                groups.push(Group {
                    key: "none".to_owned(),
                    label: none_label.to_owned(),
                    resources: unassigned,
                });
            }
            groups.retain(|g| !g.resources.is_empty());
            groups
        };
        let by_area = |r: &Resource| r.area.as_ref().map(|a| a.key.clone());
        let by_category = |r: &Resource| Some(r.category.key.clone());

        for (kind, heading_suffix, terms) in [
            ("category", "", &site.categories),
            ("area", "の医療・介護資源", &site.areas),
            ("service", "ができる事業所", &site.services),
        ] {
            for term in terms {
                let members: Vec<&Resource> = self
                    .content
                    .resources
                    .iter()
                    .filter(|r| match kind {
                        "category" => r.category.key == term.key,
                        "area" => r.area.as_ref().is_some_and(|a| a.key == term.key),
                        _ => r.services.iter().any(|s| s.key == term.key),
                    })
                    .collect();
                let groups = match kind {
                    "category" => group_by(&members, &site.areas, &by_area, "圏域未設定"),
                    _ => group_by(&members, &site.categories, &by_category, "その他"),
                };
                let url = format!("resources/{kind}/{}/", term.key);
                let title = format!("{}{heading_suffix}", term.label);
                let mut context = self.common(&url, &title, listing_crumbs.clone());
                context.insert("listing_kind", kind);
                context.insert("term", term);
                context.insert("groups", &groups);
                context.insert("count", &members.len());
                out.push(Output {
                    file: format!("{url}index.html"),
                    template: "listing.html",
                    context,
                });
            }
        }
        for (row, slug, members) in rows {
            let url = format!("resources/kana/{slug}/");
            let title = format!("{row}行の事業所（五十音順）");
            let mut context = self.common(&url, &title, listing_crumbs.clone());
            let groups = vec![Group {
                key: slug.clone(),
                label: format!("{row}行"),
                resources: members.iter().map(|r| Summary::of(r)).collect(),
            }];
            context.insert("listing_kind", "kana");
            context.insert(
                "term",
                &Term {
                    key: slug.clone(),
                    label: format!("{row}行"),
                },
            );
            context.insert("groups", &groups);
            context.insert("count", &members.len());
            context.insert("rows", &row_links);
            out.push(Output {
                file: format!("{url}index.html"),
                template: "listing.html",
                context,
            });
        }
        out
    }

    fn resource_pages(&self) -> Vec<Output> {
        let crumbs_base = vec![
            Self::home_crumb(),
            link("医療・介護の資源を探す", "resources/"),
        ];
        self.content
            .resources
            .iter()
            .map(|resource| {
                let url = format!("resources/{}/", resource.id);
                let mut crumbs = crumbs_base.clone();
                crumbs.push(link(
                    &resource.category.label,
                    format!("resources/category/{}/", resource.category.key),
                ));
                let mut context = self.common(&url, &resource.name, crumbs);
                context.insert("resource", resource);
                context.insert(
                    "note_html",
                    &resource
                        .note
                        .as_deref()
                        .map(|note| markdown::render_note(note, "../../")),
                );
                context.insert("map_url", &map_url(resource));
                context.insert(
                    "json_ld",
                    &super::jsonld::facility(resource, &self.content.site),
                );
                context.insert("verified_label", &japanese::seireki(resource.verified));
                Output {
                    file: format!("{url}index.html"),
                    template: "resource.html",
                    context,
                }
            })
            .collect()
    }

    fn caremane_rows(&self) -> Vec<CaremaneRow> {
        let mut rows = Vec::new();
        for resource in &self.content.resources {
            for window in &resource.caremane_time {
                rows.push(CaremaneRow {
                    resource: Summary::of(resource),
                    verified: japanese::seireki(resource.verified),
                    window: window.clone(),
                });
            }
        }
        rows
    }

    fn caremane(&self) -> Vec<Output> {
        let rows = self.caremane_rows();
        let days: Vec<Link> = CAREMANE_DAYS
            .iter()
            .map(|d| link(japanese::day_long_label(d), format!("caremane-time/{d}/")))
            .collect();
        let mut out = Vec::new();
        let mut context = self.common("caremane-time/", "ケアマネタイム", vec![Self::home_crumb()]);
        context.insert("rows", &rows);
        context.insert("days", &days);
        context.insert("categories", &self.content.site.categories);
        context.insert("areas", &self.content.site.areas);
        out.push(Output {
            file: "caremane-time/index.html".to_owned(),
            template: "caremane.html",
            context,
        });
        for day in CAREMANE_DAYS {
            let mut day_rows: Vec<&CaremaneRow> = rows
                .iter()
                .filter(|r| r.window.days.iter().any(|d| d == day))
                .collect();
            day_rows.sort_by_key(|r| r.window.from_minutes);
            let url = format!("caremane-time/{day}/");
            let title = format!("{}のケアマネタイム", japanese::day_long_label(day));
            let mut context = self.common(
                &url,
                &title,
                vec![Self::home_crumb(), link("ケアマネタイム", "caremane-time/")],
            );
            context.insert("day", day);
            context.insert("day_label", japanese::day_long_label(day));
            context.insert("rows", &day_rows);
            context.insert("days", &days);
            out.push(Output {
                file: format!("{url}index.html"),
                template: "caremane_day.html",
                context,
            });
        }
        out
    }

    fn sequence(
        &self,
        kind: PageKind,
        template: &'static str,
        section_title: &str,
        section_url: &str,
    ) -> Vec<Output> {
        let list = self.kind(kind);
        list.iter()
            .enumerate()
            .map(|(index, view)| {
                let mut context = self.common(
                    &view.url,
                    &view.page.title,
                    vec![Self::home_crumb(), link(section_title, section_url)],
                );
                context.insert("page", view);
                context.insert(
                    "previous",
                    &index
                        .checked_sub(1)
                        .and_then(|i| list.get(i))
                        .map(|p| link(&p.page.title, &p.url)),
                );
                context.insert(
                    "next",
                    &list.get(index + 1).map(|p| link(&p.page.title, &p.url)),
                );
                Output {
                    file: format!("{}index.html", view.url),
                    template,
                    context,
                }
            })
            .collect()
    }

    fn pamphlet(&self) -> Vec<Output> {
        let title = "在宅医療と介護（パンフレット）";
        let mut out = Vec::new();
        let mut context = self.common("pamphlet/", title, vec![Self::home_crumb()]);
        context.insert("chapters", self.kind(PageKind::Pamphlet));
        out.push(Output {
            file: "pamphlet/index.html".to_owned(),
            template: "pamphlet_index.html",
            context,
        });
        let mut context = self.common(
            "pamphlet/all/",
            "在宅医療と介護（全章を 1 ページで）",
            vec![Self::home_crumb(), link(title, "pamphlet/")],
        );
        context.insert("chapters", self.kind(PageKind::Pamphlet));
        out.push(Output {
            file: "pamphlet/all/index.html".to_owned(),
            template: "pamphlet_all.html",
            context,
        });
        out.extend(self.sequence(
            PageKind::Pamphlet,
            "pamphlet_chapter.html",
            title,
            "pamphlet/",
        ));
        out
    }

    fn manga(&self) -> Vec<Output> {
        let title = "漫画で知る在宅医療";
        let mut out = Vec::new();
        let mut context = self.common("manga/", title, vec![Self::home_crumb()]);
        context.insert("episodes", self.kind(PageKind::Manga));
        out.push(Output {
            file: "manga/index.html".to_owned(),
            template: "manga_index.html",
            context,
        });
        out.extend(self.sequence(PageKind::Manga, "manga_episode.html", title, "manga/"));
        out
    }

    fn lectures(&self) -> Vec<Output> {
        let title = "市民公開講座";
        let (upcoming, past) = self.upcoming();
        let mut out = Vec::new();
        let mut context = self.common("lectures/", title, vec![Self::home_crumb()]);
        context.insert("upcoming", &upcoming);
        context.insert("past", &past);
        out.push(Output {
            file: "lectures/index.html".to_owned(),
            template: "lectures_index.html",
            context,
        });
        for lecture in self.kind(PageKind::Lecture) {
            let mut context = self.common(
                &lecture.url,
                &lecture.page.title,
                vec![Self::home_crumb(), link(title, "lectures/")],
            );
            context.insert("page", lecture);
            context.insert(
                "is_upcoming",
                &lecture.page.date().is_some_and(|d| d >= self.today),
            );
            context.insert(
                "json_ld",
                &super::jsonld::event(lecture, &self.content.site),
            );
            out.push(Output {
                file: format!("{}index.html", lecture.url),
                template: "lecture.html",
                context,
            });
        }
        out
    }

    fn news(&self) -> Vec<Output> {
        let title = "お知らせ";
        let news = self.news_sorted();
        let mut out = Vec::new();
        let mut context = self.common("news/", title, vec![Self::home_crumb()]);
        context.insert("items", &news);
        out.push(Output {
            file: "news/index.html".to_owned(),
            template: "news_index.html",
            context,
        });
        for item in news {
            let mut context = self.common(
                &item.url,
                &item.page.title,
                vec![Self::home_crumb(), link(title, "news/")],
            );
            context.insert("page", item);
            out.push(Output {
                file: format!("{}index.html", item.url),
                template: "news_item.html",
                context,
            });
        }
        out
    }

    fn plain_pages(&self) -> Vec<Output> {
        self.kind(PageKind::Page)
            .iter()
            .map(|page| {
                let mut context =
                    self.common(&page.url, &page.page.title, vec![Self::home_crumb()]);
                context.insert("page", page);
                Output {
                    file: format!("{}index.html", page.url),
                    template: "page.html",
                    context,
                }
            })
            .collect()
    }

    fn search_page(&self) -> Output {
        let mut context = self.common("search/", "サイト内検索", vec![Self::home_crumb()]);
        context.insert("categories", &self.category_counts());
        Output {
            file: "search/index.html".to_owned(),
            template: "search.html",
            context,
        }
    }

    fn not_found(&self) -> Output {
        // A 404 page is served at any depth, so its links are absolute from the site's path.
        let mut context = self.common("", "ページが見つかりません", vec![Self::home_crumb()]);
        context.insert("root", &self.base_path);
        context.insert("categories", &self.category_counts());
        Output {
            file: "404.html".to_owned(),
            template: "404.html",
            context,
        }
    }

    /// Every site-relative URL of an HTML page, for the sitemap.
    pub fn sitemap_urls(outputs: &[Output]) -> Vec<String> {
        outputs
            .iter()
            .filter(|o| o.file.ends_with("index.html"))
            .map(|o| o.file.trim_end_matches("index.html").to_owned())
            .collect()
    }
}

/// An OpenStreetMap link by coordinates, else a search by address. No map script is embedded.
pub fn map_url(resource: &Resource) -> String {
    match resource.location {
        Some(location) => format!(
            "https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=17/{lat}/{lng}",
            lat = location.lat,
            lng = location.lng
        ),
        None => format!(
            "https://www.openstreetmap.org/search?query={}",
            url::form_urlencoded::byte_serialize(resource.address.as_bytes()).collect::<String>()
        ),
    }
}
