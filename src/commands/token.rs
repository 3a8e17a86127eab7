//! `mcp-fa token inspect [TOKEN|-]`: reads the token (standard input by default, which keeps it
//! out of the process list), has [`crate::server::inspect`] decode it and ask the stack's (or a
//! remote project's) verifier about it, and prints the report. Never prints the token or its signature. Exit 0
//! only when the stack's server accepts the token.

use std::io::{IsTerminal as _, Read as _};

use super::output::{print_document, print_text};
use super::settings::ProjectContext;
use crate::cli::TokenInspectArgs;
use crate::error::Error;
use crate::server::{HOW_TO_PASS, ServerError};

/// Tokens are a few KiB; anything far larger is not one (and must not fill memory).
const MAX_INPUT_BYTES: u64 = 64 * 1024;

pub async fn inspect(args: &TokenInspectArgs) -> Result<(), Error> {
    let token = read_token(&args.token)?;
    let ctx = ProjectContext::load(args.project.project.as_ref())?;
    let inspection = match ctx.remote(&args.remote)? {
        Some(remote) => {
            let site = crate::site::Site::remote_without_key(&remote)?;
            crate::server::inspect_for_site(&site, &token).await?
        }
        None => crate::server::inspect(&ctx.name, &token).await?,
    };
    if args.json {
        print_document(&inspection.json())?;
    } else {
        print_text(&inspection.text())?;
    }
    Ok(inspection.verdict()?)
}

/// The token from the argument, or from stdin for `-`; surrounding whitespace and a `Bearer `
/// prefix (copied along with a header) are dropped.
fn read_token(argument: &str) -> Result<String, ServerError> {
    let raw = if argument == "-" {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Err(ServerError::NoTokenGiven {
                how: HOW_TO_PASS,
                what: "standard input is a terminal and no token was given",
            });
        }
        let mut text = String::new();
        stdin
            .lock()
            .take(MAX_INPUT_BYTES)
            .read_to_string(&mut text)
            .map_err(|_| ServerError::TokenUndecodable {
                reason: "standard input is not text".into(),
            })?;
        text
    } else {
        argument.to_owned()
    };
    Ok(clean(&raw).to_owned())
}

fn clean(raw: &str) -> &str {
    let trimmed = raw.trim();
    match trimmed.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => trimmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_trimmed_and_a_bearer_prefix_dropped() {
        assert_eq!(clean("  abc.def.ghi\n"), "abc.def.ghi");
        assert_eq!(clean("Bearer abc.def.ghi"), "abc.def.ghi");
        assert_eq!(clean(""), "");
    }
}
