//! External link checking (issue 19 item 4): `knead check --external`
//! against HTTP servers this test starts on 127.0.0.1, which count every
//! request: status codes, redirect chains and loops, retries, timeouts, HEAD
//! refused, deduplication, the cache and its expiry, the skip list,
//! `--strict`, and that build and a plain check never request anything.
//! No test reaches beyond 127.0.0.1.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use assert_cmd::Command;

use crate::harness::{Run, SITE_YAML, TestSite, page, position_of};

/// What the origin server answers.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    delay: Duration,
}

fn reply(status: u16) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        delay: Duration::ZERO,
    }
}

fn redirect(status: u16, to: &str) -> Reply {
    Reply {
        headers: vec![("Location", to.to_string())],
        ..reply(status)
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    at: Instant,
}

type Route = dyn Fn(&str, &str, usize) -> Reply + Send + Sync;

/// An HTTP/1.1 server on an ephemeral port of 127.0.0.1. `route(method,
/// path, earlier)` decides each answer, `earlier` being how many requests
/// for that path came before. Stopped when dropped.
struct Origin {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    most_at_once: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Origin {
    fn start(route: impl Fn(&str, &str, usize) -> Reply + Send + Sync + 'static) -> Origin {
        Origin::serve(false, route)
    }

    /// A server that answers 400 as soon as a client connects, before
    /// reading anything: what a TLS client meets at a plain HTTP port.
    fn greeting() -> Origin {
        Origin::serve(true, |_, _, _| reply(400))
    }

    fn serve(
        greets: bool,
        route: impl Fn(&str, &str, usize) -> Reply + Send + Sync + 'static,
    ) -> Origin {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let most_at_once = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let route: Arc<Route> = Arc::new(route);
        let (seen_by, most_by, stop_by) = (seen.clone(), most_at_once.clone(), stop.clone());
        let thread = thread::spawn(move || {
            let in_flight = Arc::new(AtomicUsize::new(0));
            for stream in listener.incoming() {
                if stop_by.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (route, seen, most, in_flight) = (
                    route.clone(),
                    seen_by.clone(),
                    most_by.clone(),
                    in_flight.clone(),
                );
                thread::spawn(move || {
                    if greets {
                        greet(stream, &seen);
                    } else {
                        answer(stream, &*route, &seen, &most, &in_flight);
                    }
                });
            }
        });
        Origin {
            addr,
            seen,
            most_at_once,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }

    /// `METHOD /path` of every request, in order of arrival.
    fn requests(&self) -> Vec<String> {
        self.seen()
            .iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect()
    }

    fn requests_for(&self, path: &str) -> Vec<String> {
        self.seen()
            .iter()
            .filter(|s| s.path == path)
            .map(|s| s.method.clone())
            .collect()
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn greet(mut stream: TcpStream, seen: &Mutex<Vec<Seen>>) {
    seen.lock().expect("log").push(Seen {
        method: "(none)".into(),
        path: "(none)".into(),
        at: Instant::now(),
    });
    let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
}

fn answer(
    mut stream: TcpStream,
    route: &Route,
    seen: &Mutex<Vec<Seen>>,
    most: &AtomicUsize,
    in_flight: &AtomicUsize,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() || first.is_empty() {
        return;
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let mut words = first.split_whitespace();
    let method = words.next().unwrap_or_default().to_string();
    let path = words.next().unwrap_or_default().to_string();
    let now_in_flight = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    most.fetch_max(now_in_flight, Ordering::SeqCst);
    let earlier = {
        let mut seen = seen.lock().expect("log");
        let earlier = seen.iter().filter(|s| s.path == path).count();
        seen.push(Seen {
            method: method.clone(),
            path: path.clone(),
            at: Instant::now(),
        });
        earlier
    };
    let reply = route(&method, &path, earlier);
    thread::sleep(reply.delay);
    let mut head = format!(
        "HTTP/1.1 {} Test\r\nContent-Length: 0\r\nConnection: close\r\n",
        reply.status
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    in_flight.fetch_sub(1, Ordering::SeqCst);
    let _ = stream.write_all(head.as_bytes());
}

/// A site whose home page links to every page in `pages` ((file, body)),
/// with `external_links:` set to `settings`.
fn site(settings: &str, pages: &[(&str, &str)]) -> TestSite {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        &format!("{SITE_YAML}external_links: {settings}\n"),
    );
    let mut home = String::new();
    for (file, body) in pages {
        home.push_str(&format!("[{file}]({file})\n"));
        site.file(
            &format!("content/{file}"),
            &page(&format!("title: {file}\ndescription: D."), body),
        );
    }
    site.file(
        "content/_index.md",
        &page("title: Home\ndescription: D.", &home),
    );
    site
}

/// `knead check --external` plus `args`, with no proxy in the way: every
/// request goes straight to 127.0.0.1.
fn check_external(site: &TestSite, args: &[&str]) -> Run {
    let root = site.root().to_str().expect("utf-8 temp path");
    let mut command = Command::cargo_bin("knead").expect("knead binary");
    for proxy in ["http_proxy", "https_proxy", "all_proxy"] {
        command.env_remove(proxy).env_remove(proxy.to_uppercase());
    }
    let output = command
        .args(["check", "--external", "--root", root])
        .args(args)
        .env("NO_PROXY", "*")
        .output()
        .expect("run knead");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The `file:line:col: severity: message` lines (without help lines).
fn findings(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|line| line.contains(": warning: ") || line.contains(": note: "))
        .collect()
}

fn summary(run: &Run) -> &str {
    run.stdout
        .lines()
        .find(|line| line.starts_with("external links: "))
        .unwrap_or_else(|| panic!("no external summary in:\n{}", run.stdout))
}

/// Where `needle` is in a page written by `site()` (two front-matter lines).
fn at(body: &str, needle: &str) -> String {
    let (line, col) = position_of(&page("title: x\ndescription: D.", body), needle);
    format!("{line}:{col}")
}

#[test]
fn statuses_redirects_retries_and_timeouts_get_their_verdicts() {
    let origin = Origin::start(|method, path, earlier| match path {
        "/ok" | "/img.png" => reply(200),
        "/moved" => redirect(301, "/moved-again"),
        "/moved-again" => redirect(308, "/ok"),
        "/temporary" => redirect(302, "/ok"),
        "/loop-a" => redirect(302, "/loop-b"),
        "/loop-b" => redirect(307, "/loop-a"),
        "/missing" => reply(404),
        "/gone" => reply(410),
        "/forbidden" => reply(403),
        "/busy" => Reply {
            headers: vec![("Retry-After", "3600".into())],
            ..reply(429)
        },
        "/calm-down" if earlier == 0 => Reply {
            headers: vec![("Retry-After", "1".into())],
            ..reply(429)
        },
        "/calm-down" => reply(200),
        // HEAD and the GET after it fail; the retry works.
        "/flaky" if earlier < 2 => reply(500),
        "/flaky" => reply(200),
        "/no-head" if method == "HEAD" => reply(405),
        "/no-head" => reply(200),
        "/slow" => Reply {
            delay: Duration::from_secs(3),
            ..reply(200)
        },
        _ => reply(404),
    });
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let refused = format!("http://{}/", closed.local_addr().expect("address"));
    drop(closed);
    // A server that speaks plain HTTP first: no TLS handshake can succeed.
    let plain = Origin::greeting();
    let tls = format!("https://{}/secure", plain.addr);
    let u = |path: &str| origin.url(path);
    let body = format!(
        "[ok]({}) [moved]({}) [temporary]({}) [loop]({})\n\
         [missing]({}) [gone]({}) ![picture]({})\n\
         [forbidden]({}) [busy]({}) [calm]({}) [flaky]({})\n\
         [no head]({}) [slow]({}) [refused]({refused}) [tls]({tls})\n\
         [mail](mailto:a@example.org) <{}>\n",
        u("/ok"),
        u("/moved"),
        u("/temporary"),
        u("/loop-a"),
        u("/missing"),
        u("/gone"),
        u("/img.png"),
        u("/forbidden"),
        u("/busy"),
        u("/calm-down"),
        u("/flaky"),
        u("/no-head"),
        u("/slow"),
        u("/ok#section"),
    );
    let site = site(
        "{ timeout: 1s, retries: 1, max_per_host: 4 }",
        &[("links.md", &body)],
    );
    let run = check_external(&site, &[]);
    run.assert_code(0);
    let place = |needle: &str| format!("content/links.md:{}", at(&body, needle));
    let tls_line = findings(&run)
        .into_iter()
        .find(|line| line.contains("/secure"))
        .unwrap_or_else(|| panic!("no TLS finding in:\n{}", run.stdout));
    assert!(
        tls_line.starts_with(&format!(
            "{}: warning: broken external link {tls}: TLS error: ",
            place("[tls]")
        )),
        "{tls_line}"
    );
    let expected = [
        format!(
            "{}: warning: external link moved permanently (301): {} → {}",
            place("[moved]"),
            u("/moved"),
            u("/ok")
        ),
        format!(
            "{}: warning: broken external link {}: redirect loop: {} → {} → {}",
            place("[loop]"),
            u("/loop-a"),
            u("/loop-a"),
            u("/loop-b"),
            u("/loop-a")
        ),
        format!(
            "{}: warning: broken external link {}: 404 Not Found",
            place("[missing]"),
            u("/missing")
        ),
        format!(
            "{}: warning: broken external link {}: 410 Gone",
            place("[gone]"),
            u("/gone")
        ),
        format!(
            "{}: note: could not verify external link {}: 403 Forbidden",
            place("[forbidden]"),
            u("/forbidden")
        ),
        format!(
            "{}: note: could not verify external link {}: 429 Too Many Requests; the server asked to wait 3600s",
            place("[busy]"),
            u("/busy")
        ),
        format!(
            "{}: note: could not verify external link {}: no answer within 1s",
            place("[slow]"),
            u("/slow")
        ),
        format!(
            "{}: warning: broken external link {refused}: connection refused",
            place("[refused]")
        ),
    ];
    let others: Vec<&str> = findings(&run)
        .into_iter()
        .filter(|line| !line.contains("/secure"))
        .collect();
    assert_eq!(others, expected, "stdout:\n{}", run.stdout);
    assert_eq!(
        summary(&run),
        "external links: 15 (0 skipped, 0 from the cache): 6 working, 1 moved, 5 broken, 3 not verified"
    );
    assert!(
        run.stdout
            .contains("0 errors, 6 warnings, 3 notes in 1 file")
    );
    // HEAD refused: GET has the last word.
    assert_eq!(origin.requests_for("/no-head"), ["HEAD", "GET"]);
    // A 500 is tried again after a pause, and then works.
    assert_eq!(origin.requests_for("/flaky"), ["HEAD", "GET", "HEAD"]);
    // Retry-After: 1 is honoured; 3600 is past the cap and not waited for.
    let calm: Vec<Instant> = origin
        .seen()
        .iter()
        .filter(|s| s.path == "/calm-down")
        .map(|s| s.at)
        .collect();
    assert_eq!(calm.len(), 2);
    assert!(calm[1] - calm[0] >= Duration::from_millis(950));
    assert_eq!(origin.requests_for("/busy"), ["HEAD"]);
    // The slow server is asked twice (one retry) and never answers in time.
    assert_eq!(origin.requests_for("/slow"), ["HEAD", "HEAD"]);
    // The image was checked; mailto: never is; the fragment is not sent.
    assert_eq!(origin.requests_for("/img.png"), ["HEAD"]);
    assert_eq!(
        origin.requests_for("/ok").len(),
        3,
        "{:?}",
        origin.requests()
    );
}

#[test]
fn a_link_used_on_two_pages_is_requested_once_and_reported_at_each_use() {
    let origin = Origin::start(|_, _, _| reply(404));
    let url = origin.url("/shared");
    let first = format!("See [the study]({url}).\n");
    let second = format!("Intro.\n\nAgain: [it]({url}#results) and ![chart]({url}).\n");
    let site = site("{}", &[("a.md", &first), ("b.md", &second)]);
    let run = check_external(&site, &[]);
    run.assert_code(0);
    let message = |written: &str| format!("broken external link {written}: 404 Not Found");
    assert_eq!(
        findings(&run),
        [
            format!(
                "content/a.md:{}: warning: {}",
                at(&first, "[the study]"),
                message(&url)
            ),
            format!(
                "content/b.md:{}: warning: {}",
                at(&second, "[it]"),
                message(&format!("{url}#results"))
            ),
            format!(
                "content/b.md:{}: warning: {}",
                at(&second, "![chart]"),
                message(&url)
            ),
        ]
    );
    // HEAD answered 404, so GET had the last word: one URL, checked once.
    assert_eq!(origin.requests(), ["HEAD /shared", "GET /shared"]);
    assert_eq!(
        summary(&run),
        "external links: 1 (0 skipped, 0 from the cache): 0 working, 0 moved, 1 broken, 0 not verified"
    );
}

#[test]
fn requests_to_one_host_never_exceed_max_per_host() {
    let origin = Origin::start(|_, _, _| Reply {
        delay: Duration::from_millis(300),
        ..reply(200)
    });
    let body: String = (1..=6)
        .map(|n| format!("[{n}]({})\n", origin.url(&format!("/page/{n}"))))
        .collect();
    let site = site("{ max_per_host: 2 }", &[("many.md", &body)]);
    check_external(&site, &[]).assert_code(0);
    assert_eq!(origin.requests().len(), 6);
    assert_eq!(origin.most_at_once.load(Ordering::SeqCst), 2);
}

#[test]
fn working_links_come_from_the_cache_on_the_next_run_and_broken_ones_do_not() {
    let origin = Origin::start(|_, path, _| match path {
        "/ok" => reply(200),
        "/old" => redirect(301, "/ok"),
        _ => reply(404),
    });
    let body = format!(
        "[a]({}) [b]({}) [c]({})\n",
        origin.url("/ok"),
        origin.url("/old"),
        origin.url("/gone")
    );
    let site = site("{}", &[("p.md", &body)]);
    let first = check_external(&site, &[]);
    let mut requests = origin.requests();
    requests.sort();
    assert_eq!(
        requests,
        [
            "GET /gone",
            "HEAD /gone",
            "HEAD /ok",
            "HEAD /ok",
            "HEAD /old"
        ]
    );
    assert!(site.path(".knead-cache/external-links.json").is_file());
    let second = check_external(&site, &[]);
    // Only the broken link is asked again.
    assert_eq!(origin.requests().len(), 7);
    assert_eq!(&origin.requests()[5..], ["HEAD /gone", "GET /gone"]);
    assert_eq!(findings(&first), findings(&second));
    assert_eq!(
        summary(&second),
        "external links: 3 (0 skipped, 2 from the cache): 1 working, 1 moved, 1 broken, 0 not verified"
    );
}

#[test]
fn a_second_run_over_working_links_makes_no_request() {
    let origin = Origin::start(|_, path, _| match path {
        "/old" => redirect(308, "/new"),
        _ => reply(200),
    });
    let body = format!("[a]({}) [b]({})\n", origin.url("/new"), origin.url("/old"));
    let site = site("{}", &[("p.md", &body), ("q.md", &body)]);
    let first = check_external(&site, &[]);
    assert_eq!(origin.requests().len(), 3);
    let second = check_external(&site, &[]);
    assert_eq!(origin.requests().len(), 3, "{:?}", origin.requests());
    // The move is remembered too, and still reported at both pages.
    assert_eq!(findings(&first), findings(&second));
    assert_eq!(findings(&second).len(), 2);
    assert_eq!(
        summary(&second),
        "external links: 2 (0 skipped, 2 from the cache): 1 working, 1 moved, 0 broken, 0 not verified"
    );
}

#[test]
fn the_cache_expires_after_cache_for() {
    let origin = Origin::start(|_, _, _| reply(200));
    let body = format!("[a]({})\n", origin.url("/ok"));
    let site = site("{ cache_for: 1s }", &[("p.md", &body)]);
    check_external(&site, &[]).assert_code(0);
    thread::sleep(Duration::from_millis(1100));
    let run = check_external(&site, &[]);
    assert_eq!(origin.requests(), ["HEAD /ok", "HEAD /ok"]);
    assert_eq!(
        summary(&run),
        "external links: 1 (0 skipped, 0 from the cache): 1 working, 0 moved, 0 broken, 0 not verified"
    );
}

#[test]
fn skipped_links_are_never_requested() {
    let origin = Origin::start(|_, _, _| reply(404));
    let body = format!(
        "[a]({}) [b]({}) [c]({})\n",
        origin.url("/private/1"),
        origin.url("/private/2"),
        origin.url("/public")
    );
    let skip = "{ skip: [\"http://127.0.0.1:*/private/\"] }";
    let site = site(skip, &[("p.md", &body)]);
    let run = check_external(&site, &[]);
    assert_eq!(origin.requests(), ["HEAD /public", "GET /public"]);
    assert_eq!(
        summary(&run),
        "external links: 3 (2 skipped, 0 from the cache): 0 working, 0 moved, 1 broken, 0 not verified"
    );
}

#[test]
fn strict_fails_on_broken_links_but_not_on_unverified_ones() {
    let origin = Origin::start(|_, path, _| match path {
        "/forbidden" => reply(401),
        _ => reply(410),
    });
    let refused = format!("[a]({})\n", origin.url("/forbidden"));
    let site_refused = site("{}", &[("p.md", &refused)]);
    let run = check_external(&site_refused, &["--strict"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains(": note: could not verify external link")
    );
    let gone = format!("[a]({})\n", origin.url("/gone"));
    let site_gone = site("{}", &[("p.md", &gone)]);
    check_external(&site_gone, &[]).assert_code(0);
    let strict = check_external(&site_gone, &["--strict"]);
    strict.assert_code(1);
    assert!(
        strict
            .stdout
            .contains("0 errors, 1 warning in 1 file (--strict: warnings fail the check)"),
        "{}",
        strict.stdout
    );
}

#[test]
fn build_and_a_plain_check_never_request_external_links() {
    let origin = Origin::start(|_, _, _| reply(200));
    let body = format!("[a]({}) ![b]({})\n", origin.url("/a"), origin.url("/b.png"));
    let site = site("{}", &[("p.md", &body)]);
    site.build(&[]).assert_ok();
    let root = site.root().to_str().expect("utf-8 temp path");
    let plain = site.knead(&["check", "--root", root], &[]);
    plain.assert_code(0);
    assert!(!plain.stdout.contains("external links:"));
    assert!(origin.requests().is_empty(), "{:?}", origin.requests());
    assert!(!site.path(".knead-cache/external-links.json").exists());
}

/// The reference list links every reference's URL, so a rotten source is
/// found at its key in the references file.
#[test]
fn reference_urls_are_checked_at_their_key() {
    let origin = Origin::start(|_, path, _| reply(if path == "/gone" { 410 } else { 200 }));
    let site = site("{}", &[("p.md", "Cited [@gone].\n")]);
    site.file(
        "references.yaml",
        &format!(
            "kept:\n  type: Web\n  title: Kept\n  url: {}\ngone:\n  type: Web\n  title: Gone\n  url: {}\n",
            origin.url("/kept"),
            origin.url("/gone")
        ),
    );
    let run = check_external(&site, &[]);
    let gone = origin.url("/gone");
    assert_eq!(
        findings(&run)
            .into_iter()
            .filter(|line| !line.contains("never cited"))
            .collect::<Vec<_>>(),
        [format!(
            "references.yaml:5:1: warning: broken external link {gone}: 410 Gone"
        )],
        "{}",
        run.stdout
    );
    assert_eq!(
        summary(&run),
        "external links: 2 (0 skipped, 0 from the cache): 1 working, 0 moved, 1 broken, 0 not verified"
    );
}
