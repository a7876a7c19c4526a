//! `knotwork check --external` against a local HTTP server (loopback only)
//! that answers 200, 301, 404, 429 then 200, 405 to HEAD, slowly, and not
//! at all.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;

type Hits = Arc<Mutex<HashMap<String, usize>>>;

/// Serves until the test ends; returns its origin and the request counts.
fn server() -> (String, Hits) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let hits: Hits = Arc::default();
    let counts = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counts = counts.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    return;
                }
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                }
                let mut parts = request_line.split_whitespace();
                let method = parts.next().unwrap_or("").to_string();
                let path = parts.next().unwrap_or("").to_string();
                let n = {
                    let mut c = counts.lock().unwrap();
                    let n = c.entry(path.clone()).or_insert(0);
                    *n += 1;
                    *n
                };
                let response = match (method.as_str(), path.as_str()) {
                    (_, "/ok") => "200 OK\r\n".to_string(),
                    (_, "/moved") => "301 Moved Permanently\r\nLocation: /ok\r\n".to_string(),
                    (_, "/gone") => "404 Not Found\r\n".to_string(),
                    (_, "/busy") if n == 1 => {
                        "429 Too Many Requests\r\nRetry-After: 1\r\n".to_string()
                    }
                    (_, "/busy") => "200 OK\r\n".to_string(),
                    ("HEAD", "/no-head") => "405 Method Not Allowed\r\n".to_string(),
                    ("GET", "/no-head") => "200 OK\r\n".to_string(),
                    (_, "/slow") => {
                        std::thread::sleep(Duration::from_secs(4));
                        "200 OK\r\n".to_string()
                    }
                    _ => "500 Internal Server Error\r\n".to_string(),
                };
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {response}Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
            });
        }
    });
    (origin, hits)
}

/// A port on which nothing listens.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn external_links_are_classified_reported_by_place_and_cached() {
    let (origin, hits) = server();
    let closed = closed_port();
    let f = Fixture::new();
    f.write(
        "site.toml",
        &format!("{SITE_TOML}\n[links]\ntimeout = 1\nskip = [\"{origin}/skipped*\", \"https://book.example.com\"]\n"),
    );
    let body = format!(
        "See [ok]({origin}/ok), [moved]({origin}/moved), [gone]({origin}/gone).\n\n\
         Also [busy]({origin}/busy), [no head]({origin}/no-head), [slow]({origin}/slow),\n\
         [nobody](http://127.0.0.1:{closed}/x), [skipped]({origin}/skipped/page) and [ok again]({origin}/ok#part).\n"
    );
    f.write("content/blog/a.md", &article("A", "2026-01-01", "", &body));
    f.write(
        "content/references.toml",
        &format!("{REFERENCES}url = \"{origin}/gone\"\n"),
    );
    let out = f.run("check", &["--external"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    // Dead links, each with every place that uses it.
    assert!(
        stderr.contains(&format!("dead: {origin}/gone (HTTP 404 (not found))")),
        "{stderr}"
    );
    assert!(stderr.contains("used at content/blog/a.md:6:"), "{stderr}");
    assert!(
        stderr.contains("used at content/references.toml:5:"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("dead: {origin}/slow (no answer within 1 s)")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "dead: http://127.0.0.1:{closed}/x (connection refused)"
        )),
        "{stderr}"
    );
    for alive in ["/ok", "/moved", "/busy", "/no-head", "/skipped"] {
        assert!(
            !stderr.contains(&format!("{origin}{alive} ")),
            "{alive} reported:\n{stderr}"
        );
    }
    assert!(
        stdout.contains("7 checked") && stdout.contains("3 dead") && stdout.contains("2 skipped"),
        "{stdout}"
    );
    {
        let h = hits.lock().unwrap();
        assert_eq!(h.get("/busy"), Some(&2), "429 retried once");
        assert_eq!(h.get("/no-head"), Some(&2), "HEAD, then GET");
        assert_eq!(h.get("/skipped/page"), None, "skipped");
        assert_eq!(
            h.get("/ok"),
            Some(&2),
            "once for /ok, once after the redirect; the fragment is not a new URL"
        );
    }
    // Second run: live links come from the cache; only the dead are asked again.
    let out = f.run("check", &["--external"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("4 from the last day's cache"), "{stdout}");
    let h = hits.lock().unwrap();
    assert_eq!(h.get("/ok"), Some(&2), "not requested again");
    assert_eq!(h.get("/busy"), Some(&2), "not requested again");
    assert_eq!(
        h.get("/gone"),
        Some(&4),
        "dead links are checked again (HEAD, then GET)"
    );
}
