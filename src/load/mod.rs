//! Loading: the only stage that reads the site's files. Discovery walks
//! content/, data/, the theme and static/ and reads every text file once; data
//! parses data/'s YAML, JSON and CSV; config
//! parses site.yaml and front_matter each page's header, both through the
//! position-keeping YAML reader in `yaml`; git runs `git log` once for
//! `dates: git`. What it returns (`Sources`,
//! `Config`, `FrontMatter`) is all the later stages know of the disk.

pub mod config;
pub mod data;
pub mod discover;
pub mod front_matter;
pub mod git;
pub mod images;
pub mod references;
pub(crate) mod yaml;

use std::path::Path;

use crate::diagnostic::Error;
use crate::names::CONFIG_FILE;
use config::{Config, parse_config};

/// Reads and parses the site's site.yaml; returns it with its text. A
/// missing site.yaml is a usage error: knead was run outside a site.
pub fn read_config(root: &Path) -> Result<(Config, String), Error> {
    let path = root.join(CONFIG_FILE);
    if !path.is_file() {
        let reason = match std::fs::metadata(&path) {
            Err(err) => err.to_string(),
            Ok(_) => "it is not a regular file".to_string(),
        };
        return Err(Error::Usage(format!(
            "cannot read {}: {reason}; run knead in a site folder or pass --root DIR",
            path.display()
        )));
    }
    let bytes = discover::read_text_file(&path, Path::new(CONFIG_FILE))?;
    let text = discover::decode_text(Path::new(CONFIG_FILE), bytes)?;
    let config = parse_config(Path::new(CONFIG_FILE), &text).map_err(Error::build)?;
    Ok((config, text))
}
