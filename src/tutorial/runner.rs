//! The interactive walkthrough: shows each step from the saved one on, waits for a line of
//! input (`[Enter] verify  [h] hint  [s] skip  [b] back  [q] quit`), runs the step's check
//! against the real thing, prints its verdict, and saves progress after every change.
//!
//! It owns the conversation and the MCP server's protection switch while it runs (each step
//! says whether the server is protected). It must not start or stop the stack, and it never
//! ends on a signal without saving: Ctrl-C or SIGTERM while it waits (or while a check runs)
//! saves and stops cleanly. Standard input is read line by line on a thread of its own, so a
//! signal is noticed even while nobody types.

use std::io::Write;

use super::checks::{CheckContext, Checker, Mode, Outcome, Verdict, Verify};
use super::error::TutorialError;
use super::keys::{Keys, Pressed, Signals};
use super::progress::{Progress, ProgressFile, StepStatus};
use super::render::{self, Style};
use super::steps::{self, Placeholders, ServerMode, Step};
use crate::project::ProjectName;
use crate::server::{ServeConfig, ServerError, ServerHandle};
use crate::site::Site;
use crate::stack::mcp_server::{self, ServerClaim};
use crate::state::{ServerOwner, StackState, StateStore, StopReason};

/// How the walkthrough ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every step passed or was skipped.
    Finished {
        /// The clean-up step passed in this run: the stack is gone.
        stack_removed: bool,
    },
    /// The user quit (`q`, or end of input); progress saved.
    Quit,
    /// Ctrl-C or SIGTERM; progress saved.
    Interrupted,
}

/// What one wait for the user gave.
enum Answer {
    Key(Pressed),
    EndOfInput,
    Signal,
}

/// The MCP server the walkthrough serves, with the project's server record it holds (so
/// `status` sees its protection switch and `down` can stop it).
pub struct WalkthroughServer {
    pub handle: ServerHandle,
    pub claim: ServerClaim,
}

/// Everything one run of the walkthrough needs.
pub struct Walkthrough {
    project: ProjectName,
    store: StateStore,
    steps: Vec<Step>,
    progress_file: ProgressFile,
    progress: Progress,
    style: Style,
    input: Keys,
    signals: Signals,
    /// The in-process MCP server (the walkthrough's own, or `up`'s). Taken back by the caller
    /// when the walkthrough ends.
    pub server: Option<WalkthroughServer>,
    /// The background server (`up --detach`) this run stopped to serve the port itself: the
    /// command starts it again when the walkthrough ends.
    pub stopped_detached: bool,
    /// Standalone `mcp-fa tutorial`: the runner starts the server itself once the stack exists.
    /// Under `up` the server is `up`'s and is never replaced.
    may_start_server: bool,
    checker: Checker,
    /// Steps that passed in this run (for the summary and the clean-up case).
    passed_now: Vec<String>,
    /// The remote track's project: its steps, placeholders and checks are the remote ones, and
    /// there is no stack or server of the walkthrough's own.
    site: Option<Site>,
}

impl Walkthrough {
    /// Loads the steps and the saved progress (a corrupt progress file is an error here, before
    /// anything is shown). `start_at` (`--step`) overrides the saved step.
    pub fn new(
        project: &ProjectName,
        store: &StateStore,
        start_at: Option<&str>,
        server: Option<WalkthroughServer>,
        may_start_server: bool,
    ) -> Result<Self, TutorialError> {
        let steps = steps::all()?;
        let progress_file = ProgressFile::new(store, project);
        let mut progress = progress_file.load()?;
        if let Some(wanted) = start_at {
            progress.current = Some(steps::find(&steps, wanted)?.id.clone());
        }
        Ok(Self {
            project: project.clone(),
            store: store.clone(),
            steps,
            progress_file,
            progress,
            style: Style::for_stdout(),
            input: Keys::from_terminal(),
            signals: Signals::new(),
            server,
            stopped_detached: false,
            may_start_server,
            checker: Checker::new(),
            passed_now: Vec::new(),
            site: None,
        })
    }

    /// The remote track for `site` (a remote project): an existing FusionAuth and a deployed
    /// server; the walkthrough starts no server of its own.
    pub fn remote(
        site: Site,
        store: &StateStore,
        start_at: Option<&str>,
    ) -> Result<Self, TutorialError> {
        let mut walk = Self::new(&site.project, store, None, None, false)?;
        walk.steps = super::remote_steps::all()?;
        if let Some(wanted) = start_at {
            walk.progress.current = Some(steps::find(&walk.steps, wanted)?.id.clone());
        }
        walk.checker = Checker::for_site(Some(site.clone()));
        walk.site = Some(site);
        Ok(walk)
    }

    /// The protection the step to resume at needs (what `up` starts its server with).
    pub fn resume_mode(&self) -> ServerMode {
        if self.progress.current.is_none() && self.all_ended() {
            // Finished: nothing will be shown, and `up` serves protected afterwards.
            return ServerMode::Protected;
        }
        self.steps[self.resume_index()].server
    }

    fn resume_index(&self) -> usize {
        let ids: Vec<&str> = self.steps.iter().map(|s| s.id.as_str()).collect();
        self.progress.resume_index(&ids)
    }

    fn all_ended(&self) -> bool {
        self.steps
            .iter()
            .all(|step| self.progress.status(&step.id).is_some())
    }

    fn flag(&self) -> String {
        self.project.flag()
    }

    fn load_state(&self) -> Option<StackState> {
        self.store.load(&self.project).ok().flatten()
    }

    fn say(&self, text: &str) -> Result<(), TutorialError> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(TutorialError::Terminal)
    }

    fn save(&mut self) -> Result<(), TutorialError> {
        self.progress_file.save(&self.progress)
    }

    /// Runs from the saved step to the end, or until the user quits or a signal arrives. The
    /// self-test client a check may have registered is removed before returning.
    pub async fn run(&mut self) -> Result<Ended, TutorialError> {
        let ended = self.walk().await;
        self.finish_checks().await;
        ended
    }

    /// Removes what the checks left behind (the self-test client). Done whenever a step is
    /// left, so nothing lingers in FusionAuth when a later step (clean-up) takes the stack
    /// down, and whatever ended the walkthrough.
    async fn finish_checks(&mut self) {
        let ctx = CheckContext {
            project: &self.project,
            store: &self.store,
            mode: Mode::Interactive,
            server: self.server.as_ref().map(|server| &server.handle),
            calls_since: 0,
        };
        let fresh = self.checker.fresh();
        let checker = std::mem::replace(&mut self.checker, fresh);
        checker.finish(&ctx).await;
    }

    async fn walk(&mut self) -> Result<Ended, TutorialError> {
        let flag = self.flag();
        if self.progress.current.is_none() && self.all_ended() {
            let (passed, skipped) = self.counts();
            self.say(&format!(
                "You have finished this walkthrough ({passed} passed, {skipped} skipped). \
                 `mcp-fa tutorial{flag} --step N` revisits a step, `mcp-fa tutorial{flag} \
                 --reset` starts over, `mcp-fa tutorial{flag} --check` re-runs every check.\n"
            ))?;
            return Ok(Ended::Finished {
                stack_removed: false,
            });
        }
        let mut index = self.resume_index();
        let total = self.steps.len();
        loop {
            if index >= total {
                return self.finish().await;
            }
            let moved = self.step(index).await?;
            self.finish_checks().await;
            match moved {
                Move::Next => index += 1,
                Move::Back => index = index.saturating_sub(1),
                Move::Stop(ended) => return Ok(ended),
            }
        }
    }

    fn counts(&self) -> (usize, usize) {
        let count = |wanted| {
            self.steps
                .iter()
                .filter(|step| self.progress.status(&step.id) == Some(wanted))
                .count()
        };
        (count(StepStatus::Passed), count(StepStatus::Skipped))
    }

    async fn finish(&mut self) -> Result<Ended, TutorialError> {
        self.progress.current = None;
        self.save()?;
        let (passed, skipped) = self.counts();
        let flag = self.flag();
        let mut text = format!(
            "\n{}\n",
            self.style.bold(&format!(
                "Walkthrough finished: {passed} passed, {skipped} skipped."
            ))
        );
        let skipped_steps: Vec<String> = self
            .steps
            .iter()
            .filter(|step| self.progress.status(&step.id) != Some(StepStatus::Passed))
            .map(|step| format!("{} {}", step.number, step.id))
            .collect();
        if !skipped_steps.is_empty() {
            text.push_str(&format!(
                "Skipped: {}. `mcp-fa tutorial{flag} --step N` goes back to one.\n",
                skipped_steps.join(", ")
            ));
        }
        let stack_removed = self.passed_now.iter().any(|id| id == "clean-up");
        text.push_str("What next:\n");
        if self.site.is_some() {
            text.push_str(&format!(
                "  mcp-fa check{flag}              # the whole path end to end, any time\n  \
                 mcp-fa doctor{flag}             # what FusionAuth and the server need, checked\n  \
                 mcp-fa tutorial{flag} --check  # every automatable step, without questions\n"
            ));
        } else if stack_removed {
            text.push_str(&format!(
                "  mcp-fa up{flag}                 # bring the stack back (kept data is reused)\n"
            ));
        } else {
            text.push_str(&format!(
                "  mcp-fa check{flag}              # the end-to-end self-test of this stack, any time\n  \
                 mcp-fa tutorial{flag} --check  # every automatable step, without questions\n  \
                 mcp-fa serve --help             # serving another FusionAuth, HTTPS, public URLs\n"
            ));
        }
        self.say(&text)?;
        Ok(Ended::Finished { stack_removed })
    }

    /// Applies the step's protection to the server, starting the server first when this is the
    /// standalone walkthrough and the stack has appeared.
    async fn prepare_server(&mut self, step: &Step) -> Result<(), TutorialError> {
        let protected = step.server == ServerMode::Protected;
        if self.server.is_none()
            && self.may_start_server
            && let Some(state) = self.load_state()
        {
            let started = start_for_stack(&self.store, &state, step.server).await?;
            self.server = started.server;
            self.stopped_detached |= started.stopped_detached;
            for note in started.notes {
                self.say(&format!("{note}\n"))?;
            }
            if let Some(WalkthroughServer { handle: server, .. }) = &self.server {
                self.say(&format!(
                    "{}\n",
                    self.style.dim(&format!(
                        "(The walkthrough's MCP server answers at {} while it runs, {}.)",
                        server.resource(),
                        if protected {
                            "protected"
                        } else {
                            "unprotected for now"
                        }
                    ))
                ))?;
            }
        }
        if let Some(WalkthroughServer {
            handle: server,
            claim,
        }) = &mut self.server
            && server.is_protected() != protected
        {
            server.set_protected(protected);
            claim.set_protected(protected);
            let line = if protected {
                format!(
                    "Protection is ON: {} now answers only requests with a valid token.",
                    server.resource()
                )
            } else {
                format!(
                    "Protection is OFF for this step: {} answers anyone.",
                    server.resource()
                )
            };
            self.say(&format!("{}\n\n", self.style.yellow(&line)))?;
        }
        Ok(())
    }

    async fn step(&mut self, index: usize) -> Result<Move, TutorialError> {
        let step = self.steps[index].clone();
        let total = self.steps.len();
        self.progress.current = Some(step.id.clone());
        self.save()?;

        self.say("\n")?;
        self.prepare_server(&step).await?;
        let state = self.load_state();
        let values = match &self.site {
            Some(site) => Placeholders::remote(site),
            None => Placeholders::new(&self.project, state.as_ref()),
        };
        let body = steps::body(&step, &values)?;
        let mut text = render::header(step.number, total, &step.title, &self.style);
        text.push('\n');
        text.push_str(&render::body(&body, &self.style));
        let first_needing_stack = self
            .steps
            .iter()
            .position(|s| needs_stack(&s.verify))
            .unwrap_or(total);
        if state.is_none() && self.site.is_none() && index >= first_needing_stack {
            let flag = self.flag();
            text.push_str(&format!(
                "\n{}\n",
                self.style.yellow(&format!(
                    "This step needs the stack, which is not up. Quit (q) and run `mcp-fa \
                     up{flag}`: it brings up FusionAuth and the MCP server, then continues \
                     this walkthrough here."
                ))
            ));
        }
        self.say(&text)?;
        let calls_since = self
            .server
            .as_ref()
            .map_or(0, |s| s.handle.calls().last_seq());
        let hint = steps::hint(&step, &values);

        let mut manual = false;
        let mut failed = false;
        loop {
            let prompt = if manual {
                "[d] done, I checked it  [Enter] check again  [h] hint  [s] skip  [b] back  [q] quit"
            } else if failed {
                "[Enter] retry  [h] hint  [s] skip  [b] back  [q] quit"
            } else {
                "[Enter] verify  [h] hint  [s] skip  [b] back  [q] quit"
            };
            self.say(&format!("\n{} ", self.style.bold(&format!("{prompt} >"))))?;
            let answer = tokio::select! {
                key = self.input.keys.recv() => match key {
                    Some(key) => Answer::Key(key),
                    None => Answer::EndOfInput,
                },
                () = self.signals.recv() => Answer::Signal,
            };
            let key = match answer {
                Answer::Key(key) => key,
                Answer::EndOfInput => {
                    self.say("\n")?;
                    return self.stop(Ended::Quit);
                }
                Answer::Signal => {
                    self.say("\n")?;
                    if self.release_server_for_down().await? {
                        continue;
                    }
                    return self.stop(Ended::Interrupted);
                }
            };
            // Keys do not echo: show which one was taken.
            self.say(&match &key {
                Pressed::Enter => "\n".to_owned(),
                Pressed::Char(c) => format!("{c}\n"),
            })?;
            match key {
                Pressed::Enter | Pressed::Char('v' | 'r') => {
                    self.say(&format!("{}\n", self.style.dim("Checking…")))?;
                    let verdict = {
                        let ctx = CheckContext {
                            project: &self.project,
                            store: &self.store,
                            mode: Mode::Interactive,
                            server: self.server.as_ref().map(|server| &server.handle),
                            calls_since,
                        };
                        tokio::select! {
                            verdict = self.checker.run(&step.verify, &ctx) => Some(verdict),
                            () = self.signals.recv() => None,
                        }
                    };
                    let Some(verdict) = verdict else {
                        if self.release_server_for_down().await? {
                            continue;
                        }
                        return self.stop(Ended::Interrupted);
                    };
                    self.say(&self.verdict_text(&verdict))?;
                    match verdict.outcome {
                        Outcome::Passed => {
                            self.progress.mark(&step.id, StepStatus::Passed);
                            self.passed_now.push(step.id.clone());
                            self.save()?;
                            return Ok(Move::Next);
                        }
                        Outcome::Failed => {
                            if !failed && let Some(hint) = &hint {
                                self.say(&self.hint_text(hint))?;
                            }
                            failed = true;
                        }
                        Outcome::Manual => manual = true,
                    }
                }
                Pressed::Char('d') if manual => {
                    self.progress.mark(&step.id, StepStatus::Passed);
                    self.passed_now.push(step.id.clone());
                    self.save()?;
                    return Ok(Move::Next);
                }
                Pressed::Char('h') => {
                    let text = match &hint {
                        Some(hint) => self.hint_text(hint),
                        None => "No hint for this step: the text above says what to do, and a \
                                 failed check says what it saw.\n"
                            .to_owned(),
                    };
                    self.say(&text)?;
                }
                Pressed::Char('s') => {
                    self.progress.mark(&step.id, StepStatus::Skipped);
                    self.save()?;
                    self.say(&format!("Skipped step {}.\n", step.number))?;
                    return Ok(Move::Next);
                }
                Pressed::Char('b') => {
                    if index == 0 {
                        self.say("This is the first step.\n")?;
                    } else {
                        return Ok(Move::Back);
                    }
                }
                Pressed::Char('q') => return self.stop(Ended::Quit),
                Pressed::Char(other) => {
                    let done = if manual { "d, " } else { "" };
                    self.say(&format!(
                        "`{other}` is not an answer here: press Enter, or one of {done}h, s, b, q.\n"
                    ))?;
                }
            }
        }
    }

    /// When the signal came from `mcp-fa down` (it marks the server's record before asking it
    /// to stop), the stack is going away, not the walkthrough: the server stops and releases the
    /// port, the reader is told, and the walkthrough goes on (its clean-up step checks exactly
    /// this). Returns false for any other signal.
    async fn release_server_for_down(&mut self) -> Result<bool, TutorialError> {
        let by_down = self
            .server
            .as_ref()
            .is_some_and(|server| server.claim.stop_reason() == Some(StopReason::Down));
        if !by_down {
            return Ok(false);
        }
        if let Some(server) = self.server.take() {
            server.handle.shutdown().await?;
            drop(server.claim);
        }
        self.may_start_server = false;
        self.say(&format!(
            "{}\n",
            self.style.yellow(
                "`mcp-fa down` is taking the stack down, so the walkthrough's MCP server stopped."
            )
        ))?;
        Ok(true)
    }

    fn stop(&mut self, ended: Ended) -> Result<Move, TutorialError> {
        self.save()?;
        let flag = self.flag();
        let current = self
            .progress
            .current
            .as_deref()
            .and_then(|id| self.steps.iter().find(|s| s.id == id))
            .map_or_else(String::new, |s| {
                format!(" at step {} ({})", s.number, s.title)
            });
        self.say(&format!(
            "Progress saved{current}. `mcp-fa tutorial{flag}` picks up from there.\n"
        ))?;
        Ok(Move::Stop(ended))
    }

    fn verdict_text(&self, verdict: &Verdict) -> String {
        let (mark, summary) = match verdict.outcome {
            Outcome::Passed => (self.style.green("✓"), self.style.green(&verdict.summary)),
            Outcome::Failed => (self.style.red("✗"), self.style.red(&verdict.summary)),
            Outcome::Manual => (
                self.style.yellow("?"),
                self.style.yellow(&format!(
                    "{} (cannot be checked from here: look for yourself, then press d)",
                    verdict.summary
                )),
            ),
        };
        let mut text = format!("{mark} {summary}\n");
        for detail in &verdict.details {
            text.push_str(&indent_wrapped(detail, "    ", self.style.width));
        }
        text
    }

    fn hint_text(&self, hint: &str) -> String {
        let body = render::body(hint, &self.style);
        format!("{} {}", self.style.bold("Hint:"), body.trim_start())
    }
}

enum Move {
    Next,
    Back,
    Stop(Ended),
}

/// Whether a check needs the stack (FusionAuth, its state) to pass.
fn needs_stack(verify: &Verify) -> bool {
    verify.needs_stack()
}

/// Wraps one detail line under a hanging indent.
fn indent_wrapped(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = format!("{indent}  ");
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// What starting the walkthrough's own server did.
struct Started {
    server: Option<WalkthroughServer>,
    /// The project's background server was stopped to free the port.
    stopped_detached: bool,
    /// What the reader should be told.
    notes: Vec<String>,
}

/// Starts the walkthrough's own server for a stack: the project's background server is stopped
/// first (it holds the port), and a server someone runs in a terminal, or anything else
/// holding the port, is an error saying how to free it. A FusionAuth that does not answer is
/// not an error here: the walkthrough goes on without a server and tries again at the next step.
async fn start_for_stack(
    store: &StateStore,
    state: &StackState,
    mode: ServerMode,
) -> Result<Started, TutorialError> {
    let flag = state.project.flag();
    let mut started = Started {
        server: None,
        stopped_detached: false,
        notes: Vec::new(),
    };
    if mcp_server::current(store, &state.project)
        .is_some_and(|record| record.owner == ServerOwner::Detached)
    {
        let stopped = mcp_server::stop(store, &state.project, StopReason::Walkthrough)
            .await
            .map_err(|e| TutorialError::StopDetached(e.to_string()))?;
        for pid in stopped {
            started.stopped_detached = true;
            started.notes.push(format!(
                "Stopped this project's background MCP server (pid {pid}): the walkthrough \
                 serves http://localhost:{}/mcp itself while it runs, and starts the \
                 background one again when it ends.",
                state.mcp_port
            ));
        }
    }
    // Request lines go to the project's MCP log (`mcp-fa logs mcp -f`), not over the text.
    // Once per process: a later start (after `mcp-fa up` in another terminal) keeps the file.
    if !tracing::dispatcher::has_been_set()
        && let Ok(file) = store.fresh_mcp_log(&state.project)
    {
        crate::server::init_logging_to(file);
    }
    let mut config = ServeConfig::for_stack(state)?;
    config.start_unprotected = mode == ServerMode::Unprotected;
    let claim = ServerClaim::claim(
        store,
        &state.project,
        ServerOwner::Walkthrough,
        state.mcp_port,
        !config.start_unprotected,
        config.registration.is_some(),
        Some(store.mcp_log_path(&state.project)),
    )?;
    match crate::server::start(config).await {
        Ok(handle) => started.server = Some(WalkthroughServer { handle, claim }),
        Err(ServerError::Bind { .. }) => {
            return Err(TutorialError::PortTaken {
                port: state.mcp_port,
                project_flag: flag,
            });
        }
        Err(error) => started.notes.push(format!(
            "The walkthrough's MCP server could not start yet ({error}); is the stack up? \
             `mcp-fa up{flag}` brings it up. The walkthrough tries again at the next step."
        )),
    }
    Ok(started)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_lines_wrap_under_a_hanging_indent() {
        let text = indent_wrapped(
            "the server saw no call at all since this step began: restart the client",
            "    ",
            40,
        );
        for line in text.lines() {
            assert!(line.chars().count() <= 40, "{line:?}");
            assert!(line.starts_with("    "), "{line:?}");
        }
        assert!(text.starts_with("    the server saw"), "{text}");
    }

    #[test]
    fn only_explaining_and_docker_steps_run_without_a_stack() {
        let steps = steps::all().expect("steps");
        let first = steps
            .iter()
            .position(|s| needs_stack(&s.verify))
            .expect("some step needs the stack");
        assert_eq!(steps[first].id, "fusionauth-running");
    }
}
