//! Questions at the terminal. A command asks only when a person can answer (standard input and
//! output are both terminals); otherwise every question has a flag, and the command says which.

use std::io::{BufRead, IsTerminal, Write};

use crate::error::Error;

/// Whether a person is there to answer: standard input and output are terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Prints `prompt` and reads one line; `None` at the end of input.
pub fn ask_line(prompt: &str) -> Result<Option<String>, Error> {
    let mut out = std::io::stdout();
    write!(out, "{prompt}")
        .and_then(|()| out.flush())
        .map_err(Error::Output)?;
    let mut line = String::new();
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(Error::Prompt)?;
    Ok((read > 0).then(|| line.trim().to_owned()))
}

/// Asks `question` with a `[y/N]` answer, unless `yes` already said so. Without a terminal it
/// refuses, naming `--yes`, rather than guessing.
pub fn confirm(question: &str, yes: bool, action: &'static str) -> Result<(), Error> {
    if yes {
        return Ok(());
    }
    if !interactive() {
        return Err(Error::ConfirmationNeeded { action });
    }
    match ask_line(&format!("{question} [y/N] "))?.as_deref() {
        Some("y" | "Y" | "yes") => Ok(()),
        _ => Err(Error::Cancelled),
    }
}
