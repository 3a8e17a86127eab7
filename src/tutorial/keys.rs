//! What the reader presses, one key at a time (the prompts say "press d", and mean it), and the
//! signals that end the walkthrough. Keys are read on a thread of their own with console's
//! `read_key` (a blocking read cannot be cancelled, and a thread that is not a runtime task
//! never holds up the process's exit); the terminal's settings are put back however the
//! walkthrough ends, so a reader is never left with a terminal that does not echo.

use tokio::sync::mpsc;

/// One key the reader pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pressed {
    Enter,
    /// A letter, lowercased.
    Char(char),
}

/// Keys pressed at the terminal, read on a thread of their own.
pub struct Keys {
    pub(super) keys: mpsc::UnboundedReceiver<Pressed>,
    _terminal: TerminalSettings,
}

impl Keys {
    /// Starts reading keys from the terminal.
    pub fn from_terminal() -> Self {
        let terminal = TerminalSettings::save();
        let (sender, keys) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("tutorial-keys".into())
            .spawn(move || {
                let term = console::Term::stdout();
                loop {
                    let pressed = match term.read_key() {
                        Ok(console::Key::Enter) => Pressed::Enter,
                        Ok(console::Key::Char(c)) if !c.is_control() => {
                            Pressed::Char(c.to_ascii_lowercase())
                        }
                        // Arrows, function keys and the like are not answers.
                        Ok(console::Key::Unknown) if !term.is_term() => break,
                        Ok(_) => continue,
                        // The terminal went away (end of input).
                        Err(_) => break,
                    };
                    if sender.send(pressed).is_err() {
                        break;
                    }
                }
                // Dropping the sender tells the reader: end of input.
            })
            .expect("a thread for the terminal's keys");
        Self {
            keys,
            _terminal: terminal,
        }
    }
}

/// The terminal's settings as the walkthrough found them, put back when it ends: the key
/// reader switches the terminal to raw mode while it waits, and a walkthrough that ends while it
/// waits (a signal) must not leave the terminal that way.
struct TerminalSettings {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl TerminalSettings {
    fn save() -> Self {
        #[cfg(unix)]
        {
            let mut termios = std::mem::MaybeUninit::<libc::termios>::uninit();
            // SAFETY: tcgetattr writes a whole termios into the pointer when it returns 0, and
            // the value is read only then.
            let saved = unsafe {
                (libc::tcgetattr(libc::STDIN_FILENO, termios.as_mut_ptr()) == 0)
                    .then(|| termios.assume_init())
            };
            Self { saved }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }
}

impl Drop for TerminalSettings {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            // SAFETY: `saved` is a termios tcgetattr filled for this very descriptor.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, saved);
            }
        }
    }
}

/// Ctrl-C and SIGTERM, listened for from the walkthrough's start (a signal that arrives while
/// nobody waits for it is kept until the next wait, not lost).
pub struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    pub fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                interrupt: signal(SignalKind::interrupt()).ok(),
                term: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            async fn one(signal: &mut Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = one(&mut self.interrupt) => {}
                () = one(&mut self.term) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
