//! `knotwork check --external`: is every link to another site still alive?
//!
//! URLs are grouped by host; a few threads each take one host at a time,
//! so no site gets more than one request from us at once (a per-host limit
//! of one) while different hosts are checked in parallel. Each URL gets a
//! `HEAD` request, then a `GET` when the server does not answer `HEAD`
//! properly; `429` and `503` are retried after the server's `Retry-After`
//! (capped). Live links are remembered for a day in
//! `.knotwork-cache/external-links.json`, so a second run checks only what
//! is new or failed. Nothing here knows about the site; the caller collects
//! the URLs with the places that use them.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::diagnostics::Location;

/// How to check.
#[derive(Debug, Clone)]
pub struct Settings {
    /// URLs starting with any of these are not checked (`*` at the end is allowed).
    pub skip: Vec<String>,
    pub timeout: Duration,
    /// Retries after 429/503.
    pub retries: u32,
    /// The longest `Retry-After` honoured; longer waits count as a failure.
    pub max_retry_after: Duration,
    pub cache_file: Option<PathBuf>,
    /// How long a live link stays live in the cache.
    pub cache_for: Duration,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Alive,
    /// Answered 401, 403 or kept answering 429: it exists, but refused an
    /// automatic check. Worth a look in a browser; not counted as dead.
    Unverified(String),
    Dead(String),
}

/// One URL's result and every place that uses it.
#[derive(Debug)]
pub struct Checked {
    pub url: String,
    pub outcome: Outcome,
    pub places: Vec<Location>,
    /// Answered from the cache, without a request.
    pub cached: bool,
}

#[derive(Debug)]
pub struct Report {
    pub checked: Vec<Checked>,
    pub skipped: usize,
    /// Requests made (HEAD, GET and retries).
    pub requests: usize,
}

impl Report {
    pub fn dead(&self) -> impl Iterator<Item = &Checked> {
        self.checked
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Dead(_)))
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Cache {
    /// URL → when it was last found alive (seconds since 1970).
    alive: BTreeMap<String, u64>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Checks every URL; `links` maps each URL to the places that use it.
/// `progress` is called once per URL checked.
pub fn check(
    links: BTreeMap<String, Vec<Location>>,
    settings: &Settings,
    progress: &(dyn Fn(&str) + Sync),
) -> Report {
    let mut cache: Cache = settings
        .cache_file
        .as_deref()
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let fresh_after = now().saturating_sub(settings.cache_for.as_secs());
    let mut skipped = 0;
    let mut results: Vec<Checked> = Vec::new();
    let mut by_host: BTreeMap<String, Vec<(String, Vec<Location>)>> = BTreeMap::new();
    for (url, places) in links {
        if settings
            .skip
            .iter()
            .any(|s| url.starts_with(s.trim_end_matches('*')))
        {
            skipped += 1;
        } else if cache.alive.get(&url).is_some_and(|&t| t >= fresh_after) {
            results.push(Checked {
                url,
                outcome: Outcome::Alive,
                places,
                cached: true,
            });
        } else {
            by_host
                .entry(host_of(&url))
                .or_default()
                .push((url, places));
        }
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(settings.timeout))
        .http_status_as_error(false)
        .user_agent(concat!("knotwork-link-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let queue = Mutex::new(by_host.into_values().collect::<Vec<_>>());
    let done = Mutex::new(Vec::new());
    let requests = Mutex::new(0usize);
    let workers = queue.lock().map_or(1, |q| q.len()).clamp(1, 8);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(host) = queue.lock().ok().and_then(|mut q| q.pop()) {
                    for (url, places) in host {
                        let (outcome, made) = check_one(&agent, &url, settings);
                        progress(&url);
                        *requests.lock().unwrap() += made;
                        done.lock().unwrap().push(Checked {
                            url,
                            outcome,
                            places,
                            cached: false,
                        });
                    }
                }
            });
        }
    });
    let checked_now = done.into_inner().unwrap_or_default();
    let stamp = now();
    for c in &checked_now {
        if c.outcome == Outcome::Alive {
            cache.alive.insert(c.url.clone(), stamp);
        } else {
            cache.alive.remove(&c.url);
        }
    }
    if let Some(path) = &settings.cache_file {
        save_cache(path, &cache);
    }
    results.extend(checked_now);
    results.sort_by(|a, b| a.url.cmp(&b.url));
    Report {
        checked: results,
        skipped,
        requests: requests.into_inner().unwrap_or(0),
    }
}

fn save_cache(path: &Path, cache: &Cache) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(json) = serde_json::to_vec_pretty(cache) {
        // The cache only saves time: failing to write it is not an error.
        let _ = std::fs::write(path, json);
    }
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// One URL: HEAD, then GET if HEAD was not answered usefully; retries on
/// 429/503. Returns the outcome and the number of requests made.
fn check_one(agent: &ureq::Agent, url: &str, settings: &Settings) -> (Outcome, usize) {
    let mut made = 0;
    let mut use_get = false;
    let mut retries = 0;
    loop {
        made += 1;
        let response = if use_get {
            agent.get(url).call()
        } else {
            agent.head(url).call()
        };
        let response = match response {
            Ok(r) => r,
            Err(e) if !use_get && !is_timeout(&e) => {
                // Some servers drop HEAD requests; GET decides.
                use_get = true;
                continue;
            }
            Err(e) => return (Outcome::Dead(describe_error(&e, settings.timeout)), made),
        };
        let status = response.status().as_u16();
        match status {
            200..=299 => return (Outcome::Alive, made),
            429 | 503 if retries < settings.retries => {
                let wait = retry_after(&response).unwrap_or(Duration::from_secs(1));
                if wait > settings.max_retry_after {
                    return (
                        Outcome::Unverified(format!(
                            "HTTP {status}: the server asked to wait {} s before asking again",
                            wait.as_secs()
                        )),
                        made,
                    );
                }
                retries += 1;
                std::thread::sleep(wait);
            }
            // HEAD not allowed or not implemented, or a server that answers
            // HEAD differently from GET: ask with GET before judging.
            _ if !use_get && status != 429 && status != 503 => use_get = true,
            401 | 403 => {
                return (
                    Outcome::Unverified(format!(
                    "HTTP {status}: the server refused an automatic check; open it in a browser"
                )),
                    made,
                )
            }
            429 => {
                return (
                    Outcome::Unverified("HTTP 429: still rate-limited after retrying".into()),
                    made,
                )
            }
            _ => {
                return (
                    Outcome::Dead(format!("HTTP {status}{}", reason(status))),
                    made,
                )
            }
        }
    }
}

fn is_timeout(e: &ureq::Error) -> bool {
    matches!(e, ureq::Error::Timeout(_))
}

fn describe_error(e: &ureq::Error, timeout: Duration) -> String {
    match e {
        ureq::Error::Timeout(_) => format!("no answer within {} s", timeout.as_secs()),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused".into()
        }
        other => other.to_string(),
    }
}

fn retry_after(response: &ureq::http::Response<ureq::Body>) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn reason(status: u16) -> &'static str {
    match status {
        404 => " (not found)",
        410 => " (gone)",
        500 => " (server error)",
        502 => " (bad gateway)",
        503 => " (unavailable)",
        _ => "",
    }
}

/// Groups places by URL: the input of [`check`].
pub fn group(
    links: impl IntoIterator<Item = (String, Location)>,
) -> BTreeMap<String, Vec<Location>> {
    let mut grouped: BTreeMap<String, Vec<Location>> = BTreeMap::new();
    for (url, location) in links {
        // The fragment is the page's business, not the server's.
        let url = url.split('#').next().unwrap_or(&url).to_string();
        grouped.entry(url).or_default().push(location);
    }
    for places in grouped.values_mut() {
        places.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        places.dedup();
    }
    grouped
}

/// How many hosts the report's URLs are on, for the summary.
pub fn host_count(report: &Report) -> usize {
    let hosts: HashSet<String> = report.checked.iter().map(|c| host_of(&c.url)).collect();
    hosts.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_grouping() {
        assert_eq!(
            host_of("https://Example.com:8080/a?b#c"),
            "example.com:8080"
        );
        let loc = |line| Location::with_line(Path::new("a.md"), line, 1, "");
        let g = group([
            ("https://x.org/a#one".to_string(), loc(3)),
            ("https://x.org/a".to_string(), loc(1)),
        ]);
        assert_eq!(
            g["https://x.org/a"]
                .iter()
                .map(|l| l.line)
                .collect::<Vec<_>>(),
            vec![1, 3]
        );
    }
}
