//! The help page's `X[].Y` shorthand ("Y of every element of X"), rewritten into
//! plain Jinja before compiling.
//!
//! Inside `{{ … }}` the shorthand becomes `(X|pluck("Y")|join(", "))`, so
//! `{{ checkout.items[].product.name }}` prints every item's name joined by ", ";
//! inside `{% … %}` it becomes the list `(X|pluck("Y"))`, so it can be looped over.
//! The rewrite never adds or removes a line, and [`Rewritten::original_offset`]
//! maps a position in the rewritten source back to the merchant's text, so errors
//! point at what the merchant wrote.

use std::ops::Range;

/// A rewritten template source and where its replacements came from.
#[derive(Debug, Clone)]
pub(crate) struct Rewritten {
    pub(crate) source: String,
    spans: Vec<Replacement>,
}

#[derive(Debug, Clone)]
struct Replacement {
    new: Range<usize>,
    old: Range<usize>,
}

impl Rewritten {
    /// The byte offset in the original text that `offset` (in the rewritten source)
    /// came from; any offset inside a replacement maps to the shorthand's start.
    pub(crate) fn original_offset(&self, offset: usize) -> usize {
        let mut delta = 0isize;
        for span in &self.spans {
            if offset < span.new.start {
                break;
            }
            if offset < span.new.end {
                return span.old.start;
            }
            delta = span.old.end as isize - span.new.end as isize;
        }
        offset.saturating_add_signed(delta)
    }
}

/// Rewrites every `X[].Y` inside `{{ }}` and `{% %}` (not in comments, string
/// literals or `{% raw %}` blocks).
pub(crate) fn rewrite(text: &str) -> Rewritten {
    let bytes = text.as_bytes();
    let mut writer = Writer {
        text,
        out: String::with_capacity(text.len()),
        copied: 0,
        spans: Vec::new(),
    };
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] != b'{' {
            i += 1;
            continue;
        }
        match bytes[i + 1] {
            b'#' => i = find(bytes, i + 2, b"#}").map_or(bytes.len(), |end| end + 2),
            b'{' => {
                let end = tag_end(bytes, i + 2, b"}}");
                writer.expression(i + 2, end, true);
                i = end;
            }
            b'%' if is_raw(bytes, i + 2) => {
                i = find(bytes, i + 2, b"endraw")
                    .and_then(|at| find(bytes, at, b"%}"))
                    .map_or(bytes.len(), |end| end + 2);
            }
            b'%' => {
                let end = tag_end(bytes, i + 2, b"%}");
                writer.expression(i + 2, end, false);
                i = end;
            }
            _ => i += 1,
        }
    }
    writer.out.push_str(&text[writer.copied..]);
    Rewritten {
        source: writer.out,
        spans: writer.spans,
    }
}

struct Writer<'a> {
    text: &'a str,
    out: String,
    copied: usize,
    spans: Vec<Replacement>,
}

impl Writer<'_> {
    /// Rewrites the shorthands in `text[start..end]`, the inside of one tag.
    fn expression(&mut self, start: usize, end: usize, join: bool) {
        let bytes = self.text.as_bytes();
        let mut floor = start;
        let mut j = start;
        while j < end {
            match bytes[j] {
                quote @ (b'"' | b'\'') => j = string_end(bytes, j, quote).min(end),
                b'[' if j + 1 < end
                    && bytes[j + 1] == b']'
                    && j > floor
                    && (is_ident(bytes[j - 1]) || matches!(bytes[j - 1], b']' | b')')) =>
                {
                    let base = base_start(bytes, floor, j);
                    let path_end = path_end(bytes, j + 2, end);
                    self.replace(base, j, path_end, join);
                    floor = path_end;
                    j = path_end;
                }
                _ => j += 1,
            }
        }
    }

    fn replace(&mut self, base: usize, brackets: usize, path_end: usize, join: bool) {
        let path = &self.text[brackets + 2..path_end];
        let path = path.strip_prefix('.').unwrap_or(path);
        self.out.push_str(&self.text[self.copied..base]);
        let new_start = self.out.len();
        self.out.push('(');
        self.out.push_str(&self.text[base..brackets]);
        self.out.push_str("|pluck(\"");
        self.out.push_str(path);
        self.out.push_str("\")");
        if join {
            self.out.push_str("|join(\", \")");
        }
        self.out.push(')');
        self.spans.push(Replacement {
            new: new_start..self.out.len(),
            old: base..path_end,
        });
        self.copied = path_end;
    }
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Start of the expression `X` before the `[` of `X[]`: identifiers, dots and
/// balanced `[…]` / `(…)` groups, going backwards no further than `floor`.
fn base_start(bytes: &[u8], floor: usize, mut k: usize) -> usize {
    while k > floor {
        let c = bytes[k - 1];
        if is_ident(c) || c == b'.' {
            k -= 1;
            continue;
        }
        let open = match c {
            b']' => b'[',
            b')' => b'(',
            _ => break,
        };
        let mut depth = 0usize;
        let mut m = k;
        loop {
            if m == floor {
                return k;
            }
            m -= 1;
            if bytes[m] == c {
                depth += 1;
            } else if bytes[m] == open {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
        }
        k = m;
    }
    k
}

/// End of the path after `X[]`: any run of `.name` and `[]`.
fn path_end(bytes: &[u8], mut p: usize, end: usize) -> usize {
    loop {
        if p + 1 < end && bytes[p] == b'.' && is_ident(bytes[p + 1]) {
            p += 1;
            while p < end && is_ident(bytes[p]) {
                p += 1;
            }
        } else if p + 1 < end && bytes[p] == b'[' && bytes[p + 1] == b']' {
            p += 2;
        } else {
            return p;
        }
    }
}

/// Index of the closing delimiter of a tag, skipping string literals.
fn tag_end(bytes: &[u8], mut i: usize, close: &[u8]) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'"' | b'\'') => i = string_end(bytes, i, quote),
            _ if bytes[i..].starts_with(close) => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Index just past the string literal opening at `start`.
fn string_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| from + at)
}

/// Whether the statement starting at `i` (just after `{%`) is `raw`.
fn is_raw(bytes: &[u8], mut i: usize) -> bool {
    if matches!(bytes.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    bytes[i.min(bytes.len())..].starts_with(b"raw")
        && !bytes.get(i + 3).copied().is_some_and(is_ident)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> String {
        rewrite(text).source
    }

    #[test]
    fn output_tags_join_the_plucked_values() {
        assert_eq!(
            source("Items: {{ checkout.items[].product.name }}!"),
            r#"Items: {{ (checkout.items|pluck("product.name")|join(", ")) }}!"#
        );
        assert_eq!(
            source("{{ checkout.items[].quantity|upper }}"),
            r#"{{ (checkout.items|pluck("quantity")|join(", "))|upper }}"#
        );
    }

    #[test]
    fn statements_get_a_list() {
        assert_eq!(
            source("{% for sku in checkout.items[].product.sku %}{{ sku }}{% endfor %}"),
            r#"{% for sku in (checkout.items|pluck("product.sku")) %}{{ sku }}{% endfor %}"#
        );
    }

    #[test]
    fn nested_lists_subscripts_and_several_chains() {
        assert_eq!(
            source(r#"{{ a.b["c"][].d[].e ~ x[] }}"#),
            r#"{{ (a.b["c"]|pluck("d[].e")|join(", ")) ~ (x|pluck("")|join(", ")) }}"#
        );
    }

    #[test]
    fn literals_comments_strings_and_raw_are_left_alone() {
        for text in [
            "{% set a = [] %}{{ [] }}",
            "{# items[].name #} text items[].name",
            r#"{{ "items[].name" }}"#,
            "{% raw %}{{ items[].name }}{% endraw %}",
        ] {
            assert_eq!(source(text), text);
        }
    }

    #[test]
    fn offsets_map_back_to_the_original() {
        let text = "{{ a[].b }} {{ x + }}";
        let rewritten = rewrite(text);
        let error_at = rewritten.source.find("+ }}").unwrap();
        assert_eq!(
            rewritten.original_offset(error_at),
            text.find("+ }}").unwrap()
        );
        assert_eq!(rewritten.original_offset(4), 3);
        assert_eq!(rewritten.original_offset(0), 0);
    }

    #[test]
    fn lines_are_kept() {
        let text = "a\n{{ x[].y }}\n{% if z[].w %}\n{% endif %}";
        assert_eq!(source(text).lines().count(), text.lines().count());
    }
}
