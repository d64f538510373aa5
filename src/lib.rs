//! flowls: a language server and checker for Auth0 Forms flows and Flows Vault connections.
//!
//! The data flows one way: [`syntax`] (text → tree) → [`model`] (tree → flows, vaults, grants)
//! → [`catalogue`] (the static facts) → [`analysis`] (diagnostics; pure) → adapters: [`lsp`],
//! [`cli`]. [`workspace`] holds the files the analysis reads; [`workspace::disk`] is the only
//! code that reads them from disk.

pub mod analysis;
pub mod background;
pub mod catalogue;
pub mod cli;
pub mod display;
pub mod graph;
pub mod lsp;
pub mod model;
pub mod syntax;
pub mod test_connection;
pub mod workspace;
