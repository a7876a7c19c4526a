//! `knotwork serve`: a live preview that rebuilds incrementally.
//!
//! Four parts, each on its own thread:
//!
//! * the **watcher** ([`watch`]) turns file system events under the site
//!   folder into batches of changed paths;
//! * the **builder** (this module) applies each batch to an
//!   [`incremental::Session`] and publishes the result as a new
//!   [`Snapshot`], or keeps the last good one and publishes the error;
//! * the **indexer** rebuilds the search index in the background after a
//!   change to a searchable page (Pagefind takes seconds on big sites, and
//!   the edited page should not wait for it);
//! * the **server** ([`http`]) answers from the newest snapshot, in memory:
//!   nothing is written to disk, and nothing outside the site's output can
//!   be reached. Pages get a small script that reloads them after a
//!   rebuild, swaps stylesheets after a CSS change and shows build errors
//!   as an overlay.

mod http;
mod watch;

use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::broadcast;

use crate::diagnostics::Diagnostics;
use crate::ids::UrlPath;
use crate::incremental::{OpenFirst, OutputMap, RebuildPath, Rebuilt, Session};
use crate::{config, search, BuildFailure, BuildOptions};

pub use http::LIVE_RELOAD_TAG;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub build: BuildOptions,
    pub interface: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Open the site in the default browser once it is served.
    pub open: bool,
}

/// What the server answers from: one consistent state of the site.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    /// The built site, by output path (`blog/x/index.html`).
    pub files: OutputMap,
    /// The search bundle, by output path (`pagefind/…`).
    pub search: Arc<HashMap<String, Bytes>>,
    /// `/studio`, or empty at the domain root.
    pub base_path: String,
    /// Counts successful rebuilds; tests and tools poll it.
    pub generation: u64,
    /// The errors of the last rebuild, as text, while they last.
    pub error: Option<String>,
    /// The search index lags behind the pages.
    pub search_pending: bool,
    /// The newest search indexing requested; the index of an older one is
    /// dropped when it finishes.
    pub search_job: u64,
    /// While a rebuild that already published the open pages it changed
    /// finishes the rest: those pages' output paths. Requests for other
    /// pages wait until the rebuild is done ([`Shared::settled`]).
    pub settling: Option<Arc<HashSet<String>>>,
}

/// What the open pages are told.
#[derive(Debug, Clone)]
pub enum LiveEvent {
    /// Files changed: output paths with the base path (`/blog/x/index.html`),
    /// or `None` for "reload whatever you show".
    Reload(Option<Vec<String>>),
    /// Only stylesheets changed: their new URLs.
    Css(Vec<String>),
    /// The last rebuild failed: the error text for the overlay.
    Error(String),
}

/// The state the server threads share.
pub struct Shared {
    pub snapshot: Mutex<Arc<Snapshot>>,
    pub events: broadcast::Sender<LiveEvent>,
    /// The pages shown by the browsers listening for live reloads.
    pub open: Mutex<OpenPages>,
    /// Told when a rebuild that published open pages first is done.
    pub settled: tokio::sync::Notify,
}

/// The pages open in a browser, by output path: how many listeners show
/// each, and when one last opened it.
#[derive(Debug, Default)]
pub struct OpenPages {
    pages: HashMap<String, (usize, u64)>,
    opened: u64,
}

impl OpenPages {
    pub fn open(&mut self, path: &str) {
        self.opened += 1;
        let entry = self.pages.entry(path.to_string()).or_default();
        *entry = (entry.0 + 1, self.opened);
    }

    pub fn close(&mut self, path: &str) {
        if let Some(entry) = self.pages.get_mut(path) {
            entry.0 -= 1;
            if entry.0 == 0 {
                self.pages.remove(path);
            }
        }
    }

    /// The open pages, the most recently opened first.
    fn newest_first(&self) -> Vec<String> {
        let mut pages: Vec<(&String, u64)> =
            self.pages.iter().map(|(p, &(_, at))| (p, at)).collect();
        pages.sort_unstable_by_key(|&(_, at)| std::cmp::Reverse(at));
        pages.into_iter().map(|(p, _)| p.clone()).collect()
    }
}

impl Shared {
    fn current(&self) -> Arc<Snapshot> {
        self.snapshot.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Publishes a changed copy of the current snapshot (cheap: the maps
    /// are shared, not copied).
    fn update(&self, change: impl FnOnce(&mut Snapshot)) {
        if let Ok(mut guard) = self.snapshot.lock() {
            let mut next = Snapshot::clone(&guard);
            change(&mut next);
            *guard = Arc::new(next);
        }
    }
}

/// Runs the preview server until Ctrl-C. Returns an error message when it
/// cannot start (port in use, bad site folder).
pub fn run(mut opts: ServeOptions) -> Result<(), String> {
    let color = std::io::stderr().is_terminal();
    opts.build.root = opts.build.root.canonicalize().map_err(|e| {
        format!(
            "cannot open the site folder {}: {e}",
            opts.build.root.display()
        )
    })?;
    let listener = TcpListener::bind(SocketAddr::new(opts.interface, opts.port)).map_err(|e| {
        format!(
            "cannot listen on {}:{}: {e}{}",
            opts.interface,
            opts.port,
            if e.kind() == std::io::ErrorKind::AddrInUse {
                " (another program uses this port: pass --port with another number, or --port 0 for any free one)"
            } else {
                ""
            }
        )
    })?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let config = site_config(&opts.build, color)?;
    let base_path = config.base.path;
    let url = format!("http://{}{base_path}/", host(opts.interface, port));
    // Absolute URLs (canonical links, feeds, the sitemap) point at the preview.
    opts.build.overrides.base_url = Some(url.clone());

    let (events, _) = broadcast::channel(64);
    let shared = Arc::new(Shared {
        snapshot: Mutex::new(Arc::new(Snapshot {
            base_path: base_path.clone(),
            ..Snapshot::default()
        })),
        events,
        open: Mutex::default(),
        settled: tokio::sync::Notify::new(),
    });
    let mut session = Session::new(opts.build.clone());
    let pool = rebuild_pool()?;
    let indexer = start_indexer(shared.clone());
    let started = Instant::now();
    let publisher = Publisher {
        shared: shared.clone(),
        indexer,
        color,
    };
    let first = pool.install(|| session.rebuild(&[]));
    publisher.publish(&session, first, &Early::default(), false, started);

    let (changes_tx, changes_rx) = mpsc::channel();
    let _watcher = watch::start(&opts.build.root, &config.output_dir, changes_tx).map_err(|e| {
        format!(
            "cannot watch {} for changes: {e}",
            opts.build.root.display()
        )
    })?;
    std::thread::Builder::new()
        .name("knotwork-builder".into())
        .spawn(move || builder(session, pool, changes_rx, publisher))
        .map_err(|e| e.to_string())?;

    if !opts.interface.is_loopback() {
        eprintln!(
            "warning: serving on {} makes the preview reachable from other machines on your network",
            opts.interface
        );
    }
    println!("Serving the site at {url} (Ctrl-C to stop)");
    let _ = std::io::stdout().flush();
    if opts.open {
        if let Err(e) = open::that_detached(&url) {
            eprintln!("could not open a browser ({e}); open {url} yourself");
        }
    }
    http::serve(listener, shared)
}

/// The site's settings, read once at start: the preview keeps a subpath
/// site's base path, and the watcher ignores the output folder.
fn site_config(build: &BuildOptions, color: bool) -> Result<config::Config, String> {
    let mut diags = Diagnostics::new();
    config::load(&build.root, &build.overrides, &mut diags).ok_or_else(|| {
        for d in diags.iter() {
            eprintln!("{}\n", d.render(color));
        }
        "site.toml has errors; fix them and run `knotwork serve` again".to_string()
    })
}

fn host(interface: IpAddr, port: u16) -> String {
    match interface {
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
        IpAddr::V4(v4) => format!("{v4}:{port}"),
    }
}

/// The builder thread: applies batches of changes one after another. While
/// one rebuild runs, further changes queue up and go into the next.
fn builder(
    mut session: Session,
    pool: rayon::ThreadPool,
    changes: mpsc::Receiver<Vec<PathBuf>>,
    publisher: Publisher,
) {
    let shared = &publisher.shared;
    while let Ok(mut batch) = changes.recv() {
        while let Ok(more) = changes.try_recv() {
            batch.extend(more);
        }
        batch.sort();
        batch.dedup();
        let started = Instant::now();
        let css_only = batch
            .iter()
            .all(|p| p.extension().is_some_and(|e| e == "css"));
        let open = shared.open.lock().map(|o| o.newest_first());
        let mut early = Early::default();
        let mut publish_open = |pages: Vec<(String, Bytes)>| {
            early.publish(shared, pages, started);
        };
        let first = open.ok().map(|pages| OpenFirst {
            pages,
            publish: &mut publish_open,
        });
        let result = pool.install(|| session.rebuild_open_first(&batch, first));
        publisher.publish(&session, result, &early, css_only, started);
    }
}

/// The open pages a rebuild published before it was done, and their bytes.
#[derive(Default)]
struct Early {
    pages: HashMap<String, Bytes>,
}

impl Early {
    /// Serves `pages` now, holds back requests for the others (which the
    /// rebuild has yet to bring up to date), and tells the pages showing
    /// them to reload.
    fn publish(&mut self, shared: &Shared, pages: Vec<(String, Bytes)>, started: Instant) {
        let paths: HashSet<String> = pages.iter().map(|(p, _)| p.clone()).collect();
        let mut base = String::new();
        shared.update(|s| {
            for (path, bytes) in &pages {
                s.files.insert(path.clone(), bytes.clone());
            }
            s.settling = Some(Arc::new(paths));
            base = s.base_path.clone();
        });
        let mut listed: Vec<String> = pages.iter().map(|(p, _)| format!("{base}/{p}")).collect();
        listed.sort();
        println!(
            "  Open page{} shown first in {} ms: {}",
            if pages.len() == 1 { "" } else { "s" },
            started.elapsed().as_millis(),
            listed.join(", ")
        );
        let _ = std::io::stdout().flush();
        let _ = shared.events.send(LiveEvent::Reload(Some(listed)));
        self.pages.extend(pages);
    }
}

/// Where each rebuild's result goes: the state the server answers from,
/// the search indexer, and the terminal (coloured or not).
struct Publisher {
    shared: Arc<Shared>,
    indexer: mpsc::Sender<SearchJob>,
    color: bool,
}

impl Publisher {
    /// Makes a rebuild's result what the server answers, and tells the
    /// pages. `early` holds the open pages the rebuild published before it
    /// was done; `css_only` says only stylesheets changed (the pages swap
    /// them without reloading).
    fn publish(
        &self,
        session: &Session,
        result: Result<Rebuilt, BuildFailure>,
        early: &Early,
        css_only: bool,
        started: Instant,
    ) {
        let Publisher {
            shared,
            indexer,
            color,
        } = self;
        let color = *color;
        match result {
            Ok(rebuilt) => {
                for d in rebuilt.warnings.iter() {
                    eprintln!("{}\n", d.render(color));
                }
                let files = session.files().cloned().unwrap_or_default();
                let base = session.base_path().unwrap_or_default().to_string();
                let mut event = live_event(&rebuilt, &files, &base, css_only, early);
                if event.is_none() && shared.current().error.is_some() {
                    // Nothing changed since the last good build (the error was
                    // undone): the pages only need their overlay taken down.
                    event = Some(LiveEvent::Reload(Some(Vec::new())));
                }
                let mut job = 0;
                shared.update(|s| {
                    s.files = files;
                    s.base_path = base;
                    s.generation += 1;
                    s.error = None;
                    s.settling = None;
                    if rebuilt.search_changed {
                        s.search_job += 1;
                        s.search_pending = true;
                        job = s.search_job;
                    }
                });
                report(&rebuilt, started);
                if rebuilt.search_changed {
                    match session.search_pages() {
                        Some((pages, language)) => {
                            let _ = indexer.send(SearchJob {
                                id: job,
                                pages,
                                language,
                            });
                        }
                        None => shared.update(|s| {
                            if s.search_job == job {
                                s.search = Arc::default();
                                s.search_pending = false;
                            }
                        }),
                    }
                }
                shared.settled.notify_waiters();
                if let Some(event) = event {
                    let _ = shared.events.send(event);
                }
            }
            Err(failure) => {
                for d in failure.diagnostics.iter() {
                    eprintln!("{}\n", d.render(color));
                }
                let n = failure.diagnostics.error_count();
                eprintln!(
                    "Rebuild failed with {n} error{}; still serving the last good version.",
                    if n == 1 { "" } else { "s" }
                );
                let text = failure
                    .diagnostics
                    .iter()
                    .map(|d| d.render(false))
                    .collect::<Vec<_>>()
                    .join("\n\n");
                shared.update(|s| {
                    s.error = Some(text.clone());
                    // Open pages published early go back to the last good build.
                    if s.settling.take().is_some() {
                        s.files = session.files().cloned().unwrap_or_default();
                    }
                });
                shared.settled.notify_waiters();
                let _ = shared.events.send(LiveEvent::Error(text));
            }
        }
    }
}

fn report(rebuilt: &Rebuilt, started: Instant) {
    let how = match rebuilt.path {
        RebuildPath::Initial => "Built",
        RebuildPath::Document => "Rebuilt (one document)",
        RebuildPath::Data => "Rebuilt (data)",
        RebuildPath::Replanned => "Rebuilt (one document, the pages it reaches planned)",
        RebuildPath::Languages => "Rebuilt (every language linked again, no other file read)",
        RebuildPath::Site => "Rebuilt",
    };
    println!(
        "{how}: {} page{} rendered, {} file{} changed, {} removed in {} ms",
        rebuilt.rendered,
        if rebuilt.rendered == 1 { "" } else { "s" },
        rebuilt.changed.len(),
        if rebuilt.changed.len() == 1 { "" } else { "s" },
        rebuilt.removed.len(),
        started.elapsed().as_millis()
    );
    let _ = std::io::stdout().flush();
}

/// Pages with more changes than this just reload, rather than each
/// comparing a long list.
const MAX_LISTED_CHANGES: usize = 500;

/// What to tell the open pages after a rebuild; pages published `early`
/// whose output the rebuild did not change again were told already.
fn live_event(
    rebuilt: &Rebuilt,
    files: &OutputMap,
    base: &str,
    css_only: bool,
    early: &Early,
) -> Option<LiveEvent> {
    let told = |path: &String| {
        early
            .pages
            .get(path)
            .is_some_and(|b| files.get(path) == Some(b))
    };
    let changed: Vec<&String> = rebuilt.changed.iter().filter(|p| !told(p)).collect();
    if changed.is_empty() && rebuilt.removed.is_empty() {
        return None;
    }
    if css_only {
        let mut sheets: Vec<String> = files
            .keys()
            .filter(|p| p.ends_with(".css"))
            .map(|p| format!("{base}/{p}"))
            .collect();
        sheets.sort();
        return Some(LiveEvent::Css(sheets));
    }
    let all = changed.iter().copied().chain(&rebuilt.removed);
    if changed.len() + rebuilt.removed.len() > MAX_LISTED_CHANGES {
        return Some(LiveEvent::Reload(None));
    }
    Some(LiveEvent::Reload(Some(
        all.map(|p| format!("{base}/{p}")).collect(),
    )))
}

/// A request to index the searchable pages of the site as they are now.
struct SearchJob {
    /// Numbers the requests; only the newest one's index is kept.
    id: u64,
    pages: Vec<(UrlPath, Bytes)>,
    language: Option<String>,
}

/// Starts the search indexer thread. Jobs that pile up while it works
/// collapse into the newest.
fn start_indexer(shared: Arc<Shared>) -> mpsc::Sender<SearchJob> {
    let (tx, rx) = mpsc::channel::<SearchJob>();
    let spawned = std::thread::Builder::new()
        .name("knotwork-search".into())
        .spawn(move || {
            lower_thread_priority();
            let last = search::SearchCache::in_memory();
            while let Ok(mut job) = rx.recv() {
                while let Ok(newer) = rx.try_recv() {
                    job = newer;
                }
                index(&shared, job, &last);
            }
        });
    if let Err(e) = spawned {
        eprintln!("warning: no search index in the preview: {e}");
    }
    tx
}

/// The pool rebuilds run on. Pagefind parses pages on rayon's global pool
/// whatever pool asks it to (from a thread of its own), so while the search
/// index was rebuilt an edit's parallel work queued behind the parse of
/// every page: 1–10 s on a site of 10,000 articles in two languages. Now
/// rebuilds have a pool of their own, and the global pool (the search
/// index, values freed later) runs at a lower priority: an edit takes the
/// CPU first, and the index follows.
fn rebuild_pool() -> Result<rayon::ThreadPool, String> {
    // Fails only when the global pool already runs; it then keeps its priority.
    let _ = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("knotwork-background-{i}"))
        .start_handler(|_| lower_thread_priority())
        .build_global();
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("knotwork-rebuild-{i}"))
        .build()
        .map_err(|e| format!("cannot start the rebuild threads: {e}"))
}

/// Gives the calling thread a nice value of 10: it runs when the threads
/// answering an edit do not need the CPU.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority takes no pointers. On Linux the nice value is a
    // thread's own, and `who = 0` names the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

/// Indexes the job's pages, unless they are those `last` was built from.
fn index(shared: &Shared, job: SearchJob, last: &search::SearchCache) {
    if shared.current().search_job != job.id {
        return; // the pages changed again: a newer job is on its way
    }
    let pages = job
        .pages
        .iter()
        .map(|(url, html)| search::SearchPage::Rendered { url, html });
    match search::index(pages, job.language.as_deref(), last) {
        Ok(search::Indexed { files: bundle, .. }) => shared.update(|s| {
            if s.search_job == job.id {
                s.search = Arc::new(
                    bundle
                        .into_iter()
                        .map(|f| (f.path, Bytes::from(f.bytes)))
                        .collect(),
                );
                s.search_pending = false;
            }
        }),
        Err(d) => {
            eprintln!("{}\n", d.render(false));
            shared.update(|s| {
                if s.search_job == job.id {
                    s.search_pending = false;
                }
            });
        }
    }
}
