//! The stand-in's own tests, in one binary: it must answer as FusionAuth does (its API, its
//! OAuth endpoints, kickstart and boot), in-process and as the containers `mcp-fa up` runs.
//! Each would fail against a stand-in kinder than FusionAuth; FIDELITY.md names the sources.

mod support;

mod api;
mod container;
mod lifecycle;
mod oauth;
mod oauth_flow;
mod tenants;
