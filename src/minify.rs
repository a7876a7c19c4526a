//! Optional minification (`minify = true` in site.toml): HTML with
//! minify-html (which also minifies inline CSS and JS), stylesheets and
//! scripts with minifier. Runs on the rendered files in memory, in
//! parallel, after the search index was built from the readable HTML.
//!
//! Asset fingerprints are hashes of the unminified sources, so they still
//! change exactly when an asset does.

use rayon::prelude::*;

use crate::output::OutputFile;
use crate::search::BUNDLE_DIR;

pub fn files(files: &mut [OutputFile]) {
    files.par_iter_mut().for_each(file);
}

/// Minifies one file in place, by its extension; other files are left alone.
pub fn file(file: &mut OutputFile) {
    // Pagefind's bundle ships minified already.
    if file.path.starts_with(BUNDLE_DIR) {
        return;
    }
    let minified = match file.path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => Some(minify_html::minify(&file.bytes, &html_config())),
        Some("css") => std::str::from_utf8(&file.bytes)
            .ok()
            .and_then(|css| minifier::css::minify(css).ok())
            .map(|m| m.to_string().into_bytes()),
        Some("js") => std::str::from_utf8(&file.bytes)
            .ok()
            .and_then(|js| minifier::js::minify(js).ok())
            .map(|m| m.to_string().into_bytes()),
        _ => None,
    };
    // A minifier that chokes leaves the file as it was rather than failing
    // the build: the unminified file is still correct.
    if let Some(bytes) = minified.filter(|b| !b.is_empty()) {
        file.bytes = bytes;
    }
}

/// Spec-compliant output only: the pages must still pass the HTML checker.
fn html_config() -> minify_html::Cfg {
    minify_html::Cfg {
        minify_css: true,
        minify_js: true,
        keep_html_and_head_opening_tags: true,
        keep_closing_tags: true,
        ..minify_html::Cfg::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_css_and_js_shrink_and_keep_their_meaning() {
        let mut files = vec![
            OutputFile::new("index.html", "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <title>A  page</title>\n</head>\n<body>\n  <p>Hello   <em>there</em></p>\n  <!-- note -->\n</body>\n</html>\n"),
            OutputFile::new("css/site.css", "body {\n  color: #ff0000;\n  margin: 0 auto;\n}\n/* comment */\n"),
            OutputFile::new("js/a.js", "function add(first, second) {\n  // sum\n  return first + second;\n}\n"),
            OutputFile::new("pagefind/pagefind.js", "keep   me"),
        ];
        let before: Vec<usize> = files.iter().map(|f| f.bytes.len()).collect();
        super::files(&mut files);
        let text = |i: usize| String::from_utf8(files[i].bytes.clone()).unwrap();
        assert!(
            text(0).len() < before[0]
                && text(0).contains("<em>there</em>")
                && !text(0).contains("note"),
            "{}",
            text(0)
        );
        assert!(
            text(1).len() < before[1] && text(1).contains("margin:0 auto"),
            "{}",
            text(1)
        );
        let js = text(2);
        assert!(
            js.len() < before[2]
                && js.contains("function add(")
                && js.contains("return")
                && !js.contains("// sum"),
            "{js}"
        );
        assert_eq!(text(3), "keep   me");
    }
}
