//! The cache of resized images (`names::IMAGE_CACHE_DIR` in the site root):
//! one file per copy, named by the source's content hash and the settings,
//! so an unchanged image is never encoded twice, in a build or in `knead
//! serve`, and an edited one gets new names. Files no build asked for are
//! removed after each build that made images, so copies of deleted or
//! changed sources do not pile up. Deleting the folder is always safe.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::names::IMAGE_CACHE_DIR;

pub struct ImageCache {
    dir: PathBuf,
}

impl ImageCache {
    pub fn new(root: &Path) -> ImageCache {
        ImageCache {
            dir: root.join(IMAGE_CACHE_DIR),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.path(name).is_file()
    }

    /// Writes one copy; through a temporary file, so a build stopped midway
    /// or running beside another never leaves half a file under its name.
    pub fn store(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let describe = |e: std::io::Error| format!("cannot write {}: {e}", self.dir.display());
        fs::create_dir_all(&self.dir).map_err(describe)?;
        let temporary = self.dir.join(format!(".{name}.{}.tmp", std::process::id()));
        fs::write(&temporary, bytes).map_err(describe)?;
        fs::rename(&temporary, self.path(name)).map_err(describe)
    }

    /// Removes every file but `used`.
    pub fn keep_only(&self, used: &HashSet<String>) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !used.contains(&name) && !name.ends_with(".tmp") {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}
