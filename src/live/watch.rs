//! Watching a site for changes, and `knead build --watch`. Owns which paths
//! count as a change (site.yaml and everything discovery reads under
//! content/, data/, static/, templates/ and the active theme, minus ignored names and
//! the output folder) and the debouncing that turns a burst of events into one
//! rebuild. It does not decide what a change affects: it hands the changed
//! paths to an `incremental::Session`.
//!
//! Discovery follows symlinks that stay inside the site, so their targets are
//! watched too, and an event on a target is reported under the path of every
//! link that leads to it as well as its own. notify is told not to follow
//! links itself: inotify has one watch per folder, so notify reports a folder
//! reached by two paths under one of them only, and it would watch trees
//! outside the site that no build reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use crate::diagnostic::Error;
use crate::live::incremental::Session;
use crate::load::config::DEFAULT_REFERENCES;
use crate::load::discover::{is_ignored, read_text_file};
use crate::names::{CONFIG_FILE, CONTENT_DIR, DATA_DIR, STATIC_DIR, TEMPLATES_DIR, THEMES_DIR};
use crate::pipeline::{BuildOptions, BuildSummary, failure_report};
use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer_opt};
use walkdir::WalkDir;

/// Events for one path closer together than this make one change.
const DEBOUNCE: Duration = Duration::from_millis(30);
/// The debouncer hands over a burst's paths in several batches as each goes
/// quiet; batches closer together than this make one change...
const SETTLE: Duration = Duration::from_millis(30);
/// ...unless they keep coming for this long.
const MAX_SETTLE: Duration = Duration::from_secs(1);
/// The folders under the site root that a build reads, watched recursively;
/// of themes/, only the active theme's folder.
const WATCHED_DIRS: [&str; 5] = [CONTENT_DIR, DATA_DIR, STATIC_DIR, TEMPLATES_DIR, THEMES_DIR];

/// Watches one site. The root itself is watched alone (for site.yaml and for
/// watched folders that appear or vanish), each watched folder recursively,
/// so that large unrelated folders (target/, node_modules/) cost nothing.
/// Of themes/, the folder itself is watched alone (for a theme folder that
/// appears) and the active theme's folder recursively; other themes cost
/// nothing either.
pub struct SiteWatcher {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    changes: Receiver<Batch>,
    root: PathBuf,
    filter: ChangeFilter,
    /// The folders watched, how, and which folder stood at that path: a
    /// watch follows the folder, not its path, so one replaced wholesale
    /// (`mv content old && mv new content`, a sync tool, a branch switch) must
    /// be watched anew.
    watched: BTreeMap<PathBuf, (RecursiveMode, Option<FolderId>)>,
    /// The site's folders as last found (before link targets are added):
    /// the links are looked for again when they change.
    site_dirs: BTreeMap<PathBuf, RecursiveMode>,
    links: Vec<Link>,
}

/// The paths of a debouncer batch, and whether any event in it may have
/// added, removed or replaced a symlink (anything but a change of a file's
/// bytes or metadata); only then is the site searched for symlinks again.
struct Batch {
    paths: Vec<PathBuf>,
    structural: bool,
}

impl Batch {
    fn extend(&mut self, other: Batch) {
        self.paths.extend(other.paths);
        self.structural |= other.structural;
    }
}

/// A symlink under a watched folder that leads elsewhere in the site.
/// Events name its target's path; the build reads it through the link's.
#[derive(Debug)]
struct Link {
    /// Where discovery finds it, through the site's folders.
    path: PathBuf,
    /// Canonical, inside the site.
    target: PathBuf,
}

impl SiteWatcher {
    /// Starts watching the site under `root` that builds into `output_dir`.
    pub fn new(root: &Path, output_dir: &Path) -> Result<SiteWatcher, Error> {
        let root = root
            .canonicalize()
            .map_err(|err| Error::Usage(format!("cannot watch {}: {err}", root.display())))?;
        let filter = ChangeFilter {
            root: root.clone(),
            output: real_path(output_dir),
        };
        let (sender, changes) = mpsc::channel();
        let handler = move |result: DebounceEventResult| match result {
            Ok(events) => {
                // Reading a file (as every build does) changes nothing.
                let events: Vec<_> = events.iter().filter(|e| !e.kind.is_access()).collect();
                let structural = events.iter().any(|event| {
                    !matches!(
                        event.kind,
                        EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Metadata(_))
                    )
                });
                let paths: Vec<PathBuf> = events
                    .iter()
                    .flat_map(|event| &event.paths)
                    .cloned()
                    .collect();
                if !paths.is_empty() {
                    // The receiver is gone only when the watcher is dropped.
                    let _ = sender.send(Batch { paths, structural });
                }
            }
            Err(errors) => errors
                .iter()
                .for_each(|err| eprintln!("warning: while watching files: {err}")),
        };
        let cannot =
            |err: notify::Error| Error::Usage(format!("cannot watch {}: {err}", root.display()));
        let config = notify::Config::default().with_follow_symlinks(false);
        let mut debouncer =
            new_debouncer_opt(DEBOUNCE, None, handler, RecommendedCache::new(), config)
                .map_err(cannot)?;
        debouncer
            .watch(&root, RecursiveMode::NonRecursive)
            .map_err(cannot)?;
        let mut watcher = SiteWatcher {
            debouncer,
            changes,
            root,
            filter,
            watched: BTreeMap::new(),
            site_dirs: BTreeMap::new(),
            links: Vec::new(),
        };
        let _ = watcher.sync_watched_dirs(&[], true);
        Ok(watcher)
    }

    /// Blocks until something relevant changed and returns the changed paths,
    /// sorted, with every change that arrived meanwhile (during a build, say)
    /// or follows within `SETTLE`, so that a burst gives one rebuild. `None`
    /// once watching has stopped.
    pub fn next_change(&mut self) -> Option<Vec<PathBuf>> {
        loop {
            let mut batch = self.changes.recv().ok()?;
            let started = Instant::now();
            while let Ok(more) = self.changes.recv_timeout(SETTLE) {
                batch.extend(more);
                if started.elapsed() > MAX_SETTLE {
                    break;
                }
            }
            let mut paths: Vec<PathBuf> = batch
                .paths
                .iter()
                .flat_map(|path| site_paths(path, &self.links))
                .filter(|path| self.filter.is_relevant(path))
                .collect();
            if paths.is_empty() {
                continue;
            }
            // Edits made before a new watch took hold are missed by it; the
            // folder's path makes the rebuild a full one, which reads them.
            let rewatched = self.sync_watched_dirs(&batch.paths, batch.structural);
            paths.extend(rewatched);
            paths.sort();
            paths.dedup();
            return Some(paths);
        }
    }

    /// Calls `on_change` with the changed paths after every change, forever.
    pub fn run(mut self, mut on_change: impl FnMut(&[PathBuf])) {
        while let Some(paths) = self.next_change() {
            on_change(&paths);
        }
    }

    /// Watches the folders a build reads now (the theme may have changed in
    /// site.yaml, folders may have appeared or been replaced); stops watching
    /// the others. A watched folder named in `changed` (created, removed or
    /// renamed: only events on its parent name it) is watched anew even when
    /// its inode looks the same, since file systems reuse a freed inode at
    /// once (`rm -rf theme && cp -r copy theme`). The symlinks are looked
    /// for again after a `structural` change, or when the folders changed.
    /// Returns the folders newly watched.
    fn sync_watched_dirs(&mut self, changed: &[PathBuf], structural: bool) -> Vec<PathBuf> {
        let site_dirs = watched_dirs(&self.root);
        if structural || site_dirs != self.site_dirs {
            self.links = find_links(&self.root, &self.filter.output, &site_dirs);
        }
        let dirs = with_link_targets(&self.root, &site_dirs, &self.links);
        self.site_dirs = site_dirs;
        let wanted: BTreeMap<PathBuf, (RecursiveMode, Option<FolderId>)> = dirs
            .into_iter()
            .map(|(dir, mode)| {
                let id = folder_id(&dir);
                (dir, (mode, id))
            })
            .collect();
        let mut stale: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|(dir, watch)| wanted.get(*dir) != Some(watch) || changed.contains(dir))
            .map(|(dir, _)| dir.clone())
            .collect();
        // notify drops the watches of every path under one it unwatches
        // (a link target may hold a watched folder, themes/ its theme).
        let inside_stale: Vec<PathBuf> = self
            .watched
            .keys()
            .filter(|dir| !stale.contains(dir) && stale.iter().any(|s| dir.starts_with(s)))
            .cloned()
            .collect();
        stale.extend(inside_stale);
        for dir in stale {
            self.watched.remove(&dir);
            // A vanished folder's watch went with it; this only tidies up.
            let _ = self.debouncer.unwatch(&dir);
        }
        let mut added = Vec::new();
        for (dir, watch) in wanted {
            if self.watched.contains_key(&dir) {
                continue;
            }
            match self.debouncer.watch(&dir, watch.0) {
                Ok(()) => {
                    self.watched.insert(dir.clone(), watch);
                    added.push(dir);
                }
                Err(err) => eprintln!("warning: cannot watch {}: {err}", dir.display()),
            }
        }
        added
    }
}

/// Which folder stands at a path.
type FolderId = (u64, u64);

#[cfg(unix)]
fn folder_id(dir: &Path) -> Option<FolderId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).ok().map(|m| (m.dev(), m.ino()))
}

/// Without inode numbers a replaced folder looks the same; the watch on
/// the root still reports the replacement itself.
#[cfg(not(unix))]
fn folder_id(_: &Path) -> Option<FolderId> {
    None
}

/// The existing folders to watch under `root`, and how. When site.yaml cannot
/// be read for its theme, all of themes/ is watched.
fn watched_dirs(root: &Path) -> BTreeMap<PathBuf, RecursiveMode> {
    let mut dirs = BTreeMap::new();
    for name in [CONTENT_DIR, DATA_DIR, STATIC_DIR, TEMPLATES_DIR] {
        dirs.insert(root.join(name), RecursiveMode::Recursive);
    }
    let themes = root.join(THEMES_DIR);
    match active_theme(root) {
        Ok(Some(theme)) => {
            dirs.insert(themes.join(theme), RecursiveMode::Recursive);
            dirs.insert(themes, RecursiveMode::NonRecursive);
        }
        Ok(None) => {
            dirs.insert(themes, RecursiveMode::NonRecursive);
        }
        Err(()) => {
            dirs.insert(themes, RecursiveMode::Recursive);
        }
    }
    dirs.retain(|dir, _| dir.is_dir());
    dirs
}

/// The symlinks under the folders of `dirs` watched in depth that lead to
/// somewhere else in the site, as discovery walks them (following links,
/// skipping ignored names). Links that lead out of the site, into the output
/// folder, nowhere, or round in a loop are not read by a build, or not as
/// content: they are left out.
fn find_links(root: &Path, output: &Path, dirs: &BTreeMap<PathBuf, RecursiveMode>) -> Vec<Link> {
    let mut links = Vec::new();
    for (dir, _) in dirs.iter().filter(|(_, m)| **m == RecursiveMode::Recursive) {
        let walk = WalkDir::new(dir)
            .follow_links(true)
            .into_iter()
            .filter_entry(|entry| {
                let name = entry.file_name().to_string_lossy();
                if entry.depth() > 0 && is_ignored(&name, entry.file_type().is_dir()) {
                    return false;
                }
                if !entry.path_is_symlink() {
                    return true;
                }
                // Not followed further, like discovery: a link out of the
                // site could lead to the whole file system.
                match entry.path().canonicalize() {
                    Ok(target) if target.starts_with(root) && !target.starts_with(output) => {
                        links.push(Link {
                            path: entry.path().to_path_buf(),
                            target,
                        });
                        true
                    }
                    _ => false,
                }
            });
        walk.for_each(drop);
    }
    links
}

/// `dirs` and what must be watched besides for the targets of `links`: a
/// target folder in depth, the folder holding a target file alone, unless
/// a folder watched in depth holds it already (or it is the root, watched
/// alone anyway).
fn with_link_targets(
    root: &Path,
    dirs: &BTreeMap<PathBuf, RecursiveMode>,
    links: &[Link],
) -> BTreeMap<PathBuf, RecursiveMode> {
    let mut all = dirs.clone();
    let mut covered: Vec<PathBuf> = dirs
        .iter()
        .filter(|(_, mode)| **mode == RecursiveMode::Recursive)
        .map(|(dir, _)| real_path(dir))
        .collect();
    let mut targets: Vec<&Path> = links.iter().map(|link| link.target.as_path()).collect();
    // Folders before what they hold, so that one watch covers both.
    targets.sort();
    for target in targets {
        if covered.iter().any(|dir| target.starts_with(dir)) {
            continue;
        }
        if target.is_dir() {
            all.insert(target.to_path_buf(), RecursiveMode::Recursive);
            covered.push(target.to_path_buf());
        } else if let Some(parent) = target.parent().filter(|p| *p != root) {
            all.entry(parent.to_path_buf())
                .or_insert(RecursiveMode::NonRecursive);
        }
    }
    all
}

/// The paths an event path stands for in the site: itself, its canonical
/// path, and the same file reached through each link that leads to it.
fn site_paths(path: &Path, links: &[Link]) -> Vec<PathBuf> {
    let mut paths = vec![path.to_path_buf()];
    if links.is_empty() {
        return paths;
    }
    let real = real_path(path);
    for link in links {
        if let Ok(rest) = real.strip_prefix(&link.target) {
            paths.push(if rest.as_os_str().is_empty() {
                link.path.clone()
            } else {
                link.path.join(rest)
            });
        }
    }
    if real != path {
        paths.push(real);
    }
    paths
}

/// site.yaml as a YAML value, or `None` when it cannot be read or parsed.
fn site_yaml(root: &Path) -> Option<serde_yaml::Value> {
    // Read as a build reads it, and refused when a build would refuse it
    // without parsing: a FIFO or a pathological file must not stall the watcher.
    let bytes = read_text_file(&root.join(CONFIG_FILE), Path::new(CONFIG_FILE)).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    if crate::load::yaml::too_deep(&text).is_some() {
        return None;
    }
    serde_yaml::from_str(&text).ok()
}

/// site.yaml's `theme`, when it names a plain folder.
fn active_theme(root: &Path) -> Result<Option<String>, ()> {
    let config = site_yaml(root).ok_or(())?;
    match config.get("theme") {
        None => Ok(None),
        Some(theme) => {
            let name = theme.as_str().ok_or(())?;
            let plain = !name.is_empty() && Path::new(name).file_name() == Some(name.as_ref());
            plain.then(|| Some(name.to_string())).ok_or(())
        }
    }
}

/// The references file's name: site.yaml's `citations.references`, else
/// `references.yaml`. Its edit takes a full build.
fn references_file(root: &Path) -> String {
    let named = || -> Option<String> {
        let config = site_yaml(root)?;
        Some(
            config
                .get("citations")?
                .get("references")?
                .as_str()?
                .to_string(),
        )
    };
    named().unwrap_or_else(|| DEFAULT_REFERENCES.to_string())
}

/// Which event paths are changes to the site.
struct ChangeFilter {
    /// Canonical.
    root: PathBuf,
    /// Canonical where it exists.
    output: PathBuf,
}

impl ChangeFilter {
    /// site.yaml, or a path under a watched folder with no ignored name on
    /// the way (SPEC §2), outside the output folder. A path that no longer
    /// exists is judged as a file.
    fn is_relevant(&self, path: &Path) -> bool {
        if path.starts_with(&self.output) {
            return false;
        }
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return false;
        };
        let names: Vec<String> = rel
            .iter()
            .map(|name| name.to_string_lossy().into_owned())
            .collect();
        let (Some(first), Some((last, folders))) = (names.first(), names.split_last()) else {
            return false;
        };
        if names.len() == 1 && (first == CONFIG_FILE || *first == references_file(&self.root)) {
            return true;
        }
        WATCHED_DIRS.contains(&first.as_str())
            && !folders.iter().any(|name| is_ignored(name, true))
            && !is_ignored(last, path.is_dir())
    }
}

/// `path` made canonical through its parent, which may exist when it does not.
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let parent = path.parent().and_then(|p| p.canonicalize().ok());
    match (parent, path.file_name()) {
        (Some(parent), Some(name)) => parent.join(name),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// `knead build --watch`: builds, then rebuilds on every change until killed.
/// Only a usage error in the first build stops it; build errors are printed
/// and the previous output stays.
pub fn build_and_watch(
    options: &BuildOptions,
    report_build: fn(&BuildSummary),
) -> Result<(), Error> {
    let watcher = SiteWatcher::new(&options.root, &options.output_dir())?;
    let mut session = Session::new(options.clone());
    match session.rebuild(&[]) {
        Err(Error::Usage(message)) => return Err(Error::Usage(message)),
        result => report_outcome(&result, report_build),
    }
    println!(
        "watching {} for changes (Ctrl+C to stop)",
        options.root.display()
    );
    watcher.run(|changed| report_outcome(&session.rebuild(changed), report_build));
    Ok(())
}

/// Prints a build's summary, or its errors as `knead build` would.
pub fn report_outcome(result: &Result<BuildSummary, Error>, report_build: fn(&BuildSummary)) {
    match result {
        Ok(summary) => report_build(summary),
        Err(err) => eprintln!("{}", failure_report(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter() -> ChangeFilter {
        ChangeFilter {
            root: PathBuf::from("/site"),
            output: PathBuf::from("/site/output"),
        }
    }

    #[test]
    fn only_the_active_theme_is_watched_in_depth() {
        let site = tempfile::tempdir().expect("temp dir");
        let root = site.path();
        for dir in ["content", "themes/a/templates", "themes/b/templates"] {
            std::fs::create_dir_all(root.join(dir)).expect("create folder");
        }
        let write_config =
            |text: &str| std::fs::write(root.join("site.yaml"), text).expect("write");
        let watched = || -> Vec<(String, bool)> {
            watched_dirs(root)
                .into_iter()
                .map(|(dir, mode)| {
                    let rel = dir.strip_prefix(root).expect("under root");
                    (rel.display().to_string(), mode == RecursiveMode::Recursive)
                })
                .collect()
        };
        write_config("title: T\ntheme: b\n");
        let expected = [("content", true), ("themes", false), ("themes/b", true)];
        let expected: Vec<(String, bool)> =
            expected.iter().map(|(d, r)| (d.to_string(), *r)).collect();
        assert_eq!(watched(), expected);
        write_config("title: T\n");
        assert_eq!(watched(), expected[..2]);
        // Unreadable: every theme, rather than miss a change.
        write_config("title: [unclosed\n");
        assert_eq!(
            watched(),
            [("content".to_string(), true), ("themes".into(), true)]
        );
        write_config("theme: ../elsewhere\n");
        assert_eq!(
            watched(),
            [("content".to_string(), true), ("themes".into(), true)]
        );
    }

    #[cfg(unix)]
    #[test]
    fn link_targets_are_watched_and_their_events_count_for_the_links() {
        use std::os::unix::fs::symlink;
        let site = tempfile::tempdir().expect("temp dir");
        let root = site.path().canonicalize().expect("canonical");
        for dir in ["content/sub", "shared/dir", "elsewhere"] {
            std::fs::create_dir_all(root.join(dir)).expect("create folder");
        }
        for file in ["content/sub/x.md", "shared/p.md", "shared/dir/q.md"] {
            std::fs::write(root.join(file), "x").expect("write");
        }
        symlink("sub", root.join("content/alias")).expect("symlink");
        symlink("../shared/p.md", root.join("content/p.md")).expect("symlink");
        symlink("../shared/dir", root.join("content/dir")).expect("symlink");
        symlink("/", root.join("content/out")).expect("symlink");
        let dirs = watched_dirs(&root);
        let links = find_links(&root, &root.join("output"), &dirs);
        let watched = with_link_targets(&root, &dirs, &links);
        let extra: Vec<(&Path, RecursiveMode)> = watched
            .iter()
            .filter(|(dir, _)| !dirs.contains_key(*dir))
            .map(|(dir, mode)| (dir.strip_prefix(&root).expect("in site"), *mode))
            .collect();
        assert_eq!(
            extra,
            [
                (Path::new("shared"), RecursiveMode::NonRecursive),
                (Path::new("shared/dir"), RecursiveMode::Recursive),
            ]
        );
        let stands_for = |rel: &str| -> Vec<PathBuf> {
            site_paths(&root.join(rel), &links)
                .into_iter()
                .map(|p| p.strip_prefix(&root).expect("in site").to_path_buf())
                .collect()
        };
        assert_eq!(
            stands_for("shared/p.md"),
            ["shared/p.md", "content/p.md"].map(PathBuf::from)
        );
        assert_eq!(
            stands_for("shared/dir/new.md"),
            ["shared/dir/new.md", "content/dir/new.md"].map(PathBuf::from)
        );
        assert_eq!(
            stands_for("content/sub/x.md"),
            ["content/sub/x.md", "content/alias/x.md"].map(PathBuf::from)
        );
        assert_eq!(
            stands_for("shared/other.md"),
            [PathBuf::from("shared/other.md")]
        );
    }

    #[test]
    fn changes_that_builds_read_are_relevant() {
        for path in [
            "/site/site.yaml",
            "/site/content/a.md",
            "/site/content/_index.md",
            "/site/content/new-folder",
            "/site/data/warning_signs.yaml",
            "/site/static/css/s.css",
            "/site/templates/page.html",
            "/site/themes/t/templates/base.html",
        ] {
            assert!(filter().is_relevant(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn output_temporaries_and_other_folders_are_not() {
        for path in [
            "/site/output/index.html",
            "/site/.output.knead-new-12/index.html",
            "/site/content/.a.md.swp",
            "/site/content/a.md~",
            "/site/content/a.md.tmp",
            "/site/content/.#a.md",
            "/site/content/4913",
            "/site/content/_draft.md",
            "/site/content/.git/HEAD",
            "/site/target/debug/knead",
            "/site/node_modules/x/index.js",
            "/site/README.md",
            "/elsewhere/content/a.md",
        ] {
            assert!(!filter().is_relevant(Path::new(path)), "{path}");
        }
    }
}
