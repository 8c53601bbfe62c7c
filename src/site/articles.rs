//! The pages written in Markdown and the pages around them: the home page, the pamphlet
//! (chapter by chapter and on one page), the manga, the public lectures, the news, the plain
//! pages, the search page and the 404 page.

use super::Site;
use crate::content::pages::{Page, PageKind};
use crate::render::view::{Output, PageView, home_crumb, link};

fn views<'a>(pages: &[&'a Page]) -> Vec<PageView<'a>> {
    pages.iter().map(|page| PageView::of(page)).collect()
}

impl Site<'_> {
    /// The front page: coming lectures, latest news, the directory's categories.
    pub(super) fn home(&self) -> Output {
        let mut context = self.common.context("", &self.content.site.title, vec![]);
        context.insert(
            "upcoming_lectures",
            &views(&self.upcoming[..self.upcoming.len().min(3)]),
        );
        context.insert("latest_news", &views(&self.news[..self.news.len().min(5)]));
        context.insert("categories", &self.category_counts());
        context.insert("resource_count", &self.content.resources.len());
        Output {
            file: "index.html".to_owned(),
            template: "index.html",
            context,
        }
    }

    /// The pages of a kind read one after the other, each with links to the previous and next.
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
            .map(|(index, page)| {
                let mut context = self.common.context(
                    &page.path,
                    &page.title,
                    vec![home_crumb(), link(section_title, section_url)],
                );
                context.insert("page", &PageView::of(page));
                context.insert(
                    "previous",
                    &index
                        .checked_sub(1)
                        .and_then(|i| list.get(i))
                        .map(|p| link(&p.title, &p.path)),
                );
                context.insert(
                    "next",
                    &list.get(index + 1).map(|p| link(&p.title, &p.path)),
                );
                Output {
                    file: format!("{}index.html", page.path),
                    template,
                    context,
                }
            })
            .collect()
    }

    pub(super) fn pamphlet(&self) -> Vec<Output> {
        let title = "在宅医療と介護（パンフレット）";
        let chapters = views(self.kind(PageKind::Pamphlet));
        let mut out = Vec::new();
        let mut context = self.common.context("pamphlet/", title, vec![home_crumb()]);
        context.insert("chapters", &chapters);
        context.insert("pdf", &self.pdf_of("pamphlet"));
        out.push(Output {
            file: "pamphlet/index.html".to_owned(),
            template: "pamphlet_index.html",
            context,
        });
        let mut context = self.common.context(
            "pamphlet/all/",
            "在宅医療と介護（全章を 1 ページで）",
            vec![home_crumb(), link(title, "pamphlet/")],
        );
        context.insert("chapters", &chapters);
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

    pub(super) fn manga(&self) -> Vec<Output> {
        let title = "漫画で知る在宅医療";
        let mut out = Vec::new();
        let mut context = self.common.context("manga/", title, vec![home_crumb()]);
        context.insert("episodes", &views(self.kind(PageKind::Manga)));
        context.insert("pdf", &self.pdf_of("manga"));
        out.push(Output {
            file: "manga/index.html".to_owned(),
            template: "manga_index.html",
            context,
        });
        out.extend(self.sequence(PageKind::Manga, "manga_episode.html", title, "manga/"));
        out
    }

    pub(super) fn lectures(&self) -> Vec<Output> {
        let title = "市民公開講座";
        let mut out = Vec::new();
        let mut context = self.common.context("lectures/", title, vec![home_crumb()]);
        context.insert("upcoming", &views(&self.upcoming));
        context.insert("past", &views(&self.past));
        out.push(Output {
            file: "lectures/index.html".to_owned(),
            template: "lectures_index.html",
            context,
        });
        for lecture in self.kind(PageKind::Lecture) {
            let mut context = self.common.context(
                &lecture.path,
                &lecture.title,
                vec![home_crumb(), link(title, "lectures/")],
            );
            context.insert("page", &PageView::of(lecture));
            context.insert(
                "is_upcoming",
                &lecture.date().is_some_and(|d| d >= self.today),
            );
            context.insert(
                "json_ld",
                &crate::render::jsonld::event(lecture, &self.content.site),
            );
            out.push(Output {
                file: format!("{}index.html", lecture.path),
                template: "lecture.html",
                context,
            });
        }
        out
    }

    pub(super) fn news_pages(&self) -> Vec<Output> {
        let title = "お知らせ";
        let mut out = Vec::new();
        let mut context = self.common.context("news/", title, vec![home_crumb()]);
        context.insert("items", &views(&self.news));
        out.push(Output {
            file: "news/index.html".to_owned(),
            template: "news_index.html",
            context,
        });
        for item in &self.news {
            let mut context = self.common.context(
                &item.path,
                &item.title,
                vec![home_crumb(), link(title, "news/")],
            );
            context.insert("page", &PageView::of(item));
            out.push(Output {
                file: format!("{}index.html", item.path),
                template: "news_item.html",
                context,
            });
        }
        out
    }

    pub(super) fn plain_pages(&self) -> Vec<Output> {
        self.kind(PageKind::Page)
            .iter()
            .map(|page| {
                let mut context = self
                    .common
                    .context(&page.path, &page.title, vec![home_crumb()]);
                context.insert("page", &PageView::of(page));
                Output {
                    file: format!("{}index.html", page.path),
                    template: "page.html",
                    context,
                }
            })
            .collect()
    }

    pub(super) fn search_page(&self) -> Output {
        let mut context = self
            .common
            .context("search/", "サイト内検索", vec![home_crumb()]);
        context.insert("categories", &self.category_counts());
        Output {
            file: "search/index.html".to_owned(),
            template: "search.html",
            context,
        }
    }

    pub(super) fn not_found(&self) -> Output {
        // A 404 page is served at any depth, so its links are absolute from the site's path.
        let mut context = self
            .common
            .context("", "ページが見つかりません", vec![home_crumb()]);
        context.insert("root", self.common.base_path());
        context.insert("categories", &self.category_counts());
        Output {
            file: "404.html".to_owned(),
            template: "404.html",
            context,
        }
    }
}
