//! The default theme is built into the binary (`include_dir!`), which cargo
//! does not track: rebuild when any file under themes/default changes, is
//! added or removed.
fn main() {
    println!("cargo:rerun-if-changed=themes/default");
}
