//! The link gate of CI: checks every internal link of a built site.
//!
//!     cargo run --release --example check-links -- <output-dir> [--base-path /studio]
//!
//! Prints each broken link as "page -> link (why)" and exits 1 if there is any.

#[path = "../tests/common/links.rs"]
mod links;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut out = None;
    let mut base_path = String::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--base-path" => {
                base_path = args
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches('/')
                    .to_string()
            }
            _ => out = Some(PathBuf::from(arg)),
        }
    }
    let Some(out) = out.filter(|o| o.is_dir()) else {
        eprintln!("usage: check-links <output-dir> [--base-path /subpath]");
        return ExitCode::from(2);
    };
    let pages = walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .count();
    let broken = links::check_site(&out, &base_path);
    for link in &broken {
        println!("{link}");
    }
    println!(
        "checked {pages} pages under {}: {} broken links",
        out.display(),
        broken.len()
    );
    if broken.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
