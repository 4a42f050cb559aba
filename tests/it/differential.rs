//! The randomized differential test (issue 15): `knead build --watch`, then
//! `knead serve`, runs on a fixture site while seeded random sequences of
//! edits are applied to it:
//! body and front-matter edits, new, deleted and renamed pages, atomic saves
//! (write a temporary, rename it over), bursts of several edits at once,
//! content/ swapped for a copy (`mv content content.old && mv content.new
//! content`), the theme removed and copied back (`rm -rf` + `cp -r`), edits
//! of the targets of symlinked pages and folders, a symlink pointed
//! elsewhere, static files and site.yaml. After
//! each step it waits for a rebuild, then compares the output folder byte for
//! byte with a clean `knead build` of the same sources into another folder
//! (with serve's base URL under serve; the `.knead-output` marker aside,
//! whose stamp differs by design), waiting
//! while they differ in case more rebuilds are on their way.
//!
//! A mismatch fails with the seed, the steps so far and the first differing
//! file. Environment variables make the run larger or replay one:
//!
//! - `KNEAD_DIFF_SEED=N`: the first seed (default a fixed one, so that
//!   `cargo test` tries the same sequence every time); `random` takes one from
//!   the clock. The seed fixes the edits, not the moments the watcher sees
//!   them, so a failure that depends on timing may need a few replays.
//! - `KNEAD_DIFF_STEPS=N`: steps per seed and command (default 12).
//! - `KNEAD_DIFF_RUNS=N`: seeds to run one after another, N, N+1, … (default 1).

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::harness::{SITE_YAML, Server, TestSite, Watch, page};

const DEFAULT_SEED: u64 = 15;
const DEFAULT_STEPS: usize = 12;
/// Far more than a rebuild of this small site takes on a busy machine.
const REBUILD_SHOWS: Duration = Duration::from_secs(60);

const WORDS: &[&str] = &[
    "knead", "dough", "rise", "proof", "flour", "crust", "crumb", "oven", "salt", "yeast",
    "starter", "fold", "shape", "bake", "rest", "loaf",
];
const TAGS: &[&str] = &["bread", "rye", "spelt", "wheat"];

#[test]
fn random_edits_under_watch_and_serve_give_what_a_clean_build_gives() {
    let seed = match std::env::var("KNEAD_DIFF_SEED").as_deref() {
        Err(_) => DEFAULT_SEED,
        Ok("random") => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(DEFAULT_SEED, |t| t.as_secs()),
        Ok(text) => text
            .parse()
            .expect("KNEAD_DIFF_SEED is a number or `random`"),
    };
    let steps = env_number("KNEAD_DIFF_STEPS", DEFAULT_STEPS);
    let runs = env_number("KNEAD_DIFF_RUNS", 1);
    for run in 0..runs as u64 {
        let seed = seed + run;
        // Shown with the test's output when it fails; replay with it.
        println!("differential run: KNEAD_DIFF_SEED={seed} KNEAD_DIFF_STEPS={steps}");
        for command in [Command::Watch, Command::Serve] {
            Fuzz::new(seed).run(command, steps);
        }
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).map_or(default, |text| {
        text.parse()
            .unwrap_or_else(|_| panic!("{name} is a number"))
    })
}

/// The knead command under test.
#[derive(Clone, Copy, Debug)]
enum Command {
    Watch,
    Serve,
}

/// A running `build --watch` or `serve`, and the base URL a clean build
/// must use to match its output.
enum Live {
    Watch(Watch),
    Serve(Server, String),
}

impl Live {
    fn start(command: Command, site: &TestSite) -> Live {
        match command {
            Command::Watch => Live::Watch(Watch::start(site)),
            Command::Serve => {
                let server = Server::start(site, &[]);
                let base_url = format!("http://127.0.0.1:{}/", server.port);
                Live::Serve(server, base_url)
            }
        }
    }

    /// The lines printed within `time` (serve's stdout only: its stderr is
    /// read when it stops).
    fn lines_within(&self, time: Duration) -> Vec<String> {
        match self {
            Live::Watch(watch) => watch.lines_within(time),
            Live::Serve(server, _) => {
                let deadline = Instant::now() + time;
                let mut lines = Vec::new();
                while let Ok(line) = server
                    .lines
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                {
                    lines.push(line);
                }
                lines
            }
        }
    }

    fn base_url(&self) -> Option<&str> {
        match self {
            Live::Watch(_) => None,
            Live::Serve(_, base_url) => Some(base_url),
        }
    }
}

/// SplitMix64: small, seeded, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// One seeded run: the site, what the test knows is in it, and the steps so far.
struct Fuzz {
    seed: u64,
    command: Command,
    rng: Rng,
    site: TestSite,
    /// The random pages, relative to content/ (the fixed ones never change).
    pages: Vec<String>,
    /// What content/linked.md leads to in shared/.
    linked_target: &'static str,
    /// Pages in shared/dir/, which content/linkdir leads to.
    linked_pages: Vec<String>,
    /// For new page names, which are never reused.
    counter: usize,
    theme_generation: usize,
    steps: Vec<String>,
    reference: tempfile::TempDir,
}

impl Fuzz {
    /// A site with search and a feed, a section and a symlink to it, a page
    /// and a folder linked from shared/ (a folder no build walks), a page
    /// every wiki link goes to, and a few random pages.
    fn new(seed: u64) -> Fuzz {
        let site = TestSite::new();
        site.file(
            "site.yaml",
            &format!("{SITE_YAML}search: true\nfeed: true\n"),
        );
        site.file("static/s.css", "first{}\n");
        site.file(
            "content/fixed.md",
            &page("title: Fixed", "## Top\n\nStays.\n"),
        );
        site.file("content/sec/_index.md", &page("title: Sec", "A section.\n"));
        site.file("shared/s.md", &page("title: Shared", "Shared text.\n"));
        site.file("shared/s2.md", &page("title: Other", "Other text.\n"));
        site.file("shared/dir/q0.md", &page("title: Q", "Linked folder.\n"));
        symlink("sec", site.path("content/alias")).expect("symlink");
        symlink("../shared/s.md", site.path("content/linked.md")).expect("symlink");
        symlink("../shared/dir", site.path("content/linkdir")).expect("symlink");
        let mut fuzz = Fuzz {
            seed,
            command: Command::Watch,
            rng: Rng(seed),
            site,
            pages: Vec::new(),
            linked_target: "s.md",
            linked_pages: vec!["q0.md".to_string()],
            counter: 0,
            theme_generation: 0,
            steps: Vec::new(),
            reference: tempfile::tempdir().expect("temp dir"),
        };
        for _ in 0..4 {
            fuzz.new_page("content");
        }
        fuzz.steps.clear();
        fuzz
    }

    fn run(&mut self, command: Command, steps: usize) {
        self.command = command;
        let watch = Live::start(command, &self.site);
        self.compare(&watch, false);
        for _ in 0..steps {
            let before = self.steps.len();
            self.step();
            let done = self.steps[before..].join(", ");
            self.steps.truncate(before);
            self.steps.push(done);
            self.compare(&watch, true);
        }
    }

    /// One random step; each edit it makes is noted in `steps`.
    fn step(&mut self) {
        match self.rng.below(12) {
            0 => {
                let edits = 2 + self.rng.below(4);
                self.steps.push("burst:".into());
                for _ in 0..edits {
                    self.simple_edit("content");
                }
            }
            1 => self.swap_content(),
            2 => self.swap_theme(),
            3 => {
                let text = format!("s{}{{}}\n", self.rng.below(1000));
                self.save_file(&self.site.path("static/s.css"), &text);
                self.steps.push(format!("static/s.css = {text:?}"));
            }
            4 => {
                let target = if self.linked_target == "s.md" {
                    "s2.md"
                } else {
                    "s.md"
                };
                self.linked_target = target;
                // As `ln -sfn` does it: a new link renamed over the old one.
                let temporary = self.site.path("content/.linked.md.tmp");
                symlink(format!("../shared/{target}"), &temporary).expect("symlink");
                fs::rename(&temporary, self.site.path("content/linked.md")).expect("rename");
                self.steps
                    .push(format!("content/linked.md now links to shared/{target}"));
            }
            5 => {
                let title = format!("title: Site {}", self.rng.below(1000));
                let config = format!("{SITE_YAML}search: true\nfeed: true\n")
                    .replace("title: Test Site", &title);
                self.site.file("site.yaml", &config);
                self.steps.push(format!("site.yaml {title}"));
            }
            _ => self.simple_edit("content"),
        }
    }

    /// An edit of pages or of a symlink's target; pages are edited under
    /// `content` (content/, or the copy that will replace it).
    fn simple_edit(&mut self, content: &str) {
        match self.rng.below(8) {
            0 if self.pages.len() > 1 => {
                let rel = self.pages.remove(self.rng.below(self.pages.len()));
                fs::remove_file(self.site.path(&format!("{content}/{rel}"))).expect("delete");
                self.steps.push(format!("delete {rel}"));
            }
            1 if !self.pages.is_empty() => {
                let i = self.rng.below(self.pages.len());
                let to = self.new_name();
                let from = std::mem::replace(&mut self.pages[i], to.clone());
                fs::rename(
                    self.site.path(&format!("{content}/{from}")),
                    self.site.path(&format!("{content}/{to}")),
                )
                .expect("rename");
                self.steps.push(format!("rename {from} -> {to}"));
            }
            2 => self.new_page(content),
            3 | 4 if !self.pages.is_empty() => {
                let rel = self.pages[self.rng.below(self.pages.len())].clone();
                let path = self.site.path(&format!("{content}/{rel}"));
                let kind = self.edit_page(&path);
                self.steps.push(format!("{kind} {rel}"));
            }
            5 => {
                let rel = format!("shared/{}", self.linked_target);
                let kind = self.edit_page(&self.site.path(&rel));
                self.steps
                    .push(format!("{kind} {rel} (target of content/linked.md)"));
            }
            6 if self.rng.chance(70) => {
                let name = self.linked_pages[self.rng.below(self.linked_pages.len())].clone();
                let kind = self.edit_page(&self.site.path(&format!("shared/dir/{name}")));
                self.steps
                    .push(format!("{kind} shared/dir/{name} (in content/linkdir)"));
            }
            6 => {
                self.counter += 1;
                let name = format!("q{}.md", self.counter);
                let text = self.page_text();
                self.site.file(&format!("shared/dir/{name}"), &text);
                self.steps
                    .push(format!("new shared/dir/{name} (in content/linkdir)"));
                self.linked_pages.push(name);
            }
            _ => {
                let Some(rel) = self.pages.first().cloned() else {
                    return self.new_page(content);
                };
                let path = self.site.path(&format!("{content}/{rel}"));
                let kind = self.edit_page(&path);
                self.steps.push(format!("{kind} {rel}"));
            }
        }
    }

    /// A body edit (kept front matter) or a front-matter edit, written in
    /// place or saved atomically; what it was.
    fn edit_page(&mut self, path: &Path) -> String {
        let text = fs::read_to_string(path).expect("read page");
        let front = text
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map(|(front, _)| front.to_string())
            .expect("the test's pages have front matter");
        let (kind, new) = if self.rng.chance(65) {
            ("body edit", page(&front, &self.body()))
        } else {
            ("front-matter edit", self.page_text())
        };
        if self.rng.chance(50) {
            self.save_file(path, &new);
            format!("{kind} (atomic save) of")
        } else {
            fs::write(path, new).expect("write page");
            format!("{kind} of")
        }
    }

    /// Writes a temporary beside `path` and renames it over, as editors do.
    fn save_file(&self, path: &Path, text: &str) {
        let temporary = path.with_file_name(".knead-diff-save.tmp");
        fs::write(&temporary, text).expect("write temporary");
        fs::rename(&temporary, path).expect("rename over");
    }

    fn new_name(&mut self) -> String {
        self.counter += 1;
        let folder = if self.rng.chance(40) { "sec/" } else { "" };
        format!("{folder}p{}.md", self.counter)
    }

    fn new_page(&mut self, content: &str) {
        let rel = self.new_name();
        let text = self.page_text();
        self.site.file(&format!("{content}/{rel}"), &text);
        self.steps.push(format!("new {rel}"));
        self.pages.push(rel);
    }

    fn page_text(&mut self) -> String {
        let mut front = format!(
            "title: {} {}",
            capitalised(self.rng.pick(WORDS)),
            self.rng.pick(WORDS)
        );
        if self.rng.chance(60) {
            let first = self.rng.pick(TAGS);
            let second = self.rng.pick(TAGS);
            front.push_str(&format!("\ntags: [{first}, {second}]"));
        }
        if self.rng.chance(40) {
            front.push_str(&format!("\nweight: {}", self.rng.below(5)));
        }
        if self.rng.chance(40) {
            front.push_str(&format!(
                "\ndate: 2024-0{}-1{}",
                1 + self.rng.below(9),
                self.rng.below(10)
            ));
        }
        let body = self.body();
        page(&front, &body)
    }

    fn body(&mut self) -> String {
        let mut body = String::new();
        for _ in 0..1 + self.rng.below(3) {
            if self.rng.chance(30) {
                body.push_str(&format!("## {}\n\n", capitalised(self.rng.pick(WORDS))));
            }
            let words: Vec<&str> = (0..3 + self.rng.below(10))
                .map(|_| self.rng.pick(WORDS))
                .collect();
            body.push_str(&words.join(" "));
            if self.rng.chance(30) {
                body.push_str(" See [[Fixed]].");
            }
            body.push_str("\n\n");
        }
        body
    }

    /// `cp -r content content.new`, an edit or two in the copy, then
    /// `mv content content.old && mv content.new content` and `rm -rf`;
    /// sometimes an edit of the new content/ right after.
    fn swap_content(&mut self) {
        let root = self.site.root().to_path_buf();
        cp_r(&root.join("content"), &root.join("content.new"));
        self.steps.push("content swap:".into());
        for _ in 0..1 + self.rng.below(2) {
            self.simple_edit("content.new");
        }
        fs::rename(root.join("content"), root.join("content.old")).expect("mv content aside");
        fs::rename(root.join("content.new"), root.join("content")).expect("mv copy in");
        fs::remove_dir_all(root.join("content.old")).expect("rm -rf content.old");
        // An edit at once, before the watcher can have caught up.
        if self.rng.chance(50) {
            self.steps.push("then at once:".into());
            self.simple_edit("content");
        }
    }

    /// A copy of the theme with its base template changed, then
    /// `rm -rf themes/t && cp -r copy themes/t`.
    fn swap_theme(&mut self) {
        let root = self.site.root().to_path_buf();
        let copy = root.join("theme-copy");
        cp_r(&root.join("themes/t"), &copy);
        self.theme_generation += 1;
        let base = copy.join("templates/base.html");
        let mut text = fs::read_to_string(&base).expect("read base.html");
        text.push_str(&format!("<!-- theme {} -->\n", self.theme_generation));
        fs::write(&base, text).expect("write base.html");
        fs::remove_dir_all(root.join("themes/t")).expect("rm -rf the theme");
        cp_r(&copy, &root.join("themes/t"));
        fs::remove_dir_all(&copy).expect("remove the copy");
        self.steps
            .push(format!("theme swap (generation {})", self.theme_generation));
    }

    /// Waits for a rebuild (when a step was made), then for the output to
    /// match a clean build.
    fn compare(&self, watch: &Live, after_step: bool) {
        let deadline = Instant::now() + REBUILD_SHOWS;
        let mut lines: Vec<String> = Vec::new();
        while after_step
            && !lines
                .iter()
                .any(|l| l.starts_with("built ") || l.contains("error"))
        {
            if Instant::now() > deadline {
                self.fail(&format!("no rebuild within {REBUILD_SHOWS:?}: {lines:?}"));
            }
            lines.extend(watch.lines_within(Duration::from_millis(100)));
        }
        let reference = self.reference.path().join("out");
        let _ = fs::remove_dir_all(&reference);
        let mut clean = process::Command::new(assert_cmd::cargo::cargo_bin("knead"));
        clean
            .args(["build", "--root"])
            .arg(self.site.root())
            .arg("--output")
            .arg(&reference);
        if let Some(base_url) = watch.base_url() {
            clean.args(["--base-url", base_url]);
        }
        let clean = clean.output().expect("run knead build");
        if !clean.status.success() {
            self.fail(&format!(
                "the clean build failed (the test made a site with errors?):\n{}",
                String::from_utf8_lossy(&clean.stderr)
            ));
        }
        let expected = snapshot(&reference);
        loop {
            let Some(difference) =
                first_difference(&snapshot(&self.site.path("output")), &expected)
            else {
                return;
            };
            if Instant::now() > deadline {
                lines.extend(watch.lines_within(Duration::from_millis(100)));
                self.fail(&format!("{difference}\nwatch printed: {lines:#?}"));
            }
            lines.extend(watch.lines_within(Duration::from_millis(200)));
        }
    }

    fn fail(&self, what: &str) -> ! {
        let steps: Vec<String> = self
            .steps
            .iter()
            .enumerate()
            .map(|(n, step)| format!("  {}. {step}", n + 1))
            .collect();
        panic!(
            "the output of {:?} differs from a clean build (replay with KNEAD_DIFF_SEED={} KNEAD_DIFF_STEPS={})\nsteps:\n{}\n{what}",
            self.command,
            self.seed,
            self.steps.len(),
            steps.join("\n")
        );
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn cp_r(from: &Path, to: &Path) {
    let status = process::Command::new("cp")
        .arg("-r")
        .args([from, to])
        .status()
        .expect("run cp");
    assert!(status.success(), "cp -r {} failed", from.display());
}

/// Every file under `dir` but the marker, with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| {
            let rel = entry.path().strip_prefix(dir).ok()?.to_path_buf();
            // A file replaced while it is read is compared again later.
            let bytes = fs::read(entry.path()).ok()?;
            (rel != Path::new(".knead-output")).then_some((rel, bytes))
        })
        .collect()
}

/// The first file that is missing, extra or different, shown both ways.
fn first_difference(
    watched: &BTreeMap<PathBuf, Vec<u8>>,
    clean: &BTreeMap<PathBuf, Vec<u8>>,
) -> Option<String> {
    let paths: std::collections::BTreeSet<&PathBuf> = watched.keys().chain(clean.keys()).collect();
    paths.into_iter().find_map(|path| {
        let (a, b) = (watched.get(path), clean.get(path));
        (a != b).then(|| {
            let show = |bytes: Option<&Vec<u8>>| {
                bytes.map_or("(missing)".to_string(), |b| {
                    String::from_utf8_lossy(b).chars().take(2000).collect()
                })
            };
            format!(
                "first differing file: {}\n--- watched output\n{}\n--- clean build\n{}",
                path.display(),
                show(a),
                show(b)
            )
        })
    })
}
