//! The bundled site in a real browser: builds the repository's own site with
//! `--base-url http://127.0.0.1/massage/` and runs `tests/browser/run.mjs` on
//! the output (headless Debian Chromium driven by playwright-core, axe-core).
//! The Node script serves the folder itself and prints one `ok`/`FAIL` line
//! per check; see tests/browser/README.md.
//!
//! Needs `chromium` (or `KNEAD_CHROMIUM`), `node` and `tests/browser/node_modules`.
//! When one is missing the test fails under `CI=true` and is skipped, loudly,
//! everywhere else.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::Server;
use crate::harness::TestSite;

/// The browser run bounds itself at 300 s (generous: a loaded 2-core machine
/// runs it in under a minute); this is the backstop.
const NODE_LIMIT: Duration = Duration::from_secs(360);

const INSTALL_HINT: &str = "install with `apt-get install -y chromium chromium-driver nodejs npm` \
     and run `npm ci --prefix tests/browser`";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What the browser run needs, or why it cannot run.
fn prerequisites() -> Result<PathBuf, String> {
    let chromium = std::env::var_os("KNEAD_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.is_file() {
        return Err(format!("chromium not found at {}", chromium.display()));
    }
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(node, Ok(status) if status.success()) {
        return Err("`node` not found on PATH".to_string());
    }
    let modules = repo().join("tests/browser/node_modules");
    for package in ["playwright-core", "axe-core"] {
        if !modules.join(package).join("package.json").is_file() {
            return Err(format!("{} is missing", modules.join(package).display()));
        }
    }
    Ok(chromium)
}

/// `<target>/browser-screenshots`, where `<target>` is CARGO_TARGET_DIR or
/// the repository's `target/`.
fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                repo().join(dir)
            }
        })
        .unwrap_or_else(|| repo().join("target"));
    target.join("browser-screenshots")
}

/// Reads a child's pipe on a thread, so a chatty child never blocks.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

/// Chromium's path, or `None` after a loud skip message; under `CI=true` a
/// missing prerequisite fails the test instead.
fn chromium_or_skip() -> Option<PathBuf> {
    match prerequisites() {
        Ok(chromium) => Some(chromium),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("browser tests cannot run under CI=true: {why}; {INSTALL_HINT}")
        }
        Err(why) => {
            // Straight to stderr: libtest would swallow eprintln! of a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "\n!!!!!!!!\n!!!!!!!! SKIPPED browser tests: {why}; {INSTALL_HINT}\n!!!!!!!!\n"
            );
            None
        }
    }
}

/// Runs `node tests/browser/<script> <args>` with the time limit, prints its
/// output, and fails the test unless it exits 0.
fn run_node(chromium: &Path, script: &str, args: &[&std::ffi::OsStr]) {
    let mut child = Command::new("node")
        .arg(repo().join("tests/browser").join(script))
        .args(args)
        .current_dir(repo().join("tests/browser"))
        .env("KNEAD_CHROMIUM", chromium)
        .env("KNEAD_SCREENSHOT_DIR", screenshot_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break Some(status);
        }
        if start.elapsed() > NODE_LIMIT {
            // SIGTERM first so playwright closes Chromium, then make sure.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            std::thread::sleep(Duration::from_secs(5));
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    println!("{stdout}");
    if !stderr.trim().is_empty() {
        println!("node stderr:\n{stderr}");
    }
    let Some(status) = status else {
        panic!(
            "browser checks killed after {} s\n{stdout}\n{stderr}",
            NODE_LIMIT.as_secs()
        );
    };
    let failures: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("FAIL "))
        .collect();
    assert!(
        status.success(),
        "browser checks failed ({status}): {} failing check(s):\n{}\n\nfull output above; screenshots in {}",
        failures.len(),
        failures.join("\n"),
        screenshot_dir().display()
    );
}

/// A page with every component dough bundles, for axe in light and dark
/// (`components` in run.mjs's pages).
const COMPONENTS_PAGE: &str = "---\ntitle: Components\n---\n\
Intro.\n\n:::callout\nA note.\n:::\n\n:::callout{type=tip}\nA tip.\n:::\n\n\
:::callout{type=warning}\nA warning.\n:::\n\n\
:::callout{type=danger}\nRead the [[when-not-to-have-a-massage#warning-signs|warning signs]].\n:::\n\n\
::technique{duration=\"4 minutes\" pressure=light area=\"lower back\" avoid=\"fresh injuries\"}\n\n\
:::figure{src=techniques/back-spread-path.svg alt=\"Hands on a back\" credit=\"Drawing: kneading\" licence=\"CC BY 4.0\" licence_url=\"https://creativecommons.org/licenses/by/4.0/\" width=480 height=360}\n\
The back spread.\n:::\n\n\
:::link_card{to=\"when-not-to-have-a-massage\"}\nWhat to check first.\n:::\n";
/// A page with a highlighted block in each class the theme colours.
const CODE_SAMPLE: &str = "---\ntitle: Code sample\ndescription: Highlighted code for the browser checks.\n---\n\
```rust {linenos, hl=3}\n\
/// Doc comment.\n\
#[derive(Debug)]\n\
pub fn knead(dough: &mut Dough, times: u32) -> Result<(), String> {\n\
    let s = \"flour\\n\"; // a comment\n\
    if times > 0 && dough.ready { return Ok(()); }\n\
    Err(format!(\"{s} {}\", true))\n\
}\n\
```\n\n\
```yaml\ntitle: Massage # comment\nsizes: [480, 960]\nenabled: true\n```\n\n\
```diff\n- removed\n+ added\n```\n\n\
```html\n<a href=\"/x\" class=\"y\">link</a>\n```\n";

#[test]
fn headless_chromium_checks() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let site = TestSite::bundled();
    site.file("content/components.md", COMPONENTS_PAGE);
    // The massage guide has no code; axe checks the highlighting palettes here.
    site.file("content/code-sample.md", CODE_SAMPLE);
    site.build(&["--base-url", "http://127.0.0.1/massage/"])
        .assert_ok();
    run_node(&chromium, "run.mjs", &[site.path("output").as_os_str()]);
}

/// `knead serve` with a page open: a save reloads it, a broken page shows
/// the error overlay, and the fix clears it.
#[test]
fn open_page_reloads_and_shows_errors_in_a_real_browser() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let site = TestSite::bundled();
    let server = Server::start(&site, &[]);
    let url = format!("http://127.0.0.1:{}/types/swedish/", server.port);
    let page = site.path("content/types/swedish.md");
    run_node(&chromium, "reload.mjs", &[url.as_ref(), page.as_os_str()]);
}
