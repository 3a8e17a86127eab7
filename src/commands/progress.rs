//! How `up`'s progress looks: one line per step on standard error, and a progress bar per image
//! pull (plain lines when standard error is not a terminal). `--json` passes
//! [`crate::stack::Silent`] instead. The final report goes to standard output, printed by the
//! command.

use std::collections::HashMap;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::docker::PullEvent;
use crate::stack::{Progress, PullProgress};

/// Progress on standard error.
#[derive(Debug, Clone, Copy)]
pub struct Reporter {
    terminal: bool,
}

impl Reporter {
    pub fn new() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn tracker(&self, image: &str) -> PullBar {
        let bar = self.terminal.then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {bytes}/{total_bytes} {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix(image.to_owned());
            bar
        });
        PullBar {
            image: image.to_owned(),
            plain: !self.terminal,
            bar,
            layers: HashMap::new(),
        }
    }
}

impl Progress for Reporter {
    fn step(&self, message: &str) {
        eprintln!("mcp-fa: {message}");
    }

    fn pull(&self, image: &str) -> Box<dyn PullProgress + '_> {
        Box::new(self.tracker(image))
    }
}

/// One image's pull: an aggregate bar over the layers' downloaded bytes.
struct PullBar {
    image: String,
    plain: bool,
    bar: Option<ProgressBar>,
    /// Per layer: last status, and bytes (current, total) while downloading.
    layers: HashMap<String, (String, Option<(u64, u64)>)>,
}

impl PullProgress for PullBar {
    fn event(&mut self, event: PullEvent) {
        let Some(layer) = event.layer.clone() else {
            self.message(&event.status);
            return;
        };
        let entry = self
            .layers
            .entry(layer.clone())
            .or_insert_with(|| (String::new(), None));
        let changed = entry.0 != event.status;
        entry.0 = event.status.clone();
        // Only "Downloading" carries bytes. Docker 29's containerd store reports seconds with no
        // total: without a total it is not treated as bytes.
        if event.status == "Downloading"
            && let (Some(current), Some(total)) = (event.current, event.total)
            && total > 0
        {
            entry.1 = Some((current, total));
        } else if matches!(
            event.status.as_str(),
            "Download complete" | "Pull complete" | "Already exists"
        ) && let Some((_, total)) = entry.1
        {
            entry.1 = Some((total, total));
        }
        if let Some(bar) = &self.bar {
            let (current, total) = self.bytes();
            bar.set_length(total);
            bar.set_position(current);
            bar.set_message(format!("{layer}: {}", event.status));
        } else if self.plain && changed {
            eprintln!("mcp-fa: pull {}: {layer}: {}", self.image, event.status);
        }
    }

    fn finish(self: Box<Self>, outcome: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_with_message(outcome.to_owned());
        } else if self.plain {
            eprintln!("mcp-fa: pull {}: {outcome}", self.image);
        }
    }
}

impl PullBar {
    /// Downloaded and total bytes over the layers whose size is known.
    fn bytes(&self) -> (u64, u64) {
        self.layers
            .values()
            .filter_map(|(_, bytes)| *bytes)
            .fold((0, 0), |(c, t), (lc, lt)| (c + lc, t + lt))
    }

    fn message(&self, status: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(status.to_owned());
        } else if self.plain && !status.is_empty() {
            eprintln!("mcp-fa: pull {}: {status}", self.image);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(layer: &str, status: &str, current: Option<u64>, total: Option<u64>) -> PullEvent {
        PullEvent {
            layer: Some(layer.into()),
            status: status.into(),
            current,
            total,
        }
    }

    #[test]
    fn bytes_add_up_over_layers_and_seconds_are_not_bytes() {
        let mut progress = PullBar {
            image: "postgres:16".into(),
            plain: false,
            bar: None,
            layers: HashMap::new(),
        };
        progress.event(event("a", "Downloading", Some(10), Some(100)));
        progress.event(event("b", "Downloading", Some(5), Some(50)));
        assert_eq!(progress.bytes(), (15, 150));
        progress.event(event("a", "Download complete", None, None));
        assert_eq!(progress.bytes(), (105, 150));
        // Docker 29's containerd store: progress in seconds, without a total.
        progress.event(event("c", "Downloading", Some(3), None));
        assert_eq!(progress.bytes(), (105, 150));
        progress.event(event("d", "Already exists", None, None));
        assert_eq!(progress.bytes(), (105, 150));
    }
}
