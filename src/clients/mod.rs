//! MCP clients as FusionAuth sees them: which redirect URIs each real client uses, the
//! application FusionAuth needs for it (FusionAuth has no Dynamic Client Registration, so every
//! client is pre-registered), and the configuration the user pastes or lets us write.
//!
//! This module talks to FusionAuth only through `crate::fusionauth`, never prints, and never
//! touches Docker or the state file: callers decide where results are kept and what is shown.

mod config_file;
mod kind;
mod redirect;
mod registration;
mod snippet;

pub use config_file::{ConfigChange, ConfigFileError, merge_server_entry};
pub use kind::ClientKind;
pub use redirect::{RedirectUri, RedirectUriError};
pub use registration::{
    ClientName, ClientNameError, ClientRegistrar, RegisteredClient, RegistrationError,
    RegistrationRequest,
};
pub use snippet::{ConfigSnippet, SnippetContext, snippet_for};
