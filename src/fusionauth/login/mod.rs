//! Logging a user in through FusionAuth's hosted login page the way a browser does, without a
//! browser: the authorization code flow with PKCE (S256) and an RFC 8707 `resource`, the login
//! form read from the page and posted back with every field it carries, the consent page
//! answered when one comes, FusionAuth's own redirects followed, and the code exchanged at the
//! token endpoint named by OIDC discovery.
//!
//! It must never connect to the redirect URI (it reads the code from FusionAuth's redirect
//! instead, so nothing needs to listen there), follow a redirect that leaves FusionAuth, or put a
//! password, a code, a verifier or a token into an error, a log line or `Debug` output.
//!
//! - `flow`: the steps, from discovery to tokens.
//! - `browser`: requests, redirects and cookies, confined to FusionAuth's origins.
//! - [`html`]: what a page says (forms, title, error text); public, the tests' browser uses it.
//! - `error`: [`LoginError`], its hints, and pages read into it.
//! - `pkce`: the verifier, its challenge, and `state`.

mod browser;
mod error;
mod flow;
pub mod html;
mod pkce;

pub use error::LoginError;
pub use flow::{LoginRequest, Tokens};
