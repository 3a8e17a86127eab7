//! MCP clients as FusionAuth sees them: which redirect URIs each real client uses, the
//! application FusionAuth needs for it (FusionAuth has no Dynamic Client Registration, so every
//! client is pre-registered), and the configuration the user pastes or lets us write.
//!
//! It talks to FusionAuth only through `crate::fusionauth`, keeps the registered clients in the
//! state file through `crate::state`, and never prints, prompts or touches Docker.

mod config_file;
mod kind;
mod redirect;
mod registration;
mod snippet;
mod stack_clients;

pub use config_file::{ConfigChange, ConfigFileError, merge_server_entry};
pub use kind::ClientKind;
pub use redirect::{RedirectUri, RedirectUriError};
pub use registration::{
    ClientName, ClientNameError, ClientRegistrar, RegisteredClient, RegistrationError,
    RegistrationRequest, client_application, get_name_scope,
};
pub use snippet::{ConfigSnippet, SnippetContext, snippet_for};
pub use stack_clients::{
    AddClient, ClientSetup, ClientsError, StackClients, register_for_stack, server_name_for,
    snippet_for_stack,
};
