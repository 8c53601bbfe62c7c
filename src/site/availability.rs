//! The page 「空き情報」 (`/availability/`): every facility with vacancy information, grouped by
//! category and then area as in site.yaml, newest first within each group, each with its date.
//! Information older than the site's limit is listed apart, as old, never as current.

use serde::Serialize;

use super::Site;
use crate::content::availability::Availability;
use crate::content::resource::Resource;
use crate::render::view::{Output, home_crumb};

/// The page's address.
pub const URL: &str = "availability/";

/// One facility of the page.
#[derive(Debug, Serialize)]
struct Entry<'a> {
    id: &'a str,
    name: &'a str,
    url: String,
    phone: Option<&'a str>,
    area: Option<&'a str>,
    availability: &'a Availability,
}

#[derive(Debug, Serialize)]
struct Group<'a> {
    key: String,
    label: String,
    current: Vec<Entry<'a>>,
    stale: Vec<Entry<'a>>,
}

fn entry(resource: &Resource) -> Option<Entry<'_>> {
    Some(Entry {
        id: &resource.id,
        name: &resource.name,
        url: format!("resources/{}/", resource.id),
        phone: resource.phone.as_deref(),
        area: resource.area.as_ref().map(|a| a.label.as_str()),
        availability: resource.availability.as_ref()?,
    })
}

impl Site<'_> {
    pub(super) fn availability_page(&self) -> Output {
        let site = &self.content.site;
        let area_order = |r: &Resource| {
            r.area
                .as_ref()
                .and_then(|a| site.areas.iter().position(|t| t.key == a.key))
                .unwrap_or(usize::MAX)
        };
        let mut groups: Vec<Group> = Vec::new();
        for category in &site.categories {
            let mut members: Vec<&Resource> = self
                .content
                .resources
                .iter()
                .filter(|r| r.category.key == category.key && r.availability.is_some())
                .collect();
            if members.is_empty() {
                continue;
            }
            // By area, then newest first (五十音順 among the same date, as loaded).
            members.sort_by_key(|r| {
                (
                    area_order(r),
                    std::cmp::Reverse(r.availability.as_ref().map(|a| a.as_of)),
                )
            });
            let (stale, current): (Vec<&Resource>, Vec<&Resource>) = members
                .into_iter()
                .partition(|r| r.availability.as_ref().is_some_and(|a| a.stale));
            groups.push(Group {
                key: category.key.clone(),
                label: category.label.clone(),
                current: current.into_iter().filter_map(entry).collect(),
                stale: stale.into_iter().filter_map(entry).collect(),
            });
        }
        let count: usize = groups.iter().map(|g| g.current.len() + g.stale.len()).sum();
        let mut context = self.common.context(URL, "空き情報", vec![home_crumb()]);
        context.insert("groups", &groups);
        context.insert("count", &count);
        context.insert("stale_days", &site.availability.stale_days);
        context.insert("statuses", &site.availability.statuses);
        Output {
            file: format!("{URL}index.html"),
            template: "availability.html",
            context,
        }
    }
}
