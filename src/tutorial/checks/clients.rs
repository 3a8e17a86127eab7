//! The reader's MCP client: `client_registered` (an application in FusionAuth with the redirect
//! URIs and resource its kind needs; unattended without one, the self-test client is registered
//! and checked instead) and `client_configured` (the client's configuration file points at the
//! server with that client id).

use serde_json::Value;

use super::context::{
    CheckContext, Mode, REQUEST_TIMEOUT, Verdict, bounded, forget_login, fusionauth,
    fusionauth_failed, kinds_list, load_state, or_none, or_verdict, resource_for,
};
use super::session::Footprint;
use crate::check::is_self_test_client;
use crate::clients::{ClientKind, ClientRegistrar, RegisteredClient, snippet_for_stack};
use crate::fusionauth::FusionAuthClient;
use crate::state::{self, StackState};

pub(super) async fn client_registered(ctx: &CheckContext<'_>, own: &mut Footprint) -> Verdict {
    let state = or_verdict!(load_state(ctx));
    let fusionauth = or_verdict!(fusionauth(&state));
    let project_flag = ctx.project.flag();
    let resource = resource_for(ctx, &state);
    let registrar = ClientRegistrar::new(&fusionauth);
    let registered = match bounded(REQUEST_TIMEOUT * 2, registrar.list()).await {
        Ok(Ok(list)) => list,
        Ok(Err(error)) => {
            return fusionauth_failed("list the registered clients", &error.to_string(), &state);
        }
        Err(late) => return fusionauth_failed("list the registered clients", &late, &state),
    };
    let mut mine: Vec<&state::RegisteredClient> = state
        .clients
        .iter()
        .filter(|c| !is_self_test_client(&c.name))
        .collect();
    // Registered in this FusionAuth by mcp-fa but missing from the state file (another copy
    // of the state, or a file restored from a backup): still the user's.
    let extra: Vec<state::RegisteredClient> = registered
        .iter()
        .filter(|c| !is_self_test_client(&c.name))
        .filter(|c| !mine.iter().any(|m| m.client_id == c.client_id))
        .map(|c| state::RegisteredClient {
            name: c.name.clone(),
            client_id: c.client_id.clone(),
            redirect_uris: c.redirect_uris.clone(),
            kind: Some(c.kind.as_str().to_owned()),
        })
        .collect();
    mine.extend(extra.iter());

    if mine.is_empty() {
        if ctx.mode == Mode::Headless {
            return self_test_registered(own, &fusionauth, &state, &resource).await;
        }
        return Verdict::failed(
            format!(
                "no MCP client is registered for the stack \"{}\" yet",
                ctx.project
            ),
            vec![
                "FusionAuth has no Dynamic Client Registration, so every MCP client needs an \
                     application of its own before it can log in."
                    .into(),
                format!(
                    "Fix: register yours, e.g. `mcp-fa clients add --kind mcp-remote{project_flag}`; \
                         kinds: {}. Add `--write-config` for clients with a configuration file \
                         (claude-desktop, cursor, vscode).",
                    kinds_list()
                ),
            ],
        );
    }

    let mut good = Vec::new();
    let mut problems = Vec::new();
    for client in &mine {
        let found = registered.iter().find(|r| r.client_id == client.client_id);
        match found {
            Some(found) => match client_problems(found, &resource) {
                None => good.push(found),
                Some(problem) => problems.extend(problem_details(found, &problem, &project_flag)),
            },
            None => {
                let why = match bounded(
                    REQUEST_TIMEOUT,
                    fusionauth.get_application(&client.client_id),
                )
                .await
                {
                    Ok(Ok(app)) if app.active == Some(false) => "is deactivated in FusionAuth",
                    Ok(Ok(_)) => "exists in FusionAuth but no longer carries mcp-fa's marker",
                    Ok(Err(error)) if error.is_not_found() => {
                        "was deleted from FusionAuth (its application is gone)"
                    }
                    _ => "could not be found in FusionAuth",
                };
                let kind = client.kind.as_deref().unwrap_or("custom");
                problems.push(format!(
                    "{} (client id {}) {why}: logins with this client id fail with \"invalid \
                         client_id\", so its MCP client can never get a token.",
                    client.name, client.client_id
                ));
                problems.push(format!(
                        "Fix: register it again with `mcp-fa clients add --kind {kind} --name {}{project_flag}` \
                         (a new client id), then configure the client with the new id (step 7: \
                         `mcp-fa clients config {}{project_flag}`). {}",
                        client.name,
                        client.name,
                        forget_login(kind)
                    ));
            }
        }
    }
    if !problems.is_empty() {
        let summary = if good.is_empty() {
            "your MCP client's registration in FusionAuth is not usable".to_owned()
        } else {
            format!(
                "{} client(s) are fine, but another registration is not usable",
                good.len()
            )
        };
        return Verdict::failed(summary, problems);
    }
    let names: Vec<String> = good
        .iter()
        .map(|c| format!("{} ({})", c.name, c.kind))
        .collect();
    let details = good
        .iter()
        .map(|c| {
            format!(
                "{}: client id {}, redirect URIs {}, resource {}.",
                c.name,
                c.client_id,
                c.redirect_uris.join(", "),
                resource
            )
        })
        .collect();
    Verdict::passed(
        format!("registered in FusionAuth: {}", names.join(", ")),
        details,
    )
}

/// Headless `client_registered` without a client of the user's: the self-test client goes
/// through the same registration and is verified instead.
async fn self_test_registered(
    own: &mut Footprint,
    fusionauth: &FusionAuthClient,
    state: &StackState,
    resource: &str,
) -> Verdict {
    let client = or_verdict!(own.self_test_client(fusionauth, state).await);
    if let Some(problem) = client_problems(&client, resource) {
        return Verdict::failed(
            "the self-test client's registration is not usable",
            problem_details(&client, &problem, &state.project.flag()),
        );
    }
    Verdict::passed(
        format!(
            "no client of yours is registered; the self-test client ({}) was registered and checked instead",
            client.client_id
        ),
        vec![format!(
            "It has the redirect URI {} and the resource {resource}, as `mcp-fa clients add` \
                 registers them.",
            client.redirect_uris.join(", ")
        )],
    )
}

pub(super) async fn client_configured(ctx: &CheckContext<'_>) -> Verdict {
    let project_flag = ctx.project.flag();
    if ctx.mode == Mode::Headless {
        return Verdict::manual(
            "a client's own configuration cannot be checked unattended",
            vec![format!(
                "`mcp-fa clients config <name>{project_flag}` prints what each client needs."
            )],
        );
    }
    let state = or_verdict!(load_state(ctx));
    let resource = resource_for(ctx, &state);
    let mine: Vec<&state::RegisteredClient> = state
        .clients
        .iter()
        .filter(|c| !is_self_test_client(&c.name))
        .collect();
    if mine.is_empty() {
        return Verdict::failed(
            "no MCP client is registered yet, so none can be configured",
            vec![format!(
                "Fix: register one first (the previous step): `mcp-fa clients add --kind <kind> \
                 --write-config{project_flag}`; kinds: {}.",
                kinds_list()
            )],
        );
    }
    // FusionAuth knows each client's callback port; without it the kind's default is assumed.
    let registered = match fusionauth(&state) {
        Ok(client) => match bounded(REQUEST_TIMEOUT, ClientRegistrar::new(&client).list()).await {
            Ok(Ok(list)) => list,
            _ => Vec::new(),
        },
        Err(_) => Vec::new(),
    };
    let mut configured = Vec::new();
    let mut failed = Vec::new();
    let mut by_hand = Vec::new();
    for saved in mine {
        let kind: ClientKind = saved
            .kind
            .as_deref()
            .and_then(|k| k.parse().ok())
            .unwrap_or(ClientKind::Custom);
        let client = registered
            .iter()
            .find(|c| c.client_id == saved.client_id)
            .cloned()
            .unwrap_or_else(|| RegisteredClient {
                name: saved.name.clone(),
                kind,
                client_id: saved.client_id.clone(),
                redirect_uris: saved.redirect_uris.clone(),
                resources: vec![resource.clone()],
                third_party: false,
                scopes: Vec::new(),
                port: kind.default_port(),
                created: false,
                last_login: None,
                created_at: None,
                client_secret: None,
            });
        let snippet = snippet_for_stack(&state, &client);
        match (&snippet.config_path, snippet.container_key) {
            (Some(path), Some(key)) => {
                match config_entry(path, key, &resource, &client.client_id, kind) {
                    Ok(name) => configured.push(format!(
                        "{} ({}): {} has the entry \"{name}\" for {resource}.",
                        client.name,
                        kind,
                        path.display()
                    )),
                    Err(why) => {
                        failed.push(format!("{} ({}): {why}", client.name, kind));
                        failed.push(format!(
                        "Fix: `mcp-fa clients config {}{project_flag} --write-config` adds the entry \
                         (keeping the rest of the file, with a backup){}.",
                        client.name,
                        match kind {
                            ClientKind::ClaudeDesktop => ", then quit and restart Claude Desktop",
                            ClientKind::Cursor => ", then enable the server in Cursor's MCP settings",
                            ClientKind::VsCode => {
                                "; run it from the folder VS Code has open: VS Code reads that \
                                 folder's .vscode/mcp.json"
                            }
                            _ => "",
                        }
                    ));
                    }
                }
            }
            _ => by_hand.push(by_hand_note(
                &client,
                &snippet.text,
                &resource,
                &project_flag,
            )),
        }
    }
    if !configured.is_empty() {
        let mut details = configured;
        details.extend(by_hand);
        return Verdict::passed(
            "your client's configuration points at the MCP server",
            details,
        );
    }
    if !by_hand.is_empty() {
        let mut details = by_hand;
        details.extend(failed);
        return Verdict::manual(
            "your client is configured outside any file mcp-fa knows: check it by hand",
            details,
        );
    }
    Verdict::failed(
        "your client's configuration does not point at the MCP server",
        failed,
    )
}

/// The name of the entry in `path` under `key` that points at `resource` (with this client id,
/// where the entry carries one).
fn config_entry(
    path: &std::path::Path,
    key: &str,
    resource: &str,
    client_id: &str,
    kind: ClientKind,
) -> Result<String, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("{} does not exist yet.", path.display()));
        }
        Err(error) => return Err(format!("{} cannot be read: {error}.", path.display())),
    };
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not valid JSON ({e}); the client cannot read it either.",
            path.display()
        )
    })?;
    let Some(entries) = doc.get(key).and_then(Value::as_object) else {
        return Err(format!(
            "{} has no \"{key}\" object, so no server is configured in it.",
            path.display()
        ));
    };
    let pointing: Vec<(&String, &Value)> = entries
        .iter()
        .filter(|(_, entry)| entry.to_string().contains(resource))
        .collect();
    if pointing.is_empty() {
        let names: Vec<&str> = entries.keys().map(String::as_str).collect();
        return Err(format!(
            "{} has no entry for {resource} under \"{key}\" (entries: {}).",
            path.display(),
            or_none(&names.join(", "))
        ));
    }
    // VS Code asks for the client id at the first login; the others carry it in the entry.
    if kind != ClientKind::VsCode {
        match pointing
            .iter()
            .find(|(_, entry)| entry.to_string().contains(client_id))
        {
            Some((name, _)) => return Ok((*name).clone()),
            None => {
                return Err(format!(
                    "{} has an entry for {resource} (\"{}\"), but not with the client id {client_id}: \
                     it names another registration, which FusionAuth refuses (\"invalid client_id\") \
                     once that one is removed.",
                    path.display(),
                    pointing[0].0
                ));
            }
        }
    }
    Ok(pointing[0].0.clone())
}

fn by_hand_note(
    client: &RegisteredClient,
    text: &str,
    resource: &str,
    project_flag: &str,
) -> String {
    let what = match client.kind {
        ClientKind::ClaudeCode => format!(
            "Claude Code keeps its servers itself: `claude mcp list` should show {resource}. If not, run: {text}"
        ),
        ClientKind::McpRemote => {
            format!("mcp-remote is configured by its command line: run {text}")
        }
        ClientKind::Inspector => format!(
            "In the MCP Inspector choose transport Streamable HTTP, URL {resource}, and under \
             Authentication the client id {}.",
            client.client_id
        ),
        _ => format!(
            "Your client needs: server URL {resource}, client id {}, one of the redirect URIs {}, \
             PKCE S256 and the resource parameter.",
            client.client_id,
            client.redirect_uris.join(", ")
        ),
    };
    format!(
        "{} ({}): {what} (`mcp-fa clients config {}{project_flag}` prints this again.)",
        client.name, client.kind, client.name
    )
}

/// What is wrong with a client's application, for the stack's server.
struct Problem {
    missing_uris: Vec<String>,
    missing_resource: Option<String>,
    no_uris: bool,
}

fn client_problems(client: &RegisteredClient, resource: &str) -> Option<Problem> {
    let missing_uris: Vec<String> = client
        .kind
        .redirect_uris(client.port)
        .iter()
        .map(|u| u.to_string())
        .filter(|u| !client.redirect_uris.contains(u))
        .collect();
    let missing_resource =
        (!client.resources.iter().any(|r| r == resource)).then(|| resource.to_owned());
    let no_uris = client.redirect_uris.is_empty();
    (!missing_uris.is_empty() || missing_resource.is_some() || no_uris).then_some(Problem {
        missing_uris,
        missing_resource,
        no_uris,
    })
}

fn problem_details(
    client: &RegisteredClient,
    problem: &Problem,
    project_flag: &str,
) -> Vec<String> {
    let mut details = Vec::new();
    let who = format!(
        "{} ({}, client id {})",
        client.name, client.kind, client.client_id
    );
    if !problem.missing_uris.is_empty() {
        details.push(format!(
            "{who} lacks the redirect URI {}. {} sends the browser back to exactly that address \
             after the login, and FusionAuth refuses an address it does not list (the browser \
             shows \"invalid redirect_uri\"). Registered now: {}.",
            problem.missing_uris.join(", "),
            client.kind.display_name(),
            or_none(&client.redirect_uris.join(", "))
        ));
    } else if problem.no_uris {
        details.push(format!(
            "{who} has no redirect URI at all, so no login can come back to the client."
        ));
    }
    if let Some(resource) = &problem.missing_resource {
        details.push(format!(
            "{who} does not list {resource} among its authorized resources (it lists: {}). \
             FusionAuth then leaves this server out of the token's audience, and the server \
             refuses every call with 401 invalid_token.",
            or_none(&client.resources.join(", "))
        ));
    }
    let port = client
        .port
        .filter(|p| client.kind.default_port() != Some(*p))
        .map(|p| format!(" --port {p}"))
        .unwrap_or_default();
    let uris = if client.kind == ClientKind::Custom {
        client
            .redirect_uris
            .iter()
            .chain(problem.missing_uris.iter())
            .map(|u| format!(" --redirect-uri {u}"))
            .collect::<String>()
    } else {
        String::new()
    };
    details.push(format!(
        "Fix: register it afresh: `mcp-fa clients remove {name} --yes{project_flag}`, then `mcp-fa \
         clients add --kind {kind} --name {name}{port}{uris}{project_flag}`, and configure the client \
         with the new client id (`mcp-fa clients config {name}{project_flag}`); {} Or add what is \
         missing in FusionAuth's admin UI: Applications → \"{name} (MCP client)\" → OAuth.",
        forget_login(client.kind.as_str()),
        name = client.name,
        kind = client.kind,
    ));
    details
}
