//! `dates: git`: pages' `date` and `updated` from the history of their
//! files, in repositories the tests make with fixed author and committer
//! dates. Needs `git`: without it the tests are skipped, loudly, except
//! under `CI=true`, where they fail.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use crate::harness::{SITE_YAML, TestSite, page};

const INSTALL_HINT: &str = "install with `apt-get install -y git`";

/// A page template that prints the dates as the bundled theme's JSON-LD does.
const PAGE_TEMPLATE: &str = "date={{ page.date }}\nupdated={{ page.updated }}\n\
     {% if page.updated %}\"dateModified\":{{ page.updated | json | safe }}{% endif %}\n";

const NOT_SHALLOW: &str = "warning: `dates: git` is ignored: this is a shallow clone, whose cut-off history would give wrong dates; pages have only the dates their front matter gives";

/// Whether `git` runs; when it does not, a loud skip message, or a failure
/// under `CI=true`.
fn have_git() -> bool {
    let version = Command::new("git").arg("--version").output();
    if matches!(&version, Ok(out) if out.status.success()) {
        return true;
    }
    let why = "`git` not found on PATH";
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("git date tests cannot run under CI=true: {why}; {INSTALL_HINT}");
    }
    // Straight to stderr: libtest would swallow eprintln! of a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!!!!!\n!!!!!!!! SKIPPED git date tests: {why}; {INSTALL_HINT}\n!!!!!!!!\n"
    );
    false
}

/// Runs git in `dir` as a fixed author at `date`, with no user or system
/// configuration.
#[track_caller]
fn git(dir: &Path, date: &str, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .envs(isolated_git())
        .env("GIT_AUTHOR_NAME", "Ada Author")
        .env("GIT_AUTHOR_EMAIL", "ada@example.org")
        .env("GIT_COMMITTER_NAME", "Cy Committer")
        .env("GIT_COMMITTER_EMAIL", "cy@example.org")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// No user or system git configuration, for the tests' git and knead's.
fn isolated_git() -> [(&'static str, &'static str); 2] {
    [
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
        ("GIT_CONFIG_NOSYSTEM", "1"),
    ]
}

fn commit(site: &TestSite, date: &str, message: &str) {
    git(
        site.root(),
        date,
        &["add", "--all", "content", "site.yaml", "themes"],
    );
    git(site.root(), date, &["commit", "--quiet", "-m", message]);
}

fn build(site: &TestSite) -> crate::harness::Run {
    let root = site.root().to_str().expect("utf-8 temp path");
    site.knead_with_env(&isolated_git(), &["build", "--root", root], &[])
}

/// A site with `dates: git`, a feed and a template that prints the dates.
fn dated_site() -> TestSite {
    let site = TestSite::new();
    site.file("site.yaml", &format!("{SITE_YAML}feed: true\ndates: git\n"));
    site.file("themes/t/templates/page.html", PAGE_TEMPLATE);
    site
}

/// The `date=` and `updated=` lines of an output page.
fn dates(site: &TestSite, rel: &str) -> (String, String) {
    let html = site.output(rel);
    let value = |key: &str| {
        html.lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in {rel}:\n{html}"))
            .to_string()
    };
    (value("date="), value("updated="))
}

fn pair(date: &str, updated: &str) -> (String, String) {
    (date.to_string(), updated.to_string())
}

/// A site in a repository with three commits: `a.md` added and changed,
/// `b.md` and `c.md` with dates of their own, `ahead.md` dated after its
/// commits, `old.md` renamed into guides/.
fn committed_site() -> TestSite {
    let site = dated_site();
    site.file("content/a.md", &page("title: A", "First words.\n"));
    site.file(
        "content/b.md",
        &page("title: B\ndate: 2020-01-01\nupdated: 2020-02-02", "B.\n"),
    );
    site.file("content/c.md", &page("title: C\ndate: 2023-06-01", "C.\n"));
    site.file(
        "content/ahead.md",
        &page("title: Ahead\ndate: 2025-01-01", "Soon.\n"),
    );
    site.file(
        "content/old.md",
        &page(
            "title: Moved",
            "A page with enough words to be found again after its move.\n",
        ),
    );
    git(site.root(), "2024-01-01T10:00:00Z", &["init", "--quiet"]);
    commit(&site, "2024-01-01T10:00:00+02:00", "first");
    site.file("content/a.md", &page("title: A", "Second words.\n"));
    site.file(
        "content/c.md",
        &page("title: C\ndate: 2023-06-01", "C again.\n"),
    );
    commit(&site, "2024-02-03T04:05:06-05:00", "second");
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    git(
        site.root(),
        "2024-03-01T00:00:00Z",
        &["mv", "content/old.md", "content/guides/new.md"],
    );
    commit(&site, "2024-03-01T12:00:00Z", "move");
    site
}

#[test]
fn dates_come_from_the_first_and_last_commit_and_front_matter_wins() {
    if !have_git() {
        return;
    }
    let site = committed_site();
    build(&site).assert_ok();
    // Offsets as the commits were made.
    assert_eq!(
        dates(&site, "a/index.html"),
        pair("2024-01-01T10:00:00+02:00", "2024-02-03T04:05:06-05:00")
    );
    assert_eq!(
        dates(&site, "b/index.html"),
        pair("2020-01-01", "2020-02-02")
    );
    assert_eq!(
        dates(&site, "c/index.html"),
        pair("2023-06-01", "2024-02-03T04:05:06-05:00")
    );
    // A last commit before the page's date is no update.
    assert_eq!(dates(&site, "ahead/index.html"), pair("2025-01-01", ""));
    // Renamed: the history goes back to the first commit of old.md.
    assert_eq!(
        dates(&site, "guides/new/index.html"),
        pair("2024-01-01T10:00:00+02:00", "2024-03-01T12:00:00Z")
    );
    assert!(
        site.output("a/index.html")
            .contains("\"dateModified\":\"2024-02-03T04:05:06-05:00\""),
    );
    let sitemap = site.output("sitemap.xml");
    assert!(
        sitemap.contains("/docs/a/</loc><lastmod>2024-02-03T09:05:06Z</lastmod>"),
        "{sitemap}"
    );
    let feed = site.output("atom.xml");
    assert!(
        feed.contains(
            "<published>2024-01-01T08:00:00Z</published>\n<updated>2024-02-03T09:05:06Z</updated>"
        ),
        "{feed}"
    );
}

#[test]
fn uncommitted_changes_keep_the_last_commit_and_a_new_commit_rebuilds() {
    if !have_git() {
        return;
    }
    let site = committed_site();
    site.file("content/a.md", &page("title: A", "Third words.\n"));
    site.file("content/d.md", &page("title: D", "Never committed.\n"));
    build(&site).assert_ok();
    assert_eq!(
        dates(&site, "a/index.html"),
        pair("2024-01-01T10:00:00+02:00", "2024-02-03T04:05:06-05:00")
    );
    assert_eq!(dates(&site, "d/index.html"), pair("", ""));
    site.remove("content/d.md");
    build(&site).assert_ok();
    // Only the history changes: the build is not skipped as up to date.
    commit(&site, "2024-05-05T05:05:05Z", "third");
    let run = build(&site);
    run.assert_ok();
    assert!(!run.stdout.contains("nothing changed"), "{}", run.stdout);
    assert_eq!(
        dates(&site, "a/index.html"),
        pair("2024-01-01T10:00:00+02:00", "2024-05-05T05:05:05Z")
    );
    assert!(build(&site).stdout.contains("nothing changed"));
}

#[test]
fn a_shallow_clone_warns_and_gives_no_dates() {
    if !have_git() {
        return;
    }
    let site = committed_site();
    let clone = TestSite::empty();
    let url = format!("file://{}", site.root().display());
    let into = clone.root().to_str().expect("utf-8 temp path");
    let date = "2024-06-01T00:00:00Z";
    git(
        site.root(),
        date,
        &["clone", "--quiet", "--depth", "1", &url, into],
    );
    let run = build(&clone);
    run.assert_ok();
    run.assert_stderr_has(&format!("site.yaml:6:8: {NOT_SHALLOW}"));
    run.assert_stderr_has("git fetch --unshallow");
    assert_eq!(dates(&clone, "a/index.html"), pair("", ""));
    assert_eq!(
        dates(&clone, "b/index.html"),
        pair("2020-01-01", "2020-02-02")
    );
    assert!(
        !clone
            .output("sitemap.xml")
            .contains("/docs/a/</loc><lastmod>")
    );
    // `knead check --strict` fails on it, so CI notices.
    let root = clone.root().to_str().expect("utf-8 temp path");
    let check = clone.knead_with_env(&isolated_git(), &["check", "--strict", "--root", root], &[]);
    check.assert_code(1);
    let report = format!("{}{}", check.stdout, check.stderr);
    assert!(report.contains(NOT_SHALLOW), "{report}");
}

#[test]
fn outside_a_repository_nothing_changes_but_a_warning() {
    let site = dated_site();
    site.file(
        "content/a.md",
        &page("title: A\nupdated: 2021-01-01", "A.\n"),
    );
    site.file("content/e.md", &page("title: E", "E.\n"));
    // The temp folder's parents may be in a repository: git looks no higher.
    let parent = site.root().parent().expect("temp parent");
    let mut env = isolated_git().to_vec();
    let ceiling = parent.to_str().expect("utf-8 temp path");
    env.push(("GIT_CEILING_DIRECTORIES", ceiling));
    let root = site.root().to_str().expect("utf-8 temp path");
    let run = site.knead_with_env(&env, &["build", "--root", root], &[]);
    if have_git() {
        run.assert_ok().assert_stderr_has(
            "site.yaml:6:8: warning: `dates: git` is ignored: the content folder is not in a git repository; pages have only the dates their front matter gives",
        );
    }
    assert_eq!(dates(&site, "a/index.html"), pair("", "2021-01-01"));
    assert_eq!(dates(&site, "e/index.html"), pair("", ""));
}

#[test]
fn a_repository_without_commits_gives_no_dates_and_no_warning() {
    if !have_git() {
        return;
    }
    let site = dated_site();
    site.file("content/a.md", &page("title: A", "A.\n"));
    git(site.root(), "2024-01-01T00:00:00Z", &["init", "--quiet"]);
    let run = build(&site);
    run.assert_ok();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert_eq!(dates(&site, "a/index.html"), pair("", ""));
}

#[test]
fn without_git_on_path_a_warning_and_no_dates() {
    let site = dated_site();
    site.file("content/a.md", &page("title: A", "A.\n"));
    let empty = TestSite::empty();
    let path = empty.root().to_str().expect("utf-8 temp path");
    let root = site.root().to_str().expect("utf-8 temp path");
    let run = site.knead_with_env(&[("PATH", path)], &["build", "--root", root], &[]);
    run.assert_ok().assert_stderr_has(
        "site.yaml:6:8: warning: `dates: git` is ignored: `git` was not found on PATH; pages have only the dates their front matter gives",
    );
    assert_eq!(dates(&site, "a/index.html"), pair("", ""));
}

#[test]
fn without_dates_git_the_history_is_not_read() {
    if !have_git() {
        return;
    }
    let site = committed_site();
    site.file("site.yaml", SITE_YAML);
    build(&site).assert_ok();
    assert_eq!(dates(&site, "a/index.html"), pair("", ""));
    assert_eq!(dates(&site, "c/index.html"), pair("2023-06-01", ""));
}

#[test]
fn a_site_in_a_subfolder_of_the_repository_gets_its_dates() {
    if !have_git() {
        return;
    }
    let site = dated_site();
    site.file("content/a.md", &page("title: A", "A.\n"));
    let repo = TestSite::empty();
    copy_tree(site.root(), &repo.path("docs/site"));
    let date = "2024-07-08T09:10:11Z";
    git(repo.root(), date, &["init", "--quiet"]);
    git(repo.root(), date, &["add", "--all"]);
    git(repo.root(), date, &["commit", "--quiet", "-m", "site"]);
    let root = repo.path("docs/site");
    let root = root.to_str().expect("utf-8 temp path");
    repo.knead_with_env(&isolated_git(), &["build", "--root", root], &[])
        .assert_ok();
    let html = std::fs::read_to_string(repo.path("docs/site/output/a/index.html")).expect("page");
    assert!(
        html.contains(&format!("date={date}\nupdated={date}\n")),
        "{html}"
    );
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk site");
        let target = to.join(entry.path().strip_prefix(from).expect("under site"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("create folder");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}
