//! What every page is rendered with: the page to write ([`Output`]), links, the context every
//! page shares ([`Common`]) and a content page as the templates see it ([`PageView`]). Which
//! pages there are is the site's business (`crate::site`); this is only their common ground.

use jiff::civil::Date;
use serde::Serialize;
use tera::Context;

use crate::content::Content;
pub use crate::content::body::root_prefix;
use crate::content::pages::{Page, PageKind};
use crate::content::site::SiteConfig;
use crate::ja;

/// One page of the site to render.
pub struct Output {
    /// Site-relative file path, e.g. `resources/x/index.html`.
    pub file: String,
    pub template: &'static str,
    pub context: Context,
}

/// A link inside the site: `url` is site-relative without a leading slash (`resources/x/`).
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

pub fn link(title: impl Into<String>, url: impl Into<String>) -> Link {
    Link {
        title: title.into(),
        url: url.into(),
    }
}

/// The first breadcrumb of every page.
pub fn home_crumb() -> Link {
    link("ホーム", "")
}

/// A content page as templates see it: the page with its rendered body, and its URL.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PageView<'a> {
    #[serde(flatten)]
    pub page: &'a Page,
    pub url: &'a str,
}

impl<'a> PageView<'a> {
    pub fn of(page: &'a Page) -> PageView<'a> {
        PageView {
            page,
            url: &page.path,
        }
    }
}

/// The context every page shares: site, navigation, breadcrumbs, links' root.
pub struct Common<'a> {
    site: &'a SiteConfig,
    today: Date,
    /// The site's path below its host (`/` or `/centre/`), for pages served at any depth.
    base_path: String,
    /// `site` and the footer, serialised once: every page shares them, and tera's values are
    /// reference-counted, so each page only clones a pointer.
    site_value: tera::Value,
    footer_value: tera::Value,
}

impl<'a> Common<'a> {
    pub fn new(content: &'a Content, today: Date) -> Common<'a> {
        let footer: Vec<Link> = content
            .pages_of(PageKind::Page)
            .map(|page| link(&page.title, &page.path))
            .collect();
        let base_path = url::Url::parse(&content.site.base_url)
            .map(|u| u.path().to_owned())
            .unwrap_or_else(|_| "/".to_owned());
        Common {
            site: &content.site,
            today,
            base_path,
            site_value: tera::Value::from_serializable(&content.site),
            footer_value: tera::Value::from_serializable(&footer),
        }
    }

    /// The site's path below its host: where a 404 page, served at any depth, links from.
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// The context of the page at `url`.
    pub fn context(&self, url: &str, title: &str, breadcrumbs: Vec<Link>) -> Context {
        let mut context = Context::new();
        let site = self.site;
        context.insert_value("site", self.site_value.clone());
        context.insert("root", &root_prefix(url));
        context.insert("url", url);
        context.insert("canonical", &format!("{}{}", site.base_url, url));
        context.insert("title", title);
        context.insert("breadcrumbs", &breadcrumbs);
        context.insert_value("footer_pages", self.footer_value.clone());
        context.insert("today", &self.today.to_string());
        context.insert("today_label", &ja::seireki(self.today));
        context.insert("description", &site.description);
        context.insert("holidays_valid_until", &ja::holidays::valid_until());
        context
    }
}
