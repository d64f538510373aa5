//! Editing features computed from the workspace at a byte offset: completion, hover,
//! navigation, rename, symbols, code actions, code lens, formatting, folding, selection
//! ranges, semantic tokens, inlay hints, document links. Pure, like the rest of the analysis:
//! the `lsp` adapter only translates.

pub mod completion;
pub mod cursor;
pub mod fixes;
pub mod format;
pub mod hover;
pub mod inlay_hints;
pub mod lens;
pub mod links;
pub mod navigation;
pub mod semantic_tokens;
pub mod structure;
pub mod symbols;

#[cfg(test)]
mod env_canary;
#[cfg(test)]
mod tests;
