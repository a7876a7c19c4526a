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
        let bytes =
            std::fs::read(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
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
            .unwrap_or_else(|e| panic!("cannot minify {file}: {e}"))
            .write(&mut minified)
            .expect("writing into a vector does not fail");
        let target = Path::new(&out).join(file);
        std::fs::write(&target, minified)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", target.display()));
    }
    println!("cargo:rerun-if-changed=build.rs");
}
