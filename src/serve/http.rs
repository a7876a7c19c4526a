//! The preview's HTTP side: files from the current snapshot, the live
//! reload script and its event stream, and a status document for tools.
//!
//! Only files of the built site are ever answered, looked up by name in
//! memory: a request path is decoded, refused if any segment is `.` or
//! `..` (or holds a backslash or NUL), and otherwise can only name an
//! output file. There is no file system path to escape from.

use std::convert::Infallible;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use super::{LiveEvent, Shared, Snapshot};

/// The paths the preview answers itself; no site file can live there.
const RESERVED: &str = "/__knotwork/";

/// What serve mode adds to every HTML page, just before `</body>`. Not part
/// of the built site: tests remove it to compare with a clean build.
pub const LIVE_RELOAD_TAG: &str = "<script src=\"/__knotwork/live.js\"></script>";

const LIVE_RELOAD_JS: &str = include_str!("live.js");

/// Serves until Ctrl-C.
pub fn serve(listener: TcpListener, shared: Arc<Shared>) -> Result<(), String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
        let app = Router::new()
            .route("/__knotwork/live.js", get(live_js))
            .route("/__knotwork/events", get(events))
            .route("/__knotwork/status", get(status))
            .fallback(site_file)
            .with_state(shared);
        tokio::select! {
            served = axum::serve(listener, app) => served.map_err(|e| e.to_string()),
            _ = tokio::signal::ctrl_c() => {
                println!("Stopped.");
                Ok(())
            }
        }
    })
}

async fn live_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        LIVE_RELOAD_JS,
    )
        .into_response()
}

/// Server-sent events for the live reload script. A page that connects
/// while the site has errors gets the overlay at once. The script names
/// the page it is on (`?page=/blog/x/`): while it listens, a rebuild
/// renders that page first (see `incremental::open_first`).
async fn events(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<EventsQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = shared.events.subscribe();
    let snapshot = shared.current();
    let initial = snapshot.error.clone().map(LiveEvent::Error);
    let open = query.page.and_then(|page| match resolve(&snapshot, &page) {
        Resolved::File(path, _) => Some(OpenPage::new(shared.clone(), path)),
        _ => None,
    });
    let updates = BroadcastStream::new(receiver).filter_map(Result::ok);
    let stream = tokio_stream::iter(initial)
        .chain(updates)
        .map(move |event| {
            // The page counts as open as long as its stream lives.
            let _listening = &open;
            Ok(to_sse(&event))
        });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

#[derive(Debug, Deserialize)]
struct EventsQuery {
    /// The path of the page listening, as in its address bar.
    page: Option<String>,
}

/// A page open in a browser, from its event stream's start to its end.
struct OpenPage {
    shared: Arc<Shared>,
    path: String,
}

impl OpenPage {
    fn new(shared: Arc<Shared>, path: String) -> Self {
        if let Ok(mut open) = shared.open.lock() {
            open.open(&path);
        }
        OpenPage { shared, path }
    }
}

impl Drop for OpenPage {
    fn drop(&mut self) {
        if let Ok(mut open) = self.shared.open.lock() {
            open.close(&self.path);
        }
    }
}

fn to_sse(event: &LiveEvent) -> Event {
    match event {
        LiveEvent::Reload(paths) => Event::default()
            .event("reload")
            .data(serde_json::to_string(paths).unwrap_or_default()),
        LiveEvent::Css(sheets) => Event::default()
            .event("css")
            .data(serde_json::to_string(sheets).unwrap_or_default()),
        LiveEvent::Error(text) => Event::default()
            .event("build-error")
            .data(serde_json::to_string(text).unwrap_or_default()),
    }
}

/// The state of the preview as JSON: the build generation, whether the
/// search index is still catching up, the current error.
async fn status(State(shared): State<Arc<Shared>>) -> Response {
    let s = shared.current();
    let body = serde_json::json!({
        "generation": s.generation,
        "files": s.files.len() + s.search.len(),
        "search_pending": s.search_pending,
        "error": s.error,
    });
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// Where a request leads.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    /// An output file: its output path and bytes.
    File(String, Bytes),
    /// The folder exists: add the slash (`/blog` → `/blog/`).
    Redirect(String),
    NotFound,
}

async fn site_file(State(shared): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let snapshot = settled_for(&shared, uri.path()).await;
    if snapshot.files.is_empty() {
        return not_built(&snapshot);
    }
    let response = match resolve(&snapshot, uri.path()) {
        Resolved::File(path, bytes) => file_response(StatusCode::OK, &path, Some(bytes)),
        Resolved::Redirect(location) => {
            let location = match uri.query() {
                Some(q) => format!("{location}?{q}"),
                None => location,
            };
            (
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, location)],
            )
                .into_response()
        }
        Resolved::NotFound => file_response(
            StatusCode::NOT_FOUND,
            "404.html",
            snapshot.files.get("404.html").cloned(),
        ),
    };
    if method == Method::HEAD {
        let (parts, _) = response.into_parts();
        return Response::from_parts(parts, Body::empty());
    }
    response
}

/// The snapshot to answer a request for `raw_path` from: the current one,
/// unless a rebuild published the open pages first and is still bringing
/// up to date the rest, which this request names. Then it waits for the
/// rebuild (at most a minute: a stuck rebuild must not hang the browser).
/// The rebuilds that publish pages first change only rendered pages and
/// feeds, so stylesheets, scripts and images (which the page published
/// first loads at once) never wait.
async fn settled_for(shared: &Shared, raw_path: &str) -> Arc<Snapshot> {
    let give_up = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        // Registered before the check, so a rebuild ending in between wakes it.
        let settled = shared.settled.notified();
        let snapshot = shared.current();
        let waits =
            snapshot
                .settling
                .as_ref()
                .is_some_and(|fresh| match resolve(&snapshot, raw_path) {
                    Resolved::File(path, _) => is_rendered(&path) && !fresh.contains(&path),
                    Resolved::Redirect(_) | Resolved::NotFound => true,
                });
        if !waits || tokio::time::timeout_at(give_up, settled).await.is_err() {
            return snapshot;
        }
    }
}

/// Whether an output file is one that templates render (pages, feeds,
/// the sitemap, robots.txt) rather than a copied or generated asset.
fn is_rendered(path: &str) -> bool {
    [".html", ".xml", ".txt"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

fn lookup(snapshot: &Snapshot, path: &str) -> Option<Bytes> {
    snapshot
        .files
        .get(path)
        .or_else(|| snapshot.search.get(path))
        .cloned()
}

/// Maps a request path to an output file, refusing anything that could
/// name a place outside the site.
fn resolve(snapshot: &Snapshot, raw_path: &str) -> Resolved {
    let Ok(path) = percent_decode_str(raw_path).decode_utf8() else {
        return Resolved::NotFound;
    };
    if path.contains(['\\', '\0']) || path.starts_with(RESERVED) {
        return Resolved::NotFound;
    }
    let base = snapshot.base_path.as_str();
    let rest = if base.is_empty() {
        path.as_ref()
    } else if path == "/" || path == base {
        return Resolved::Redirect(format!("{base}/"));
    } else {
        match path.strip_prefix(base) {
            Some(rest) if rest.starts_with('/') => rest,
            _ => return Resolved::NotFound,
        }
    };
    let relative = rest.trim_start_matches('/');
    if relative
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return Resolved::NotFound;
    }
    if relative.is_empty() || relative.ends_with('/') {
        let index = format!("{relative}index.html");
        return match lookup(snapshot, &index) {
            Some(bytes) => Resolved::File(index, bytes),
            None => Resolved::NotFound,
        };
    }
    if let Some(bytes) = lookup(snapshot, relative) {
        return Resolved::File(relative.to_string(), bytes);
    }
    if snapshot
        .files
        .contains_key(&format!("{relative}/index.html"))
    {
        return Resolved::Redirect(format!("{base}/{relative}/"));
    }
    Resolved::NotFound
}

fn file_response(status: StatusCode, path: &str, bytes: Option<Bytes>) -> Response {
    let Some(bytes) = bytes else {
        return (status, "Not found").into_response();
    };
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let is_html = mime.essence_str() == "text/html";
    let content_type = if mime.type_() == "text" || mime.essence_str() == "application/javascript" {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_string()
    };
    let body = if is_html {
        inject_live_reload(&bytes)
    } else {
        bytes
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    // The preview changes under the browser's feet: never cache.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The page with the live reload script before its last `</body>`.
fn inject_live_reload(page: &Bytes) -> Bytes {
    let at = page
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(page.len());
    let mut out = Vec::with_capacity(page.len() + LIVE_RELOAD_TAG.len());
    out.extend_from_slice(&page[..at]);
    out.extend_from_slice(LIVE_RELOAD_TAG.as_bytes());
    out.extend_from_slice(&page[at..]);
    Bytes::from(out)
}

/// Shown while the site has never built: the error, with the live reload
/// script, so the page turns into the site once the error is fixed.
fn not_built(snapshot: &Snapshot) -> Response {
    let error = snapshot
        .error
        .as_deref()
        .unwrap_or("The site is being built…");
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Knotwork: the site does not build</title></head>\
         <body><main><h1>The site does not build yet</h1><p>Fix the problems below and save; this page reloads by itself.</p>\
         <pre>{}</pre></main>{LIVE_RELOAD_TAG}</body></html>",
        crate::html::escape(error)
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(base: &str) -> Snapshot {
        let files: crate::incremental::OutputMap = [
            "index.html",
            "blog/x/index.html",
            "css/site.css",
            "404.html",
        ]
        .into_iter()
        .map(|p| (p.to_string(), Bytes::from_static(b"x")))
        .collect();
        Snapshot {
            files,
            base_path: base.to_string(),
            ..Snapshot::default()
        }
    }

    fn file(path: &str) -> Resolved {
        Resolved::File(path.into(), Bytes::from_static(b"x"))
    }

    #[test]
    fn requests_resolve_to_output_files_only() {
        let s = snapshot("");
        assert_eq!(resolve(&s, "/"), file("index.html"));
        assert_eq!(resolve(&s, "/blog/x/"), file("blog/x/index.html"));
        assert_eq!(
            resolve(&s, "/blog/x"),
            Resolved::Redirect("/blog/x/".into())
        );
        assert_eq!(resolve(&s, "/css/site.css"), file("css/site.css"));
        assert_eq!(resolve(&s, "/nope/"), Resolved::NotFound);
        for evil in [
            "/../etc/passwd",
            "/blog/../index.html",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/blog/%2e%2e/index.html",
            "/./index.html",
            "/..%5c..%5cwindows",
            "/index.html%00",
            "/%ff",
        ] {
            assert_eq!(resolve(&s, evil), Resolved::NotFound, "{evil}");
        }
    }

    #[test]
    fn a_subpath_site_is_served_under_its_base_path() {
        let s = snapshot("/studio");
        assert_eq!(resolve(&s, "/"), Resolved::Redirect("/studio/".into()));
        assert_eq!(
            resolve(&s, "/studio"),
            Resolved::Redirect("/studio/".into())
        );
        assert_eq!(resolve(&s, "/studio/"), file("index.html"));
        assert_eq!(resolve(&s, "/studio/blog/x/"), file("blog/x/index.html"));
        assert_eq!(resolve(&s, "/blog/x/"), Resolved::NotFound);
        assert_eq!(resolve(&s, "/studiox/"), Resolved::NotFound);
    }

    #[tokio::test]
    async fn while_a_rebuild_settles_only_the_pages_it_published_are_answered() {
        let (events, _) = tokio::sync::broadcast::channel(4);
        let settling: std::collections::HashSet<String> =
            ["blog/x/index.html".to_string()].into_iter().collect();
        let shared = Arc::new(Shared {
            snapshot: std::sync::Mutex::new(Arc::new(Snapshot {
                settling: Some(Arc::new(settling)),
                ..snapshot("")
            })),
            events,
            open: Default::default(),
            settled: tokio::sync::Notify::new(),
        });
        // The page published first is answered at once.
        let early = settled_for(&shared, "/blog/x/").await;
        assert!(early.settling.is_some());
        // So are assets, which such a rebuild does not change.
        assert!(settled_for(&shared, "/css/site.css")
            .await
            .settling
            .is_some());
        // Another page waits until the rebuild is done.
        let waiting = tokio::spawn({
            let shared = shared.clone();
            async move { settled_for(&shared, "/").await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished());
        shared.update(|s| s.settling = None);
        shared.settled.notify_waiters();
        let answered = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("answered once settled")
            .unwrap();
        assert!(answered.settling.is_none());
    }

    #[test]
    fn the_script_goes_before_the_last_body_end_tag() {
        let page = Bytes::from_static(b"<html><body><p>&lt;/body&gt;</p></BODY></html>");
        let out = inject_live_reload(&page);
        let expected = format!("<html><body><p>&lt;/body&gt;</p>{LIVE_RELOAD_TAG}</BODY></html>");
        assert_eq!(out, Bytes::from(expected));
    }
}
