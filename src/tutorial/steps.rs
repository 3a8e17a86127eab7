//! The walkthrough's steps: the Markdown files in `tutorial/`, embedded in the binary, their
//! YAML front matter read into a typed [`Step`], and the `{{placeholder}}`s in their text filled
//! in from the project's state so every command shown is right for this stack's ports, project
//! and license.
//!
//! It owns the list of files (in order) and what a step may say about itself. It must not
//! render (see `render`), run checks, or touch the state file (it is handed a loaded state).

use serde::Deserialize;

use super::checks::Verify;
use super::error::TutorialError;
use crate::project::ProjectName;
use crate::server::ScopeMode;
use crate::state::StackState;

/// Every step file, in walkthrough order. A unit test compares this list with `tutorial/`, so a
/// file added there and not here (or out of order) fails the build's tests.
const FILES: &[(&str, &str)] = &[
    (
        "01-what-you-will-build.md",
        include_str!("../../tutorial/01-what-you-will-build.md"),
    ),
    (
        "02-prerequisites.md",
        include_str!("../../tutorial/02-prerequisites.md"),
    ),
    (
        "03-fusionauth-running.md",
        include_str!("../../tutorial/03-fusionauth-running.md"),
    ),
    (
        "04-unprotected-server.md",
        include_str!("../../tutorial/04-unprotected-server.md"),
    ),
    (
        "05-turn-protection-on.md",
        include_str!("../../tutorial/05-turn-protection-on.md"),
    ),
    (
        "06-register-your-client.md",
        include_str!("../../tutorial/06-register-your-client.md"),
    ),
    (
        "07-configure-the-client.md",
        include_str!("../../tutorial/07-configure-the-client.md"),
    ),
    (
        "08-log-in-and-call.md",
        include_str!("../../tutorial/08-log-in-and-call.md"),
    ),
    (
        "09-inside-the-token.md",
        include_str!("../../tutorial/09-inside-the-token.md"),
    ),
    (
        "10-step-up.md",
        include_str!("../../tutorial/10-step-up.md"),
    ),
    (
        "11-production-notes.md",
        include_str!("../../tutorial/11-production-notes.md"),
    ),
    (
        "12-clean-up.md",
        include_str!("../../tutorial/12-clean-up.md"),
    ),
];

/// Whether the MCP server answers without a token while a step is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerMode {
    /// `/mcp` answers anyone (the tutorial's starting point).
    Unprotected,
    /// Tokens required, Protected Resource Metadata served.
    Protected,
}

/// One step, as read from its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based position in the walkthrough.
    pub number: usize,
    pub id: String,
    pub title: String,
    /// The check that proves the step worked.
    pub verify: Verify,
    /// Shown on request, or when the check fails.
    pub hint: Option<String>,
    /// The server's protection while this step is shown (applied on entering it).
    pub server: ServerMode,
    /// The Markdown body, placeholders not yet filled in.
    pub body: String,
    /// The file it came from, for errors.
    pub file: &'static str,
}

/// The front matter keys a step may have; anything else is refused, so a typo (`verfy:`) is
/// an error rather than a step silently without its check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    title: String,
    /// An unknown name is refused here, listing the known ones.
    verify: Verify,
    #[serde(default)]
    hint: Option<String>,
    server: ServerMode,
}

/// Every embedded step, in order.
pub fn all() -> Result<Vec<Step>, TutorialError> {
    parse_all(FILES)
}

/// `files`' steps, numbered in order, their ids unique.
pub(super) fn parse_all(
    files: &[(&'static str, &'static str)],
) -> Result<Vec<Step>, TutorialError> {
    let steps = files
        .iter()
        .enumerate()
        .map(|(index, (file, text))| parse(index + 1, file, text))
        .collect::<Result<Vec<_>, _>>()?;
    for (index, step) in steps.iter().enumerate() {
        if let Some(other) = steps[..index].iter().find(|other| other.id == step.id) {
            return Err(TutorialError::BadStep {
                file: step.file.to_owned(),
                reason: format!("its id `{}` is already used by {}", step.id, other.file),
            });
        }
    }
    Ok(steps)
}

/// Reads one file: `---`, YAML, `---`, then the Markdown body.
pub(super) fn parse(number: usize, file: &'static str, text: &str) -> Result<Step, TutorialError> {
    let bad = |reason: String| TutorialError::BadStep {
        file: file.to_owned(),
        reason,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or_else(|| {
            bad("it does not start with a `---` line opening its front matter".into())
        })?;
    let (yaml, body) = split_front_matter(rest)
        .ok_or_else(|| bad("its front matter has no closing `---` line".into()))?;
    let front: FrontMatter = yaml_serde::from_str(yaml).map_err(|e| bad(e.to_string()))?;
    let plain_id = !front.id.is_empty()
        && front
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !plain_id {
        return Err(bad(format!(
            "its id `{}` must be lowercase letters, digits and '-'",
            front.id
        )));
    }
    if front.title.trim().is_empty() {
        return Err(bad("its title is empty".into()));
    }
    Ok(Step {
        number,
        id: front.id,
        title: front.title.trim().to_owned(),
        verify: front.verify,
        hint: front
            .hint
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty()),
        server: front.server,
        body: body.trim_matches('\n').to_owned(),
        file,
    })
}

fn split_front_matter(rest: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

/// Finds a step by id or by number (`--step`).
pub fn find<'a>(steps: &'a [Step], wanted: &str) -> Result<&'a Step, TutorialError> {
    let wanted = wanted.trim();
    let found = match wanted.parse::<usize>() {
        Ok(number) => steps.iter().find(|step| step.number == number),
        Err(_) => steps.iter().find(|step| step.id == wanted),
    };
    found.ok_or_else(|| TutorialError::UnknownStep {
        given: wanted.to_owned(),
        valid: steps
            .iter()
            .map(|step| format!("{} {}", step.number, step.id))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The values the step texts may use, each `{{name}}` replaced by what this project needs.
#[derive(Debug, Clone)]
pub struct Placeholders {
    pub(super) values: Vec<(&'static str, String)>,
}

/// The names [`Placeholders`] knows, with what each becomes.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    (
        "mcp_url",
        "the MCP endpoint, http://localhost:<MCP port>/mcp",
    ),
    (
        "metadata_url",
        "its Protected Resource Metadata URL (RFC 9728, path-suffixed)",
    ),
    (
        "fusionauth_url",
        "FusionAuth's URL, also the tenant's issuer",
    ),
    (
        "project_flag",
        "` --project <name>`, or nothing for the default project",
    ),
    ("demo_login", "the demo user's login (email)"),
    ("demo_name", "the demo user's full name"),
    (
        "scopes",
        "the scopes the server asks clients for (the 401's `scope`)",
    ),
    (
        "get_name_scopes",
        "every scope get_name needs (the 403's `scope`)",
    ),
    (
        "get_name_guard",
        "the scope that guards get_name: `profile`, or `get_name` with a license",
    ),
    (
        "public_url",
        "remote track: the MCP server's public URL (without `/mcp`)",
    ),
    (
        "tenant_flag",
        "remote track: ` --tenant-id <id>`, or nothing when no tenant is named",
    ),
    (
        "api_key_env",
        "remote track: the environment variable holding the API key",
    ),
];

impl Placeholders {
    /// From the project's state; without a stack (not brought up yet) the defaults `mcp-fa up`
    /// would use, so the text still reads right for a first `up`.
    pub fn new(project: &ProjectName, state: Option<&StackState>) -> Self {
        let mcp_port = state.map_or(crate::stack::DEFAULT_MCP_PORT, |s| s.mcp_port);
        let fusionauth_url = state.map_or_else(
            || format!("http://localhost:{}", crate::stack::DEFAULT_FUSIONAUTH_PORT),
            |s| s.fusionauth_url.clone(),
        );
        let scopes = match state {
            Some(s) if s.license_id.is_some() => ScopeMode::Custom,
            _ => ScopeMode::Standard,
        };
        let demo = state.and_then(|s| s.user("demo"));
        let project_flag = project.flag();
        let urls = crate::server::PublicUrls::new(
            None,
            std::net::SocketAddr::from(([127, 0, 0, 1], mcp_port)),
        );
        let guard = get_name_guard(scopes);
        Self {
            values: vec![
                ("mcp_url", urls.resource),
                ("metadata_url", urls.metadata),
                ("fusionauth_url", fusionauth_url),
                ("project_flag", project_flag),
                (
                    "demo_login",
                    demo.map_or_else(|| "test@example.com".to_owned(), |u| u.email.clone()),
                ),
                (
                    "demo_name",
                    demo.map_or_else(|| "Test User".to_owned(), |u| u.full_name.clone()),
                ),
                ("scopes", scopes.requested().join(" ")),
                ("get_name_scopes", scopes.required_for("get_name").join(" ")),
                ("get_name_guard", guard.to_owned()),
            ],
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, value)| value.as_str())
    }

    /// `text` with every `{{name}}` replaced; an unknown name is an error naming it (the
    /// unit tests make sure no shipped step has one).
    pub fn fill(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| "a `{{` without its closing `}}`".to_owned())?;
            let name = after[..end].trim();
            let value = self.get(name).ok_or_else(|| {
                format!(
                    "unknown placeholder `{{{{{name}}}}}` (known: {})",
                    PLACEHOLDERS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            out.push_str(value);
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Fails unless `files` are exactly the step files of `tutorial/<subdir>` (README.md aside), in
/// file-name order, each embedded from its file: a step file added and not listed, or listed
/// out of order, fails the build's tests (both tracks use it).
#[cfg(test)]
pub(super) fn assert_embedded(subdir: &str, files: &[(&str, &str)]) {
    let tutorial = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tutorial");
    let prefix = if subdir.is_empty() {
        String::new()
    } else {
        format!("{subdir}/")
    };
    let mut on_disk: Vec<String> = std::fs::read_dir(tutorial.join(subdir))
        .expect("the step folder is readable")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".md") && name != "README.md")
        .map(|name| format!("{prefix}{name}"))
        .collect();
    on_disk.sort();
    let embedded: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        on_disk, embedded,
        "every step file in tutorial/{subdir} must be listed, in file-name order"
    );
    for (name, text) in files {
        let current = std::fs::read_to_string(tutorial.join(name)).expect("readable");
        assert_eq!(&current, text, "{name} is embedded from another file");
    }
}

/// The scope that guards `get_name` besides `openid`: `profile`, or `get_name` with custom
/// scopes.
pub(super) fn get_name_guard(scopes: ScopeMode) -> &'static str {
    scopes
        .required_for("get_name")
        .iter()
        .copied()
        .find(|scope| *scope != "openid")
        .unwrap_or("profile")
}

/// A step's body with its placeholders filled in.
pub fn body(step: &Step, values: &Placeholders) -> Result<String, TutorialError> {
    values
        .fill(&step.body)
        .map_err(|reason| TutorialError::BadStep {
            file: step.file.to_owned(),
            reason,
        })
}

/// A step's hint with its placeholders filled in.
pub fn hint(step: &Step, values: &Placeholders) -> Option<String> {
    step.hint
        .as_deref()
        .map(|hint| values.fill(hint).unwrap_or_else(|_| hint.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_tutorial_is_embedded_in_order() {
        assert_embedded("", FILES);
    }

    #[test]
    fn every_step_parses_with_a_known_check_and_unique_id() {
        // A step naming an unknown check does not parse, so `all()` succeeding covers the names.
        let steps = all().expect("every step file parses");
        assert_eq!(steps.len(), 12);
        for (index, step) in steps.iter().enumerate() {
            assert_eq!(step.number, index + 1);
            assert!(!step.body.is_empty(), "{} has no text", step.file);
        }
        assert_eq!(steps[1].verify, Verify::DockerReachable);
        // The server is unprotected up to the step that turns protection on, protected after.
        let turn_on = steps
            .iter()
            .position(|step| step.id == "turn-protection-on")
            .expect("the protection step");
        for step in &steps[..turn_on] {
            assert_eq!(step.server, ServerMode::Unprotected, "{}", step.file);
        }
        for step in &steps[turn_on..] {
            assert_eq!(step.server, ServerMode::Protected, "{}", step.file);
        }
    }

    #[test]
    fn every_placeholder_used_is_known() {
        let values = Placeholders::new(&ProjectName::default(), None);
        for step in all().expect("steps") {
            body(&step, &values).unwrap_or_else(|e| panic!("{e}"));
            if let Some(hint) = &step.hint {
                values
                    .fill(hint)
                    .unwrap_or_else(|e| panic!("{} hint: {e}", step.file));
            }
        }
    }

    #[test]
    fn placeholders_follow_the_project_ports_and_license() {
        let mut state = sample_state();
        let values = Placeholders::new(&ProjectName::parse("demo").expect("valid"), Some(&state));
        let filled = values
            .fill("curl {{mcp_url}} {{metadata_url}} {{fusionauth_url}} x{{project_flag}} {{scopes}} {{ demo_login }}")
            .expect("known");
        assert_eq!(
            filled,
            "curl http://localhost:8123/mcp \
             http://localhost:8123/.well-known/oauth-protected-resource/mcp \
             http://localhost:9123 x --project demo openid profile demo@example.com"
        );
        state.license_id = Some(crate::fusionauth::Secret::new("license"));
        let licensed = Placeholders::new(&ProjectName::default(), Some(&state));
        assert_eq!(
            licensed
                .fill("[{{project_flag}}] {{scopes}} / {{get_name_scopes}} / {{get_name_guard}}")
                .expect("known"),
            "[] openid profile get_name / openid get_name / get_name"
        );
        let unknown = values.fill("{{nope}}").expect_err("unknown");
        assert!(
            unknown.contains("nope") && unknown.contains("mcp_url"),
            "{unknown}"
        );
        assert!(values.fill("{{mcp_url").is_err());
    }

    #[test]
    fn bad_front_matter_is_refused_naming_the_file() {
        let unknown_key =
            "---\nid: a\ntitle: A\nverify: none\nserver: protected\nverfy: none\n---\nText\n";
        let error = parse(1, "99-x.md", unknown_key).expect_err("unknown key");
        let message = error.to_string();
        assert!(message.contains("99-x.md"), "{message}");
        assert!(message.contains("verfy"), "{message}");
        assert_eq!(error.code(), "TUTORIAL_BAD_STEP");

        let missing_server = "---\nid: a\ntitle: A\nverify: none\n---\nText\n";
        assert!(parse(1, "x.md", missing_server).is_err());
        let no_close = "---\nid: a\ntitle: A\n";
        assert!(parse(1, "x.md", no_close).is_err());
        let bad_mode = "---\nid: a\ntitle: A\nverify: none\nserver: maybe\n---\nText\n";
        assert!(parse(1, "x.md", bad_mode).is_err());
        // A misspelt check is refused naming it and the checks that exist.
        let bad_check =
            "---\nid: a\ntitle: A\nverify: kickstart_ok\nserver: protected\n---\nText\n";
        let message = parse(1, "98-x.md", bad_check)
            .expect_err("unknown check")
            .to_string();
        for word in [
            "98-x.md",
            "kickstart_ok",
            "kickstart_configured",
            "stack_removed",
        ] {
            assert!(message.contains(word), "{word} in {message}");
        }
        let ok = parse(
            3,
            "x.md",
            "---\nid: a-b\ntitle: ' A '\nverify: none\nserver: unprotected\n---\n\nText\n",
        )
        .expect("valid");
        assert_eq!(
            (ok.number, ok.title.as_str(), ok.body.as_str()),
            (3, "A", "Text")
        );
    }

    #[test]
    fn steps_are_found_by_id_or_number_and_a_bad_value_lists_the_valid_ones() {
        let steps = all().expect("steps");
        assert_eq!(find(&steps, "5").expect("5").id, "turn-protection-on");
        assert_eq!(find(&steps, "step-up").expect("id").number, 10);
        let error = find(&steps, "13").expect_err("no step 13");
        let message = error.to_string();
        assert!(message.contains("1 what-you-will-build"), "{message}");
        assert!(message.contains("12 clean-up"), "{message}");
        assert_eq!(error.code(), "TUTORIAL_UNKNOWN_STEP");
    }

    pub(crate) fn sample_state() -> StackState {
        StackState {
            fusionauth_url: "http://localhost:9123".into(),
            fusionauth_port: 9123,
            mcp_port: 8123,
            users: vec![crate::state::UserCredentials {
                id: "u".into(),
                email: "demo@example.com".into(),
                full_name: "Demo Person".into(),
                password: crate::fusionauth::Secret::new("p"),
                role: "demo".into(),
            }],
            license_id: None,
            ..StackState::sample()
        }
    }
}
