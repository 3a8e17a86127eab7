//! MCP clients as FusionAuth sees them: which redirect URIs each real client uses, the
//! application FusionAuth needs for it (FusionAuth has no Dynamic Client Registration, so every
//! client is pre-registered), and the configuration the user pastes or lets us write.
//!
//! The library part talks to FusionAuth only through `crate::fusionauth`, never prints, and
//! never touches Docker. `commands` is the CLI face: it alone prompts, prints and keeps the
//! registered clients in the state file.

mod commands;
mod config_file;
mod kind;
mod redirect;
mod registration;
mod snippet;

pub use commands::{
    ClientSetup, ClientsError, clients_command, register_for_stack, server_name_for,
    snippet_for_stack, write_registered,
};
pub use config_file::{ConfigChange, ConfigFileError, merge_server_entry};
pub use kind::ClientKind;
pub use redirect::{RedirectUri, RedirectUriError};
pub use registration::{
    ClientName, ClientNameError, ClientRegistrar, RegisteredClient, RegistrationError,
    RegistrationRequest,
};
pub use snippet::{ConfigSnippet, SnippetContext, snippet_for};
