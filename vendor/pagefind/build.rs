//! Minifies the search scripts Pagefind writes into every bundle
//! (`pagefind.js`, `pagefind-worker.js`) once, when the crate is compiled:
//! they depend only on the sources in `vendor/` and the version, and
//! minifying them took 3 ms of every index built (Knotwork patch; see
//! KNOTWORK-PATCH.md).

use std::path::Path;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap();
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let out = std::env::var("OUT_DIR").unwrap();
    let source = |name: &str| {
        let file = Path::new(&manifest)
            .join("vendor")
            .join(format!("{name}.{version}.js"));
        println!("cargo:rerun-if-changed={}", file.display());
        let bytes = std::fs::read(&file).unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let js_version = format!("const pagefind_version = \"{version}\";");
    let web = source("pagefind_web");
    for (file, script) in [
        ("pagefind.min.js", source("pagefind_public_search_api")),
        ("pagefind-worker.min.js", source("pagefind_worker")),
    ] {
        let mut minified = vec![];
        minifier::js::minify(&format!("{js_version}\n{web}\n{script}"))
            .unwrap()
            .write(&mut minified)
            .unwrap();
        std::fs::write(Path::new(&out).join(file), minified).unwrap();
    }
    println!("cargo:rerun-if-changed=build.rs");
}
