//! Text from an input made safe to print in a message. A scenario from a pull request can
//! hold terminal escape sequences, carriage returns, bidi overrides or a 32 MB string in a
//! key or value; echoed raw they would rewrite a CI log or flood a terminal. Every message
//! that echoes input goes through these helpers: control and bidi characters become
//! visible escapes (`\u{1b}`, `\n`) and long text is cut, saying how much was left out.

use std::fmt::Write;

/// How many characters of one echoed value (a name, key, duration, CSV cell) a message
/// shows.
pub const SHOWN_CHARS: usize = 80;

/// How many characters of a whole message (or of one line of a multi-line one) are
/// printed: a net under the per-value cut, for messages that echo many values.
pub const MESSAGE_CHARS: usize = 2000;

/// Characters a terminal or log viewer acts on instead of showing: C0 and C1 controls and
/// DEL (`char::is_control`), and the Unicode format characters that reorder or hide text
/// (bidi embeddings, overrides and isolates, the Arabic letter mark, zero-width characters,
/// line and paragraph separators, the byte-order mark).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `text` with control and bidi characters escaped, cut once `limit` characters are
/// written (an escape counts its length), and the number of bytes cut off. `quoted` also
/// escapes `"` and `\`, so that the text can be shown between quotes unambiguously.
/// Stops reading at the cut, so a huge value costs nothing.
fn escape_prefix(text: &str, limit: usize, quoted: bool) -> (String, usize) {
    let mut out = String::with_capacity(text.len().min(limit + 16));
    let mut written = 0;
    for (index, c) in text.char_indices() {
        if written >= limit {
            return (out, text.len() - index);
        }
        let before = out.len();
        if needs_escape(c) {
            push_escaped(&mut out, c);
            written += out.len() - before;
        } else if quoted && (c == '"' || c == '\\') {
            out.push('\\');
            out.push(c);
            written += 2;
        } else {
            out.push(c);
            written += 1;
        }
    }
    (out, 0)
}

/// A whole document written for people or tools (a table or markdown on standard output, an
/// SVG chart, JUnit XML, HTML) with the characters `needs_escape` names made visible,
/// except the line breaks and tabs of its own layout: a name from the input cannot move a
/// terminal's cursor or rewrite a CI log, and XML 1.0 forbids the C0 controls. Nothing is
/// cut: the values in it were already limited by the input limits.
pub fn document(text: &str) -> std::borrow::Cow<'_, str> {
    let escaped = |c: char| needs_escape(c) && !matches!(c, '\n' | '\r' | '\t');
    if !text.chars().any(escaped) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if escaped(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A markdown document made safe like `document`, with every `<` written `&lt;`, so that a
/// name from the input (`<script>`) cannot open raw HTML where the markdown is rendered.
pub fn markdown(text: &str) -> String {
    document(text).replace('<', "&lt;")
}

/// Says how much was cut off, if anything.
fn more(cut: usize) -> String {
    if cut == 0 {
        String::new()
    } else {
        format!("...({cut} more bytes)")
    }
}

/// Like `escape_prefix`, with the cut said at the end.
fn escape_cut(text: &str, limit: usize, quoted: bool) -> String {
    let (mut out, cut) = escape_prefix(text, limit, quoted);
    out.push_str(&more(cut));
    out
}

/// A value from the input as a message shows it: between double quotes, control and bidi
/// characters (and `"` and `\`) escaped, cut to `SHOWN_CHARS` characters.
pub fn shown(value: &str) -> String {
    let (text, cut) = escape_prefix(value, SHOWN_CHARS, true);
    format!("\"{text}\"{}", more(cut))
}

/// A key from the input as one segment of a JSON path (`components.<key>.replicas`):
/// escaped and cut like `shown`, without quotes, so that a newline in a key cannot split
/// the path over two lines.
pub fn key(key: &str) -> String {
    escape_cut(key, SHOWN_CHARS, false)
}

/// A whole message (one line) made safe: control and bidi characters escaped, cut to
/// `MESSAGE_CHARS` characters.
pub fn tame(message: &str) -> String {
    escape_cut(message, MESSAGE_CHARS, false)
}

/// A message that may span lines (an error printed to standard error): each line made
/// safe like `tame`, the line breaks kept.
pub fn tame_lines(message: &str) -> String {
    message.split('\n').map(tame).collect::<Vec<_>>().join("\n")
}

/// A JSON path made safe to print: escaped like `tame`; a path longer than 300 characters
/// keeps its start and its end (the part that says which parameter) around the cut.
pub fn path(path: &str) -> String {
    const HEAD: usize = 120;
    const TAIL: usize = 160;
    let escaped = tame(path);
    let chars = escaped.chars().count();
    if chars <= HEAD + TAIL + 20 {
        return escaped;
    }
    let head: String = escaped.chars().take(HEAD).collect();
    let tail: String = escaped.chars().skip(chars - TAIL).collect();
    format!("{head}...({} characters)...{tail}", chars - HEAD - TAIL)
}

/// serde's and serde_json's messages echo the input (``unknown field `KEY` ``, `invalid
/// type: string "VALUE"`): every span between backticks or double quotes is escaped and
/// cut like a shown value, then the whole message like `tame`.
pub fn tame_quoted(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(start) = rest.find(['`', '"']) {
        let delimiter = rest.as_bytes()[start] as char;
        out.push_str(&rest[..=start]);
        let after = &rest[start + 1..];
        // The closing delimiter is the last one before the message's own text resumes
        // (", expected"), or else the next one: a key may itself hold the delimiter.
        let end = after
            .find(&format!("{delimiter}, expected"))
            .or_else(|| after.find(delimiter));
        match end {
            Some(end) => {
                out.push_str(&escape_cut(&after[..end], SHOWN_CHARS, false));
                out.push(delimiter);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&escape_cut(after, SHOWN_CHARS, false));
                rest = "";
            }
        }
        if out.len() > MESSAGE_CHARS {
            break;
        }
    }
    out.push_str(rest);
    tame(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_keep_their_layout_and_lose_controls() {
        assert_eq!(document("a\tb\nc\r\n"), "a\tb\nc\r\n");
        assert_eq!(document("x\u{1b}[31my\u{7}"), "x\\u{1b}[31my\\u{7}");
        assert_eq!(
            markdown("| <script>x</script> |"),
            "| &lt;script>x&lt;/script> |"
        );
    }

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert_eq!(shown("a\u{1b}[31mb"), "\"a\\u{1b}[31mb\"");
        assert_eq!(key("a\nb\u{7}\u{202e}"), "a\\nb\\u{7}\\u{202e}");
        assert_eq!(shown("say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
        assert_eq!(key("\u{0}\u{9b}\r\t"), "\\u{0}\\u{9b}\\r\\t");
        assert_eq!(tame_lines("a\u{1b}\nb"), "a\\u{1b}\nb");
        // Printable text from any script is shown as it is.
        assert_eq!(key("zürich-東京"), "zürich-東京");
    }

    #[test]
    fn long_values_are_cut_saying_how_much() {
        let long = "x".repeat(200);
        let text = shown(&long);
        assert!(text.starts_with("\"xxx") && text.len() < 110, "{text}");
        assert!(text.ends_with("x\"...(120 more bytes)"), "{text}");
        let huge = "y".repeat(5_000_000);
        assert!(tame(&huge).len() < MESSAGE_CHARS + 40);
        let long_path = format!("components.{}.ttf", "z".repeat(1000));
        let cut = path(&long_path);
        assert!(
            cut.starts_with("components.zz") && cut.ends_with("zz.ttf"),
            "{cut}"
        );
        assert!(cut.len() < 320, "{cut}");
    }

    #[test]
    fn serde_messages_are_tamed() {
        let key = format!("a\u{1b}b{}", "k".repeat(500));
        let message = format!("unknown field `{key}`, expected one of `name`, `ttf`");
        let tamed = tame_quoted(&message);
        assert!(!tamed.contains('\u{1b}') && tamed.len() < 200, "{tamed}");
        assert!(
            tamed.ends_with(", expected one of `name`, `ttf`"),
            "{tamed}"
        );
        assert_eq!(
            tame_quoted("invalid type: string \"x\", expected u32"),
            "invalid type: string \"x\", expected u32"
        );
        let odd = "unknown field `a`b`, expected `c`";
        assert_eq!(tame_quoted(odd), odd);
    }
}
