//! The live preview, on top of the pipeline: `serve` (the HTTP server of
//! `knead serve`), `watch` (file events, debounced, for serve and `build
//! --watch`), `incremental` (a session that keeps the last clean build and
//! patches it after body edits) and `live_reload` (the browser side: the
//! event stream and the injected script). Only this wing and `main.rs` print.

pub mod incremental;
pub mod live_reload;
pub mod serve;
pub mod watch;
