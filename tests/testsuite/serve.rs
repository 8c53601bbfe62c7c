//! `zaitaku serve`: serves from its own folder, reloads open pages after each change, shows a
//! Japanese error page while the content has an error and the site again once it is fixed.
//! Stopped with SIGTERM, it removes its scratch folder; one left by a server that could not
//! clean up (SIGKILL) is removed by the next server.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use zaitaku::owned::Owner;

pub(crate) struct Server {
    child: Child,
    pub(crate) port: u16,
    /// The scratch folder it builds in, as it says when it starts (`None` with `--out`).
    pub(crate) scratch: Option<PathBuf>,
    /// What it printed before its address.
    greeting: Vec<String>,
    /// What it prints after its address.
    output: std::sync::mpsc::Receiver<String>,
}

impl Server {
    /// Sends SIGTERM, as a service manager does, and waits up to `patience` for the server to
    /// clean up and exit. Through the shell's built-in `kill`: no extra crate, no procps.
    fn stop(&mut self, patience: Duration) -> Option<ExitStatus> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(status);
        }
        let _ = Command::new("sh")
            .args(["-c", &format!("kill -TERM {}", self.child.id())])
            .status();
        let deadline = Instant::now() + patience;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Everything it printed after its address, once it has stopped.
    fn said(&self) -> Vec<String> {
        let mut lines = Vec::new();
        while let Ok(line) = self.output.recv_timeout(Duration::from_secs(10)) {
            lines.push(line);
        }
        lines
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM first, so the server removes its scratch folder; SIGKILL only if it hangs.
        if self.stop(Duration::from_secs(10)).is_none() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

pub(crate) fn start(root: &Path, extra: &[&str]) -> Server {
    start_on(root, "2026-11-22", extra)
}

/// [`start`] with `--today today`.
fn start_on(root: &Path, today: &str, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(root)
        .args(["serve", "--port", "0", "--today", today])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut greeting = Vec::new();
    let port = loop {
        let line = lines.next().expect("serve prints its address").unwrap();
        if let Some(rest) = line.strip_prefix("プレビュー: http://127.0.0.1:") {
            break rest.trim_end_matches('/').parse().unwrap();
        }
        greeting.push(line);
    };
    // （サイトは 一時フォルダ /dev/shm/zaitaku-serve-… に作ります。…
    let where_line = lines.next().expect("serve says where it builds").unwrap();
    let scratch = where_line
        .split_once("一時フォルダ ")
        .and_then(|(_, rest)| rest.split_once(" に作ります"))
        .map(|(path, _)| PathBuf::from(path));
    // Keep reading so the server never blocks on a full pipe.
    let (sender, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    Server {
        child,
        port,
        scratch,
        greeting,
        output,
    }
}

/// A GET request: (status, body).
pub(crate) fn get(port: u16, path: &str) -> (u16, String) {
    let (status, _, body) = get_with_type(port, path);
    (status, body)
}

/// GET until `wanted` holds (bounded: only a hang takes 120 s), then the last answer. A save
/// may reach the watcher as two events (the file emptied or made, then written), so the next
/// reload event can be the first half's and the page not yet the save's.
pub(crate) fn get_when(port: u16, path: &str, wanted: impl Fn(u16, &str) -> bool) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, page) = get(port, path);
        if wanted(status, &page) || Instant::now() > deadline {
            return (status, page);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A GET request: (status, Content-Type, body).
fn get_with_type(port: u16, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response[9..12].parse().unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let kind = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        })
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_default();
    (status, kind, body.to_owned())
}

/// The server-sent event stream, read like a browser's EventSource.
pub(crate) struct Events {
    stream: TcpStream,
    buffer: String,
}

impl Events {
    pub(crate) fn open(port: u16) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            stream,
            "GET /__zaitaku/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        Events {
            stream,
            buffer: String::new(),
        }
    }

    /// The next `data:` value.
    pub(crate) fn next(&mut self) -> u64 {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(start) = self.buffer.find("data:")
                && let Some(end) = self.buffer[start..].find('\n')
            {
                let value = self.buffer[start + 5..start + end].trim().parse().unwrap();
                self.buffer.drain(..start + end);
                return value;
            }
            let n = self
                .stream
                .read(&mut chunk)
                .expect("an event within 120 s (only a hang takes that long)");
            assert!(n > 0, "event stream closed");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
    }
}

#[test]
fn serves_reloads_and_shows_errors_until_fixed() {
    let site = common::sheets_site();
    let server = start(site.path(), &[]);
    let (status, home) = get(server.port, "/");
    assert_eq!(status, 200);
    assert!(home.contains("<script src=\"/__zaitaku/live.js\" defer></script>"));
    let (status, page) = get_when(
        server.port,
        "/resources/takahashi-naika/",
        |status, page| status == 200 && page.contains("088-608-4633"),
    );
    assert_eq!(status, 200);
    assert!(page.contains("088-608-4633"));
    let (status, script) = get(server.port, "/__zaitaku/live.js");
    assert_eq!(status, 200);
    assert!(script.contains("EventSource"));
    let (status, _) = get(server.port, "/no/such/page/");
    assert_eq!(status, 404);
    let (status, _) = get(server.port, "/../../etc/passwd");
    assert_ne!(status, 200);

    let mut events = Events::open(server.port);
    let first = events.next();
    let record = site
        .path()
        .join("content/resources/clinic/takahashi-naika.yaml");
    let original = std::fs::read_to_string(&record).unwrap();

    // An edit: the page shows it after the reload event.
    std::fs::write(&record, original.replace("088-608-4633", "088-608-4699")).unwrap();
    let second = events.next();
    assert!(second > first);
    let (_, page) = get_when(server.port, "/resources/takahashi-naika/", |_, page| {
        page.contains("088-608-4699")
    });
    assert!(page.contains("088-608-4699"));

    // A mistake: every page shows where and how to fix it.
    std::fs::write(
        &record,
        original.replace("phone: 088-608-4633", "phone: 088-608"),
    )
    .unwrap();
    let third = events.next();
    assert!(third > second);
    let (status, error) = get_when(
        server.port,
        "/resources/takahashi-naika/",
        |status, page| status == 500 && page.contains("項目「phone」"),
    );
    assert_eq!(status, 500);
    assert!(error.contains("サイトを作れませんでした"), "{error}");
    assert!(
        error.contains("content/resources/clinic/takahashi-naika.yaml:9:8 項目「phone」"),
        "{error}"
    );
    assert!(error.contains("直し方:"), "{error}");
    assert!(
        error.contains("/__zaitaku/live.js"),
        "the error page reloads too"
    );
    let (status, _) = get(server.port, "/");
    assert_eq!(status, 500);

    // Fixed: the site is back.
    std::fs::write(&record, &original).unwrap();
    let fourth = events.next();
    assert!(fourth > third);
    let (status, page) = get_when(
        server.port,
        "/resources/takahashi-naika/",
        |status, page| status == 200 && page.contains("088-608-4633"),
    );
    assert_eq!(status, 200);
    assert!(page.contains("088-608-4633"));
    assert!(
        !site.path().join("public").exists(),
        "public/ is never written"
    );
}

#[test]
fn out_folder_gets_the_plain_site_without_the_reload_script() {
    let site = common::sheets_site();
    let out = site.path().join("preview");
    let server = start(site.path(), &["--out", out.to_str().unwrap()]);
    let (status, home) = get(server.port, "/");
    assert_eq!(status, 200);
    assert!(home.contains("/__zaitaku/live.js"));
    let on_disk = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        !on_disk.contains("__zaitaku"),
        "the files stay as zaitaku build writes them"
    );
    assert!(!site.path().join("public").exists());
}

#[test]
fn a_port_in_use_is_explained() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let site = common::sheets_site();
    let output = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(site.path())
        .args(["serve", "--port", &port.to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("待ち受けできません"), "{stderr}");
    assert!(stderr.contains("--port"), "{stderr}");
}

#[test]
fn theme_edits_reload_too() {
    let site = common::sheets_site();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    common::copy_tree(&repo.join("themes"), &site.path().join("themes"));
    let server = start(site.path(), &[]);
    let mut events = Events::open(server.port);
    let first = events.next();
    let base = site.path().join("themes/default/templates/base.html");
    let text = std::fs::read_to_string(&base).unwrap();
    std::fs::write(
        &base,
        text.replacen("</body>", "<p>テーマを変えました</p></body>", 1),
    )
    .unwrap();
    assert!(events.next() > first);
    let (status, home) = get_when(server.port, "/", |_, home| {
        home.contains("テーマを変えました")
    });
    assert_eq!(status, 200);
    assert!(home.contains("テーマを変えました"));
}

/// A process id that cannot exist: above the kernel's largest.
fn impossible_pid() -> u64 {
    std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
        .unwrap_or(4_194_304)
        + 1
}

#[test]
fn sigterm_removes_the_scratch_folder_and_the_next_start_removes_abandoned_ones() {
    let site = common::sheets_site();
    let mut server = start(site.path(), &[]);
    let scratch = server.scratch.clone().expect("a scratch folder");
    assert!(scratch.is_dir());
    let name = scratch.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(
        Owner::from_name(&name, "zaitaku-serve-").map(|o| o.pid),
        Some(server.child.id()),
        "the folder's name names the server"
    );
    let (status, _) = get(server.port, "/");
    assert_eq!(status, 200);
    let stopped = server.stop(Duration::from_secs(20));
    assert!(
        stopped.is_some_and(|s| s.success()),
        "a clean stop within 20 s of SIGTERM: {stopped:?}"
    );
    assert!(!scratch.exists(), "{} is removed", scratch.display());
    let said = server.said();
    assert!(
        said.iter().any(|l| l.contains("プレビューを終わります")),
        "{said:?}"
    );

    // What a SIGKILLed server leaves: a folder whose owner is gone. Beside it, one whose owner
    // still runs (this test).
    let parent = scratch.parent().unwrap();
    let abandoned = parent.join(format!("zaitaku-serve-{}-1234-abcdef", impossible_pid()));
    std::fs::create_dir(&abandoned).unwrap();
    std::fs::write(abandoned.join("index.html"), "<p>old site</p>").unwrap();
    let me = Owner::current();
    let live = parent.join(format!(
        "zaitaku-serve-{}-{}-live",
        me.pid,
        me.start.unwrap_or(0)
    ));
    std::fs::create_dir(&live).unwrap();

    let mut next = start(site.path(), &[]);
    let removed = !abandoned.exists();
    if !removed {
        let _ = std::fs::remove_dir_all(&abandoned);
    }
    assert!(removed, "{} is removed on start", abandoned.display());
    let kept = live.is_dir();
    let _ = std::fs::remove_dir_all(&live);
    assert!(kept, "a live owner's folder is kept");
    assert!(
        next.greeting
            .iter()
            .any(|l| l.contains("一時フォルダを") && l.contains("個削除しました")),
        "{:?}",
        next.greeting
    );
    let next_scratch = next.scratch.clone().unwrap();
    assert!(
        next.stop(Duration::from_secs(20))
            .is_some_and(|s| s.success())
    );
    assert!(!next_scratch.exists());
}

/// The holiday table's staleness is a warning of the preview too, counted like `zaitaku
/// check` counts it (one place adds it for build, check and serve).
#[test]
fn the_preview_counts_the_holiday_warning_as_check_does() {
    let site = common::sheets_site();
    let today = format!("{}-06-01", zaitaku::ja::holidays::valid_until());
    let check = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(site.path())
        .args(["check", "--today", &today])
        .output()
        .unwrap();
    let check = String::from_utf8_lossy(&check.stderr).into_owned();
    assert!(check.contains("祝日のデータが"), "{check}");
    let warnings = check
        .lines()
        .last()
        .and_then(|l| l.split_once("警告 "))
        .and_then(|(_, rest)| rest.split_once(" 件"))
        .map(|(n, _)| n.to_owned())
        .unwrap_or_else(|| panic!("{check}"));
    assert_ne!(warnings, "0", "{check}");
    let server = start_on(site.path(), &today, &[]);
    let built = server
        .greeting
        .iter()
        .find(|l| l.contains("更新しました"))
        .unwrap_or_else(|| panic!("{:?}", server.greeting));
    assert!(
        built.contains(&format!("警告 {warnings} 件")),
        "{built}\n{check}"
    );
}

/// A file with a Japanese name is served at its percent-encoded address, with the type a
/// browser needs (subtitles as `text/vtt`); `%2e%2e` and an encoded `/` never leave the site.
#[test]
fn encoded_japanese_paths_are_served_and_encoded_dot_dot_stays_inside() {
    let site = common::sheets_site();
    let pages = site.path().join("content/pages");
    std::fs::write(pages.join("案内図.txt"), "徳島市の案内図\n").unwrap();
    std::fs::write(
        pages.join("字幕.vtt"),
        "WEBVTT\n\n00:00.000 --> 00:01.000\nこんにちは\n",
    )
    .unwrap();
    std::fs::write(site.path().join("secret.txt"), "ひみつ\n").unwrap();
    let out = site.path().join("preview");
    let server = start(site.path(), &["--out", out.to_str().unwrap()]);
    let (status, kind, body) = get_with_type(server.port, "/%E6%A1%88%E5%86%85%E5%9B%B3.txt");
    assert_eq!(status, 200, "{body}");
    assert_eq!(kind, "text/plain; charset=utf-8");
    assert_eq!(body, "徳島市の案内図\n");
    let (status, kind, body) = get_with_type(server.port, "/%E5%AD%97%E5%B9%95.vtt");
    assert_eq!(status, 200, "{body}");
    assert_eq!(kind, "text/vtt; charset=utf-8");
    let (status, kind, _) = get_with_type(server.port, "/assets/site.css");
    assert_eq!((status, kind.as_str()), (200, "text/css; charset=utf-8"));
    for path in [
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/a/%2e%2e/%2e%2e/secret.txt",
        "/%252e%252e/secret.txt",
    ] {
        let (status, body) = get(server.port, path);
        assert!(!body.contains("ひみつ"), "{path} left the site");
        assert_ne!(status, 200, "{path}");
    }
}
