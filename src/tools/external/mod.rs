//! `knead check --external`: every link and image of the site's Markdown
//! that leads to another site, and every URL, DOI and PMID of its references
//! file, requested once however many pages use it,
//! a few at a time per host, and reported at every file:line:col that uses
//! it. Links found working are remembered in a cache (see `cache`) so that
//! repeated runs are fast and polite. Only `knead check --external` calls
//! this: a build or `knead serve` never touches the network.
//!
//! Broken links (404, 410, no such host, refused, TLS, redirect loops) and
//! permanent redirects are warnings, which `--strict` turns into a failure;
//! links whose server would not say (401, 403, 429, bot walls, timeouts,
//! 5xx) are notes, which never fail a check.

mod cache;
mod probe;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::config::ExternalLinksConfig;
use crate::load::references::{doi_url, pmid_url};
use crate::names::LINK_CACHE_FILE;
use crate::render::links::ExternalLink;
use crate::site::Site;
use cache::LinkCache;
use probe::{Moved, NO_SUCH_HOST, Prober, Verdict, host_of, request_url};

/// Requests in flight at once, over all hosts.
const WORKERS: usize = 16;

const HELP_BROKEN: &str = "fix the address or remove the link (the Internet Archive may keep a copy \
     of a page that is gone); `external_links.skip` in site.yaml stops checking an address";
const HELP_OFFLINE: &str =
    "check that this machine reaches the web (a name server, a proxy), then run the check again";
const HELP_MOVED: &str = "link to the new address: readers skip a redirect, and the link survives \
     the old address being dropped";

/// What `knead check --external` found, for its summary line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExternalReport {
    /// Different URLs (fragments aside), skipped ones included.
    pub links: usize,
    pub skipped: usize,
    pub from_cache: usize,
    pub working: usize,
    pub moved: usize,
    pub broken: usize,
    pub unverified: usize,
}

impl ExternalReport {
    /// `external links: 8 (1 skipped, 2 from the cache): 4 working, 1 moved, 1 broken, 1 not verified`.
    pub fn summary(&self) -> String {
        format!(
            "external links: {} ({} skipped, {} from the cache): {} working, {} moved, {} broken, {} not verified",
            self.links,
            self.skipped,
            self.from_cache,
            self.working,
            self.moved,
            self.broken,
            self.unverified
        )
    }
}

/// One place a URL is written: the file, position and the URL as written
/// there.
struct Use {
    path: PathBuf,
    line: usize,
    col: usize,
    written: String,
}

/// Checks every external link of `site` (found per page in `external`),
/// adding a diagnostic at each use of a broken, moved or unverified one.
pub fn check_external_links(
    root: &Path,
    site: &Site,
    external: &[Vec<ExternalLink>],
    diagnostics: &mut Diagnostics,
) -> ExternalReport {
    let config = &site.config.external_links;
    let uses = uses_by_url(site, external);
    let mut report = ExternalReport {
        links: uses.len(),
        ..ExternalReport::default()
    };
    let mut cache = LinkCache::open(root, config.cache_for);
    let mut verdicts: BTreeMap<&str, Verdict> = BTreeMap::new();
    let mut to_request = Vec::new();
    for url in uses.keys() {
        if config
            .skip
            .iter()
            .any(|pattern| matches_pattern(pattern, url))
        {
            report.skipped += 1;
        } else if let Some(moved) = cache.get(url) {
            report.from_cache += 1;
            verdicts.insert(url, Verdict::Working { moved });
        } else {
            to_request.push(url.as_str());
        }
    }
    if !to_request.is_empty() {
        let found = offline_is_unverified(&to_request, request_all(config, &to_request));
        for (url, verdict) in to_request.into_iter().zip(found) {
            if let Verdict::Working { moved } = &verdict {
                cache.insert(url, moved.as_ref());
            }
            verdicts.insert(url, verdict);
        }
    }
    if let Err(problem) = cache.save() {
        diagnostics.push(
            Diagnostic::note(
                LINK_CACHE_FILE,
                format!("the link cache was not saved: {problem}"),
            )
            .with_help("the next check requests every link again"),
        );
    }
    for (url, verdict) in &verdicts {
        count(&mut report, verdict);
        for place in &uses[*url] {
            if let Some(diagnostic) = diagnostic(verdict, place) {
                diagnostics.push(diagnostic);
            }
        }
    }
    report
}

/// Every external URL of the site's pages, as requested (without its
/// fragment), with the places that use it, in a stable order.
fn uses_by_url(site: &Site, external: &[Vec<ExternalLink>]) -> BTreeMap<String, Vec<Use>> {
    let mut uses: BTreeMap<String, Vec<Use>> = BTreeMap::new();
    for (page, links) in site.pages.iter().zip(external) {
        for link in links {
            uses.entry(request_url(&link.url)).or_default().push(Use {
                path: page.display_path(),
                line: link.line,
                col: link.col,
                written: link.url.clone(),
            });
        }
    }
    if let Some(references) = &site.references {
        for (key, line) in &references.keys {
            let Some(entry) = references.get(key) else {
                continue;
            };
            // The addresses the reference list links to: its URL, DOI and PMID.
            let links = entry
                .url()
                .map(|url| url.value.to_string())
                .into_iter()
                .chain(entry.doi().map(doi_url))
                .chain(entry.pmid().map(pmid_url));
            for url in links {
                uses.entry(request_url(&url)).or_default().push(Use {
                    path: references.path.clone(),
                    line: *line,
                    col: 1,
                    written: url,
                });
            }
        }
    }
    uses
}

/// When no host at all could be found, the machine is offline or has no
/// name server, which says nothing about the links: they are not verified
/// rather than broken.
fn offline_is_unverified(urls: &[&str], found: Vec<Verdict>) -> Vec<Verdict> {
    let no_host =
        |verdict: &Verdict| matches!(verdict, Verdict::Broken(reason) if reason == NO_SUCH_HOST);
    let hosts: BTreeSet<String> = urls.iter().map(|url| host_of(url)).collect();
    if hosts.len() < 2 || !found.iter().all(no_host) {
        return found;
    }
    found
        .into_iter()
        .map(|_| Verdict::Unverified {
            reason: format!("{NO_SUCH_HOST}, as for every other link: this machine may be offline"),
            help: HELP_OFFLINE,
        })
        .collect()
}

fn count(report: &mut ExternalReport, verdict: &Verdict) {
    match verdict {
        Verdict::Working { moved: None } => report.working += 1,
        Verdict::Working { moved: Some(_) } => report.moved += 1,
        Verdict::Broken(_) => report.broken += 1,
        Verdict::Unverified { .. } => report.unverified += 1,
    }
}

fn diagnostic(verdict: &Verdict, place: &Use) -> Option<Diagnostic> {
    let url = &place.written;
    let diagnostic = match verdict {
        Verdict::Working { moved: None } => return None,
        Verdict::Working {
            moved: Some(Moved { to, status }),
        } => Diagnostic::warning(
            &place.path,
            format!("external link moved permanently ({status}): {url} → {to}"),
        )
        .with_help(HELP_MOVED),
        Verdict::Broken(reason) => {
            Diagnostic::warning(&place.path, format!("broken external link {url}: {reason}"))
                .with_help(HELP_BROKEN)
        }
        Verdict::Unverified { reason, help } => Diagnostic::note(
            &place.path,
            format!("could not verify external link {url}: {reason}"),
        )
        .with_help(*help),
    };
    Some(diagnostic.at(place.line, place.col))
}

/// Whether `url` matches a skip pattern: `*` stands for any characters, and
/// the pattern needs to match only the start of the URL.
fn matches_pattern(pattern: &str, url: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = url.strip_prefix(first) else {
        return false;
    };
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Checks each URL on a pool of threads, at most `max_per_host` at a time
/// to one host; verdicts in the order of `urls`.
fn request_all(config: &ExternalLinksConfig, urls: &[&str]) -> Vec<Verdict> {
    let prober = Prober::new(config);
    let queue = HostQueue::new(urls, config.max_per_host);
    let verdicts: Mutex<Vec<Option<Verdict>>> = Mutex::new(vec![None; urls.len()]);
    std::thread::scope(|scope| {
        for _ in 0..WORKERS.min(urls.len()) {
            scope.spawn(|| {
                while let Some(index) = queue.next() {
                    let verdict = prober.check(urls[index]);
                    lock(&verdicts)[index] = Some(verdict);
                    queue.done(index);
                }
            });
        }
    });
    let verdicts = verdicts
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    verdicts
        .into_iter()
        .map(|verdict| {
            verdict.unwrap_or_else(|| Verdict::Unverified {
                reason: "the check stopped before reaching it".into(),
                help: "run the check again",
            })
        })
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The URLs still to check, handed out in order but never more than
/// `per_host` at once to one host.
struct HostQueue {
    hosts: Vec<String>,
    per_host: usize,
    state: Mutex<QueueState>,
    changed: Condvar,
}

struct QueueState {
    waiting: Vec<usize>,
    active: HashMap<String, usize>,
}

impl HostQueue {
    fn new(urls: &[&str], per_host: usize) -> HostQueue {
        HostQueue {
            hosts: urls.iter().map(|url| host_of(url)).collect(),
            per_host: per_host.max(1),
            state: Mutex::new(QueueState {
                waiting: (0..urls.len()).collect(),
                active: HashMap::new(),
            }),
            changed: Condvar::new(),
        }
    }

    /// The next URL whose host has room, waiting while none has; `None`
    /// once every URL is handed out.
    fn next(&self) -> Option<usize> {
        let mut state = lock(&self.state);
        loop {
            if state.waiting.is_empty() {
                return None;
            }
            let free = state.waiting.iter().position(|&index| {
                state.active.get(&self.hosts[index]).copied().unwrap_or(0) < self.per_host
            });
            if let Some(position) = free {
                let index = state.waiting.remove(position);
                *state.active.entry(self.hosts[index].clone()).or_default() += 1;
                return Some(index);
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn done(&self, index: usize) {
        let mut state = lock(&self.state);
        if let Some(active) = state.active.get_mut(&self.hosts[index]) {
            *active = active.saturating_sub(1);
        }
        drop(state);
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_host_found_anywhere_is_unverified_not_broken() {
        let gone = || Verdict::Broken(NO_SUCH_HOST.into());
        let unverified = |found: &[Verdict]| {
            found
                .iter()
                .filter(|v| matches!(v, Verdict::Unverified { .. }))
                .count()
        };
        let two_hosts = ["https://a.example/x", "https://b.example/y"];
        assert_eq!(
            unverified(&offline_is_unverified(&two_hosts, vec![gone(), gone()])),
            2
        );
        // One host answered: the other one really has no address.
        let working = Verdict::Working { moved: None };
        assert_eq!(
            unverified(&offline_is_unverified(&two_hosts, vec![gone(), working])),
            0
        );
        // A single host says nothing about the machine.
        let one_host = ["https://a.example/x", "https://a.example/y"];
        assert_eq!(
            unverified(&offline_is_unverified(&one_host, vec![gone(), gone()])),
            0
        );
    }

    #[test]
    fn skip_patterns_match_the_start_with_wildcards() {
        let url = "https://www.linkedin.com/in/someone";
        assert!(matches_pattern("https://www.linkedin.com/", url));
        assert!(matches_pattern("https://*.linkedin.com/*", url));
        assert!(matches_pattern("*linkedin*", url));
        assert!(!matches_pattern("http://www.linkedin.com/", url));
        assert!(!matches_pattern("https://*.example.org/", url));
    }

    #[test]
    fn the_queue_never_hands_out_more_than_the_limit_per_host() {
        let urls = ["http://a/1", "http://a/2", "http://a/3", "http://b/1"];
        let queue = HostQueue::new(&urls, 2);
        assert_eq!(queue.next(), Some(0));
        assert_eq!(queue.next(), Some(1));
        // a is full: b's URL goes first.
        assert_eq!(queue.next(), Some(3));
        queue.done(0);
        assert_eq!(queue.next(), Some(2));
        assert_eq!(queue.next(), None);
    }
}
