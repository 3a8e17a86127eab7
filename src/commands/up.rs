//! `mcp-fa up`: the stack (through [`crate::stack::up`]), then what follows readiness — the
//! `--client`s registered, the MCP server started (in this process, in the background with
//! `--detach`, or not at all with `--no-server`), the report printed — and, on a terminal, the
//! hand-over to the walkthrough, after which it serves protected in the foreground until Ctrl-C.
//!
//! The project's lock is held until the stack is ready and the server started, never while
//! serving: the walkthrough's steps run `mcp-fa clients add` and `down` meanwhile.

use std::time::Duration;

use serde::Serialize;

use super::output::{print_report, print_text};
use super::progress::Reporter;
use super::settings::ProjectContext;
use crate::cli::UpArgs;
use crate::clients::{ClientKind, ClientSetup};
use crate::error::Error;
use crate::fusionauth::Secret;
use crate::server::{ServeConfig, ServerHandle};
use crate::stack::mcp_server::{self, ServerClaim};
use crate::stack::{McpServerReport, ReadyStack, Silent, UpOptions, UpReport};
use crate::state::{ServerOwner, StackState, StateStore, StopReason};
use crate::tutorial::{Ended, ServerMode, Walkthrough, WalkthroughServer};

/// What `up` prints: the stack's report, then the MCP server and the clients.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UpOutput {
    #[serde(flatten)]
    report: UpReport,
    /// The MCP server after `up`: started, found running, or not started.
    #[serde(skip_serializing_if = "Option::is_none")]
    mcp_server: Option<McpServerReport>,
    /// The clients `--client` registered, each with its configuration.
    clients: Vec<ClientSetup>,
}

pub async fn run(args: &UpArgs) -> Result<(), Error> {
    let context = ProjectContext::load(args.project.project.as_ref())?;
    let project = &context.name;
    let store = StateStore::from_env()?;
    let lock = store.lock(project, crate::state::LOCK_WAIT).await?;
    let options = options(args, &context, store.load(project)?.as_ref())?;
    let clients = if args.clients.is_empty() {
        context.clients()?
    } else {
        args.clients.clone()
    };
    let mut ready = if args.json {
        crate::stack::up(options, &Silent).await?
    } else {
        crate::stack::up(options, &Reporter::new()).await?
    };
    // The walkthrough is read before the server starts: the step it resumes at decides whether
    // the server starts protected. A walkthrough that cannot load (its progress file is
    // unreadable) is reported, and `up` goes on as without it.
    let mut walkthrough = if hands_over_to_tutorial(args) {
        match Walkthrough::new(&ready.state.project, &ready.store, None, None, false) {
            Ok(walkthrough) => Some(walkthrough),
            Err(error) => {
                ready.report.notes.push(format!(
                    "The walkthrough cannot start: {error} ({})",
                    error.code()
                ));
                None
            }
        }
    } else {
        None
    };
    let start_unprotected = walkthrough
        .as_ref()
        .is_some_and(|w| w.resume_mode() == ServerMode::Unprotected);
    let (output, foreground) = after_ready(
        &mut ready,
        args,
        &clients,
        walkthrough.is_some(),
        start_unprotected,
    )
    .await?;
    if args.json {
        print_report(&output)?;
    } else {
        print_text(&render(&output))?;
    }
    // Released before the walkthrough: its steps run `mcp-fa clients add` and `down`.
    drop(lock);
    let Some((mut handle, mut claim)) = foreground else {
        return Ok(());
    };
    let flag = ready.state.project.flag();
    if let Some(mut walkthrough) = walkthrough.take() {
        walkthrough.server = Some(WalkthroughServer { handle, claim });
        let ended = walkthrough.run().await;
        // The walkthrough only borrows the server; it is always there to take back.
        let Some(back) = walkthrough.server.take() else {
            return Ok(());
        };
        (handle, claim) = (back.handle, back.claim);
        match ended {
            Ok(Ended::Interrupted) => {
                handle.shutdown().await?;
                eprintln!("{}", stopped_message(&claim, &flag, true));
                return Ok(());
            }
            Ok(Ended::Finished {
                stack_removed: true,
            }) => {
                handle.shutdown().await?;
                eprintln!("The stack is removed, so the MCP server stopped too.");
                return Ok(());
            }
            Ok(_) => {}
            Err(error) => eprintln!(
                "mcp-fa: the walkthrough stopped: {error} ({})",
                error.code()
            ),
        }
        if !handle.is_protected() {
            handle.set_protected(true);
            claim.set_protected(true);
        }
        eprintln!("Protection is on.");
    }
    eprintln!(
        "Serving {} until Ctrl-C. FusionAuth keeps running after that; `mcp-fa down{flag}` stops \
         it.",
        handle.resource()
    );
    crate::server::serve_until_signal(handle).await?;
    eprintln!("{}", stopped_message(&claim, &flag, false));
    Ok(())
}

/// What a foreground `up` says when its server stops: true to what stopped it.
fn stopped_message(claim: &ServerClaim, flag: &str, walkthrough: bool) -> String {
    if claim.stop_reason() == Some(StopReason::Down) {
        return format!(
            "The MCP server stopped: `mcp-fa down{flag}` is taking the stack down. `mcp-fa \
             up{flag}` brings it back."
        );
    }
    let again = if walkthrough {
        "serves again (and continues the walkthrough)"
    } else {
        "serves again"
    };
    format!(
        "The MCP server stopped. FusionAuth is still running: `mcp-fa up{flag}` {again}, \
         `mcp-fa down{flag}` stops it."
    )
}

/// What `up` was asked for: each setting from the command line, else the project file, else
/// what the project was created with, else the default.
fn options(
    args: &UpArgs,
    context: &ProjectContext,
    saved: Option<&StackState>,
) -> Result<UpOptions, Error> {
    let file = context.file();
    let defaults = UpOptions::new(context.name.clone());
    let license_id = match &args.license_id {
        Some(id) => Some(id.clone()),
        None => file
            .fusionauth
            .license_env
            .as_deref()
            .and_then(|name| std::env::var(name).ok()),
    };
    Ok(UpOptions {
        fusionauth_image: args
            .fusionauth_image
            .clone()
            .or(file.fusionauth.image)
            .or_else(|| saved.map(|s| s.fusionauth_image.clone()))
            .unwrap_or(defaults.fusionauth_image),
        postgres_image: args
            .postgres_image
            .clone()
            .or(file.database.image)
            .or_else(|| saved.map(|s| s.postgres_image.clone()))
            .unwrap_or(defaults.postgres_image),
        fusionauth_port: args
            .fusionauth_port
            .or(file.fusionauth.port)
            .or_else(|| saved.map(|s| s.fusionauth_port))
            .unwrap_or(defaults.fusionauth_port),
        mcp_port: args
            .mcp_port
            .or(file.mcp.port)
            .or_else(|| saved.map(|s| s.mcp_port))
            .unwrap_or(defaults.mcp_port),
        license_id: license_id
            .filter(|id| !id.trim().is_empty())
            .map(Secret::new),
        scopes: file.mcp.scopes,
        timeout: Duration::from_secs(args.timeout),
        demo_passwords: args.demo_passwords,
        kickstart_template: std::env::var_os("MCP_FA_KICKSTART_TEMPLATE")
            .filter(|path| !path.is_empty())
            .map(Into::into),
        passthrough_env: UpOptions::passthrough_from_process(),
        ..defaults
    })
}

/// `up` hands over to the walkthrough when a person is there to follow it (standard input and
/// output are terminals) and nothing asked otherwise.
fn hands_over_to_tutorial(args: &UpArgs) -> bool {
    !(args.no_tutorial || args.detach || args.no_server || args.json)
        && super::terminal::interactive()
}

/// The steps after readiness: register the `--client`s, start the MCP server (in-process, or in
/// a background process with `--detach`, unless `--no-server`), and point at what comes next.
/// Returns the in-process server for the foreground case, already answering.
async fn after_ready(
    ready: &mut ReadyStack,
    args: &UpArgs,
    kinds: &[ClientKind],
    walkthrough: bool,
    start_unprotected: bool,
) -> Result<(UpOutput, Option<(ServerHandle, ServerClaim)>), Error> {
    let clients = crate::clients::register_for_stack(&ready.store, &mut ready.state, kinds).await?;
    let state = &ready.state;
    let endpoint = mcp_server::endpoint(state);
    let flag = state.project.flag();
    let not_running = |mode| McpServerReport {
        mode,
        running: false,
        endpoint: endpoint.clone(),
        pid: None,
        protected: None,
        log_file: None,
        already_running: false,
    };
    let mut foreground = None;
    let server = if args.no_server {
        not_running("none")
    } else if let Some(running) = mcp_server::current(&ready.store, &state.project) {
        // `up` on a stack whose server runs: a fast no-op for the server too.
        if running.owner != ServerOwner::Detached {
            ready.report.notes.push(format!(
                "The project's MCP server already runs: {} (pid {}); it was left alone.",
                running.owner.describe(),
                running.pid
            ));
        }
        McpServerReport::recorded(&running, true)
    } else if mcp_server::answers(state.mcp_port).await {
        ready.report.notes.push(format!(
            "An MCP server mcp-fa did not start already answers at {endpoint}; it was left alone."
        ));
        McpServerReport {
            running: true,
            already_running: true,
            ..not_running("external")
        }
    } else if args.detach {
        let process = mcp_server::spawn_detached(&ready.store, state).await?;
        ready.report.next_steps.insert(
            0,
            format!("mcp-fa logs mcp{flag} -f   # the MCP server's requests"),
        );
        McpServerReport::recorded(&process, false)
    } else {
        if walkthrough {
            // The walkthrough owns the terminal; request lines go where `logs mcp` reads them.
            match ready.store.fresh_mcp_log(&state.project) {
                Ok(file) => crate::server::init_logging_to(file),
                Err(_) => crate::server::init_logging(),
            }
            ready.report.next_steps.push(format!(
                "mcp-fa logs mcp{flag} -f   # in another terminal: the MCP server's requests"
            ));
        } else {
            crate::server::init_logging();
        }
        let mut config = ServeConfig::for_stack(state)?;
        // The walkthrough's early steps show the server before protection is switched on.
        config.start_unprotected = walkthrough && start_unprotected;
        let claim = ServerClaim::claim(
            &ready.store,
            &state.project,
            ServerOwner::Foreground,
            state.mcp_port,
            !config.start_unprotected,
            config.registration.is_some(),
            walkthrough.then(|| ready.store.mcp_log_path(&state.project)),
        )?;
        let handle = crate::server::start(config).await?;
        crate::server::log_notes(&handle);
        let report = McpServerReport {
            running: true,
            pid: Some(std::process::id()),
            protected: Some(handle.is_protected()),
            ..not_running("foreground")
        };
        foreground = Some((handle, claim));
        report
    };
    let walks = walkthrough && foreground.is_some();
    for (index, step) in next_steps(&clients, &flag, walks).into_iter().enumerate() {
        ready.report.next_steps.insert(index, step);
    }
    let output = UpOutput {
        report: ready.report.clone(),
        mcp_server: Some(server),
        clients,
    };
    Ok((output, foreground))
}

/// What `up` points at first: the walkthrough (starting right below, or to run later), then the
/// client to connect.
fn next_steps(clients: &[ClientSetup], flag: &str, walks: bool) -> Vec<String> {
    let tutorial = if walks {
        "the walkthrough starts below: each step explained, run and verified (`--no-tutorial` \
         skips it)"
            .to_owned()
    } else {
        format!("mcp-fa tutorial{flag}   # walk through protecting this server, each step verified")
    };
    let client = match clients.first() {
        None => format!(
            "mcp-fa clients add{flag} --kind claude-code   # register an MCP client (or cursor, \
             vscode, mcp-remote, inspector, claude-desktop) and get its configuration"
        ),
        Some(setup) => format!(
            "connect {} with the configuration above, log in as the demo user, and call the \
             `get_name` tool",
            setup.client.kind.display_name()
        ),
    };
    vec![tutorial, client]
}

/// The lines a person reads after `up`.
fn render(output: &UpOutput) -> String {
    let report = &output.report;
    let mut text = String::new();
    let headline = if report.already_running {
        "FusionAuth is already up."
    } else {
        "FusionAuth is up."
    };
    text.push_str(&format!(
        "{headline} (project {}, {:.1} s)\n",
        report.project,
        report.elapsed_ms as f64 / 1000.0
    ));
    text.push_str(&format!("  FusionAuth:   {}\n", report.fusionauth_url));
    text.push_str(&format!("  Admin UI:     {}\n", report.admin_url));
    text.push_str(&format!("  Issuer:       {}\n", report.issuer));
    text.push_str(&format!("  MCP endpoint: {}\n", report.mcp_server_url));
    if let Some(server) = &output.mcp_server {
        let line = match (server.mode, server.pid) {
            ("detached", Some(pid)) => format!(
                "{} in the background (pid {pid}); log: {}",
                if server.already_running {
                    "already running"
                } else {
                    "ready"
                },
                server.log_file.as_deref().unwrap_or("-")
            ),
            ("foreground", _) if !server.already_running => "ready in this terminal".to_owned(),
            ("foreground", Some(pid)) => {
                format!("already running: `mcp-fa up` in another terminal (pid {pid})")
            }
            ("serve", Some(pid)) => format!("already running: `mcp-fa serve` (pid {pid})"),
            ("walkthrough", Some(pid)) => {
                format!("already running: `mcp-fa tutorial` (pid {pid})")
            }
            ("external", _) => {
                "something mcp-fa did not start already answers on its port".to_owned()
            }
            _ => "not started (--no-server); `mcp-fa serve` runs it".to_owned(),
        };
        text.push_str(&format!("  MCP server:   {line}\n"));
    }
    for user in &report.users {
        text.push_str(&format!(
            "  {:<13} {}\n",
            format!("{} user:", user.role),
            user.email
        ));
    }
    text.push_str(&format!("  Kickstart:    {}\n", report.kickstart));
    text.push_str(&format!("  State:        {}\n", report.state_file));
    for setup in &output.clients {
        text.push('\n');
        text.push_str(&super::clients::registered_text(
            &setup.client,
            &setup.config,
        ));
    }
    for note in &report.notes {
        text.push_str(&format!("Note: {note}\n"));
    }
    text.push_str("Next:\n");
    for step in &report.next_steps {
        text.push_str(&format!("  {step}\n"));
    }
    text
}
