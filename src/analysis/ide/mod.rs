//! Editing features computed from the workspace at a byte offset: completion, hover,
//! navigation, rename, symbols, code actions, code lens, formatting, folding, selection
//! ranges, semantic tokens, inlay hints, document links. Pure, like the rest of the analysis:
//! the `lsp` adapter only translates.

pub mod completion;
pub mod cursor;
pub mod fixes;
pub mod format;
pub mod navigation;
pub mod structure;
pub mod symbols;
pub mod yaml;

#[cfg(test)]
mod env_canary;
#[cfg(test)]
mod tests;
