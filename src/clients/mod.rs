//! MCP clients as FusionAuth sees them: which redirect URIs each real client uses, the
//! application FusionAuth needs for it, and the configuration the user pastes or lets us write.
//! FusionAuth has no Dynamic Client Registration, so clients are either registered here by name
//! (`clients add`) or register themselves through the MCP server's bridge (`dynamic`), which
//! turns an RFC 7591 request into the same kind of application.
//!
//! It talks to FusionAuth only through `crate::fusionauth` (a stack's or any existing one's, as
//! a `crate::site::Site` names it), keeps a stack's registered clients in its state file through
//! `crate::state`, and never prints, prompts or touches Docker.

mod confidential;
mod config_file;
mod dynamic;
mod dynamic_redirect;
mod kind;
mod redirect;
mod registration;
mod snippet;
mod stack_clients;

pub use confidential::answers_from_here;
pub use config_file::{ConfigChange, ConfigFileError, merge_server_entry};
pub use dynamic::{
    ClientMetadata, MAX_REDIRECT_URIS, RegistrationAnswer, RegistrationOutcome, RegistrationPolicy,
    RegistrationRefusal, SelfRegistrar, SelfRegistration, SelfRegistrationError,
};
pub use dynamic_redirect::{HOSTED_CALLBACK_HOSTS, PRIVATE_SCHEMES};
pub use kind::{CLAUDE_CONNECTOR_REDIRECT_URIS, ClientKind};
pub use redirect::{RedirectUri, RedirectUriError};
pub use registration::{
    ClientName, ClientNameError, ClientRegistrar, RegisteredClient, RegistrationError,
    RegistrationRequest, SelfRegistered, client_application, get_name_scope,
};
pub use snippet::{ConfigSnippet, SnippetContext, snippet_for};
pub use stack_clients::{
    AddClient, ClientSetup, ClientsError, SELF_REGISTERED_KIND, StackClients, register_for_stack,
    server_name_for, snippet_for_site, snippet_for_stack,
};
