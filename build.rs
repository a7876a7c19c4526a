//! The default theme is built into the binary (`include_dir!`), which cargo
//! does not track: rebuild when any file under themes/default changes, is
//! added or removed.
//!
//! On Linux the `knotwork` binary is linked as a position-dependent
//! executable. As a PIE, the dynamic loader rewrote 10.9 MB of pointer
//! tables at every start (9.5 MB of it minify-html's table of named HTML
//! entities), touching 2,800 pages before `main`: `knotwork --version`
//! took 9.2 ms of CPU and 2,834 page faults, a fixed cost in every build
//! (5 % of a 1,000-article one) and every test run. Linked without PIE
//! those tables are resolved at link time and read from the file only
//! where used: 1.7 ms and 130 faults, and 11 MiB less resident memory.
//! The code is unchanged (still compiled position-independent); what is
//! given up is the randomised load address of the binary's own code, for
//! a tool that reads the user's own files and serves on 127.0.0.1.
fn main() {
    println!("cargo:rerun-if-changed=themes/default");
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
