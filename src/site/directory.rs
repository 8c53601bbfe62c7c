//! The directory of facilities: each facility's page, the listings by category, area and
//! service, the 五十音 rows, and the directory's front page.

use serde::Serialize;

use tera::Value;

use super::{Site, rows};
use crate::content::resource::Resource;
use crate::content::site::{SiteConfig, Term};
use crate::error::Result;
use crate::ja::{self, ROW_SLUGS};
use crate::render::Theme;
use crate::render::view::{Link, Output, home_crumb, link, root_prefix};

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
    /// For 「近い順」, computed in the reader's browser.
    pub location: Option<crate::content::resource::LatLng>,
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
            location: resource.location,
        }
    }
}

/// Which facility listing a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingKind {
    Category,
    Area,
    Service,
}

impl ListingKind {
    /// In the order the build lists them.
    pub const ALL: [ListingKind; 3] = [
        ListingKind::Category,
        ListingKind::Area,
        ListingKind::Service,
    ];

    /// The URL segment and the `listing_kind` templates see.
    pub fn segment(self) -> &'static str {
        match self {
            ListingKind::Category => "category",
            ListingKind::Area => "area",
            ListingKind::Service => "service",
        }
    }

    /// The vocabulary of `site.yaml` the listing pages are made of.
    pub fn terms(self, site: &SiteConfig) -> &[Term] {
        match self {
            ListingKind::Category => &site.categories,
            ListingKind::Area => &site.areas,
            ListingKind::Service => &site.services,
        }
    }

    /// Whether the listing of `term` shows `resource`.
    pub fn includes(self, term: &Term, resource: &Resource) -> bool {
        match self {
            ListingKind::Category => resource.category.key == term.key,
            ListingKind::Area => resource.area.as_ref().is_some_and(|a| a.key == term.key),
            ListingKind::Service => resource.services.iter().any(|s| s.key == term.key),
        }
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

fn listing_crumbs() -> Vec<Link> {
    vec![home_crumb(), link("医療・介護の事業所を探す", "resources/")]
}

/// A group of facilities under a heading (by area, by category): its key, label and members
/// (places in the content).
struct Group {
    key: String,
    label: String,
    members: Vec<usize>,
}

fn group_by(
    members: &[usize],
    resources: &[Resource],
    terms: &[Term],
    key_of: fn(&Resource) -> Option<&str>,
    none_label: &str,
) -> Vec<Group> {
    let mut groups: Vec<Group> = terms
        .iter()
        .map(|t| Group {
            key: t.key.clone(),
            label: t.label.clone(),
            members: Vec::new(),
        })
        .collect();
    let mut unassigned = Vec::new();
    for &index in members {
        match key_of(&resources[index]).and_then(|k| groups.iter_mut().find(|g| g.key == k)) {
            Some(group) => group.members.push(index),
            None => unassigned.push(index),
        }
    }
    if !unassigned.is_empty() {
        groups.push(Group {
            key: "none".to_owned(),
            label: none_label.to_owned(),
            members: unassigned,
        });
    }
    groups.retain(|g| !g.members.is_empty());
    groups
}

fn by_area(resource: &Resource) -> Option<&str> {
    resource.area.as_ref().map(|a| a.key.as_str())
}

fn by_category(resource: &Resource) -> Option<&str> {
    Some(resource.category.key.as_str())
}

impl Site<'_> {
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

    /// Every category with its number of facilities (the home page, search and 404 list them).
    pub(super) fn category_counts(&self) -> Vec<TermCount> {
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

    fn row_links(&self) -> Vec<TermCount> {
        ROW_SLUGS
            .iter()
            .zip(self.row_counts())
            .map(|((row, slug), count)| TermCount {
                key: (*slug).to_owned(),
                label: (*row).to_owned(),
                count,
                url: format!("resources/kana/{slug}/"),
            })
            .collect()
    }

    /// `resources/`: the ways into the directory.
    pub(super) fn directory_index(&self) -> Output {
        let mut context =
            self.common
                .context("resources/", "医療・介護の事業所を探す", vec![home_crumb()]);
        context.insert("categories", &self.category_counts());
        context.insert("areas", &self.area_counts());
        context.insert("services", &self.service_counts());
        context.insert("rows", &self.row_links());
        context.insert("resource_count", &self.content.resources.len());
        Output {
            file: "resources/index.html".to_owned(),
            template: "directory.html",
            context,
        }
    }

    /// `resources/towns/`: お住まいの町から探す — every area with its 町, each 町 a link to its
    /// area's facilities.
    pub(super) fn towns_page(&self) -> Output {
        #[derive(Serialize)]
        struct AreaTowns<'a> {
            key: &'a str,
            label: &'a str,
            url: String,
            count: usize,
            towns: Vec<&'a str>,
        }
        let site = &self.content.site;
        let counts = self.area_counts();
        let areas: Vec<AreaTowns> = site
            .areas
            .iter()
            .zip(&counts)
            .map(|(area, count)| AreaTowns {
                key: &area.key,
                label: &area.label,
                url: count.url.clone(),
                count: count.count,
                towns: site
                    .towns
                    .iter()
                    .filter(|t| t.area == area.key)
                    .map(|t| t.name.as_str())
                    .collect(),
            })
            .collect();
        let mut context =
            self.common
                .context("resources/towns/", "お住まいの町から探す", listing_crumbs());
        context.insert("areas", &areas);
        context.insert("has_towns", &!site.towns.is_empty());
        Output {
            file: "resources/towns/index.html".to_owned(),
            template: "towns.html",
            context,
        }
    }

    /// The facilities of one category (by area), area or service (by category).
    pub(super) fn listing(&self, kind: ListingKind, index: usize, theme: &Theme) -> Result<Output> {
        let site = &self.content.site;
        let heading_suffix = match kind {
            ListingKind::Category => "",
            ListingKind::Area => "の医療・介護の事業所",
            ListingKind::Service => "ができる事業所",
        };
        let term = &kind.terms(site)[index];
        let resources = &self.content.resources;
        let members: Vec<usize> = (0..resources.len())
            .filter(|&i| kind.includes(term, &resources[i]))
            .collect();
        // Category and service lists go by area, so a reader can jump to (or, with the
        // script, keep only) their own area.
        let groups = match kind {
            ListingKind::Category | ListingKind::Service => {
                group_by(&members, resources, &site.areas, by_area, "地域が未登録")
            }
            ListingKind::Area => {
                group_by(&members, resources, &site.categories, by_category, "その他")
            }
        };
        let url = format!("resources/{}/{}/", kind.segment(), term.key);
        let title = format!("{}{heading_suffix}", term.label);
        let mut context = self.common.job_context(&url, &title, listing_crumbs());
        context.insert("listing_kind", kind.segment());
        context.insert("term", term);
        context.insert_unkeyed("groups", self.group_values(groups, theme, &url)?);
        context.insert("count", &members.len());
        Ok(Output {
            file: format!("{url}index.html"),
            template: "listing.html",
            context,
        })
    }

    /// The facilities of one 五十音 row.
    pub(super) fn kana_row(&self, index: usize, theme: &Theme) -> Result<Output> {
        let (row, slug) = ROW_SLUGS[index];
        let resources = &self.content.resources;
        let members: Vec<usize> = (0..resources.len())
            .filter(|&i| resources[i].row == row)
            .collect();
        let url = format!("resources/kana/{slug}/");
        let title = format!("{row}行の事業所（五十音順）");
        let mut context = self.common.job_context(&url, &title, listing_crumbs());
        let count = members.len();
        let groups = vec![Group {
            key: slug.to_owned(),
            label: format!("{row}行"),
            members,
        }];
        context.insert("listing_kind", "kana");
        context.insert("term", &Term::new(slug, format!("{row}行")));
        context.insert_unkeyed("groups", self.group_values(groups, theme, &url)?);
        context.insert("count", &count);
        context.insert("rows", &self.row_links());
        Ok(Output {
            file: format!("{url}index.html"),
            template: "listing.html",
            context,
        })
    }

    /// The groups of a listing as the template gets them: `key`, `label` and `resources`,
    /// each a facility's [`Summary`] with its row as `html` ([`rows`]).
    fn group_values(&self, groups: Vec<Group>, theme: &Theme, url: &str) -> Result<Value> {
        let resources = &self.content.resources;
        let root = root_prefix(url);
        let groups = groups
            .into_iter()
            .map(|group| {
                let mut items = Vec::with_capacity(group.members.len());
                for chunk in group.members.chunks(rows::AHEAD) {
                    let ahead = self.rows.ahead_listings(chunk, theme, &root);
                    for (&i, ahead) in chunk.iter().zip(ahead) {
                        items.push(self.rows.listing(i, &resources[i], theme, &root, ahead)?);
                    }
                }
                Ok(rows::map(vec![
                    ("key", Value::from(group.key)),
                    ("label", Value::from(group.label)),
                    ("resources", rows::list(items)),
                ]))
            })
            .collect::<Result<Vec<Value>>>()?;
        Ok(rows::list(groups))
    }

    /// One facility's page.
    pub(super) fn resource_page(&self, index: usize) -> Output {
        let resource = &self.content.resources[index];
        let url = format!("resources/{}/", resource.id);
        let mut crumbs = listing_crumbs();
        crumbs.push(link(
            &resource.category.label,
            format!("resources/category/{}/", resource.category.key),
        ));
        let mut context = self.common.job_context(&url, &resource.name, crumbs);
        context.insert("resource", resource);
        context.insert(
            "note_html",
            &resource
                .note_rendered
                .as_ref()
                .map(|note| note.html.as_str()),
        );
        context.insert("map_url", &map_url(resource));
        context.insert(
            "json_ld",
            &crate::render::jsonld::facility(resource, &self.content.site),
        );
        context.insert("verified_label", &ja::seireki(resource.verified));
        context.insert("verified_wareki", &ja::wareki(resource.verified));
        let closures = &self.content.site.closures;
        context.insert(
            "today_hours",
            &super::today::of(resource, self.today, closures),
        );
        // The windows the record declares for closures, for the same script.
        context.insert(
            "closure_windows_json",
            &super::today::closure_windows_json(resource, closures),
        );
        // The record's bands, for the script that brings 「本日」 up to the reader's day.
        context.insert(
            "hours_json",
            &serde_json::to_string(&resource.hours).expect("hours serialise"),
        );
        if crate::content::resource::is_stale(resource.verified, self.today) {
            let v = resource.verified;
            context.insert("stale_since", &format!("{}年{}月", v.year(), v.month()));
        }
        Output {
            file: format!("{url}index.html"),
            template: "resource.html",
            context,
        }
    }
}
