//! Turns a step's Markdown into terminal text: a header line, paragraphs and list items wrapped
//! to the terminal's width, fenced code blocks verbatim (indented, never wrapped, so they copy
//! cleanly), inline `code` and **bold** shown plain, or styled when the output is a terminal
//! and `NO_COLOR` is unset.
//!
//! It owns only that small subset of Markdown the step files use; it must not read files or
//! fill placeholders (the text it gets is final).

use std::io::IsTerminal;

/// How the text is decorated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// ANSI bold and colour.
    pub ansi: bool,
    /// Columns to wrap prose at.
    pub width: usize,
}

impl Style {
    /// Plain text at `width` columns (tests).
    #[cfg(test)]
    pub fn plain(width: usize) -> Self {
        Self {
            ansi: false,
            width: width.clamp(40, 100),
        }
    }

    /// For standard output: its width when it is a terminal (80 otherwise), ANSI only on a
    /// terminal without `NO_COLOR`.
    pub fn for_stdout() -> Self {
        let terminal = std::io::stdout().is_terminal();
        let width = console::Term::stdout()
            .size_checked()
            .map_or(80, |(_, cols)| usize::from(cols).saturating_sub(2));
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            ansi: terminal && !no_color,
            width: width.clamp(40, 100),
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.wrap_sgr("1", text)
    }

    pub fn green(&self, text: &str) -> String {
        self.wrap_sgr("32", text)
    }

    pub fn red(&self, text: &str) -> String {
        self.wrap_sgr("31", text)
    }

    pub fn yellow(&self, text: &str) -> String {
        self.wrap_sgr("33", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.wrap_sgr("2", text)
    }

    fn cyan(&self, text: &str) -> String {
        self.wrap_sgr("36", text)
    }

    fn wrap_sgr(&self, code: &str, text: &str) -> String {
        if self.ansi {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// `Step 5/12 · Turn protection on`.
pub fn header(number: usize, total: usize, title: &str, style: &Style) -> String {
    let line = format!("Step {number}/{total} · {title}");
    let rule = "─".repeat(line.chars().count());
    format!("{}\n{}\n", style.bold(&line), style.dim(&rule))
}

/// The whole body, ready to print (ends with a newline).
pub fn body(markdown: &str, style: &Style) -> String {
    let mut out = String::new();
    let mut lines = markdown.lines().peekable();
    let mut paragraph: Vec<&str> = Vec::new();
    // A list item's first line prefix ("- ", "1. "), and its continuation lines.
    let mut item: Option<(String, Vec<&str>)> = None;

    let flush =
        |out: &mut String, paragraph: &mut Vec<&str>, item: &mut Option<(String, Vec<&str>)>| {
            if let Some((marker, parts)) = item.take() {
                let indent = " ".repeat(marker.chars().count() + 2);
                let first = format!("  {marker}");
                wrap_into(out, &parts.join(" "), &first, &indent, style);
            }
            if !paragraph.is_empty() {
                wrap_into(out, &paragraph.join(" "), "", "", style);
                out.push('\n');
                paragraph.clear();
            }
        };

    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            flush(&mut out, &mut paragraph, &mut item);
            finish_list(&mut out);
            for code in lines.by_ref() {
                if code.trim_start().starts_with("```") {
                    break;
                }
                if code.is_empty() {
                    out.push('\n');
                } else {
                    out.push_str("    ");
                    out.push_str(&style.cyan(code));
                    out.push('\n');
                }
            }
            out.push('\n');
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut out, &mut paragraph, &mut item);
            finish_list(&mut out);
            continue;
        }
        if let Some(marker) = list_marker(line) {
            flush(&mut out, &mut paragraph, &mut item);
            item = Some((marker.to_owned(), vec![line[marker.len()..].trim()]));
            continue;
        }
        match &mut item {
            // An indented line continues the list item above it.
            Some((_, parts)) if line.starts_with(' ') => parts.push(trimmed),
            Some(_) => {
                flush(&mut out, &mut paragraph, &mut item);
                paragraph.push(trimmed);
            }
            None => paragraph.push(trimmed),
        }
    }
    flush(&mut out, &mut paragraph, &mut item);
    finish_list(&mut out);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// A blank line after a list, once.
fn finish_list(out: &mut String) {
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
}

/// `- `, `* ` or `12. ` at the start of an unindented line.
fn list_marker(line: &str) -> Option<&str> {
    if line.starts_with("- ") || line.starts_with("* ") {
        return Some(&line[..2]);
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && line[digits..].starts_with(". ")).then(|| &line[..digits + 2])
}

/// One styled word: its text for output and its visible width.
struct Word {
    text: String,
    width: usize,
}

/// Splits prose into words, dropping the Markdown markers and styling what they marked. A code
/// span is one unbreakable word even with spaces in it.
fn words(text: &str, style: &Style) -> Vec<Word> {
    let mut out = Vec::new();
    let mut visible = String::new();
    let mut styled = String::new();
    let mut in_code = false;
    let mut in_bold = false;
    let mut chars = text.chars().peekable();
    let push_word = |out: &mut Vec<Word>, visible: &mut String, styled: &mut String| {
        if !visible.is_empty() {
            out.push(Word {
                text: std::mem::take(styled),
                width: visible.chars().count(),
            });
            visible.clear();
        }
    };
    let mut run = String::new();
    let close_run = |run: &mut String, styled: &mut String, in_code: bool, in_bold: bool| {
        if run.is_empty() {
            return;
        }
        let text = std::mem::take(run);
        styled.push_str(&match (in_code, in_bold) {
            (true, _) => style.cyan(&text),
            (false, true) => style.bold(&text),
            _ => text,
        });
    };
    while let Some(c) = chars.next() {
        match c {
            '`' => {
                close_run(&mut run, &mut styled, in_code, in_bold);
                in_code = !in_code;
            }
            '*' if !in_code && chars.peek() == Some(&'*') => {
                chars.next();
                close_run(&mut run, &mut styled, in_code, in_bold);
                in_bold = !in_bold;
            }
            ' ' if !in_code => {
                close_run(&mut run, &mut styled, in_code, in_bold);
                push_word(&mut out, &mut visible, &mut styled);
            }
            c => {
                run.push(c);
                visible.push(c);
            }
        }
    }
    close_run(&mut run, &mut styled, in_code, in_bold);
    push_word(&mut out, &mut visible, &mut styled);
    out
}

/// Wraps `text` at the style's width; `first` starts the first line, `rest` the others.
fn wrap_into(out: &mut String, text: &str, first: &str, rest: &str, style: &Style) {
    let mut line_width = 0;
    let mut at_start = true;
    out.push_str(first);
    line_width += first.chars().count();
    for word in words(text, style) {
        if !at_start && line_width + 1 + word.width > style.width {
            out.push('\n');
            out.push_str(rest);
            line_width = rest.chars().count();
            at_start = true;
        }
        if !at_start {
            out.push(' ');
            line_width += 1;
        }
        out.push_str(&word.text);
        line_width += word.width;
        at_start = false;
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_wraps_code_blocks_do_not_and_markers_go() {
        let markdown = "Protection is now **on**. Make the same call with `curl -i` and read the answer that comes back from the server.\n\n```sh\ncurl -i -X POST http://localhost:8000/mcp -H 'Content-Type: application/json' -d '{\"jsonrpc\":\"2.0\"}'\n```\n\nAfter.";
        let text = body(markdown, &Style::plain(40));
        let lines: Vec<&str> = text.lines().collect();
        for line in &lines {
            if !line.starts_with("    curl") {
                assert!(line.chars().count() <= 40, "too wide: {line:?}");
            }
        }
        assert!(
            text.contains("Protection is now on. Make the same call"),
            "{text}"
        );
        assert!(text.contains("with curl -i and"), "{text}");
        assert!(!text.contains('`') && !text.contains("**"), "{text}");
        assert!(
            lines.contains(
                &"    curl -i -X POST http://localhost:8000/mcp -H 'Content-Type: application/json' -d '{\"jsonrpc\":\"2.0\"}'"
            ),
            "the command stays on one line, indented: {text}"
        );
        assert!(text.ends_with("After.\n"), "{text:?}");
    }

    #[test]
    fn list_items_hang_under_their_marker() {
        let markdown = "You need:\n\n- **Docker**, in any of its forms: Docker Desktop, colima, OrbStack,\n  podman or the Linux daemon.\n- Node.js\n\n1. First\n2. Second";
        let text = body(markdown, &Style::plain(40));
        assert_eq!(
            text,
            "You need:\n\n  - Docker, in any of its forms: Docker\n    Desktop, colima, OrbStack, podman or\n    the Linux daemon.\n  - Node.js\n\n  1. First\n  2. Second\n"
        );
    }

    #[test]
    fn ansi_only_when_asked() {
        let styled = Style {
            ansi: true,
            width: 80,
        };
        let text = body("Run `mcp-fa up` **now**.", &styled);
        assert!(text.contains("\x1b[36mmcp-fa up\x1b[0m"), "{text:?}");
        assert!(text.contains("\x1b[1mnow\x1b[0m"), "{text:?}");
        assert!(!body("Run `mcp-fa up` **now**.", &Style::plain(80)).contains('\x1b'));
        assert_eq!(
            header(5, 12, "Turn protection on", &Style::plain(80)),
            "Step 5/12 · Turn protection on\n──────────────────────────────\n"
        );
    }
}
