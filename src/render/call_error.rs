//! A mistake in a component call or a citation, at a byte offset in the
//! page body: found while the body is prepared or rendered, and placed at the
//! file's line and column by the caller, which knows where the body starts.

/// A mistake in a call, at a byte offset in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub offset: usize,
    pub message: String,
    pub help: Option<String>,
}
