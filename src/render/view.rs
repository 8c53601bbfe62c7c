//! What every page is rendered with: the page to write ([`Output`]), links, the context every
//! page shares ([`Common`]) and a content page as the templates see it ([`PageView`]). Which
//! pages there are is the site's business (`crate::site`); this is only their common ground.

use crate::render::key::{Key, KeyHasher};
use jiff::civil::Date;
use serde::Serialize;

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

/// A page's template context, and the key of everything put into it: each value is also
/// serialised into a hash as it goes in ([`KeyHasher`]), so the build cache knows a page's
/// data without rendering it. Read as a `tera::Context`; written only through [`Context::insert`].
///
/// The pages the build keys before their data is built (a facility's page, the pages made of
/// the records they list: `crate::build`'s early keys) take an unkeyed context
/// ([`Context::unkeyed`]): nothing is hashed as it goes in, and [`Context::key`] is `None`.
#[derive(Clone, Default)]
pub struct Context {
    tera: tera::Context,
    /// `None`: not keyed (unkeyed, or a value went in that has no key).
    key: Option<KeyHasher>,
}

impl Context {
    pub fn new() -> Context {
        Context {
            tera: tera::Context::new(),
            key: Some(KeyHasher::new()),
        }
    }

    /// A context whose key is never asked for: nothing is hashed, [`Context::key`] is `None`.
    pub fn unkeyed() -> Context {
        Context::default()
    }

    /// Puts a value into the context (and its key).
    pub fn insert<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        if let Some(key) = &mut self.key {
            key.part(name.as_bytes()).value(value);
        }
        self.tera.insert(name, value);
    }

    /// Puts a value serialised beforehand into the context; `key` is the key of what it was
    /// made from.
    fn insert_made(&mut self, name: &'static str, value: tera::Value, key: &str) {
        if let Some(hasher) = &mut self.key {
            hasher.part(name.as_bytes()).part(key.as_bytes());
        }
        self.tera.insert_value(name, value);
    }

    /// Puts a value made beforehand (rows rendered once per record, `crate::site::rows`) into
    /// the context. It has no key of its own, so the context has none any more.
    pub fn insert_unkeyed(&mut self, name: &'static str, value: tera::Value) {
        self.key = None;
        self.tera.insert_value(name, value);
    }

    /// The key of everything put in so far; `None` when something could not be serialised
    /// or the context is not keyed (then the page is never taken from a cache by it).
    pub fn key(&self) -> Option<Key> {
        self.key.clone()?.finish()
    }
}

impl std::ops::Deref for Context {
    type Target = tera::Context;

    fn deref(&self) -> &tera::Context {
        &self.tera
    }
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
    footer: Vec<Link>,
    /// The keys of `site` and the footer.
    site_key: Key,
    footer_key: Key,
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
            site_key: value_key(&content.site),
            footer_key: value_key(&footer),
            footer,
        }
    }

    /// The site's path below its host: where a 404 page, served at any depth, links from.
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// The key of everything [`Common::context`] gives a page besides the page's own address,
    /// title and breadcrumbs: part of the build cache's keys (`crate::build::cache`). `None`
    /// when it cannot be keyed.
    pub fn key(&self) -> Option<Key> {
        let mut hasher = KeyHasher::new();
        hasher.value(&(
            self.site,
            &self.footer,
            &self.base_path,
            self.today.to_string(),
            ja::holidays::valid_until(),
        ));
        hasher.finish()
    }

    /// The context of the page at `url`.
    pub fn context(&self, url: &str, title: &str, breadcrumbs: Vec<Link>) -> Context {
        self.context_into(Context::new(), url, title, breadcrumbs)
    }

    /// [`Common::context`] for a page the build keys before its data is built
    /// ([`Context::unkeyed`]).
    pub fn job_context(&self, url: &str, title: &str, breadcrumbs: Vec<Link>) -> Context {
        self.context_into(Context::unkeyed(), url, title, breadcrumbs)
    }

    fn context_into(
        &self,
        mut context: Context,
        url: &str,
        title: &str,
        breadcrumbs: Vec<Link>,
    ) -> Context {
        let site = self.site;
        context.insert_made("site", self.site_value.clone(), &self.site_key);
        context.insert("root", &root_prefix(url));
        context.insert("url", url);
        context.insert("canonical", &format!("{}{}", site.base_url, url));
        context.insert("title", title);
        context.insert("breadcrumbs", &breadcrumbs);
        context.insert_made("footer_pages", self.footer_value.clone(), &self.footer_key);
        context.insert("today", &self.today.to_string());
        context.insert("today_label", &ja::seireki(self.today));
        context.insert("description", &site.description);
        context.insert("holidays_valid_until", &ja::holidays::valid_until());
        context
    }
}

/// The key of one value; when it cannot be serialised, a key no build repeats (so no page
/// made with it is ever reused).
fn value_key<T: Serialize + ?Sized>(value: &T) -> Key {
    let mut hasher = KeyHasher::new();
    hasher.value(value);
    hasher.finish().unwrap_or_else(|| {
        let nonce = std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), 0u8);
        format!("unkeyable-{nonce:016x}-{:?}", std::time::SystemTime::now())
    })
}
