//! The cache of external links found working (`names::LINK_CACHE_FILE` in
//! the site root, beside the image cache): one JSON file mapping each URL to
//! when it was checked and where it had moved, so that a second `knead check
//! --external` within `external_links.cache_for` asks no server again.
//! Only working links are kept: a broken or unverified one may be fixed, or
//! its server back, by the next run. A missing or unreadable file is an
//! empty cache; deleting it is always safe.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::probe::Moved;
use crate::names::LINK_CACHE_FILE;

/// Raised when the file's format changes, so an old file is ignored.
const VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    links: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// Seconds since the Unix epoch.
    checked: u64,
    /// The permanent redirect's target and status, if any.
    moved_to: Option<String>,
    moved_status: Option<u16>,
}

pub struct LinkCache {
    path: PathBuf,
    links: BTreeMap<String, Entry>,
    now: u64,
    keep_for: Duration,
    /// Entries were added or expired since the file was read.
    changed: bool,
}

impl LinkCache {
    /// The cache of the site at `root`, with entries older than `keep_for`
    /// left out.
    pub fn open(root: &Path, keep_for: Duration) -> LinkCache {
        let path = root.join(LINK_CACHE_FILE);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let file: CacheFile = fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .filter(|file: &CacheFile| file.version == VERSION)
            .unwrap_or_default();
        let fresh = |entry: &Entry| {
            let age = now.checked_sub(entry.checked).map(Duration::from_secs);
            age.is_some_and(|age| age < keep_for)
        };
        let read = file.links.len();
        let links: BTreeMap<String, Entry> = file
            .links
            .into_iter()
            .filter(|(_, entry)| fresh(entry))
            .collect();
        LinkCache {
            path,
            changed: links.len() != read,
            links,
            now,
            keep_for,
        }
    }

    /// A working link checked recently enough, and where it had moved.
    pub fn get(&self, url: &str) -> Option<Option<Moved>> {
        let entry = self.links.get(url)?;
        let moved = match (&entry.moved_to, entry.moved_status) {
            (Some(to), Some(status)) => Some(Moved {
                to: to.clone(),
                status,
            }),
            _ => None,
        };
        Some(moved)
    }

    pub fn insert(&mut self, url: &str, moved: Option<&Moved>) {
        self.changed = true;
        self.links.insert(
            url.to_string(),
            Entry {
                checked: self.now,
                moved_to: moved.map(|m| m.to.clone()),
                moved_status: moved.map(|m| m.status),
            },
        );
    }

    /// Writes the cache if it changed (through a temporary file, so a check
    /// stopped midway never leaves half a file). With `cache_for: 0s`
    /// nothing is kept.
    pub fn save(self) -> Result<(), String> {
        if self.keep_for.is_zero() || !self.changed {
            return Ok(());
        }
        let describe = |e: std::io::Error| format!("cannot write {}: {e}", self.path.display());
        let file = CacheFile {
            version: VERSION,
            links: self.links.clone(),
        };
        let json = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir).map_err(describe)?;
        }
        let temporary = self
            .path
            .with_extension(format!("{}.tmp", std::process::id()));
        fs::write(&temporary, json).map_err(describe)?;
        fs::rename(&temporary, &self.path).map_err(describe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_links_are_kept_until_they_expire() {
        let dir = tempfile::tempdir().expect("temp dir");
        let week = Duration::from_secs(7 * 86_400);
        let mut cache = LinkCache::open(dir.path(), week);
        assert_eq!(cache.get("https://a.org/"), None);
        let moved = Moved {
            to: "https://b.org/".into(),
            status: 301,
        };
        cache.insert("https://a.org/", Some(&moved));
        cache.insert("https://c.org/", None);
        cache.save().expect("saved");
        let cache = LinkCache::open(dir.path(), week);
        assert_eq!(cache.get("https://a.org/"), Some(Some(moved)));
        assert_eq!(cache.get("https://c.org/"), Some(None));
        assert_eq!(
            LinkCache::open(dir.path(), Duration::ZERO).get("https://c.org/"),
            None
        );
    }

    #[test]
    fn a_cache_with_nothing_new_is_not_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        LinkCache::open(dir.path(), Duration::from_secs(60))
            .save()
            .expect("nothing to save");
        assert!(!dir.path().join(LINK_CACHE_FILE).exists());
    }

    #[test]
    fn an_unreadable_cache_is_an_empty_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(LINK_CACHE_FILE);
        fs::create_dir_all(path.parent().expect("folder")).expect("folder");
        fs::write(&path, "{ not json").expect("written");
        let cache = LinkCache::open(dir.path(), Duration::from_secs(60));
        assert_eq!(cache.get("https://a.org/"), None);
    }
}
