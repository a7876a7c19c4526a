//! The shortcode syntax inside Markdown, Zola's:
//!
//! ```text
//! {{ name(arg="text", n=3, flag=true) }}          inline, no body
//! {% name(arg='text') %}Markdown body{% end %}    with a body
//! {{/* name() */}}  {%/* name() */%}             written out literally
//! ```
//!
//! [`find`] scans a Markdown text for calls, skipping the byte ranges that
//! are code (a shortcode in a code block or code span is text). It reports
//! syntax errors with byte ranges and never panics on any input (the
//! `shortcodes` fuzz target checks that); what a call means is checked
//! elsewhere against the shortcode's signature.

use std::ops::Range;

/// An argument value as written.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgValue {
    Str(String),
    Num(f64),
    Bool(bool),
}

impl ArgValue {
    pub fn type_name(&self) -> &'static str {
        match self {
            ArgValue::Str(_) => "a string",
            ArgValue::Num(_) => "a number",
            ArgValue::Bool(_) => "a boolean",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: String,
    pub name_span: Range<usize>,
    pub value: ArgValue,
    pub value_span: Range<usize>,
}

/// One shortcode call found in a text; ranges are byte offsets in it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCall {
    /// From the opening `{{`/`{%` to the closing `}}`/`%}` of the call, or
    /// of its `{% end %}`.
    pub span: Range<usize>,
    pub name: String,
    pub name_span: Range<usize>,
    pub args: Vec<Arg>,
    /// The text between `%}` and `{% end %}`, for calls with a body.
    pub body: Option<Range<usize>>,
}

/// A piece of the text to replace before Markdown sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    Call(RawCall),
    /// `{{/* … */}}`: the span, and the text to write instead (`{{ … }}`).
    Literal(Range<usize>, String),
}

/// A syntax error: what is wrong, where, and a hint.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Range<usize>,
    pub help: Option<String>,
}

/// Every top-level call and literal in `text`, in order, and the syntax
/// errors. `code` lists the byte ranges that are code, sorted by start.
pub fn find(text: &str, code: &[Range<usize>]) -> (Vec<Found>, Vec<SyntaxError>) {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        code,
        found: Vec::new(),
        errors: Vec::new(),
    };
    scanner.run();
    (scanner.found, scanner.errors)
}

/// Whether `text` may hold a shortcode at all: the cheap test that lets
/// most Markdown skip the scan.
pub fn may_contain(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

struct Scanner<'t> {
    text: &'t str,
    bytes: &'t [u8],
    code: &'t [Range<usize>],
    found: Vec<Found>,
    errors: Vec<SyntaxError>,
}

/// An opening tag: `{{ name(args) }}` or `{% name(args) %}`.
struct Open {
    start: usize,
    end: usize,
    name: String,
    name_span: Range<usize>,
    args: Vec<Arg>,
    with_body: bool,
}

enum Tag {
    Open(Open),
    End {
        start: usize,
        end: usize,
    },
    Literal(Range<usize>, String),
    /// Not a shortcode after all (`{{ x }}` in prose): plain text.
    Text,
}

impl<'t> Scanner<'t> {
    fn run(&mut self) {
        let mut pos = 0;
        while let Some(start) = self.next_brace(pos) {
            match self.tag(start) {
                Ok(Tag::Open(open)) if open.with_body => {
                    pos = self.body_call(open);
                }
                Ok(Tag::Open(open)) => {
                    pos = open.end;
                    self.found.push(Found::Call(RawCall {
                        span: open.start..open.end,
                        name: open.name,
                        name_span: open.name_span,
                        args: open.args,
                        body: None,
                    }));
                }
                Ok(Tag::End { start, end }) => {
                    self.errors.push(SyntaxError {
                        message: "`{% end %}` without a shortcode to close".into(),
                        span: start..end,
                        help: Some(
                            "remove it, or open the shortcode before it: {% name(…) %}".into(),
                        ),
                    });
                    pos = end;
                }
                Ok(Tag::Literal(span, text)) => {
                    pos = span.end;
                    self.found.push(Found::Literal(span, text));
                }
                Ok(Tag::Text) => pos = start + 2,
                Err((e, resume)) => {
                    self.errors.push(e);
                    pos = resume;
                }
            }
        }
    }

    /// The next `{{` or `{%` at or after `from` that is not inside code.
    fn next_brace(&self, mut from: usize) -> Option<usize> {
        loop {
            let rel = self.text.get(from..)?.find('{')?;
            let at = from + rel;
            let next = self.bytes.get(at + 1).copied();
            if matches!(next, Some(b'{') | Some(b'%')) {
                match self.code.iter().find(|r| r.contains(&at)) {
                    Some(r) => from = r.end.max(at + 1),
                    None => return Some(at),
                }
            } else {
                from = at + 1;
            }
        }
    }

    /// Finds the `{% end %}` matching `open`, counting nested bodies.
    fn body_call(&mut self, open: Open) -> usize {
        let body_start = open.end;
        let mut depth = 0usize;
        let mut pos = body_start;
        while let Some(start) = self.next_brace(pos) {
            match self.tag(start) {
                Ok(Tag::Open(inner)) => {
                    if inner.with_body {
                        depth += 1;
                    }
                    pos = inner.end;
                }
                Ok(Tag::End { start, end }) if depth == 0 => {
                    self.found.push(Found::Call(RawCall {
                        span: open.start..end,
                        name: open.name,
                        name_span: open.name_span,
                        args: open.args,
                        body: Some(body_start..start),
                    }));
                    return end;
                }
                Ok(Tag::End { end, .. }) => {
                    depth -= 1;
                    pos = end;
                }
                Ok(Tag::Literal(span, _)) => pos = span.end,
                Ok(Tag::Text) => pos = start + 2,
                // Errors inside the body are reported when the body itself is scanned.
                Err((_, resume)) => pos = resume,
            }
        }
        self.errors.push(SyntaxError {
            message: format!("shortcode `{}` is not closed: `{{% end %}}` is missing", open.name),
            span: open.start..open.end,
            help: Some(format!(
                "end its body with {{% end %}}, or write {{{{ {}(…) }}}} for a shortcode without a body",
                open.name
            )),
        });
        open.end
    }

    /// Reads the tag starting at `start` (`{{` or `{%`). An error comes with
    /// the position to resume scanning from.
    fn tag(&self, start: usize) -> Result<Tag, (SyntaxError, usize)> {
        let with_body = self.bytes[start + 1] == b'%';
        let close = if with_body { "%}" } else { "}}" };
        let mut p = start + 2;
        if self.text[p..].starts_with("/*") {
            return Ok(self.literal(start, with_body));
        }
        p = self.skip_ws(p);
        let name_start = p;
        while p < self.bytes.len()
            && (self.bytes[p].is_ascii_alphanumeric() || self.bytes[p] == b'_')
        {
            p += 1;
        }
        let name_span = name_start..p;
        let name = &self.text[name_span.clone()];
        let after_name = self.skip_ws(p);
        if with_body && name == "end" && self.text[after_name..].starts_with(close) {
            return Ok(Tag::End {
                start,
                end: after_name + 2,
            });
        }
        if name.is_empty() || !self.text[after_name..].starts_with('(') {
            return Ok(Tag::Text);
        }
        let (args, after_args) = self.args(after_name + 1)?;
        let end_at = self.skip_ws(after_args);
        if !self.text[end_at..].starts_with(close) {
            let other = if with_body { "}}" } else { "%}" };
            let help = if self.text[end_at..].starts_with(other) {
                format!(
                    "a call that opens with `{}` closes with `{close}`",
                    &self.text[start..start + 2]
                )
            } else {
                format!("close the call with `{close}`")
            };
            return Err((
                SyntaxError {
                    message: format!("shortcode `{name}` is not closed: expected `{close}`"),
                    span: start..end_at.max(start + 2),
                    help: Some(help),
                },
                end_at.max(start + 2),
            ));
        }
        Ok(Tag::Open(Open {
            start,
            end: end_at + 2,
            name: name.to_string(),
            name_span,
            args,
            with_body,
        }))
    }

    /// `{{/* x */}}` → `{{ x }}` (and `{%/* x */%}` → `{% x %}`).
    fn literal(&self, start: usize, with_body: bool) -> Tag {
        let (open, close) = if with_body {
            ("{%", "*/%}")
        } else {
            ("{{", "*/}}")
        };
        let inner_start = start + 4;
        match self.text[inner_start..].find(close) {
            Some(rel) => {
                let inner = &self.text[inner_start..inner_start + rel];
                let end = inner_start + rel + close.len();
                Tag::Literal(start..end, format!("{open}{inner}{}", &close[2..]))
            }
            None => Tag::Text,
        }
    }

    /// The arguments after `(`, up to and including `)`.
    fn args(&self, mut p: usize) -> Result<(Vec<Arg>, usize), (SyntaxError, usize)> {
        let mut args: Vec<Arg> = Vec::new();
        loop {
            p = self.skip_ws(p);
            match self.bytes.get(p) {
                Some(b')') => return Ok((args, p + 1)),
                None => {
                    return Err(self.error(p, "the arguments are not closed: expected `)`", None))
                }
                _ => {}
            }
            let name_start = p;
            while p < self.bytes.len()
                && (self.bytes[p].is_ascii_alphanumeric() || self.bytes[p] == b'_')
            {
                p += 1;
            }
            if p == name_start {
                return Err(self.error(
                    p,
                    "expected an argument name",
                    Some("arguments are written name=value, separated by commas"),
                ));
            }
            let name_span = name_start..p;
            p = self.skip_ws(p);
            if self.bytes.get(p) != Some(&b'=') {
                return Err(self.error(
                    p,
                    "expected `=` after the argument name",
                    Some("write name=\"value\""),
                ));
            }
            p = self.skip_ws(p + 1);
            let (value, value_end) = self.value(p)?;
            let name = self.text[name_span.clone()].to_string();
            if args.iter().any(|a| a.name == name) {
                return Err((
                    SyntaxError {
                        message: format!("argument `{name}` is given twice"),
                        span: name_span,
                        help: None,
                    },
                    value_end,
                ));
            }
            args.push(Arg {
                name,
                name_span,
                value,
                value_span: p..value_end,
            });
            p = self.skip_ws(value_end);
            match self.bytes.get(p) {
                Some(b',') => p += 1,
                Some(b')') => {}
                _ => return Err(self.error(p, "expected `,` or `)` after the argument", None)),
            }
        }
    }

    /// A value: a quoted string (`"`, `'` or `` ` ``), a number, `true` or `false`.
    fn value(&self, p: usize) -> Result<(ArgValue, usize), (SyntaxError, usize)> {
        let rest = &self.text[p..];
        match self.bytes.get(p) {
            Some(&q @ (b'"' | b'\'' | b'`')) => {
                let mut out = String::new();
                let mut chars = rest.char_indices().skip(1);
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' if q != b'`' => match chars.next() {
                            Some((_, n)) => out.push(n),
                            None => break,
                        },
                        c if c == q as char => return Ok((ArgValue::Str(out), p + i + 1)),
                        c => out.push(c),
                    }
                }
                Err(self.error(
                    p,
                    "the string is not closed",
                    Some("end it with the same quote it starts with"),
                ))
            }
            _ if rest.starts_with("true") && !ident_continues(rest, 4) => {
                Ok((ArgValue::Bool(true), p + 4))
            }
            _ if rest.starts_with("false") && !ident_continues(rest, 5) => {
                Ok((ArgValue::Bool(false), p + 5))
            }
            Some(b'-' | b'+' | b'.' | b'0'..=b'9') => {
                let len = rest
                    .bytes()
                    .take_while(|b| {
                        b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'_')
                    })
                    .count();
                let written = &rest[..len];
                match written.replace('_', "").parse::<f64>() {
                    Ok(n) if n.is_finite() => Ok((ArgValue::Num(n), p + len)),
                    _ => Err(self.error(p, &format!("`{written}` is not a number"), None)),
                }
            }
            _ => Err(self.error(
                p,
                "expected a value: a quoted string, a number, true or false",
                Some("put text in quotes: name=\"value\""),
            )),
        }
    }

    fn error(&self, p: usize, message: &str, help: Option<&str>) -> (SyntaxError, usize) {
        let p = p.min(self.text.len());
        let end = self.text[p..]
            .chars()
            .next()
            .map_or(p, |c| p + c.len_utf8());
        (
            SyntaxError {
                message: message.to_string(),
                span: p..end,
                help: help.map(str::to_string),
            },
            end.max(p + 1).min(self.text.len().max(p)),
        )
    }

    fn skip_ws(&self, mut p: usize) -> usize {
        while p < self.bytes.len() && self.bytes[p].is_ascii_whitespace() {
            p += 1;
        }
        p
    }
}

fn ident_continues(s: &str, at: usize) -> bool {
    s.as_bytes()
        .get(at)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(text: &str) -> Vec<RawCall> {
        let (found, errors) = find(text, &[]);
        assert!(errors.is_empty(), "{errors:?}");
        found
            .into_iter()
            .filter_map(|f| match f {
                Found::Call(c) => Some(c),
                Found::Literal(..) => None,
            })
            .collect()
    }

    #[test]
    fn reads_inline_calls_with_typed_arguments() {
        let text = "a {{ figure(src=\"/a.jpg\", n=3, big=true, x='it\\'s', y=-1.5) }} b";
        let c = &calls(text)[0];
        assert_eq!(c.name, "figure");
        assert_eq!(&text[c.span.clone()], &text[2..text.len() - 2]);
        let values: Vec<_> = c
            .args
            .iter()
            .map(|a| (a.name.as_str(), a.value.clone()))
            .collect();
        assert_eq!(values[0], ("src", ArgValue::Str("/a.jpg".into())));
        assert_eq!(values[1], ("n", ArgValue::Num(3.0)));
        assert_eq!(values[2], ("big", ArgValue::Bool(true)));
        assert_eq!(values[3], ("x", ArgValue::Str("it's".into())));
        assert_eq!(values[4], ("y", ArgValue::Num(-1.5)));
    }

    #[test]
    fn reads_bodies_and_nested_bodies() {
        let text =
            "{% callout(kind=\"tip\") %}\nOuter {% callout() %}inner{% end %} text\n{% end %}";
        let c = &calls(text)[0];
        assert_eq!(c.span, 0..text.len());
        let body = &text[c.body.clone().unwrap()];
        assert_eq!(body, "\nOuter {% callout() %}inner{% end %} text\n");
    }

    #[test]
    fn leaves_code_and_prose_braces_alone() {
        let text = "`{{ x() }}` and {{ not a call }} and {% also not %}";
        let (found, errors) = find(text, std::slice::from_ref(&(0..11)));
        assert!(
            found.is_empty() && errors.is_empty(),
            "{found:?} {errors:?}"
        );
    }

    #[test]
    fn literals_write_the_call_out() {
        let (found, _) = find("{{/* figure(src=\"x\") */}}", &[]);
        assert_eq!(
            found,
            vec![Found::Literal(0..25, "{{ figure(src=\"x\") }}".into())]
        );
    }

    #[test]
    fn reports_syntax_errors_with_their_place() {
        let text = "{% callout() %}never closed";
        let (_, errors) = find(text, &[]);
        assert_eq!(errors[0].span, 0..15);
        assert!(errors[0].message.contains("`{% end %}` is missing"));
        let (_, errors) = find("{{ figure(src=\"a) }}", &[]);
        assert!(errors[0].message.contains("string is not closed"));
        let (_, errors) = find("{{ figure(src=x) }}", &[]);
        assert!(errors[0].message.contains("expected a value"));
        let (_, errors) = find("{% end %}", &[]);
        assert!(errors[0].message.contains("without a shortcode"));
        let (_, errors) = find("{{ figure(a=1, a=2) }}", &[]);
        assert!(errors[0].message.contains("given twice"));
    }

    #[test]
    fn never_panics_on_cut_off_input() {
        let text =
            "{% callout(kind=\"tip\", n=1.5e3, ok=true) %}body {{ muscle(id='x') }}{% end %}";
        for end in 0..=text.len() {
            if text.is_char_boundary(end) {
                let _ = find(&text[..end], &[]);
            }
        }
    }
}
