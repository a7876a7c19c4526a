//! The `knotwork` command line: parses arguments, calls the library, prints
//! diagnostics and a summary, and sets the exit code (0 success, 1 content
//! errors, 2 bad usage).

use std::io::IsTerminal;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use knotwork::serve::ServeOptions;
use knotwork::{config::Overrides, BuildFailure, BuildOptions};

/// A build allocates millions of small strings and maps (Markdown events,
/// the search index's words); mimalloc does that faster than glibc's
/// malloc, and returns memory between stages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process. With them, each
/// first touch of the allocator's fresh memory makes the kernel zero two
/// megabytes at once, and memory returned between stages is zeroed again
/// when reused: a sixth of all CPU time of a 10,000-article build with
/// search was the kernel's `clear_page_erms`. Off, that build took
/// 8.2 s ± 0.04 instead of 9.2 s ± 0.6 (hyperfine, 5 runs; see
/// docs/performance-history.md). Nothing else of the process changes.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes an integer flag and touches no
    // memory of ours; a kernel without it returns an error, ignored.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Makes the allocator keep the memory it frees instead of handing it back
/// to the kernel a second later, its default (mimalloc v3, which
/// libmimalloc-sys builds; v2 waited ten milliseconds). A build keeps that
/// default: a shorter delay lowers its peak (clean 10,000-article build
/// without search: 535 MiB, 511 at 200 ms, 483 at 50 ms) but costs
/// 0.1-0.3 s of faults. Serve does not: each rebuild
/// touched again what the last one freed, and every page of it was a
/// fresh kernel fault. At 10,000 articles a muscle edit's rebuild took
/// 37,000-50,000 faults and 228-278 ms; keeping the memory, 60-1,700
/// faults and 142-206 ms (loading the data alone 45-95 ms -> 4-6 ms). The cost is
/// a resident size that stays at its high-water mark (2.1 -> 2.7 GiB
/// there); docs/performance-history.md has the run.
fn keep_freed_memory() {
    // `mi_option_purge_delay` in mimalloc.h (v2 and v3), which
    // libmimalloc-sys does not name; -1 means never purge.
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets one integer option; mimalloc reads it at each purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

#[derive(Parser)]
#[command(
    name = "knotwork",
    version,
    about = "A static site generator for educational bodywork sites"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (public/ by default)
    Build(BuildArgs),
    /// Check the site for errors without writing anything (for editors and CI)
    Check(CheckArgs),
    /// Preview the site at a local address, rebuilding it as you edit
    Serve(ServeArgs),
    /// Create a new site in DIR (a new or empty folder) that builds at once
    Init {
        /// The folder to create the site in
        dir: PathBuf,
    },
    /// Create a content file: an article, page, muscle, technique, service or person
    New(NewArgs),
}

#[derive(Args)]
struct NewArgs {
    /// What to create
    kind: knotwork::new::Kind,
    /// Its title or name; the file name (its id) is made from it
    title: String,
    /// The site folder, holding site.toml
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Open the new file in $EDITOR
    #[arg(long)]
    open: bool,
}

#[derive(Args)]
struct BuildArgs {
    /// The site folder, holding site.toml
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Where to write the site (default: output_dir of site.toml)
    #[arg(long)]
    output_dir: Option<PathBuf>,
    /// Use this base URL instead of site.toml's (for preview deploys)
    #[arg(long)]
    base_url: Option<String>,
    /// Include articles and pages marked `draft = true`
    #[arg(long)]
    drafts: bool,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    build: BuildArgs,
    /// Also check every link to another site (slow: it asks each server)
    #[arg(long)]
    external: bool,
    /// List every page with its reviewer, review date and due date, overdue first
    #[arg(long)]
    review: bool,
}

#[derive(Args)]
struct ServeArgs {
    /// The site folder, holding site.toml
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// The address to listen on; 127.0.0.1 keeps the preview on this machine
    #[arg(long, default_value = "127.0.0.1")]
    interface: IpAddr,
    /// The port to listen on (0 picks a free one)
    #[arg(long, short, default_value_t = 1111)]
    port: u16,
    /// Open the site in your browser
    #[arg(long)]
    open: bool,
    /// Include articles and pages marked `draft = true`
    #[arg(long)]
    drafts: bool,
}

impl BuildArgs {
    fn options(&self) -> BuildOptions {
        BuildOptions {
            root: self.root.clone(),
            overrides: Overrides {
                output_dir: self.output_dir.clone(),
                base_url: self.base_url.clone(),
                drafts: self.drafts,
            },
        }
    }
}

fn main() -> ExitCode {
    without_huge_pages();
    let cli = Cli::parse();
    let color = std::io::stderr().is_terminal();
    match cli.command {
        Command::Build(args) => match knotwork::build(&args.options()) {
            Ok(report) => {
                print_diagnostics(&report.warnings, color);
                let s = report.sync;
                // Pages not rendered were kept as the last build wrote them.
                let kept = report.pages - report.rendered;
                println!(
                    "Built {} pages{} ({} files: {} written, {} unchanged, {} removed) into {} in {} ms",
                    report.pages,
                    if kept > 0 {
                        format!(", {} rendered", report.rendered)
                    } else {
                        String::new()
                    },
                    report.files,
                    s.written,
                    s.unchanged,
                    s.removed,
                    report.output_dir.display(),
                    report.elapsed.as_millis()
                );
                if report.images_made + report.images_reused > 0 {
                    println!(
                        "Images: {} made, {} from the cache",
                        report.images_made, report.images_reused
                    );
                }
                for (language, done, all) in &report.translated {
                    println!("{language}: {done} of {all} pages translated");
                }
                ExitCode::SUCCESS
            }
            Err(failure) => fail(failure, color),
        },
        Command::Serve(args) => {
            keep_freed_memory();
            let opts = ServeOptions {
                build: BuildOptions {
                    root: args.root,
                    overrides: Overrides {
                        drafts: args.drafts,
                        ..Overrides::default()
                    },
                },
                interface: args.interface,
                port: args.port,
                open: args.open,
            };
            match knotwork::serve::run(opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Init { dir } => {
            match knotwork::scaffold::init(&dir) {
                Ok(files) => {
                    println!(
                        "Created a new site in {} ({} files). Next:",
                        dir.display(),
                        files.len()
                    );
                    println!("  cd {}", dir.display());
                    println!("  knotwork build        # writes the site to public/");
                    println!("Then edit site.toml (title, base_url, studio) and the files under content/.");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::New(args) => new(args),
        Command::Check(args) => check(args, color),
    }
}

fn check(args: CheckArgs, color: bool) -> ExitCode {
    let started = Instant::now();
    let opts = args.build.options();
    let site = match knotwork::render_site_and_keep(&opts) {
        Ok((rendered, site)) => {
            print_diagnostics(&rendered.warnings, color);
            println!(
                "No errors: {} pages checked in {} ms",
                rendered.pages,
                started.elapsed().as_millis()
            );
            site
        }
        Err(failure) => return fail(failure, color),
    };
    if args.review {
        let (items, every) = knotwork::review_schedule(&site);
        print_review(&items, every);
    }
    if !args.external {
        return ExitCode::SUCCESS;
    }
    let links = knotwork::external_links(&site);
    check_external(&opts.root, links, site.config.site.links.clone())
}

/// The review schedule as a table a clinic manager can read.
fn print_review(items: &[knotwork::review::ReviewItem], every: u32) {
    let today = knotwork::content::date::Date::today();
    let overdue = items.iter().filter(|i| i.overdue(today)).count();
    println!();
    println!(
        "Review schedule: every {every} months; {overdue} of {} pages overdue (today is {today})",
        items.len()
    );
    println!();
    let rows: Vec<[String; 6]> = items
        .iter()
        .map(|i| {
            let status = match i.due {
                Some(_) if i.overdue(today) => "OVERDUE",
                Some(_) => "ok",
                None => "no date",
            };
            [
                status.to_string(),
                i.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                i.last_reviewed
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "never".into()),
                i.reviewer.clone().unwrap_or_else(|| "-".into()),
                format!("{}: {}", i.kind, i.title),
                i.file.display().to_string(),
            ]
        })
        .collect();
    let header = ["Status", "Due", "Last reviewed", "Reviewer", "Page", "File"].map(String::from);
    let widths: Vec<usize> = (0..6)
        .map(|c| {
            rows.iter()
                .chain(std::iter::once(&header))
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
}

/// `check --external`: every external URL, with a progress bar on a terminal.
fn check_external(
    root: &std::path::Path,
    links: Vec<(String, knotwork::diagnostics::Location)>,
    config: knotwork::config::LinksConfig,
) -> ExitCode {
    use knotwork::linkcheck::{self, Outcome};
    let grouped = linkcheck::group(links);
    let settings = linkcheck::Settings {
        skip: config.skip,
        timeout: std::time::Duration::from_secs(config.timeout.max(1)),
        retries: 3,
        max_retry_after: std::time::Duration::from_secs(30),
        cache_file: Some(root.join(".knotwork-cache").join("external-links.json")),
        cache_for: std::time::Duration::from_secs(24 * 60 * 60),
    };
    let bar = indicatif::ProgressBar::new(grouped.len() as u64);
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} external links {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = linkcheck::check(grouped, &settings, &|url| {
        bar.set_message(url.to_string());
        bar.inc(1);
    });
    bar.finish_and_clear();
    for c in &report.checked {
        let (label, why) = match &c.outcome {
            Outcome::Alive => continue,
            Outcome::Dead(why) => ("dead", why),
            Outcome::Unverified(why) => ("unverified", why),
        };
        eprintln!("{label}: {} ({why})", c.url);
        for place in &c.places {
            eprintln!("  used at {place}");
        }
        eprintln!();
    }
    let dead = report.dead().count();
    let unverified = report
        .checked
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Unverified(_)))
        .count();
    let cached = report.checked.iter().filter(|c| c.cached).count();
    println!(
        "External links: {} checked on {} hosts ({} from the last day's cache, {} requests), {} dead, {} unverified, {} skipped",
        report.checked.len(),
        linkcheck::host_count(&report),
        cached,
        report.requests,
        dead,
        unverified,
        report.skipped
    );
    if dead > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn new(args: NewArgs) -> ExitCode {
    let today = knotwork::content::date::Date::today();
    match knotwork::new::create(&args.root, args.kind, &args.title, today) {
        Ok(path) => {
            println!("{}", path.display());
            if args.open {
                return open_in_editor(&path);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs `$VISUAL` or `$EDITOR` on the file and waits for it.
fn open_in_editor(path: &std::path::Path) -> ExitCode {
    let Some(editor) = std::env::var_os("VISUAL")
        .or_else(|| std::env::var_os("EDITOR"))
        .filter(|e| !e.is_empty())
    else {
        eprintln!(
            "note: set $EDITOR (for example `export EDITOR=nano`) for --open to open the file"
        );
        return ExitCode::SUCCESS;
    };
    // $EDITOR may carry arguments ("code --wait"); run it through the shell.
    let command = format!("{} \"$1\"", editor.to_string_lossy());
    match std::process::Command::new("sh")
        .args(["-c", &command, "sh"])
        .arg(path)
        .status()
    {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("error: the editor exited with {status}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: cannot start the editor: {e}");
            ExitCode::from(1)
        }
    }
}

fn print_diagnostics(diags: &knotwork::diagnostics::Diagnostics, color: bool) {
    for d in diags.iter() {
        eprintln!("{}\n", d.render(color));
    }
}

fn fail(failure: BuildFailure, color: bool) -> ExitCode {
    print_diagnostics(&failure.diagnostics, color);
    let n = failure.diagnostics.error_count();
    eprintln!(
        "Build failed with {n} error{}; nothing was written.",
        if n == 1 { "" } else { "s" }
    );
    ExitCode::from(1)
}
