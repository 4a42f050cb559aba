//! Tools for authors, on top of the pipeline: `check` (the build's stages in
//! memory, plus editorial warnings, and with `--external` the links to other
//! sites, in `external`), `init` (a new site with the bundled
//! theme), `new_page` (`knead new`) and `schema` (JSON Schemas for editors).
//! They read sites through `load` and return values; `main.rs` prints them.

pub mod check;
pub mod external;
pub mod init;
pub mod new_page;
pub mod schema;
