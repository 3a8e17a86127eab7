//! A program run in a real pseudo-terminal, as a person runs it: the test reads what it prints
//! and types into it. Linux only (the pty calls are libc's own; no pty crate needed).
#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A program running on the slave side of a pseudo-terminal, as its controlling terminal; the
/// test reads what it prints from the master side and types into it.
pub struct Terminal {
    master: std::fs::File,
    output: Arc<Mutex<Vec<u8>>>,
    /// How far `expect` has consumed the transcript.
    seen: usize,
    child: Child,
}

impl Terminal {
    pub fn spawn(mut command: Command) -> Terminal {
        // posix_openpt/grantpt/unlockpt/ptsname_r: the pty calls in libc itself (no libutil).
        // Close-on-exec from the start: other tests of this process spawn programs at any
        // moment, and one holding a copy of the master would keep this terminal alive.
        let master_fd =
            unsafe { libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) };
        assert!(
            master_fd >= 0,
            "posix_openpt: {}",
            std::io::Error::last_os_error()
        );
        let master = unsafe { std::fs::File::from_raw_fd(master_fd) };
        let mut name = [0 as libc::c_char; 128];
        unsafe {
            assert_eq!(libc::grantpt(master_fd), 0, "grantpt");
            assert_eq!(libc::unlockpt(master_fd), 0, "unlockpt");
            assert_eq!(
                libc::ptsname_r(master_fd, name.as_mut_ptr(), name.len()),
                0,
                "ptsname_r"
            );
        }
        let size = libc::winsize {
            ws_row: 50,
            ws_col: 100,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        unsafe { libc::ioctl(master_fd, libc::TIOCSWINSZ, &size) };
        let slave_path = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(&slave_path)
            .expect("open the pty's slave side");
        command
            .stdin(slave.try_clone().expect("dup"))
            .stdout(slave.try_clone().expect("dup"))
            .stderr(slave);
        unsafe {
            use std::os::unix::process::CommandExt;
            // A session of its own with the pty as controlling terminal, so ^C typed into it is
            // a SIGINT for the program, as in a real terminal.
            command.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("start mcp-fa in the pty");
        drop(command);
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().expect("dup master");
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // EIO once the program and its children have closed the terminal.
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .expect("transcript")
                    .extend_from_slice(&buffer[..n]);
            }
        });
        Terminal {
            master,
            output,
            seen: 0,
            child,
        }
    }

    pub fn transcript(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().expect("transcript")).replace('\r', "")
    }

    /// Waits until `needle` appears after what was already consumed; returns the text up to and
    /// including it, and consumes it.
    #[track_caller]
    pub fn expect(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.transcript();
            let rest = &text[self.seen.min(text.len())..];
            if let Some(at) = rest.find(needle) {
                let found = rest[..at + needle.len()].to_owned();
                self.seen += at + needle.len();
                return found;
            }
            if Instant::now() >= deadline {
                panic!(
                    "the terminal never showed {needle:?} within {timeout:?}; it shows:\n{}",
                    &text[self.seen.min(text.len())..]
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the prompt (the step's text and what came with it before).
    #[track_caller]
    pub fn prompt(&mut self) -> String {
        self.expect("q] quit >", Duration::from_secs(60))
    }

    /// Presses one key, as the walkthrough reads them (no Enter after it).
    pub fn press(&mut self, key: char) {
        let mut bytes = [0; 4];
        self.master
            .write_all(key.encode_utf8(&mut bytes).as_bytes())
            .expect("type into the terminal");
    }

    /// Presses Enter.
    pub fn press_enter(&mut self) {
        self.master
            .write_all(b"\r")
            .expect("type into the terminal");
    }

    pub fn ctrl_c(&mut self) {
        self.master.write_all(&[0x03]).expect("type ^C");
    }

    /// Waits for the program to exit; its exit code.
    #[track_caller]
    pub fn wait(&mut self, timeout: Duration) -> i32 {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code().unwrap_or(-1);
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("still running after {timeout:?}:\n{}", self.transcript());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the program to exit and asserts it exited with 0.
    #[track_caller]
    pub fn assert_exits_cleanly(&mut self, timeout: Duration) {
        let code = self.wait(timeout);
        assert_eq!(code, 0, "{}", self.transcript());
    }

    /// One step: wait for its header and prompt, press Enter, expect a ✓. Returns what the step
    /// showed.
    #[track_caller]
    pub fn pass_step(&mut self, number: usize, title: &str) -> String {
        let header = format!("Step {number}/12 · {title}");
        let shown = self.expect(&header, Duration::from_secs(60));
        let shown = shown + &self.prompt();
        self.press_enter();
        let verdict = self.expect("\n", Duration::from_secs(5));
        let verdict = verdict + &self.expect_verdict();
        assert!(
            verdict.contains('✓'),
            "step {number} did not pass:\n{verdict}\n--- transcript ---\n{}",
            self.transcript()
        );
        shown
    }

    /// Everything up to the end of the next verdict line (✓, ✗ or ?).
    #[track_caller]
    pub fn expect_verdict(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let text = self.transcript();
            let rest = &text[self.seen.min(text.len())..];
            let found = rest.lines().position(|line| {
                let line = line.trim_start();
                line.starts_with('✓') || line.starts_with('✗') || line.starts_with("? ")
            });
            if let Some(index) = found {
                // Up to the end of that line, details are read by the next expect.
                let upto: usize = rest.lines().take(index + 1).map(|l| l.len() + 1).sum();
                let upto = upto.min(rest.len());
                let found = rest[..upto].to_owned();
                self.seen += upto;
                return found;
            }
            if Instant::now() >= deadline {
                panic!("no verdict; the terminal shows:\n{rest}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The environment of a person's terminal for every `mcp-fa` of a test: no colours (plain
/// assertions), and a home of its own, where `clients add --write-config` writes Cursor's
/// configuration.
pub fn user_env(home: &std::path::Path) -> Vec<(String, String)> {
    vec![
        ("NO_COLOR".into(), "1".into()),
        ("HOME".into(), home.display().to_string()),
        ("TERM".into(), "xterm".into()),
    ]
}
