//! Writes a benchmark site in Knotwork's content format.
//!
//!     cargo run --release --example gen-corpus -- --articles 10000 --muscles 300 \
//!         --techniques 60 --faq-topics 40 --out /tmp/kw-corpus [--seed 1] [--plain]
//!
//! Articles are 600–900 words of Markdown with headings, a list, a table, a
//! fenced code block with a language, emphasis, external links, tags from a
//! pool and (unless `--plain`) cross-links to muscles and techniques and
//! citations. Data entries have several trigger points each. `--plain` writes
//! articles only (no data, no cross-links, search off) for the comparison
//! with Hugo, which reads the same files (TOML front matter between `+++`).
//! `--studio` adds what a studio's site has beside its articles: four
//! people (every article names one as its author, every fifth a reviewer),
//! four services and `content/regions.toml` with red flags, for measuring
//! `serve` edits of a person, a service and the regions.
//! `--translate-every N` adds French (`[languages.fr]`) with a translation
//! of every Nth article and of every muscle and technique, for the
//! multilingual measurements (`serve-latency` on a translation file).
//! The same seed always gives the same files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The regions of the default theme's body figure.
const REGIONS_TOML: &str = include_str!("../themes/default/regions.toml");

const WORDS: &[&str] = &[
    "muscle",
    "tension",
    "shoulder",
    "neck",
    "pressure",
    "release",
    "tissue",
    "pain",
    "referral",
    "stretch",
    "posture",
    "breathing",
    "session",
    "therapist",
    "knot",
    "band",
    "fibres",
    "circulation",
    "warmth",
    "movement",
    "desk",
    "habit",
    "recovery",
    "soreness",
    "ache",
    "load",
    "rest",
    "sleep",
    "routine",
    "client",
    "area",
    "week",
    "the",
    "a",
    "and",
    "of",
    "to",
    "in",
    "is",
    "that",
    "with",
    "for",
    "on",
    "as",
    "it",
    "can",
    "often",
    "when",
    "slowly",
    "gently",
    "firmly",
    "deep",
    "tender",
    "local",
    "common",
    "daily",
    "small",
    "long",
    "short",
    "active",
];

const TAGS: &[&str] = &[
    "neck",
    "shoulders",
    "low back",
    "hips",
    "headaches",
    "self-care",
    "desk work",
    "running",
    "sleep",
    "posture",
    "stretching",
    "foam rolling",
    "massage",
    "basics",
    "referred pain",
    "jaw",
    "knees",
    "feet",
    "arms",
    "hands",
    "breathing",
    "stress",
    "recovery",
    "sport",
    "pregnancy",
    "older adults",
    "prevention",
    "sessions",
    "research",
    "heat",
];

const SETTINGS: &[&str] = &["home", "professional", "medical"];
const EVIDENCE: &[&str] = &["low", "moderate", "strong"];
const LANGUAGES: &[&str] = &["python", "toml", "rust", "json", "bash"];

struct Args {
    articles: usize,
    muscles: usize,
    techniques: usize,
    faq_topics: usize,
    out: PathBuf,
    seed: u64,
    plain: bool,
    /// Translate every Nth article (and all data) into French; 0: none.
    translate_every: usize,
    /// People, services and the site's regions file.
    studio: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        articles: 1000,
        muscles: 300,
        techniques: 60,
        faq_topics: 40,
        out: PathBuf::from("/tmp/kw-corpus"),
        seed: 1,
        plain: false,
        translate_every: 0,
        studio: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--plain" {
            args.plain = true;
            continue;
        }
        if flag == "--studio" {
            args.studio = true;
            continue;
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: `{value}` is not a number"))
        };
        match flag.as_str() {
            "--articles" => args.articles = number()?,
            "--muscles" => args.muscles = number()?,
            "--techniques" => args.techniques = number()?.max(2),
            "--faq-topics" => args.faq_topics = number()?,
            "--seed" => args.seed = number()? as u64,
            "--translate-every" => args.translate_every = number()?,
            "--out" => args.out = PathBuf::from(&value),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gen-corpus: {e}");
            std::process::exit(2);
        }
    };
    if args.out.exists()
        && std::fs::read_dir(&args.out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        eprintln!(
            "gen-corpus: {} exists and is not empty; choose a new folder",
            args.out.display()
        );
        std::process::exit(2);
    }
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let regions = region_ids();
    let corpus = Corpus {
        muscles: if args.plain { 0 } else { args.muscles },
        techniques: if args.plain { 0 } else { args.techniques },
        plain: args.plain,
        studio: args.studio && !args.plain,
    };
    let mut site = site_toml(args.plain);
    if args.translate_every > 0 {
        site.push_str("\n[languages.fr]\ntitle = \"Studio de référence\"\n");
    }
    write(&args.out, "site.toml", &site);
    write(&args.out, "content/references.toml", REFERENCES);
    for i in 0..args.articles {
        write(
            &args.out,
            &format!("content/blog/article-{i:05}.md"),
            &corpus.article(&mut rng, i),
        );
    }
    if !args.plain {
        for i in 0..args.muscles {
            write(
                &args.out,
                &format!("content/muscles/muscle-{i:04}.toml"),
                &corpus.muscle(&mut rng, i, &regions),
            );
        }
        for i in 0..args.techniques {
            write(
                &args.out,
                &format!("content/techniques/technique-{i:03}.toml"),
                &corpus.technique(&mut rng, i),
            );
        }
        for i in 0..args.faq_topics {
            write(
                &args.out,
                &format!("content/faq/topic-{i:03}.toml"),
                &corpus.faq_topic(&mut rng, i),
            );
        }
    }
    if args.translate_every > 0 && !args.plain {
        write_french(&args);
    }
    if corpus.studio {
        write_studio(&args);
    }
    println!(
        "wrote {} articles{} to {}",
        args.articles,
        if args.plain {
            " (plain)"
        } else {
            ", data and FAQs"
        },
        args.out.display()
    );
}

/// How many people and services `--studio` writes.
const PEOPLE: usize = 4;
const SERVICES: usize = 4;

/// People, services and `content/regions.toml` (`--studio`). The people
/// are generated placeholders, not real people.
fn write_studio(args: &Args) {
    for i in 0..PEOPLE {
        write(
            &args.out,
            &format!("content/people/person-{i}.toml"),
            &format!(
                "name = \"Therapist {i}\"\ncredentials = \"LMT\"\nrole = \"Massage therapist\"\n\
                 bio = \"A generated therapist of the benchmark studio, not a real person.\"\n"
            ),
        );
    }
    for i in 0..SERVICES {
        let technique = i % args.techniques.max(1);
        write(
            &args.out,
            &format!("content/services/service-{i}.toml"),
            &format!(
                "name = \"Service {i}\"\nsummary = \"A generated service of the benchmark studio.\"\n\
                 techniques = [\"technique-{technique:03}\"]\norder = {i}\n\n[[options]]\nminutes = 60\nprice = 90\n"
            ),
        );
    }
    write(
        &args.out,
        "content/regions.toml",
        "[[regions]]\nid = \"temple\"\nred_flags = \"\"\"\nSee a doctor first for a sudden, severe headache.\n\"\"\"\n\n\
         [[regions]]\nid = \"chest\"\nred_flags = \"\"\"\nCall emergency services for chest pain that spreads to the arm or jaw.\n\"\"\"\n",
    );
}

/// French translations: every `translate_every`th article (its title,
/// description and a short body of its own) and every muscle and
/// technique (name and summary). Written after the originals, without the
/// random generator, so the originals are the same with or without them.
fn write_french(args: &Args) {
    for i in (0..args.articles).step_by(args.translate_every) {
        write(
            &args.out,
            &format!("content/blog/article-{i:05}.fr.md"),
            &format!(
                "+++\ntitle = \"Article {i} en français\"\ndescription = \"Un article traduit.\"\n+++\n                 Le texte traduit de l’article {i}, sur la tension et le relâchement.\n"
            ),
        );
    }
    for i in 0..args.muscles {
        write(
            &args.out,
            &format!("content/muscles/muscle-{i:04}.fr.toml"),
            &format!("name = \"Muscle {i}\"\nsummary = \"Le résumé du muscle {i}.\"\n"),
        );
    }
    for i in 0..args.techniques {
        write(
            &args.out,
            &format!("content/techniques/technique-{i:03}.fr.toml"),
            &format!("name = \"Technique {i}\"\nsummary = \"Le résumé de la technique {i}.\"\n"),
        );
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn region_ids() -> Vec<String> {
    let file: toml::Table = REGIONS_TOML.parse().unwrap();
    file["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn site_toml(plain: bool) -> String {
    format!(
        "title = \"Benchmark Studio\"\nbase_url = \"https://bench.example/\"\ndescription = \"A generated benchmark corpus.\"\n\n\
         [studio]\nname = \"Benchmark Studio\"\n\n[blog]\npaginate_by = 10\nfeed = true\n\n[search]\nenabled = {}\n\n\
         [disclaimer]\ntext = \"Educational content, not medical advice.\"\n",
        !plain
    )
}

const REFERENCES: &str = r#"[travell-simons-1999]
authors = ["Simons, D. G.", "Travell, J. G.", "Simons, L. S."]
title = "Myofascial Pain and Dysfunction: The Trigger Point Manual. Volume 1: Upper Half of Body"
year = 1999
edition = "2nd"
publisher = "Williams & Wilkins"

[travell-simons-1992]
authors = ["Travell, J. G.", "Simons, D. G."]
title = "Myofascial Pain and Dysfunction: The Trigger Point Manual. Volume 2: The Lower Extremities"
year = 1992
publisher = "Williams & Wilkins"
"#;

struct Corpus {
    muscles: usize,
    techniques: usize,
    plain: bool,
    studio: bool,
}

impl Corpus {
    fn article(&self, rng: &mut fastrand::Rng, i: usize) -> String {
        let mut tags: Vec<&str> = (0..rng.usize(1..=4))
            .map(|_| TAGS[rng.usize(..TAGS.len())])
            .collect();
        tags.sort();
        tags.dedup();
        let date = format!(
            "20{:02}-{:02}-{:02}",
            10 + i % 16,
            1 + (i / 16) % 12,
            1 + (i / 192) % 28
        );
        let mut s = String::with_capacity(6000);
        s.push_str("+++\n");
        let _ = writeln!(s, "title = \"{} {i}\"", capitalise(&sentence(rng, 4, 7)));
        let _ = writeln!(s, "date = {date}");
        let _ = writeln!(
            s,
            "description = \"{}.\"",
            capitalise(&sentence(rng, 12, 20))
        );
        let _ = writeln!(
            s,
            "tags = [{}]",
            tags.iter()
                .map(|t| format!("\"{t}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if self.studio {
            // Without the generator: the same articles as without people.
            let _ = writeln!(s, "author = \"person-{}\"", i % PEOPLE);
            if i.is_multiple_of(5) {
                let _ = writeln!(s, "reviewed_by = \"person-0\"\nlast_reviewed = {date}");
            }
        }
        if !self.plain {
            let _ = writeln!(
                s,
                "muscles = [\"muscle-{:04}\"]",
                rng.usize(..self.muscles.max(1))
            );
            let _ = writeln!(
                s,
                "techniques = [\"technique-{:03}\"]",
                rng.usize(..self.techniques.max(1))
            );
        }
        s.push_str("+++\n\n");
        let target = rng.usize(600..=900);
        let mut words = 0;
        let mut section = 0;
        while words < target {
            section += 1;
            let _ = writeln!(s, "## {} {section}\n", capitalise(&sentence(rng, 2, 5)));
            for _ in 0..rng.usize(2..=3) {
                words += self.paragraph(rng, &mut s);
            }
            match section % 4 {
                1 => {
                    for _ in 0..4 {
                        let _ = writeln!(s, "- {}", sentence(rng, 4, 9));
                        words += 6;
                    }
                    s.push('\n');
                }
                2 => {
                    s.push_str("| Where | How long | Notes |\n|---|---|---|\n");
                    for _ in 0..3 {
                        let _ = writeln!(
                            s,
                            "| {} | {} s | {} |",
                            word(rng),
                            rng.usize(30..=90),
                            sentence(rng, 3, 6)
                        );
                        words += 7;
                    }
                    s.push('\n');
                }
                3 => {
                    let lang = LANGUAGES[rng.usize(..LANGUAGES.len())];
                    let _ = writeln!(
                        s,
                        "```{lang}\nhold_seconds = {}\nrepeat = {}\n# {}\n```\n",
                        rng.usize(30..90),
                        rng.usize(2..5),
                        sentence(rng, 3, 6)
                    );
                    words += 8;
                }
                _ => {}
            }
        }
        s
    }

    /// A paragraph with emphasis, an external link and, unless plain, a
    /// cross-link and a citation. Returns its word count.
    fn paragraph(&self, rng: &mut fastrand::Rng, s: &mut String) -> usize {
        let n = rng.usize(45..=80);
        let mut text = capitalise(&sentence(rng, n, n));
        let _ = write!(text, ". Hold it *{}* and **{}**", word(rng), word(rng));
        if rng.usize(..3) == 0 {
            let _ = write!(
                text,
                ", as [this guide](https://example.org/guide/{}) explains",
                rng.usize(..500)
            );
        }
        if !self.plain {
            match rng.usize(..4) {
                0 => {
                    let _ = write!(
                        text,
                        "; see the [muscle](@muscles/muscle-{:04})",
                        rng.usize(..self.muscles.max(1))
                    );
                }
                1 => {
                    let _ = write!(
                        text,
                        "; try [this technique](@techniques/technique-{:03})",
                        rng.usize(..self.techniques.max(1))
                    );
                }
                2 => text.push_str(" [@travell-simons-1999]"),
                _ => {}
            }
        }
        s.push_str(&text);
        s.push_str(".\n\n");
        n + 6
    }

    fn muscle(&self, rng: &mut fastrand::Rng, i: usize, regions: &[String]) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "name = \"Muscle {i}\"\ngroup = \"group-{}\"", i % 6);
        let _ = writeln!(s, "summary = \"{}.\"", capitalise(&sentence(rng, 10, 16)));
        let _ = writeln!(
            s,
            "description = \"\"\"\n{}. [@travell-simons-1999]\n\"\"\"",
            capitalise(&sentence(rng, 40, 70))
        );
        let _ = writeln!(
            s,
            "actions = [\"{}\", \"{}\"]",
            sentence(rng, 2, 4),
            sentence(rng, 2, 4)
        );
        let _ = writeln!(s, "aggravated_by = [\"{}\"]", sentence(rng, 3, 6));
        let _ = writeln!(
            s,
            "techniques = [\"technique-{:03}\", \"technique-{:03}\"]",
            rng.usize(..self.techniques),
            rng.usize(..self.techniques)
        );
        let _ = writeln!(
            s,
            "self_care = \"\"\"\n- {}\n- {}\n\"\"\"",
            sentence(rng, 6, 10),
            sentence(rng, 6, 10)
        );
        s.push_str("references = [\"travell-simons-1999\"]\n");
        for tp in 0..rng.usize(2..=4) {
            let pick = |rng: &mut fastrand::Rng| regions[rng.usize(..regions.len())].clone();
            let location = pick(rng);
            let mut referral: Vec<String> = (0..rng.usize(1..=3)).map(|_| pick(rng)).collect();
            referral.sort();
            referral.dedup();
            let spill = pick(rng);
            let spillover = if referral.contains(&spill) {
                String::new()
            } else {
                format!("\"{spill}\"")
            };
            let _ = writeln!(
                s,
                "\n[[trigger_points]]\nname = \"Point {tp}\"\nlocation = \"{location}\"\nreferral = [{}]\nspillover = [{spillover}]\nsymptoms = [\"{}\"]",
                referral.iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(", "),
                sentence(rng, 3, 6)
            );
        }
        s
    }

    fn technique(&self, rng: &mut fastrand::Rng, i: usize) -> String {
        let partner = (i + 1) % self.techniques;
        let compare = if i.is_multiple_of(3) && partner != i {
            format!("\"technique-{partner:03}\"")
        } else {
            String::new()
        };
        format!(
            "name = \"Technique {i}\"\nsummary = \"{}.\"\nsetting = \"{}\"\nperformed_by = \"Therapist\"\nintensity = {}\n\
             time = \"{} minutes\"\nequipment = [\"Hands\"]\nevidence = \"{}\"\ngood_for = [\"{}\"]\n\
             how_it_works = \"\"\"\n{}. [@travell-simons-1999]\n\"\"\"\nsteps = [\"{}\", \"{}\"]\ncautions = [\"{}\"]\n\
             related = [\"technique-{:03}\"]\ncompare_with = [{compare}]\nreferences = [\"travell-simons-1999\"]\n",
            capitalise(&sentence(rng, 8, 14)),
            SETTINGS[i % 3],
            1 + i % 5,
            rng.usize(5..60),
            EVIDENCE[i % 3],
            sentence(rng, 3, 6),
            capitalise(&sentence(rng, 30, 60)),
            sentence(rng, 5, 9),
            sentence(rng, 5, 9),
            sentence(rng, 4, 8),
            (i + 2) % self.techniques,
        )
    }

    fn faq_topic(&self, rng: &mut fastrand::Rng, i: usize) -> String {
        let mut s = format!(
            "title = \"Topic {i}\"\norder = {i}\ndescription = \"{}.\"\n",
            capitalise(&sentence(rng, 6, 10))
        );
        for q in 0..rng.usize(4..=8) {
            let _ = writeln!(
                s,
                "\n[[questions]]\nid = \"question-{q}\"\nquestion = \"{}?\"\nanswer = \"\"\"\n{}; see [the muscle](@muscles/muscle-{:04}).\n\"\"\"\nmuscles = [\"muscle-{:04}\"]",
                capitalise(&sentence(rng, 5, 9)),
                capitalise(&sentence(rng, 25, 50)),
                rng.usize(..self.muscles.max(1)),
                rng.usize(..self.muscles.max(1)),
            );
        }
        s
    }
}

fn word(rng: &mut fastrand::Rng) -> &'static str {
    WORDS[rng.usize(..WORDS.len())]
}

fn sentence(rng: &mut fastrand::Rng, min: usize, max: usize) -> String {
    let n = rng.usize(min..=max);
    (0..n).map(|_| word(rng)).collect::<Vec<_>>().join(" ")
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
