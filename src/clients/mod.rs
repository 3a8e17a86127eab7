//! MCP clients as FusionAuth sees them: which redirect URIs each real client uses, the
//! application FusionAuth needs for it (FusionAuth has no Dynamic Client Registration, so every
//! client is pre-registered), and the configuration the user pastes or lets us write.
//!
//! It talks to FusionAuth only through `crate::fusionauth` (a stack's or any existing one's, as
//! a `crate::site::Site` names it), keeps a stack's registered clients in its state file through
//! `crate::state`, and never prints, prompts or touches Docker.

mod confidential;
mod config_file;
mod kind;
mod redirect;
mod registration;
mod snippet;
mod stack_clients;

pub use confidential::answers_from_here;
pub use config_file::{ConfigChange, ConfigFileError, merge_server_entry};
pub use kind::{CLAUDE_CONNECTOR_REDIRECT_URIS, ClientKind};
pub use redirect::{RedirectUri, RedirectUriError};
pub use registration::{
    ClientName, ClientNameError, ClientRegistrar, RegisteredClient, RegistrationError,
    RegistrationRequest, client_application, get_name_scope,
};
pub use snippet::{ConfigSnippet, SnippetContext, snippet_for};
pub use stack_clients::{
    AddClient, ClientSetup, ClientsError, StackClients, register_for_stack, server_name_for,
    snippet_for_site, snippet_for_stack,
};
