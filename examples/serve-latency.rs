//! Measures edit-to-served time of `knotwork serve`: starts the server on a
//! site, then edits one file again and again (saved the way editors do, by
//! renaming a temporary file over it) and, as an open page does, waits for
//! the live-reload event and then requests the page, until it shows the
//! edit. Prints each time and the median, 90th percentile and maximum.
//! The file is restored at the end. KNOTWORK_LATENCY_POLL=1 requests the
//! page again and again instead (as earlier measurements did); on a
//! machine of two cores those requests take time from the rebuild.
//!
//!   cargo build --release
//!   cargo run --release --example serve-latency -- SITE FILE URL [EDITS]
//!
//! FILE is relative to SITE: an `.md` file gets a new last paragraph (with
//! KNOTWORK_LATENCY_TITLE=1, a changed `title` in its front matter
//! instead), a `.toml` data file a changed `summary` (or `description`, `bio`,
//! `red_flags`). URL is the page that shows the
//! edit (`/blog/some-article/`). By default it waits for the search index
//! to catch up between edits; KNOTWORK_LATENCY_NO_WAIT=1 edits while it is
//! still being rebuilt in the background, as a writer would. When it waits,
//! it also reports edit-to-indexed: from the save until the search index
//! served includes the edit. KNOTWORK_LATENCY_VERBOSE=1 also prints the
//! server's report of each rebuild (its path, pages rendered, files
//! changed, milliseconds).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [site, file, url, rest @ ..] = args.as_slice() else {
        eprintln!("usage: serve-latency SITE FILE URL [EDITS]");
        std::process::exit(2);
    };
    let edits: usize = rest.first().and_then(|n| n.parse().ok()).unwrap_or(20);
    let wait_for_search = std::env::var_os("KNOTWORK_LATENCY_NO_WAIT").is_none();
    let poll = std::env::var_os("KNOTWORK_LATENCY_POLL").is_some();
    let binary = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("knotwork");
    let mut child = Command::new(&binary)
        .args(["serve", "--port", "0", "--root", site])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let started = Instant::now();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("serve exited").unwrap();
        println!("{line}");
        if let Some(rest) = line.strip_prefix("Serving the site at http://") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    println!("served after {:.1} s", started.elapsed().as_secs_f64());
    // With KNOTWORK_LATENCY_VERBOSE=1, the server's report of each rebuild
    // (its path, pages rendered, files changed) is shown.
    let verbose = std::env::var_os("KNOTWORK_LATENCY_VERBOSE").is_some();
    // The milliseconds of each whole rebuild, as the server reports them.
    let (rebuilds_tx, rebuilds) = std::sync::mpsc::channel::<f64>();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if verbose {
                println!("  {line}");
            }
            if line.starts_with("Rebuilt") {
                let ms = line
                    .rsplit(" in ")
                    .next()
                    .and_then(|t| t.trim_end_matches(" ms").parse::<f64>().ok());
                let _ = rebuilds_tx.send(ms.unwrap_or(f64::NAN));
            }
        }
    });
    let (host, path) = base.split_at(base.find('/').unwrap());
    let port: u16 = host.rsplit(':').next().unwrap().parse().unwrap();
    let page = format!("{}{url}", path.trim_end_matches('/'));

    let target = Path::new(site).join(file);
    let original = std::fs::read_to_string(&target).unwrap();
    wait_idle(port, wait_for_search);
    let mut times = Vec::with_capacity(edits);
    let mut indexed = Vec::with_capacity(edits);
    let mut whole = Vec::with_capacity(edits);
    for n in 0..edits {
        let marker = format!("latency-marker-{n}-{}", std::process::id());
        let edited = edit(&original, file, &marker);
        let mut events = (!poll).then(|| open_events(port, &page));
        while rebuilds.try_recv().is_ok() {}
        let t0 = Instant::now();
        save(&target, &edited);
        loop {
            if let Some(events) = events.as_mut() {
                wait_for_reload(events);
            }
            if get(port, &page).contains(&marker) {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(120),
                "edit {n} never served"
            );
        }
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        times.push(ms);
        let rebuilt = rebuilds
            .recv_timeout(Duration::from_secs(120))
            .expect("the server's report of the rebuild");
        whole.push(rebuilt);
        if wait_for_search {
            // The page with the edit and `search_pending` are published
            // together: the index includes the edit once it is false.
            while get(port, "/__knotwork/status").contains("\"search_pending\":true") {
                std::thread::sleep(Duration::from_millis(10));
            }
            let search_ms = t0.elapsed().as_secs_f64() * 1000.0;
            println!("edit {n:>3}: {ms:7.1} ms (whole rebuild {rebuilt:.0} ms), indexed for search after {search_ms:7.1} ms");
            indexed.push(search_ms);
        } else {
            println!("edit {n:>3}: {ms:7.1} ms (whole rebuild {rebuilt:.0} ms)");
        }
        wait_idle(port, wait_for_search);
    }
    save(&target, &original);
    std::thread::sleep(Duration::from_millis(200));
    let _ = child.kill();
    let _ = child.wait();
    summarize("edit-to-served", times);
    summarize(
        "whole rebuild (server's count, from the saved batch)",
        whole,
    );
    if wait_for_search {
        summarize("edit-to-indexed", indexed);
    }
}

/// Prints the median, 90th percentile and maximum of `times` (ms).
fn summarize(what: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{what} over {} edits: median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        times.len(),
        pick(0.5),
        pick(0.9),
        pick(1.0)
    );
}

fn edit(original: &str, file: &str, marker: &str) -> String {
    if file.ends_with(".md") && std::env::var_os("KNOTWORK_LATENCY_TITLE").is_some() {
        original.replacen("title = \"", &format!("title = \"{marker} "), 1)
    } else if file.ends_with(".md") {
        format!("{}\n\nEdited: {marker}.\n", original.trim_end())
    } else {
        // Entities have a summary; FAQ topics a description; people a
        // bio; the site's regions file red flags.
        let key = [
            "summary = \"",
            "description = \"",
            "bio = \"",
            "red_flags = \"\"\"\n",
        ]
        .into_iter()
        .find(|k| original.contains(k))
        .expect("a data file with a summary, description, bio or red flags");
        original.replacen(key, &format!("{key}{marker} "), 1)
    }
}

fn save(target: &Path, text: &str) {
    let tmp: PathBuf = target.with_file_name(format!(
        ".{}.latency-tmp",
        target.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, target).unwrap();
}

/// Waits until no rebuild is running and, if asked, the search index is
/// current: the state between two edits of a writer who pauses.
fn wait_idle(port: u16, wait_for_search: bool) {
    let mut last = String::new();
    let mut quiet = Instant::now();
    loop {
        let status = get(port, "/__knotwork/status");
        if status != last {
            last = status;
            quiet = Instant::now();
        } else if quiet.elapsed() > Duration::from_millis(300)
            && (!wait_for_search || last.contains("\"search_pending\":false"))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    let _ = stream.read_to_string(&mut body);
    body
}

/// The live-reload event stream, as the open `page` subscribes to it
/// (naming itself, so the server renders it first), once its response
/// has begun: the server then counts the page as open.
fn open_events(port: u16, page: &str) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    write!(
        stream,
        "GET /__knotwork/events?page={page} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .unwrap();
    let mut events = BufReader::new(stream);
    let mut line = String::new();
    while line != "\r\n" {
        line.clear();
        let read = events.read_line(&mut line).expect("the event stream");
        assert!(read > 0, "the event stream closed");
    }
    events
}

/// Reads the event stream until a page reload is announced.
fn wait_for_reload(events: &mut BufReader<TcpStream>) {
    let mut line = String::new();
    loop {
        line.clear();
        let read = events.read_line(&mut line).expect("the event stream");
        assert!(read > 0, "the event stream closed");
        if line.trim_end() == "event: reload" {
            return;
        }
    }
}
