//! `knotwork serve`: the real binary on a free port, edited while it runs.
//! After every change the served site must equal a clean build with the
//! same options, rebuilt incrementally; nothing outside the output may be
//! reachable; errors keep the last good site and clear when fixed.

mod common;
use common::*;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use knotwork::serve::LIVE_RELOAD_TAG;
use serde_json::Value;

/// A running `knotwork serve`; killed when dropped.
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT/base/`
    url: String,
    port: u16,
    /// Everything it printed so far, stdout and stderr.
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(root: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_knotwork"))
            .args(["serve", "--port", "0", "--root"])
            .arg(root)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let started = Instant::now();
        let url = loop {
            let text = log.lock().unwrap().clone();
            if let Some(at) = text.find("Serving the site at ") {
                let rest = &text[at + "Serving the site at ".len()..];
                break rest.split_whitespace().next().unwrap().to_string();
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "serve did not start:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let port = url
            .trim_start_matches("http://127.0.0.1:")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        Server {
            child,
            url,
            port,
            log,
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the server's log holds `line`: the server prints before
    /// it publishes, but the test reads its output on another thread,
    /// which may lag on a busy machine.
    fn wait_for_log(&self, line: &str) {
        let started = Instant::now();
        while !self.log().contains(line) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no {line:?} in the log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The base path of the served site: `/` or `/studio/`.
    fn base(&self) -> String {
        let after_host = self.url.trim_start_matches("http://");
        after_host[after_host.find('/').unwrap()..].to_string()
    }

    /// GET with the request path sent exactly as given.
    fn get(&self, raw_path: &str) -> Reply {
        request(self.port, &format!("GET {raw_path} HTTP/1.1"))
    }

    fn status(&self) -> Value {
        serde_json::from_slice(&self.get("/__knotwork/status").body).unwrap()
    }

    /// Waits until a rebuild after generation `after` was published, the
    /// server has been quiet for a moment (editors' saves can come in more
    /// than one batch) and the search index caught up.
    fn settle(&self, after: u64) -> Value {
        let started = Instant::now();
        let mut last = self.status();
        let mut quiet_since = Instant::now();
        loop {
            let now = self.status();
            if now != last {
                last = now;
                quiet_since = Instant::now();
            } else if last["generation"].as_u64().unwrap() > after
                && !last["search_pending"].as_bool().unwrap()
                && quiet_since.elapsed() > Duration::from_millis(300)
            {
                return last;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no rebuild after generation {after}; status {last}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the failed rebuild after a bad edit; returns its error.
    fn settle_error(&self) -> String {
        let started = Instant::now();
        loop {
            let status = self.status();
            if let Some(error) = status["error"].as_str() {
                return error.to_string();
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no error reported; status {status}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The served page at a site URL (`/blog/x/`), without the live reload
    /// script.
    fn page(&self, url: &str) -> String {
        let reply = self.get(&format!("{}{}", self.base().trim_end_matches('/'), url));
        assert_eq!(reply.status, 200, "{url}");
        String::from_utf8(reply.body)
            .unwrap()
            .replacen(LIVE_RELOAD_TAG, "", 1)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

fn request(port: u16, request_line: &str) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{request_line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Reply {
        status,
        head,
        body: raw[split + 4..].to_vec(),
    }
}

/// Saves a file the way editors do: a hidden temporary file renamed over
/// the old one, so the server never sees half a file.
fn save(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let tmp = path.with_file_name(format!(
        ".{}.tmp-save",
        path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
}

/// The served site equals `knotwork build` with the server's base URL:
/// the same files, byte for byte, and no others.
fn assert_serves_clean_build(f: &Fixture, server: &Server, extra: &[&str]) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["--output-dir", out.path().to_str().unwrap()];
    args.extend(["--base-url", &server.url]);
    args.extend(extra);
    f.build(&args);
    let mut expected = tree(out.path());
    expected.remove(".knotwork-manifest");
    let base = server.base();
    for (path, bytes) in &expected {
        let reply = server.get(&format!("{base}{path}"));
        assert_eq!(reply.status, 200, "{path} is not served");
        let mut body = reply.body;
        if path.ends_with(".html") {
            let text = String::from_utf8(body).unwrap();
            assert!(text.contains(LIVE_RELOAD_TAG), "{path} has no live reload");
            body = text.replacen(LIVE_RELOAD_TAG, "", 1).into_bytes();
        }
        assert!(
            body == *bytes,
            "{path} differs from a clean build:\n--- served\n{}\n--- built\n{}",
            String::from_utf8_lossy(&body),
            String::from_utf8_lossy(bytes)
        );
    }
    let served = server.status()["files"].as_u64().unwrap() as usize;
    assert_eq!(
        served,
        expected.len(),
        "the server has files a clean build does not"
    );
}

/// `Rebuilt: 14 pages rendered, …` → 14.
fn pages_rendered(line: &str) -> usize {
    let after = line.split(": ").nth(1).unwrap();
    after.split(' ').next().unwrap().parse().unwrap()
}

fn rebuild_lines(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.starts_with("Rebuilt"))
        .map(str::to_string)
        .collect()
}

/// The fixture's first article, with a title and a last paragraph of choice.
fn first_article(title: &str, last_paragraph: &str) -> String {
    article(
        title,
        "2026-01-10",
        "tags = [\"neck\"]\ndescription = \"Where to begin.\"",
        &format!(
            "## Begin\n\nThe [upper trapezius](@muscles/upper-trapezius) refers pain to the temple.\n\n{last_paragraph}"
        ),
    )
}

fn fixture() -> Fixture {
    let f = Fixture::new();
    f.write(
        "content/blog/first.md",
        &first_article("First steps", "Second paragraph."),
    )
    .write(
        "content/blog/second.md",
        &article(
            "Second thoughts",
            "2026-02-10",
            "tags = [\"neck\", \"habits\"]",
            "Desk posture and the neck.\n\nMore text here.",
        ),
    )
    .write(
        "content/blog/third.md",
        &article("Third time", "2026-03-10", "", "Plain words."),
    )
    .write(
        "content/pages/about.md",
        "+++\ntitle = \"About\"\nmenu_order = 1\n+++\nWe are a studio.\n",
    );
    f
}

#[test]
fn the_served_site_equals_a_clean_build_through_edits_adds_and_deletes() {
    let f = fixture();
    let server = Server::start(f.root(), &[]);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    let mut g = server.settle(0)["generation"].as_u64().unwrap();
    assert_serves_clean_build(&f, &server, &[]);
    let total_pages = server
        .log()
        .lines()
        .find(|l| l.starts_with("Built:"))
        .map(str::to_string)
        .unwrap();

    // 1. An article's body: the document path, two pages (its own and the feed).
    let root = f.root();
    let seen = rebuild_lines(&server.log()).len();
    save(
        root,
        "content/blog/first.md",
        &first_article("First steps", "A new second paragraph, edited live."),
    );
    g = server.settle(g)["generation"].as_u64().unwrap();
    assert!(server
        .page("/blog/first/")
        .contains("A new second paragraph, edited live."));
    // An editor's save may arrive as more than one batch: every rebuild of
    // this step must be a document rebuild, together rendering two pages.
    let log = server.log();
    let step = rebuild_lines(&log).split_off(seen);
    assert!(
        !step.is_empty()
            && step
                .iter()
                .all(|l| l.starts_with("Rebuilt (one document): ")),
        "{step:?}\n{log}"
    );
    assert_eq!(
        step.iter().map(|l| pages_rendered(l)).sum::<usize>(),
        2,
        "{step:?}"
    );
    assert_serves_clean_build(&f, &server, &[]);

    // 2. Its title: every list, tag page and feed that names it.
    save(
        root,
        "content/blog/first.md",
        &first_article(
            "First steps, renamed",
            "A new second paragraph, edited live.",
        ),
    );
    g = server.settle(g)["generation"].as_u64().unwrap();
    assert!(server
        .page("/blog/page/2/")
        .contains("First steps, renamed"));
    assert!(server.page("/tags/neck/").contains("First steps, renamed"));
    assert!(server
        .page("/muscles/upper-trapezius/")
        .contains("First steps, renamed"));
    assert_serves_clean_build(&f, &server, &[]);

    // 3. A new article, linking to the technique.
    save(
        root,
        "content/blog/fourth.md",
        &article(
            "Fourth, with a ball",
            "2026-04-01",
            "tags = [\"habits\"]\nmuscles = [\"upper-trapezius\"]",
            "Try the [massage ball](@techniques/massage-ball).",
        ),
    );
    g = server.settle(g)["generation"].as_u64().unwrap();
    assert!(server.page("/blog/fourth/").contains("Fourth, with a ball"));
    assert!(server
        .page("/techniques/massage-ball/")
        .contains("Fourth, with a ball"));
    assert_serves_clean_build(&f, &server, &[]);

    // 4. A muscle's data: its page and the pages showing it, not all pages.
    let seen = rebuild_lines(&server.log()).len();
    save(
        root,
        "content/muscles/upper-trapezius.toml",
        &MUSCLE.replace("Upper trapezius", "Upper trapezius (edited)"),
    );
    g = server.settle(g)["generation"].as_u64().unwrap();
    assert!(server
        .page("/muscles/upper-trapezius/")
        .contains("Upper trapezius (edited)"));
    assert!(server
        .page("/blog/fourth/")
        .contains("Upper trapezius (edited)"));
    assert!(server
        .page("/pain/temple/")
        .contains("Upper trapezius (edited)"));
    let step = rebuild_lines(&server.log()).split_off(seen);
    let rendered: usize = step.iter().map(|l| pages_rendered(l)).sum();
    let all = pages_rendered(&total_pages);
    assert!(
        rendered > 0 && rendered < all,
        "a muscle edit rendered {rendered} of {all} pages: {step:?}"
    );
    assert_serves_clean_build(&f, &server, &[]);

    // 5. A deleted article is gone, from its URL and from every list.
    f.remove("content/blog/second.md");
    g = server.settle(g)["generation"].as_u64().unwrap();
    assert_eq!(server.get("/blog/second/").status, 404);
    assert!(!server.page("/blog/").contains("Second thoughts"));
    assert_serves_clean_build(&f, &server, &[]);

    // 6. A renamed file moves its article to the new URL.
    std::fs::rename(
        root.join("content/blog/third.md"),
        root.join("content/blog/third-renamed.md"),
    )
    .unwrap();
    g = server.settle(g)["generation"].as_u64().unwrap();
    assert_eq!(server.get("/blog/third/").status, 404);
    assert_eq!(server.get("/blog/third-renamed/").status, 200);
    assert_serves_clean_build(&f, &server, &[]);

    // 7. A template of the site's own, overriding the theme's.
    save(
        root,
        "templates/page.html",
        "{% extends \"base.html\" %}{% block main %}<h1>{{ page.title }}</h1><p class=\"custom\">Custom page template</p>{{ page.body_html | safe }}{% endblock %}",
    );
    g = server.settle(g)["generation"].as_u64().unwrap();
    assert!(server.page("/about/").contains("Custom page template"));
    assert_serves_clean_build(&f, &server, &[]);

    // 8. A stylesheet of the site's own, and site.toml.
    save(root, "static/css/extra.css", "body { color: #111; }\n");
    g = server.settle(g)["generation"].as_u64().unwrap();
    assert_serves_clean_build(&f, &server, &[]);
    save(
        root,
        "site.toml",
        &SITE_TOML.replace("Test Studio", "Renamed Studio"),
    );
    server.settle(g);
    assert!(server.page("/").contains("Renamed Studio"));
    assert_serves_clean_build(&f, &server, &[]);
    assert!(!f.out().exists(), "serve wrote into the output folder");
}

#[test]
fn errors_keep_the_last_good_site_until_fixed() {
    let f = fixture();
    let server = Server::start(f.root(), &[]);
    let g = server.settle(0)["generation"].as_u64().unwrap();
    let before = server.page("/muscles/upper-trapezius/");

    // A TOML mistake and a cross-link to a muscle that does not exist.
    save(
        f.root(),
        "content/muscles/upper-trapezius.toml",
        &format!("{MUSCLE}\noops = [\n"),
    );
    save(
        f.root(),
        "content/blog/third.md",
        &article(
            "Third time",
            "2026-03-10",
            "",
            "See [it](@muscles/upper-trapezus) and [this](@techniques/massage-bal).",
        ),
    );
    let error = error_naming(&server, &["massage-bal`", "upper-trapezius.toml"]);
    assert!(
        error.contains("content/muscles/upper-trapezius.toml:"),
        "{error}"
    );
    assert!(error.contains("content/blog/third.md:"), "{error}");
    assert!(error.contains("did you mean `massage-ball`?"), "{error}");
    assert!(error.contains("unknown muscle `upper-trapezus`"), "{error}");
    server.wait_for_log("still serving the last good version");
    assert_eq!(server.page("/muscles/upper-trapezius/"), before);

    // A page opened now gets the error at once on its event stream.
    let mut events = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(events, "GET /__knotwork/events HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let text = read_until(&mut events, "massage-bal`");
    assert!(text.contains("event: build-error"), "{text}");

    save(f.root(), "content/muscles/upper-trapezius.toml", MUSCLE);
    save(
        f.root(),
        "content/blog/third.md",
        &article(
            "Third time",
            "2026-03-10",
            "",
            "See [it](@muscles/upper-trapezius).",
        ),
    );
    let status = server.settle(g);
    assert!(status["error"].is_null(), "{status}");
    assert!(server
        .page("/blog/third/")
        .contains("/muscles/upper-trapezius/"));
    assert_serves_clean_build(&f, &server, &[]);
}

/// Reads from an event stream until `needle` shows up.
/// The build error the server reports once it holds every one of
/// `wanted` (a rebuild of part of the edits may report fewer first).
fn error_naming(server: &Server, wanted: &[&str]) -> String {
    let started = Instant::now();
    loop {
        let error = server.settle_error();
        if wanted.iter().all(|w| error.contains(w)) {
            return error;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{error}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read_until(stream: &mut TcpStream, needle: &str) -> String {
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    let started = Instant::now();
    while !text.contains(needle) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no {needle:?} in:\n{text}"
        );
        match stream.read(&mut buf) {
            Ok(0) => panic!("stream closed before {needle:?}:\n{text}"),
            Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(e) => panic!("{e} before {needle:?}:\n{text}"),
        }
    }
    text
}

#[test]
fn open_pages_hear_of_changes_and_stylesheet_swaps() {
    let f = fixture();
    f.write("static/css/site-extra.css", "p { margin: 0; }\n");
    let server = Server::start(f.root(), &[]);
    let g = server.settle(0)["generation"].as_u64().unwrap();
    let page = server.page("/blog/first/");
    assert!(page.contains("</body>"));
    let script = server.get("/__knotwork/live.js");
    assert_eq!(script.status, 200);
    assert!(script
        .head
        .to_ascii_lowercase()
        .contains("content-type: text/javascript"));

    let mut events = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(events, "GET /__knotwork/events HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let head = read_until(&mut events, "\r\n\r\n");
    assert!(head.contains("text/event-stream"), "{head}");

    save(
        f.root(),
        "content/blog/first.md",
        &first_article("First steps", "Changed."),
    );
    let text = read_until(&mut events, "/blog/first/index.html");
    assert!(text.contains("event: reload"), "{text}");
    let g = server.settle(g)["generation"].as_u64().unwrap();

    save(
        f.root(),
        "static/css/site-extra.css",
        "p { margin: 1px; }\n",
    );
    let text = read_until(&mut events, "/css/site-extra.");
    assert!(text.contains("event: css"), "{text}");
    server.settle(g);
}

#[test]
fn nothing_outside_the_site_output_is_served() {
    let f = fixture();
    // A secret beside the site, and a symlink in static/ leading to it.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "top secret").unwrap();
    std::fs::create_dir_all(f.root().join("static")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        f.root().join("static/leak.txt"),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), f.root().join("static/outside")).unwrap();
    let server = Server::start(f.root(), &[]);
    server.settle(0);
    assert_eq!(server.get("/").status, 200);
    for path in [
        "/../site.toml",
        "/../../../../etc/passwd",
        "/%2e%2e/site.toml",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/blog/%2e%2e/%2e%2e/site.toml",
        "/..%2fsite.toml",
        "/css/..%5c..%5csite.toml",
        "/site.toml",
        "/content/blog/first.md",
        "/leak.txt",
        "/outside/secret.txt",
        "/index.html%00.txt",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 404, "{path} gave {}", reply.status);
        assert!(
            !String::from_utf8_lossy(&reply.body).contains("top secret"),
            "{path} leaked"
        );
    }
    // The 404 page is the site's own.
    let missing = server.get("/no/such/page/");
    assert!(String::from_utf8_lossy(&missing.body).contains("Page not found"));
    // Only GET and HEAD.
    assert_eq!(request(server.port, "POST / HTTP/1.1").status, 405);
    let head = request(server.port, "HEAD / HTTP/1.1");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

#[test]
fn many_clients_at_once_and_clients_that_leave_early() {
    let f = fixture();
    let server = Server::start(f.root(), &[]);
    server.settle(0);
    let expected = server.get("/blog/first/").body;
    // Clients that send half a request, or hang up before reading.
    for _ in 0..20 {
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        let _ = s.write_all(b"GET /blog/first/ HTTP/1.1\r\nHost: x\r\n\r\n");
        drop(s);
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        let _ = s.write_all(b"GET /blog/fi");
        drop(s);
    }
    let port = server.port;
    let threads: Vec<_> = (0..32)
        .map(|_| {
            let expected = expected.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    let reply = request(port, "GET /blog/first/ HTTP/1.1");
                    assert_eq!(reply.status, 200);
                    assert_eq!(reply.body, expected);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_subpath_site_with_drafts_is_served_under_its_base_path() {
    let f = fixture();
    f.write(
        "site.toml",
        &SITE_TOML.replace("https://example.com", "https://example.com/studio/"),
    )
    .write(
        "content/blog/draft.md",
        &article("A draft", "2026-05-01", "draft = true", "Not yet."),
    );
    let server = Server::start(f.root(), &["--drafts"]);
    let g = server.settle(0)["generation"].as_u64().unwrap();
    assert!(server.url.ends_with("/studio/"), "{}", server.url);
    let root = server.get("/");
    assert_eq!(root.status, 301);
    assert!(root.head.contains("location: /studio/"), "{}", root.head);
    assert!(server.page("/blog/draft/").contains("A draft"));
    assert_eq!(server.get("/blog/first/").status, 404);
    assert_serves_clean_build(&f, &server, &["--drafts"]);
    save(
        f.root(),
        "content/blog/draft.md",
        &article("A draft", "2026-05-01", "draft = true", "Nearly there."),
    );
    server.settle(g);
    assert!(server.page("/blog/draft/").contains("Nearly there."));
    assert_serves_clean_build(&f, &server, &["--drafts"]);
}

#[test]
fn a_site_that_never_built_shows_its_errors_until_fixed() {
    let f = fixture();
    f.write(
        "content/blog/third.md",
        &article(
            "Third time",
            "2026-03-10",
            "",
            "See [it](@muscles/<b>nope</b>).",
        ),
    );
    let server = Server::start(f.root(), &[]);
    let error = server.settle_error();
    assert!(error.contains("content/blog/third.md:"), "{error}");
    assert_eq!(server.status()["generation"], 0);
    let reply = server.get("/");
    assert_eq!(reply.status, 503);
    let page = String::from_utf8(reply.body).unwrap();
    assert!(page.contains("content/blog/third.md:"), "{page}");
    // The error text is escaped, and the page reloads itself once fixed.
    assert!(
        !page.contains("<b>nope</b>") && page.contains("&lt;b&gt;nope"),
        "{page}"
    );
    assert!(page.contains(LIVE_RELOAD_TAG));

    save(
        f.root(),
        "content/blog/third.md",
        &article("Third time", "2026-03-10", "", "Plain words."),
    );
    let status = server.settle(0);
    assert!(status["error"].is_null(), "{status}");
    assert!(server.page("/blog/third/").contains("Plain words."));
    assert_serves_clean_build(&f, &server, &[]);
}

#[test]
fn a_port_in_use_is_reported_and_nothing_is_served() {
    let f = fixture();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = f.run("serve", &["--port", &port]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}"))
            && stderr.contains("pass --port with another number, or --port 0"),
        "{stderr}"
    );
    assert!(!f.out().exists(), "serve wrote the output folder");
}

#[test]
fn shortcodes_follow_edits_of_their_text_and_of_their_template() {
    let f = fixture();
    f.write(
        "templates/shortcodes/badge.html",
        "{#- shortcode: a badge\nlabel: string\n-#}\n<span class=\"badge\">{{ label }}</span>\n",
    );
    f.write(
        "content/blog/first.md",
        &first_article(
            "First steps",
            "A {{ badge(label=\"new\") }} paragraph.\n\n{{ muscle(id=\"upper-trapezius\") }}",
        ),
    );
    let server = Server::start(f.root(), &[]);
    let root = f.root();
    let mut g = server.settle(0)["generation"].as_u64().unwrap();
    assert!(server
        .page("/blog/first/")
        .contains("<span class=\"badge\">new</span>"));

    // The text around a shortcode: the document path expands it again.
    save(
        root,
        "content/blog/first.md",
        &first_article(
            "First steps",
            "A {{ badge(label=\"newer\") }} paragraph.\n\n{{ muscle(id=\"upper-trapezius\") }}",
        ),
    );
    g = server.settle(g)["generation"].as_u64().unwrap();
    assert!(server
        .page("/blog/first/")
        .contains("<span class=\"badge\">newer</span>"));
    assert_serves_clean_build(&f, &server, &[]);

    // The shortcode's template: every page that calls it changes.
    save(
        root,
        "templates/shortcodes/badge.html",
        "{#- shortcode: a badge\nlabel: string\n-#}\n<mark class=\"badge\">{{ label | upper }}</mark>\n",
    );
    server.settle(g);
    assert!(server
        .page("/blog/first/")
        .contains("<mark class=\"badge\">NEWER</mark>"));
    assert_serves_clean_build(&f, &server, &[]);
}

#[test]
fn photos_are_served_processed_and_follow_edits() {
    let f = fixture();
    f.write_bytes(
        "static/images/room.jpg",
        &common::images::phone_jpeg(640, 480),
    );
    f.write_bytes(
        "static/images/ball.png",
        &common::images::transparent_png(200, 100),
    );
    f.write(
        "content/blog/first.md",
        &first_article("First steps", "![The room](/images/room.jpg)"),
    );
    let server = Server::start(f.root(), &[]);
    let root = f.root();
    let mut g = server.settle(0)["generation"].as_u64().unwrap();
    assert!(server.page("/blog/first/").contains("/img/room-480."));
    assert_eq!(
        server.get("/images/room.jpg").status,
        404,
        "the original is not served"
    );
    assert_serves_clean_build(&f, &server, &[]);

    // A new image in the text (the document path) is processed and served.
    save(
        root,
        "content/blog/first.md",
        &first_article(
            "First steps",
            "![The room](/images/room.jpg)\n\n![A ball](/images/ball.png \"A ball\")",
        ),
    );
    g = server.settle(g)["generation"].as_u64().unwrap();
    assert!(server
        .page("/blog/first/")
        .contains("<figcaption>A ball</figcaption>"));
    assert_serves_clean_build(&f, &server, &[]);

    // A photo replaced by another: new files, the old ones gone.
    std::fs::write(
        root.join("static/images/room.jpg"),
        common::images::jpeg(300, 200),
    )
    .unwrap();
    server.settle(g);
    assert!(server.page("/blog/first/").contains("/img/room-300."));
    assert_serves_clean_build(&f, &server, &[]);
}

#[test]
fn editing_or_adding_a_translation_re_renders_that_language() {
    let f = fixture();
    f.write(
        "site.toml",
        &format!("{SITE_TOML}\n[languages.fr]\ntitle = \"Studio test\"\n"),
    )
    .write(
        "content/blog/first.fr.md",
        "+++\ntitle = \"Premiers pas\"\n+++\nLe [trapèze](@muscles/upper-trapezius).\n",
    );
    let server = Server::start(f.root(), &[]);
    let g = server.settle(0)["generation"].as_u64().unwrap();
    assert!(server.page("/fr/blog/first/").contains("Premiers pas"));
    assert_serves_clean_build(&f, &server, &[]);
    let last_rebuild = || rebuild_lines(&server.log()).pop().unwrap();
    // The translation's text: its page alone, in French.
    save(
        f.root(),
        "content/blog/first.fr.md",
        "+++\ntitle = \"Premiers pas\"\n+++\nLe [trapèze](@muscles/upper-trapezius), en bref.\n",
    );
    let g = server.settle(g)["generation"].as_u64().unwrap();
    assert!(server.page("/fr/blog/first/").contains("en bref"));
    assert!(!server.page("/blog/first/").contains("en bref"));
    let line = last_rebuild();
    assert!(line.starts_with("Rebuilt (one document): "), "{line}");
    assert_serves_clean_build(&f, &server, &[]);
    // An untranslated article's text: French has no page of it.
    save(
        f.root(),
        "content/blog/second.md",
        &article(
            "Second thoughts",
            "2026-02-10",
            "tags = [\"neck\", \"habits\"]",
            "Desk posture and the neck.\n\nMore text, edited.",
        ),
    );
    let g = server.settle(g)["generation"].as_u64().unwrap();
    assert!(server.page("/blog/second/").contains("More text, edited."));
    let line = last_rebuild();
    assert!(line.starts_with("Rebuilt (one document): "), "{line}");
    assert_serves_clean_build(&f, &server, &[]);
    // Editing the translation's title: other pages show it.
    save(
        f.root(),
        "content/blog/first.fr.md",
        "+++\ntitle = \"Premiers pas, revus\"\n+++\nLe [trapèze](@muscles/upper-trapezius), encore.\n",
    );
    let g = server.settle(g)["generation"].as_u64().unwrap();
    assert!(server
        .page("/fr/blog/first/")
        .contains("Premiers pas, revus"));
    assert_serves_clean_build(&f, &server, &[]);
    // Editing the English original keeps its switcher and alternates.
    save(
        f.root(),
        "content/blog/first.md",
        &first_article("First steps", "An edited last paragraph."),
    );
    let g = server.settle(g)["generation"].as_u64().unwrap();
    let english = server.page("/blog/first/");
    assert!(english.contains("An edited last paragraph."));
    assert!(english.contains("hreflang=\"fr\""));
    assert!(!server
        .page("/fr/blog/first/")
        .contains("An edited last paragraph."));
    let line = last_rebuild();
    assert!(line.starts_with("Rebuilt (one document): "), "{line}");
    assert_serves_clean_build(&f, &server, &[]);
    // Adding one: the muscle gets a French page, and the English page its
    // alternate.
    save(
        f.root(),
        "content/muscles/upper-trapezius.fr.toml",
        "name = \"Trapèze supérieur\"\n",
    );
    server.settle(g);
    assert!(server
        .page("/fr/muscles/upper-trapezius/")
        .contains("Trapèze supérieur"));
    assert!(server
        .page("/muscles/upper-trapezius/")
        .contains("hreflang=\"fr\""));
    assert_serves_clean_build(&f, &server, &[]);
}

/// A copy of the repository's example site (every kind of data file) in
/// a temp folder.
fn example_site_copy() -> Fixture {
    let f = Fixture::empty();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for top in ["site.toml", "content", "static", "themes"] {
        copy_tree(&repo.join(top), &f.root().join(top));
    }
    f
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_file() {
        std::fs::copy(from, to).unwrap();
        return;
    }
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        copy_tree(&entry.path(), &to.join(entry.file_name()));
    }
}

#[test]
fn a_data_edit_of_each_kind_replans_only_what_it_reaches() {
    let f = example_site_copy();
    let server = Server::start(f.root(), &[]);
    let mut g = server.settle(0)["generation"].as_u64().unwrap();
    let all = server
        .log()
        .lines()
        .find(|l| l.starts_with("Built:"))
        .map(pages_rendered)
        .unwrap();
    // (file, text replaced, replacement, a page showing the replacement)
    let edits = [
        (
            "content/muscles/upper-trapezius.toml",
            "name = \"Upper trapezius\"",
            "name = \"Upper trapezius edited\"",
            // A muscle card on an article page naming it in its front matter.
            "/blog/desk-work-neck-and-shoulders/",
        ),
        (
            "content/techniques/ashiatsu.toml",
            "A therapist holding overhead bars",
            "An edited technique, a therapist holding overhead bars",
            "/techniques/ashiatsu/",
        ),
        (
            "content/faq/basics.toml",
            "What is a trigger point?",
            "What is a trigger point, edited?",
            "/faq/basics/",
        ),
        (
            "content/people/maya-okafor.toml",
            "Massage therapist and studio founder",
            "Edited founder role",
            // Her byline on an article she wrote.
            "/blog/active-vs-latent-trigger-points/",
        ),
        (
            "content/services/ashiatsu.toml",
            "name = \"Ashiatsu\"",
            "name = \"Ashiatsu edited service\"",
            "/services/ashiatsu/",
        ),
        (
            "content/regions.toml",
            "Chest pain can come from the heart or lungs.",
            "Edited region: chest pain can come from the heart or lungs.",
            "/pain/chest/",
        ),
        (
            "content/references.toml",
            "The Trigger Point Manual. Volume 1",
            "The Edited Trigger Point Manual. Volume 1",
            "/blog/referred-pain-explained/",
        ),
    ];
    // Edits that change what other pages show by a link from the edited
    // entity, which those pages did not show before (or no longer show):
    // (file, text replaced, replacement, a page, what it shows after).
    let levator = "content/muscles/levator-scapulae.toml";
    let relation_edits = [
        (
            levator,
            "the textbook stiff neck [@travell-simons-1999].",
            "the textbook stiff neck [@travell-simons-1999]. See also the [masseter](@muscles/masseter).",
            // The masseter's page lists the muscles linking to it.
            "/muscles/masseter/",
            "Levator scapulae",
        ),
        (
            levator,
            "referral = [\"neck-back\", \"shoulder-top\"]",
            "referral = [\"neck-back\", \"shoulder-top\", \"jaw\"]",
            // The jaw's pain page lists the muscles referring pain there.
            "/pain/jaw/",
            "Levator scapulae",
        ),
        (
            "content/faq/basics.toml",
            "Most people know them as \"muscle knots\".",
            "Most people know them as \"muscle knots\", as in the [levator scapulae](@muscles/levator-scapulae).",
            // The muscle's page lists the questions linking to it.
            "/muscles/levator-scapulae/",
            // (The question, edited above.)
            "What is a trigger point, edited?",
        ),
    ];
    let edits = edits
        .into_iter()
        .map(|(file, from, to, page)| {
            let shown = to.trim_start_matches("name = ").trim_matches('"');
            (file, from, to, page, shown, false)
        })
        .chain(
            relation_edits.map(|(file, from, to, page, shown)| (file, from, to, page, shown, true)),
        );
    for (file, from, to, page, shown, new_relation) in edits {
        let text = std::fs::read_to_string(f.root().join(file)).unwrap();
        assert!(text.contains(from), "{file} has no {from:?}");
        if new_relation {
            assert!(
                !server.page(page).contains(shown),
                "{page} shows {shown:?} before"
            );
        }
        let seen = rebuild_lines(&server.log()).len();
        save(f.root(), file, &text.replacen(from, to, 1));
        g = server.settle(g)["generation"].as_u64().unwrap();
        assert!(
            server.page(page).contains(shown),
            "{page} does not show {shown:?}"
        );
        let log = server.log();
        let step = rebuild_lines(&log).split_off(seen);
        assert!(
            !step.is_empty() && step.iter().all(|l| l.starts_with("Rebuilt (data): ")),
            "{file}: {step:?}\n{log}"
        );
        let rendered: usize = step.iter().map(|l| pages_rendered(l)).sum();
        assert!(
            rendered > 0 && rendered < all,
            "{file} rendered {rendered} of {all} pages"
        );
        assert_serves_clean_build(&f, &server, &[]);
    }

    // A technique the muscle no longer lists no longer shows it.
    let technique = "/techniques/deep-tissue-massage/";
    assert!(server.page(technique).contains("Levator scapulae"));
    let text = std::fs::read_to_string(f.root().join(levator)).unwrap();
    let from = "\"pin-and-stretch\", \"deep-tissue-massage\"]";
    assert!(text.contains(from));
    save(
        f.root(),
        levator,
        &text.replacen(from, "\"pin-and-stretch\"]", 1),
    );
    g = server.settle(g)["generation"].as_u64().unwrap();
    assert!(!server.page(technique).contains("Levator scapulae"));
    assert!(rebuild_lines(&server.log())
        .last()
        .unwrap()
        .starts_with("Rebuilt (data): "));
    assert_serves_clean_build(&f, &server, &[]);

    // Adding an entity changes the lists of ids: the site path.
    let seen = rebuild_lines(&server.log()).len();
    let muscle =
        std::fs::read_to_string(f.root().join("content/muscles/upper-trapezius.toml")).unwrap();
    save(
        f.root(),
        "content/muscles/upper-trapezius-copy.toml",
        &muscle,
    );
    server.settle(g);
    let step = rebuild_lines(&server.log()).split_off(seen);
    assert!(step.iter().any(|l| l.starts_with("Rebuilt: ")), "{step:?}");
    assert_serves_clean_build(&f, &server, &[]);
}

#[test]
fn a_front_matter_edit_replans_without_reading_the_site_again() {
    let f = example_site_copy();
    let server = Server::start(f.root(), &[]);
    let mut g = server.settle(0)["generation"].as_u64().unwrap();
    const REPLANNED: &str = "Rebuilt (one document, the pages it reaches planned): ";
    const ARTICLE: &str = "content/blog/referred-pain-explained.md";
    // (file, text replaced, replacement, a page showing it, what it shows,
    // the rebuild expected)
    // The first edit also checks that the pages an article's body links to
    // are found: its text links the temporalis, which its front matter does
    // not name, and that muscle's page lists the article by its title.
    let edits = [
        (
            ARTICLE,
            "title = \"Referred Pain: Why the Sore Spot Is Often Not the Source\"",
            "title = \"Referred Pain, Edited\"",
            "/blog/",
            "Referred Pain, Edited",
            REPLANNED,
        ),
        (
            // A new tag: its page appears.
            ARTICLE,
            "tags = [\"referred pain\", \"basics\"]",
            "tags = [\"referred pain\", \"basics\", \"edited tag\"]",
            "/tags/edited-tag/",
            "Referred Pain, Edited",
            REPLANNED,
        ),
        (
            // A muscle more: its page lists the article.
            ARTICLE,
            "muscles = [\"upper-trapezius\",",
            "muscles = [\"levator-scapulae\", \"upper-trapezius\",",
            "/muscles/levator-scapulae/",
            "Referred Pain, Edited",
            REPLANNED,
        ),
        (
            "content/pages/about.md",
            "description = \"Who we are, what we do, and why we write these guides.\"",
            "description = \"An edited description of the studio.\"",
            "/about/",
            "An edited description of the studio.",
            REPLANNED,
        ),
        (
            // Front matter and body at once: the body is rendered again.
            ARTICLE,
            "side of the head\"\n+++\n\nWhen a client points",
            "side of the head, edited\"\n+++\n\nEdited body words. When a client points",
            "/blog/referred-pain-explained/",
            "Edited body words.",
            REPLANNED,
        ),
        (
            // An old address: a redirect page appears.
            ARTICLE,
            "date = 2026-02-24\n",
            "date = 2026-02-24\naliases = [\"/old/referred/\"]\n",
            "/old/referred/",
            "/blog/referred-pain-explained/",
            REPLANNED,
        ),
        (
            // And goes away with it.
            ARTICLE,
            "aliases = [\"/old/referred/\"]\n",
            "",
            "/blog/referred-pain-explained/",
            "Referred Pain, Edited",
            REPLANNED,
        ),
        (
            // A date of change: the sitemap's entry changes with it.
            ARTICLE,
            "date = 2026-02-24\n",
            "date = 2026-02-24\nupdated = 2026-03-01\n",
            "/sitemap.xml",
            "2026-03-01",
            REPLANNED,
        ),
        (
            // Another date moves the article in every list: the site path.
            ARTICLE,
            "date = 2026-02-24",
            "date = 2026-02-25",
            "/blog/referred-pain-explained/",
            "2026-02-25",
            "Rebuilt: ",
        ),
    ];
    for (file, from, to, page, shown, path) in edits {
        let text = std::fs::read_to_string(f.root().join(file)).unwrap();
        assert!(text.contains(from), "{file} has no {from:?}");
        let seen = rebuild_lines(&server.log()).len();
        save(f.root(), file, &text.replacen(from, to, 1));
        g = server.settle(g)["generation"].as_u64().unwrap();
        let log = server.log();
        let step = rebuild_lines(&log).split_off(seen);
        assert!(
            !step.is_empty() && step.iter().all(|l| l.starts_with(path)),
            "{file}: {step:?}\n{log}"
        );
        assert!(
            server.page(page).contains(shown),
            "{page} does not show {shown:?}"
        );
        assert_serves_clean_build(&f, &server, &[]);
    }

    // Named only in the body (see the first edit), the temporalis page
    // lists the article under its new title.
    let text = std::fs::read_to_string(f.root().join(ARTICLE)).unwrap();
    let (front_matter, body) = text.trim_start_matches("+++").split_once("+++").unwrap();
    assert!(!front_matter.contains("temporalis") && body.contains("@muscles/temporalis"));
    assert!(server
        .page("/muscles/temporalis/")
        .contains("Referred Pain, Edited"));

    // A muscle dropped from the front matter and from the text: its page,
    // which listed the article, no longer does (only that page's link to
    // the article says it is reached).
    let soleus = "/muscles/soleus/";
    let listed = "/blog/referred-pain-explained/";
    assert!(server.page(soleus).contains(listed));
    let text = std::fs::read_to_string(f.root().join(ARTICLE)).unwrap();
    let dropped =
        text.replacen("\"soleus\", ", "", 1)
            .replacen("[soleus](@muscles/soleus)", "soleus", 1);
    assert_eq!(
        dropped.len() + "\"soleus\", ".len() + "[](@muscles/soleus)".len(),
        text.len()
    );
    save(f.root(), ARTICLE, &dropped);
    server.settle(g);
    assert!(rebuild_lines(&server.log())
        .last()
        .unwrap()
        .starts_with(REPLANNED));
    assert!(!server.page(soleus).contains(listed));
    assert_serves_clean_build(&f, &server, &[]);
}

/// An event stream as the live reload script of the page at `url` opens
/// it (naming the page), once its response has begun.
fn listen_as(server: &Server, url: &str) -> TcpStream {
    let mut events = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let page = format!("{}{}", server.base().trim_end_matches('/'), url);
    write!(
        events,
        "GET /__knotwork/events?page={page} HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    .unwrap();
    let head = read_until(&mut events, "\r\n\r\n");
    assert!(head.contains("text/event-stream"), "{head}");
    events
}

/// The paths each `reload` event in `text` lists (`None` for "all").
fn reload_events(text: &str) -> Vec<Option<Vec<String>>> {
    text.split("\n\n")
        .filter(|e| e.lines().any(|l| l == "event: reload"))
        .filter_map(|e| e.lines().find_map(|l| l.strip_prefix("data: ")))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect()
}

/// What arrives on `events` until it has been quiet for half a second.
fn drain(events: &mut TcpStream) -> String {
    events
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = events.read(&mut buf) {
        if n == 0 {
            break;
        }
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    text
}

/// Replaces `from` with `to` in `file` while `url` is open in a browser
/// and checks that the page is rendered first: the first reload event
/// names it alone, and it is served with the edit (the text between the
/// first quotes of `to`) at once. Returns the generation once the rebuild
/// settled, and the page's event stream.
fn edit_with_page_open(
    f: &Fixture,
    server: &Server,
    generation: u64,
    (file, from, to, url): (&str, &str, &str, &str),
) -> (u64, TcpStream) {
    let mut events = listen_as(server, url);
    let text = std::fs::read_to_string(f.root().join(file)).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}");
    save(f.root(), file, &text.replacen(from, to, 1));
    let first = read_until(&mut events, "\n\n");
    assert_eq!(
        reload_events(&first),
        [Some(vec![format!("{url}index.html")])],
        "{file}: {first}"
    );
    let shown = to.split('"').nth(1).unwrap().trim();
    assert!(server.page(url).contains(shown), "{url} lacks {shown:?}");
    let settled = server.settle(generation)["generation"].as_u64().unwrap();
    (settled, events)
}

#[test]
fn the_open_page_is_rendered_and_served_before_the_rest_of_the_site() {
    let f = example_site_copy();
    let server = Server::start(f.root(), &[]);
    let mut g = server.settle(0)["generation"].as_u64().unwrap();
    // (file, text replaced, replacement, the page open in a browser)
    let edits = [
        (
            // The data path: articles naming the technique change too.
            "content/techniques/deep-tissue-massage.toml",
            "summary = \"",
            "summary = \"Edited first. ",
            "/techniques/deep-tissue-massage/",
        ),
        (
            // The re-plan path: lists, tags and neighbours change too.
            "content/blog/referred-pain-explained.md",
            "title = \"Referred Pain",
            "title = \"Edited First: Referred Pain",
            "/blog/referred-pain-explained/",
        ),
    ];
    for edit @ (file, _, _, url) in edits {
        let seen = server.log().matches("shown first").count();
        let mut events;
        (g, events) = edit_with_page_open(&f, &server, g, edit);
        assert_eq!(
            server.log().matches("shown first").count(),
            seen + 1,
            "{}",
            server.log()
        );
        // The rest of the rebuild tells the other pages, not this one again.
        let rest = reload_events(&drain(&mut events));
        assert_eq!(rest.len(), 1, "{file}: {rest:?}");
        let rest = rest[0].as_ref().expect("a list of changed files");
        let output = format!("{url}index.html");
        assert!(!rest.is_empty() && !rest.contains(&output), "{rest:?}");
        assert_serves_clean_build(&f, &server, &[]);
    }

    // An open page the edit does not change is not rendered first.
    let mut events = listen_as(&server, "/about/");
    let file = "content/techniques/deep-tissue-massage.toml";
    let text = std::fs::read_to_string(f.root().join(file)).unwrap();
    let seen = server.log().matches("shown first").count();
    save(f.root(), file, &text.replacen("Edited first. ", "", 1));
    server.settle(g);
    assert_eq!(server.log().matches("shown first").count(), seen);
    let told = reload_events(&drain(&mut events));
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(!told[0]
        .as_ref()
        .unwrap()
        .contains(&"/about/index.html".to_string()));
    assert_serves_clean_build(&f, &server, &[]);
}

#[test]
fn a_multilingual_site_takes_the_languages_path_for_data_and_front_matter_edits() {
    let f = example_site_copy();
    let site_toml = std::fs::read_to_string(f.root().join("site.toml")).unwrap();
    f.write(
        "site.toml",
        &format!("{site_toml}\n[languages.fr]\ntitle = \"Willow Lane — Apprendre\"\n"),
    )
    .write(
        "content/blog/active-vs-latent-trigger-points.fr.md",
        "+++\ntitle = \"Points gâchettes actifs et latents\"\n+++\n\
         Un point actif fait mal de lui-même, comme dans le [trapèze supérieur](@muscles/upper-trapezius).\n",
    )
    .write(
        "content/muscles/upper-trapezius.fr.toml",
        "name = \"Trapèze supérieur\"\nsummary = \"Le muscle en pente entre le cou et l’épaule.\"\n",
    );
    let server = Server::start(f.root(), &[]);
    let mut g = server.settle(0)["generation"].as_u64().unwrap();
    assert!(server
        .page("/fr/muscles/upper-trapezius/")
        .contains("Trapèze supérieur"));
    assert_serves_clean_build(&f, &server, &[]);
    let last_rebuild = |server: &Server| rebuild_lines(&server.log()).pop().unwrap();
    // (file, text replaced, replacement, the page open, a page showing it)
    let edits = [
        (
            // A translation of a data file: French pages only.
            "content/muscles/upper-trapezius.fr.toml",
            "name = \"Trapèze supérieur\"",
            "name = \"Trapèze supérieur, revu\"",
            "/fr/muscles/upper-trapezius/",
        ),
        (
            // An original data file: every language (French lays its
            // summary over it, so only English shows this one).
            "content/muscles/upper-trapezius.toml",
            "summary = \"The sloping muscle",
            "summary = \"Edited: the sloping muscle",
            "/muscles/upper-trapezius/",
        ),
        (
            // An original's front matter: lists, tags, both languages.
            "content/blog/active-vs-latent-trigger-points.md",
            "title = \"Active vs Latent",
            "title = \"Edited: Active vs Latent",
            "/blog/active-vs-latent-trigger-points/",
        ),
        (
            // A translation's front matter: French lists and tags.
            "content/blog/active-vs-latent-trigger-points.fr.md",
            "title = \"Points gâchettes",
            "title = \"Revu : points gâchettes",
            "/fr/blog/active-vs-latent-trigger-points/",
        ),
    ];
    for edit @ (file, ..) in edits {
        (g, _) = edit_with_page_open(&f, &server, g, edit);
        let line = last_rebuild(&server);
        assert!(
            line.starts_with("Rebuilt (every language linked again"),
            "{file}: {line}"
        );
        assert_serves_clean_build(&f, &server, &[]);
    }
    // The French blog lists the article under its French title.
    let french_blog = server.page("/fr/blog/");
    assert!(
        french_blog.contains("Revu : points gâchettes"),
        "{french_blog}"
    );

    // A translation made a draft: French no longer has the page, which
    // only the site path can tell.
    let file = "content/blog/active-vs-latent-trigger-points.fr.md";
    let text = std::fs::read_to_string(f.root().join(file)).unwrap();
    save(
        f.root(),
        file,
        &text.replacen("+++\n", "+++\ndraft = true\n", 1),
    );
    server.settle(g);
    let line = last_rebuild(&server);
    assert!(line.starts_with("Rebuilt: "), "{line}");
    assert_eq!(
        server
            .get(&format!(
                "{}fr/blog/active-vs-latent-trigger-points/",
                server.base()
            ))
            .status,
        404
    );
    assert_serves_clean_build(&f, &server, &[]);
}

#[test]
fn a_translation_file_on_a_site_in_one_language_is_reported() {
    let f = fixture();
    let server = Server::start(f.root(), &[]);
    server.settle(0);
    save(
        f.root(),
        "content/muscles/upper-trapezius.de.toml",
        "name = \"Oberer Trapezmuskel\"\n",
    );
    let error = error_naming(&server, &["unknown language `de`"]);
    assert!(
        error.contains("content/muscles/upper-trapezius.de.toml"),
        "{error}"
    );
}

#[test]
fn a_rebuild_failing_after_the_open_page_was_shown_puts_the_last_good_page_back() {
    let f = fixture();
    let server = Server::start(f.root(), &[]);
    let g = server.settle(0)["generation"].as_u64().unwrap();
    let before = server.page("/blog/first/");
    let mut events = listen_as(&server, "/blog/first/");
    // A new title the open page shows at once, and an old address that is
    // another article's URL: an error only the whole plan finds.
    save(
        f.root(),
        "content/blog/first.md",
        &article(
            "First steps, shown early",
            "2026-01-10",
            "tags = [\"neck\"]\ndescription = \"Where to begin.\"\naliases = [\"/blog/second/\"]",
            "## Begin\n\nThe [upper trapezius](@muscles/upper-trapezius) refers pain to the temple.\n\nSecond paragraph.",
        ),
    );
    let first = read_until(&mut events, "\n\n");
    assert_eq!(
        reload_events(&first),
        [Some(vec!["/blog/first/index.html".to_string()])],
        "{first}"
    );
    let error = server.settle_error();
    assert!(error.contains("two pages want the URL"), "{error}");
    // The page shown early is the last good one again.
    assert_eq!(server.page("/blog/first/"), before);
    server.wait_for_log("still serving the last good version");

    save(
        f.root(),
        "content/blog/first.md",
        &first_article("First steps, fixed", "Second paragraph."),
    );
    let status = server.settle(g);
    assert!(status["error"].is_null(), "{status}");
    assert!(server.page("/blog/first/").contains("First steps, fixed"));
    assert_serves_clean_build(&f, &server, &[]);
}
