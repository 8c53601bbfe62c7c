//! `zaitaku serve`: a local preview. The site is built into the server's own folder (a
//! temporary one unless `--out` says otherwise, so `public/` is never touched unless asked),
//! rebuilt whenever something under `content/` or `themes/` changes, and every open page
//! reloads itself through server-sent events. When the content has an error, every page shows
//! a Japanese error page naming the file, line, field and how to fix it, until it is fixed.
//!
//! The reload script is added to HTML responses as they are served; the files on disk stay
//! exactly what `zaitaku build` would write.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock, mpsc};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use jiff::civil::Date;
use notify::Watcher;
use tokio::sync::broadcast;

use crate::build;
use crate::build::live::{self, Live, Pending};
use crate::content::reparse::Changes;
use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};
use crate::lock;
use crate::output::guard::{self, OutputDir};
use crate::render::Theme;
use crate::timings::Phase;

use crate::output::scratch;

/// How to run the preview (`zaitaku serve`).
#[derive(Debug, Clone)]
pub struct ServeArgs {
    /// The port to listen on (0: any free one).
    pub port: u16,
    /// The address to listen on (0.0.0.0 only to show the preview to other computers).
    pub interface: IpAddr,
    /// The folder to build into (`None`: a scratch folder of the server's own).
    pub out: Option<PathBuf>,
    pub today: Date,
}

/// What the preview has to tell its user, as it happens; the command prints it.
pub enum Progress<'a> {
    /// Another run uses `--out`; the server waits for it.
    Waiting(&'a str),
    /// Scratch folders of previews that were killed, removed.
    RemovedAbandoned(usize),
    /// The server listens at `base_url`, building into `folder`.
    Listening { base_url: &'a str, folder: &'a str },
    /// A build finished (`waited`: since the save that started it).
    Rebuilt {
        outcome: &'a Outcome,
        waited: Option<Duration>,
    },
    /// The search index of the served folder is up to date (how long it took).
    Indexed(Duration),
    /// The booklets or the search index could not be brought up to date after a save.
    Failed(&'a Error),
    /// The server itself failed.
    ServerFailed(&'a str),
    /// A signal stops the preview.
    Stopping,
    /// The scratch folder could not be removed (the next preview will).
    ScratchLeft(&'a Path),
}

/// Where [`Progress`] goes; called from the server's threads.
pub type Say = Arc<dyn Fn(Progress<'_>) + Send + Sync>;

/// The path of the reload script and the event stream.
const LIVE_JS: &str = "/__zaitaku/live.js";
const EVENTS: &str = "/__zaitaku/events";

/// Where the pages being served are.
#[derive(Clone)]
pub enum Served {
    /// A folder the user asked for (`--out`), replaced as a whole on each build.
    Folder(PathBuf),
    /// The preview's own folder, brought up to date file by file (`build::live`).
    Live(Arc<live::Served>),
}

impl Served {
    pub fn path(&self) -> &Path {
        match self {
            Served::Folder(path) => path,
            Served::Live(live) => live.path(),
        }
    }
}

/// Server-side state: the build generation, what is served, and the error page while the
/// content has errors.
#[derive(Default)]
struct Status {
    generation: u64,
    served: Option<Served>,
    error_page: Option<String>,
}

#[derive(Clone)]
struct AppState {
    status: Arc<RwLock<Status>>,
    reload: broadcast::Sender<u64>,
}

/// Builds the site again and again.
pub struct Rebuilder {
    pub root: PathBuf,
    pub today: Date,
    pub base_url: String,
    /// `--out` (judged, its lock held by the server), or `None` for the preview's own folder.
    pub out: Option<OutputDir>,
    /// Where our own folders go (RAM-backed `/dev/shm` when there is one).
    scratch: PathBuf,
    /// The theme of `--out` builds.
    theme: Option<Theme>,
    /// The preview's own folder and what it keeps between saves (made by the first build).
    live: Option<Live>,
}

/// What one rebuild did.
pub enum Outcome {
    Built {
        resources: usize,
        pages: usize,
        warnings: usize,
        elapsed: Duration,
        /// The phases of the save (`build::live`; empty with `--out`).
        timings: Vec<crate::timings::Phase>,
    },
    /// The content or theme has errors; the HTML page that says which.
    Failed { page: String, text: String },
}

impl Rebuilder {
    pub fn new(
        root: &Path,
        out: Option<OutputDir>,
        scratch: &Path,
        today: Date,
        base_url: String,
    ) -> Rebuilder {
        Rebuilder {
            root: root.to_path_buf(),
            today,
            base_url,
            out,
            scratch: scratch.to_path_buf(),
            theme: None,
            live: None,
        }
    }

    /// Rebuilds; `theme_changed` reloads the templates too. On success, also what to serve and
    /// the booklets and search index to bring up to date once the pages have reloaded.
    pub fn rebuild(
        &mut self,
        theme_changed: bool,
        changes: &Changes,
    ) -> (Outcome, Option<Served>, Option<Pending>) {
        let started = Instant::now();
        if theme_changed {
            self.theme = None;
        }
        match self.try_rebuild(theme_changed, changes) {
            Ok((resources, pages, warnings, served, pending, timings)) => (
                Outcome::Built {
                    resources,
                    pages,
                    warnings,
                    elapsed: started.elapsed(),
                    timings,
                },
                Some(served),
                pending,
            ),
            Err(error) => {
                let diagnostics = match &error {
                    Error::Content { diagnostics, .. } => diagnostics.clone(),
                    _ => Vec::new(),
                };
                (
                    Outcome::Failed {
                        page: error_page(&error, &diagnostics),
                        text: error_text(&error, &diagnostics),
                    },
                    None,
                    None,
                )
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn try_rebuild(
        &mut self,
        theme_changed: bool,
        changes: &Changes,
    ) -> Result<(usize, usize, usize, Served, Option<Pending>, Vec<Phase>)> {
        if let Some(out) = &self.out {
            // A folder the user asked for gets the complete site, as `zaitaku build` writes it
            // (and is replaced only while it is still a site zaitaku made).
            let (mut content, diagnostics) = build::load_valid(&self.root, self.today)?;
            content.site.base_url = self.base_url.clone();
            if self.theme.is_none() {
                self.theme = Some(Theme::load(&self.root)?);
            }
            let theme = self.theme.as_ref().expect("loaded above");
            build::write_site_locked(out, &content, theme, self.today)?;
            return Ok((
                content.resources.len(),
                content.pages.len(),
                diagnostics.len(),
                Served::Folder(out.path.clone()),
                None,
                Vec::new(),
            ));
        }
        let live = match &mut self.live {
            Some(live) => live,
            None => self.live.insert(Live::new(
                &self.root,
                &self.scratch,
                self.today,
                self.base_url.clone(),
            )?),
        };
        let updated = live.update(theme_changed, changes)?;
        Ok((
            updated.resources,
            updated.pages,
            updated.diagnostics.len(),
            Served::Live(live.served()),
            Some(updated.pending),
            updated.timings,
        ))
    }

    /// A thread that brings the booklets and the search index of the served folder up to
    /// date, one save at a time and only the newest, once saves pause for 0.1 s: a save is
    /// never kept waiting for them, and work for a save already replaced is dropped.
    pub fn index_worker(&mut self, say: Say) -> Option<mpsc::Sender<Pending>> {
        if self.out.is_some() {
            return None;
        }
        let live = match &mut self.live {
            Some(live) => live,
            None => self.live.insert(
                Live::new(&self.root, &self.scratch, self.today, self.base_url.clone()).ok()?,
            ),
        };
        let mut background = live.background();
        let (sender, receiver) = mpsc::channel::<Pending>();
        std::thread::spawn(move || {
            while let Ok(mut pending) = receiver.recv() {
                // Saves in quick succession rebuild the pages without sharing the processor
                // with an index that is about to be replaced.
                while let Ok(newer) = receiver.recv_timeout(Duration::from_millis(100)) {
                    pending = newer;
                }
                let said = say.clone();
                let mut indexed = move |elapsed| said(Progress::Indexed(elapsed));
                // `Ok(None)`: a newer save came; its own run follows.
                if let Err(error) = background.run(&pending, &mut indexed) {
                    say(Progress::Failed(&error));
                }
            }
        });
        Some(sender)
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn error_text(error: &Error, diagnostics: &[Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return format!("エラー: {error}");
    }
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The page shown instead of the site while it cannot be built.
pub fn error_page(error: &Error, diagnostics: &[Diagnostic]) -> String {
    let mut items = String::new();
    let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.is_error()).collect();
    if errors.is_empty() {
        items.push_str(&format!(
            "<li><pre>{}</pre></li>\n",
            escape(&format!("エラー: {error}"))
        ));
    }
    for diagnostic in &errors {
        items.push_str(&format!(
            "<li><pre>{}</pre></li>\n",
            escape(&diagnostic.to_string())
        ));
    }
    let warnings = diagnostics.len() - errors.len();
    let count = if errors.is_empty() {
        "サイトを作る途中でエラーが起きました。".to_owned()
    } else {
        format!(
            "エラーが {} 件あります（警告 {warnings} 件は zaitaku check で見られます）。",
            errors.len()
        )
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>プレビュー: サイトを作れませんでした</title>
<style>
body {{ font-family: sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.7; color: #222; }}
h1 {{ color: #a40000; font-size: 1.6rem; }}
ol {{ padding-left: 1.5rem; }}
li {{ margin-bottom: 1rem; }}
pre {{ white-space: pre-wrap; background: #fff4f4; border-left: 6px solid #a40000; padding: 0.8rem 1rem; font-size: 1.05rem; margin: 0; }}
.note {{ background: #f3f3f3; padding: 0.8rem 1rem; }}
</style>
<script src="{LIVE_JS}" defer></script>
</head>
<body>
<h1>サイトを作れませんでした</h1>
<p>{count}下の場所を直して保存してください。</p>
<ol>
{items}</ol>
<p class="note">直して保存すると、このページは自動で元のページに戻ります。保存しても変わらないときは、ほかのエラーが残っていないか確かめてください。</p>
</body>
</html>
"#
    )
}

/// The reload script: reloads when a newer build than the page's is announced.
fn live_js(generation: u64) -> String {
    format!(
        r#"(function () {{
  var shown = {generation};
  function connect() {{
    var source = new EventSource("{EVENTS}");
    source.onmessage = function (event) {{
      if (Number(event.data) !== shown) {{ location.reload(); }}
    }};
    source.onerror = function () {{ source.close(); setTimeout(connect, 1000); }};
  }}
  connect();
}})();
"#
    )
}

/// Adds the reload script to an HTML page (before `</head>`, else at the end).
pub fn inject(html: &[u8]) -> Vec<u8> {
    let tag = format!("<script src=\"{LIVE_JS}\" defer></script>");
    let text = String::from_utf8_lossy(html);
    match text.find("</head>") {
        Some(index) => {
            let mut out = String::with_capacity(text.len() + tag.len());
            out.push_str(&text[..index]);
            out.push_str(&tag);
            out.push_str(&text[index..]);
            out.into_bytes()
        }
        None => format!("{text}{tag}").into_bytes(),
    }
}

/// The Content-Type of a served file, by its extension (`mime_guess`); text in UTF-8, as
/// every file zaitaku writes is.
fn content_type(path: &Path) -> String {
    let kind = mime_guess::from_path(path).first_or_octet_stream();
    let texty = kind.type_() == mime_guess::mime::TEXT
        || matches!(
            kind.essence_str(),
            "application/xml" | "application/javascript"
        );
    if texty && kind.get_param(mime_guess::mime::CHARSET).is_none() {
        format!("{}; charset=utf-8", kind.essence_str())
    } else {
        kind.essence_str().to_owned()
    }
}

/// The file a request path refers to, never outside `out`.
fn resolve(out: &Path, uri_path: &str) -> Option<PathBuf> {
    // Decoded once (`%252e` stays `%2e`, a name); `%2e%2e` and `%2f` become `..` and `/`
    // before the components are looked at, so they cannot climb out either.
    let decoded = percent_encoding::percent_decode_str(uri_path)
        .decode_utf8()
        .ok()?;
    let mut path = out.to_path_buf();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if path.is_dir() {
        path.push("index.html");
    }
    Some(path)
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn html_response(status: StatusCode, body: Vec<u8>) -> Response {
    no_store(
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            Body::from(body),
        )
            .into_response(),
    )
}

async fn serve_file(State(state): State<AppState>, uri: Uri) -> Response {
    let path = uri.path();
    if path == LIVE_JS {
        let generation = state.status.read().map(|s| s.generation).unwrap_or(0);
        return no_store(
            (
                [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                live_js(generation),
            )
                .into_response(),
        );
    }
    let served = state.status.read().ok().and_then(|s| s.served.clone());
    let Some(served) = served else {
        let page = state.status.read().ok().and_then(|s| s.error_page.clone());
        return html_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            page.unwrap_or_else(|| "サイトを作っています…".to_owned())
                .into_bytes(),
        );
    };
    let Some(file) = resolve(served.path(), path) else {
        return (StatusCode::BAD_REQUEST, "bad path").into_response();
    };
    let is_page = file.extension().is_none_or(|e| e == "html");
    if is_page {
        let error_page = state.status.read().ok().and_then(|s| s.error_page.clone());
        if let Some(page) = error_page {
            return html_response(StatusCode::INTERNAL_SERVER_ERROR, page.into_bytes());
        }
    }
    // Small local files: reading them directly is simpler than a blocking-task hop.
    match std::fs::read(&file) {
        Ok(bytes) => {
            let kind = content_type(&file);
            if kind == "text/html; charset=utf-8" {
                html_response(StatusCode::OK, inject(&bytes))
            } else {
                no_store(([(header::CONTENT_TYPE, kind)], Body::from(bytes)).into_response())
            }
        }
        Err(_) => {
            let missing = served.path().join("404.html");
            let body = std::fs::read(&missing).unwrap_or_else(|_| {
                "<!DOCTYPE html><title>404</title><p>ページがありません。</p>".into()
            });
            html_response(StatusCode::NOT_FOUND, inject(&body))
        }
    }
}

async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = std::result::Result<Event, Infallible>>> {
    let receiver = state.reload.subscribe();
    let current = state.status.read().map(|s| s.generation).unwrap_or(0);
    // First the current generation (a page built before a rebuild it missed reloads at once),
    // then every new one.
    let first = stream::once(async move { Ok(Event::default().data(current.to_string())) });
    let updates = stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(generation) => {
                    return Some((Ok(Event::default().data(generation.to_string())), receiver));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(futures_util::StreamExt::chain(first, updates)).keep_alive(KeepAlive::default())
}

/// Whether a changed path is worth a rebuild (editors' swap and backup files are not).
fn relevant(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
        return false;
    };
    !(name.starts_with('.')
        || name.starts_with("~$")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913")
}

fn apply(
    outcome: &Outcome,
    served: Option<Served>,
    status: &RwLock<Status>,
    reload: &broadcast::Sender<u64>,
) {
    let (generation, previous) = {
        let mut status = status.write().expect("status lock");
        status.generation += 1;
        let previous = match (outcome, served) {
            (Outcome::Built { .. }, Some(served)) => {
                status.error_page = None;
                status.served.replace(served)
            }
            (Outcome::Failed { page, .. }, _) => {
                status.error_page = Some(page.clone());
                None
            }
            _ => None,
        };
        (status.generation, previous)
    };
    let _ = reload.send(generation);
    drop(previous);
}

/// Watches `content/` and `themes/` and rebuilds after each burst of changes.
fn watch(
    mut rebuilder: Rebuilder,
    index: Option<mpsc::Sender<Pending>>,
    status: Arc<RwLock<Status>>,
    reload: broadcast::Sender<u64>,
    say: Say,
) -> Result<notify::RecommendedWatcher> {
    let root = rebuilder.root.clone();
    let (sender, receiver) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(sender)
        .map_err(|e| Error::Setup(format!("フォルダの変更を見張れません: {e}")))?;
    let themes = root.join("themes");
    for dir in [root.join("content"), themes.clone()] {
        if dir.is_dir() {
            watcher
                .watch(&dir, notify::RecursiveMode::Recursive)
                .map_err(|e| {
                    Error::Setup(format!("{} の変更を見張れません: {e}", dir.display()))
                })?;
        }
    }
    std::thread::spawn(move || {
        let interesting = |event: &notify::Event| {
            !matches!(event.kind, notify::EventKind::Access(_))
                && event.paths.iter().any(|p| relevant(p))
        };
        // Every path the watcher named since the last rebuild (the preview re-reads only
        // those files), and whether it may have missed some (then it walks `content/`): the
        // first rebuild walks, since files may have changed before the watcher began.
        let mut changes = Changes::unknown();
        let note = |changes: &mut Changes, event: notify::Result<notify::Event>| match event {
            Ok(event) => {
                changes.rescan |= event.need_rescan() || event.paths.is_empty();
                if !matches!(event.kind, notify::EventKind::Access(_)) {
                    changes.paths.extend(event.paths.iter().cloned());
                }
                Some(event)
            }
            Err(_) => {
                changes.rescan = true;
                None
            }
        };
        while let Ok(first) = receiver.recv() {
            let Some(first) = note(&mut changes, first) else {
                continue;
            };
            if !interesting(&first) {
                continue;
            }
            let started = Instant::now();
            let mut theme_changed = first.paths.iter().any(|p| p.starts_with(&themes));
            // Editors save in several steps; wait until the changes stop for a moment.
            while let Ok(next) = receiver.recv_timeout(Duration::from_millis(25)) {
                if let Some(next) = note(&mut changes, next) {
                    theme_changed |= next.paths.iter().any(|p| p.starts_with(&themes));
                }
            }
            let (outcome, served, pending) =
                rebuilder.rebuild(theme_changed, &std::mem::take(&mut changes));
            apply(&outcome, served, &status, &reload);
            say(Progress::Rebuilt {
                outcome: &outcome,
                waited: Some(started.elapsed()),
            });
            if let (Some(pending), Some(index)) = (pending, &index) {
                let _ = index.send(pending);
            }
        }
    });
    Ok(watcher)
}

/// Runs the preview server until Ctrl+C, SIGTERM or SIGHUP, telling `say` what happens.
pub fn run(root: &Path, args: &ServeArgs, say: Say) -> Result<()> {
    if !root.join("content").is_dir() {
        return Err(Error::Setup(format!(
            "content フォルダが見つかりません: {}\n  サイトのフォルダで実行するか、--root でサイトのフォルダを指定してください。",
            root.join("content").display()
        )));
    }
    let today = args.today;
    // `--out` is judged like `zaitaku build --out`, and held for as long as the server runs:
    // a build into the same folder is refused while the preview writes it.
    let out = match &args.out {
        Some(out) => {
            let out = guard::output_dir(root, out)?;
            let parent = out.path.parent().unwrap_or(Path::new("/"));
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
            let lock = lock::acquire(&out.path, lock::Purpose::Serve, &mut |waiting| {
                say(Progress::Waiting(waiting))
            })?;
            Some((out, lock))
        }
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("サーバーを起動できません: {e}")))?;
    // Listening from the start: a signal during the first build then still ends in the
    // clean-up below instead of the default action, which would leave the scratch folder.
    let stop = {
        let _context = runtime.enter();
        stop_signal()
            .map_err(|e| Error::Setup(format!("終了の合図を受け取る準備ができません: {e}")))?
    };
    let address = SocketAddr::new(args.interface, args.port);
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(address))
        .map_err(|e| {
            Error::Setup(format!(
                "{address} で待ち受けできません（{e}）。ほかのプログラムが使っているなら --port 1112 のように別の番号を指定してください。"
            ))
        })?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Setup(format!("サーバーを起動できません: {e}")))?;
    // Our own build folders live in a temporary folder, in RAM when the system has /dev/shm.
    let (scratch, removed) = scratch::owned_scratch_dir("zaitaku-serve-")?;
    if removed > 0 {
        say(Progress::RemovedAbandoned(removed));
    }
    let host = if local.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        local.ip().to_string()
    };
    let base_url = format!("http://{host}:{}/", local.port());
    let mut rebuilder = Rebuilder::new(
        root,
        out.as_ref().map(|(out, _)| out.clone()),
        scratch.path(),
        today,
        base_url.clone(),
    );
    let status = Arc::new(RwLock::new(Status::default()));
    let (reload, _) = broadcast::channel(16);
    let (outcome, served, pending) = rebuilder.rebuild(true, &Changes::unknown());
    apply(&outcome, served, &status, &reload);
    say(Progress::Rebuilt {
        outcome: &outcome,
        waited: None,
    });
    let index = rebuilder.index_worker(say.clone());
    if let (Some(pending), Some(index)) = (pending, &index) {
        let _ = index.send(pending);
    }
    let watcher = watch(
        rebuilder,
        index,
        status.clone(),
        reload.clone(),
        say.clone(),
    )?;
    let state = AppState {
        status: status.clone(),
        reload,
    };
    let app = axum::Router::new()
        .route(EVENTS, axum::routing::get(events))
        .fallback(axum::routing::get(serve_file))
        .with_state(state);
    let shown_out = match &out {
        Some((out, _)) => out.given.display().to_string(),
        None => format!("一時フォルダ {}", scratch.path().display()),
    };
    say(Progress::Listening {
        base_url: &base_url,
        folder: &shown_out,
    });
    let said = say.clone();
    runtime.block_on(async move {
        tokio::select! {
            result = axum::serve(listener, app) => {
                if let Err(error) = result {
                    said(Progress::ServerFailed(&error.to_string()));
                }
            }
            () = stop => said(Progress::Stopping),
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    // No rebuild starts once the watcher is gone; one already running may still write, which
    // `remove_scratch` waits out.
    drop(watcher);
    // The served build's own clean-up runs now, not alongside the removal of its parent.
    if let Ok(mut status) = status.write() {
        status.served = None;
    }
    if let Some(left) = scratch::remove_scratch(scratch) {
        say(Progress::ScratchLeft(&left));
    }
    Ok(())
}

/// Resolves on the first Ctrl+C (SIGINT), SIGTERM (a service manager or test harness stopping
/// the server) or SIGHUP (its terminal closed). The handlers are in place from the call on,
/// whether or not the future is being awaited yet.
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    crate::signals::notify_on_signals(move |_| {
        let _ = sender.send(());
    })?;
    Ok(async move {
        let _ = receiver.await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        let out = Path::new("/site");
        assert_eq!(
            resolve(out, "/a/b.css"),
            Some(PathBuf::from("/site/a/b.css"))
        );
        assert_eq!(resolve(out, "/../etc/passwd"), None);
        assert_eq!(resolve(out, "/%2e%2e/etc/passwd"), None);
        assert_eq!(
            resolve(out, "/%E7%9B%B8%E8%AB%87.html"),
            Some(PathBuf::from("/site/相談.html"))
        );
    }

    #[test]
    fn injects_the_reload_script() {
        let page = inject(b"<html><head><title>x</title></head><body></body></html>");
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains("<script src=\"/__zaitaku/live.js\" defer></script></head>"));
        assert!(!relevant(Path::new("content/.a.yaml.swp")));
        assert!(relevant(Path::new("content/resources/a.yaml")));
    }
}
