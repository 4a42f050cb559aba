//! `knead serve`: the real binary on an ephemeral port, spoken to over a raw
//! socket, so that malformed and hostile requests reach the server as sent.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::thread::{self};
use std::time::{Duration, Instant};

use crate::harness::{Server, TestSite, page, read_lines, send_raw};

fn site() -> TestSite {
    let site = TestSite::new();
    site.file("templates/404.html", "<html>custom not found page</html>\n");
    site
}

#[test]
fn serve_answers_pages_and_assets_with_their_types() {
    let site = site();
    let server = Server::start(&site, &["--bind", "127.0.0.1"]);
    let home = server.get("/");
    assert_eq!(home.status, 200, "{home:?}");
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(home.header("cache-control"), Some("no-cache"));
    assert_eq!(home.header("x-content-type-options"), Some("nosniff"));
    assert!(home.body.contains("home=Home"), "{}", home.body);
    // Served at `/`, whatever the path of site.yaml's base_url.
    assert!(home.body.contains("href=\"/css/s.css\""), "{}", home.body);
    let css = server.get("/css/s.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.body, "body{}\n");
    let head = server.send(&format!(
        "HEAD / HTTP/1.1\r\nHost: localhost:{}",
        server.port
    ));
    assert_eq!(head.status, 200);
    assert_eq!(head.body, "");
}

#[test]
fn serve_missing_page_is_the_404_page_with_status_404() {
    let site = site();
    let server = Server::start(&site, &[]);
    let reply = server.get("/no/such/page/");
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(reply.body.contains("custom not found page"), "{reply:?}");
}

#[test]
fn serve_redirects_a_folder_to_its_slash_form() {
    let site = site();
    let server = Server::start(&site, &[]);
    let reply = server.get("/css?v=1");
    assert!(matches!(reply.status, 301 | 308), "{reply:?}");
    assert_eq!(reply.header("location"), Some("/css/?v=1"));
}

#[test]
fn serve_refuses_traversal() {
    let site = site();
    let server = Server::start(&site, &[]);
    for attempt in [
        "/../site.yaml",
        "/%2e%2e/site.yaml",
        "/%2E%2E/site.yaml",
        "/%252e%252e/site.yaml",
        "/..%2fsite.yaml",
        "/..%5csite.yaml",
        "/..\\site.yaml",
        "/css/../../site.yaml",
        "/css/%2e%2e/%2e%2e/site.yaml",
    ] {
        let reply = server.get(attempt);
        assert_ne!(reply.status, 200, "{attempt}: {reply:?}");
        assert!(!reply.body.contains("base_url"), "{attempt}: {reply:?}");
    }
}

#[test]
fn serve_refuses_foreign_host_names() {
    let site = site();
    let server = Server::start(&site, &[]);
    let evil = server.send("GET / HTTP/1.1\r\nHost: evil.example");
    assert_eq!(evil.status, 403, "{evil:?}");
    let evil_port = server.send(&format!(
        "GET / HTTP/1.1\r\nHost: evil.example:{}",
        server.port
    ));
    assert_eq!(evil_port.status, 403);
    for host in ["localhost", "[::1]:1111", "127.0.0.1"] {
        let reply = server.send(&format!("GET / HTTP/1.1\r\nHost: {host}"));
        assert_eq!(reply.status, 200, "{host}: {reply:?}");
    }
    let no_host = send_raw(server.port, "GET / HTTP/1.0\r\n\r\n");
    assert_eq!(no_host.status, 200);
}

#[test]
fn serve_bounds_header_and_url_sizes() {
    let site = site();
    let server = Server::start(&site, &[]);
    let padding = "a".repeat(20 * 1024);
    let big = server.send(&format!(
        "GET / HTTP/1.1\r\nHost: localhost\r\nX-Padding: {padding}"
    ));
    assert!(
        big.status == 431 || big.status == 0,
        "an oversized header got {big:?}"
    );
    let long_url = format!("/{}", "b".repeat(9 * 1024));
    assert_eq!(server.get(&long_url).status, 414);
}

#[test]
fn serve_allows_only_get_and_head() {
    let site = site();
    let server = Server::start(&site, &[]);
    let reply = server.send("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0");
    assert_eq!(reply.status, 405, "{reply:?}");
    assert_eq!(reply.header("allow"), Some("get, head"));
}

#[test]
fn serve_moves_to_the_next_port_when_busy() {
    let site = site();
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port();
    let server = Server::start(&site, &["--port", &port.to_string()]);
    assert_ne!(server.port, port);
    let notice = format!("port {port} is busy; using {}", server.port);
    assert!(server.stdout.contains(&notice), "{:?}", server.stdout);
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn serve_warns_when_bound_beyond_loopback() {
    let site = site();
    let mut server = Server::start(&site, &["--bind", "0.0.0.0"]);
    let stderr = server.stop();
    assert!(
        stderr.contains("warning: bound to 0.0.0.0, so the site is visible to the network"),
        "{stderr}"
    );
}

/// How long a change may take to show.
const CHANGE_SHOWS: Duration = Duration::from_secs(10);

/// Polls `check` every 50 ms until it holds or `CHANGE_SHOWS` is up.
#[track_caller]
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + CHANGE_SHOWS;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(50));
    }
}

/// A site with one page, `/a/`, saying `text`.
fn site_with_page(text: &str) -> TestSite {
    let site = site();
    site.file("content/a.md", &page("title: A", text));
    site
}

/// The live-reload event stream, read raw.
struct EventStream {
    stream: TcpStream,
    received: String,
}

impl EventStream {
    fn open(port: u16) -> EventStream {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let request = format!("GET /__knead/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
        stream.write_all(request.as_bytes()).expect("send");
        EventStream {
            stream,
            received: String::new(),
        }
    }

    /// Reads until everything received so far contains `needle`; then
    /// forgets what was read.
    #[track_caller]
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + CHANGE_SHOWS;
        let mut buffer = [0; 4096];
        while !self.received.contains(needle) {
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in the event stream:\n{}",
                self.received
            );
            if let Ok(n) = self.stream.read(&mut buffer) {
                assert!(n > 0, "event stream closed:\n{}", self.received);
                self.received
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        }
        std::mem::take(&mut self.received)
    }
}

#[test]
fn serve_injects_the_reload_script_only_in_served_html() {
    let site = site_with_page("Some text.");
    let server = Server::start(&site, &[]);
    let served = server.get("/a/");
    assert!(served.body.contains("new EventSource(\"/__knead/events\")"));
    assert!(served.body.contains("knead-error-overlay"));
    assert!(served.body.trim_end().ends_with("</script></body></html>"));
    let missing = server.get("/nope/");
    assert!(missing.body.contains("/__knead/events"), "{missing:?}");
    assert!(!site.output("a/index.html").contains("EventSource"));
    assert_eq!(server.get("/css/s.css").body, "body{}\n");
    let events = server.get("/__knead/events");
    assert_eq!(events.header("content-type"), Some("text/event-stream"));
}

#[test]
fn serve_shows_an_edited_page() {
    let site = site_with_page("First text.");
    let server = Server::start(&site, &[]);
    site.file("content/a.md", &page("title: A", "Second text."));
    wait_until("the edit is served", || {
        server.get("/a/").body.contains("Second text.")
    });
}

#[test]
fn serve_shows_a_page_saved_by_rename() {
    let site = site_with_page("First text.");
    let server = Server::start(&site, &[]);
    site.file("content/a.md.tmp", &page("title: A", "Renamed text."));
    std::fs::rename(site.path("content/a.md.tmp"), site.path("content/a.md")).expect("rename");
    wait_until("the renamed file is served", || {
        server.get("/a/").body.contains("Renamed text.")
    });
}

#[test]
fn serve_drops_a_deleted_page() {
    let site = site_with_page("First text.");
    let server = Server::start(&site, &[]);
    assert_eq!(server.get("/a/").status, 200);
    site.remove("content/a.md");
    wait_until("the deleted page is gone", || {
        server.get("/a/").status == 404
    });
}

#[test]
fn serve_shows_a_page_in_a_new_folder() {
    let site = site_with_page("First text.");
    let server = Server::start(&site, &[]);
    site.file("content/new/deep/b.md", &page("title: B", "Deep text."));
    wait_until("the new page is served", || {
        server.get("/new/deep/b/").body.contains("Deep text.")
    });
}

#[test]
fn serve_rebuilds_a_burst_of_writes_a_few_times() {
    let site = site_with_page("First text.");
    let server = Server::start(&site, &[]);
    for n in 0..50 {
        site.file(
            &format!("content/burst/p{n}.md"),
            &page(&format!("title: P{n}"), "Burst."),
        );
    }
    wait_until("the last page of the burst is served", || {
        server.get("/burst/p49/").status == 200
    });
    // Give stray rebuilds time to show.
    thread::sleep(Duration::from_secs(1));
    let builds: Vec<String> = server
        .lines
        .try_iter()
        .filter(|line| line.starts_with("built "))
        .collect();
    assert!(
        !builds.is_empty() && builds.len() <= 3,
        "a burst of 50 writes gave {} builds: {builds:?}",
        builds.len()
    );
}

#[test]
fn serve_reports_a_build_error_to_pages_and_keeps_the_last_good_site() {
    let site = site_with_page("Good text.");
    let server = Server::start(&site, &[]);
    let mut events = EventStream::open(server.port);
    // A page with the reload script waits for the stream's headers.
    events.wait_for("text/event-stream");
    site.file("content/a.md", "---\ntitel: A\n---\nBroken text.\n");
    let error = events.wait_for("titel");
    assert!(error.contains("event: error"), "{error}");
    assert!(error.contains("content/a.md:"), "{error}");
    assert!(server.get("/a/").body.contains("Good text."));
    // A page opened now is told at once.
    EventStream::open(server.port).wait_for("titel");
    site.file("content/a.md", &page("title: A", "Fixed text."));
    events.wait_for("event: ok\ndata: ok\n");
    assert!(server.get("/a/").body.contains("Fixed text."));
}

#[test]
fn serve_keeps_serving_when_the_first_build_fails() {
    let site = site();
    site.file("content/bad.md", "---\ntitel: Bad\n---\nBody.\n");
    let server = Server::start(&site, &[]);
    let missing = server.get("/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("/__knead/events"), "{missing:?}");
    EventStream::open(server.port).wait_for("titel");
    site.file("content/bad.md", &page("title: Bad", "Body."));
    wait_until("the fixed site is served", || server.get("/").status == 200);
}

#[test]
fn build_watch_rebuilds_the_output_after_an_edit() {
    let site = site_with_page("First text.");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("knead"))
        .args(["build", "--watch", "--root"])
        .arg(site.root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start knead build --watch");
    let lines = read_lines(child.stdout.take().expect("stdout"));
    let watching = lines
        .iter()
        .take(5)
        .any(|line| line.starts_with("watching "));
    site.file("content/a.md", &page("title: A", "Second text."));
    let read = || std::fs::read_to_string(site.path("output/a/index.html")).unwrap_or_default();
    let deadline = Instant::now() + CHANGE_SHOWS;
    while !read().contains("Second text.") && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(watching, "no watching line");
    assert!(read().contains("Second text."), "{}", read());
}

#[test]
fn serve_follows_a_renamed_folder() {
    let site = site_with_page("First text.");
    site.file("content/old/b.md", &page("title: B", "Moving text."));
    let server = Server::start(&site, &[]);
    assert_eq!(server.get("/old/b/").status, 200);
    std::fs::rename(site.path("content/old"), site.path("content/moved")).expect("rename");
    wait_until("the page is served from its new folder", || {
        server.get("/moved/b/").body.contains("Moving text.")
    });
    assert_eq!(server.get("/old/b/").status, 404);
}

#[test]
fn serve_tells_pages_to_swap_stylesheets_or_reload() {
    let site = site_with_page("First text.");
    let server = Server::start(&site, &[]);
    let mut events = EventStream::open(server.port);
    events.wait_for("text/event-stream");
    site.file("themes/t/static/css/s.css", "body{color:red}\n");
    // Browsers drop events without data.
    let css = events.wait_for("event: css\ndata: css\n");
    assert!(!css.contains("event: reload"), "{css}");
    site.file("content/a.md", &page("title: A", "Second text."));
    events.wait_for("event: reload\ndata: reload\n");
}

#[test]
fn serve_refuses_two_host_headers_and_judges_absolute_targets_by_their_authority() {
    let site = site();
    let server = Server::start(&site, &[]);
    let port = server.port;
    let twice = server.send(&format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.example"
    ));
    assert_eq!(twice.status, 400, "{twice:?}");
    let foreign = server.send(&format!(
        "GET http://evil.example/ HTTP/1.1\r\nHost: 127.0.0.1:{port}"
    ));
    assert_eq!(foreign.status, 403, "{foreign:?}");
    // RFC 9112 3.2.2: the target's authority replaces the Host header.
    let local = server.send(&format!(
        "GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: evil.example"
    ));
    assert_eq!(local.status, 200, "{local:?}");
}

#[test]
fn serve_never_serves_the_output_marker() {
    let site = site();
    let server = Server::start(&site, &[]);
    assert!(site.output_exists(".knead-output"));
    for path in ["/.knead-output", "/%2eknead-output", "/.knead-output/"] {
        let reply = server.get(path);
        assert_eq!(reply.status, 404, "{path}: {reply:?}");
        assert!(!reply.body.contains("stamp:"), "{path}: {reply:?}");
    }
}

/// A site with a static file of `len` known bytes: byte i is `i % 101`
/// (ASCII, as `Reply` holds text).
fn site_with_asset(len: usize) -> TestSite {
    let site = site();
    let bytes: Vec<u8> = (0..len).map(|i| (i % 101) as u8).collect();
    site.bytes("static/clip.bin", &bytes);
    site
}

#[test]
fn serve_answers_byte_ranges() {
    let site = site_with_asset(1000);
    let server = Server::start(&site, &[]);
    let range = |spec: &str| {
        server.send(&format!(
            "GET /clip.bin HTTP/1.1\r\nHost: localhost\r\nRange: {spec}"
        ))
    };
    let whole = server.get("/clip.bin");
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    assert_eq!(whole.header("content-length"), Some("1000"));
    let middle = range("bytes=10-12");
    assert_eq!(middle.status, 206, "{middle:?}");
    assert_eq!(middle.header("content-range"), Some("bytes 10-12/1000"));
    assert_eq!(middle.header("content-length"), Some("3"));
    assert_eq!(middle.body.as_bytes(), [10, 11, 12]);
    let from = range("bytes=998-");
    assert_eq!(from.header("content-range"), Some("bytes 998-999/1000"));
    assert_eq!(from.body.as_bytes(), [89, 90], "998 % 101, 999 % 101");
    let last = range("bytes=-2");
    assert_eq!(last.header("content-range"), Some("bytes 998-999/1000"));
    let beyond_end = range("bytes=990-5000");
    assert_eq!(
        beyond_end.header("content-range"),
        Some("bytes 990-999/1000")
    );
    let unsatisfiable = range("bytes=1000-1001");
    assert_eq!(unsatisfiable.status, 416, "{unsatisfiable:?}");
    assert_eq!(unsatisfiable.header("content-range"), Some("bytes */1000"));
    // Several ranges would need multipart/byteranges: the whole file instead.
    let several = range("bytes=0-1,5-6");
    assert_eq!(several.status, 200, "{several:?}");
    assert_eq!(several.header("content-length"), Some("1000"));
    let malformed = range("pages=1-2");
    assert_eq!(malformed.status, 200);
}

/// An HTTP date as sent (`Wed, 02 Dec 2026 …`), from `Reply`'s lower case.
fn capitalized(date: &str) -> String {
    let mut previous = ' ';
    date.chars()
        .map(|c| {
            let upper = previous == ' ' && c.is_ascii_alphabetic();
            previous = c;
            if upper { c.to_ascii_uppercase() } else { c }
        })
        .collect::<String>()
        .replace("Gmt", "GMT")
}

#[test]
fn serve_revalidates_with_etag_and_last_modified() {
    let site = site_with_asset(100);
    let server = Server::start(&site, &[]);
    for path in ["/clip.bin", "/"] {
        let first = server.get(path);
        assert_eq!(first.status, 200, "{first:?}");
        let etag = first.header("etag").expect("an ETag").to_owned();
        let modified = capitalized(first.header("last-modified").expect("a date"));
        let conditional = |header: &str| {
            server.send(&format!(
                "GET {path} HTTP/1.1\r\nHost: localhost\r\n{header}"
            ))
        };
        let same = conditional(&format!("If-None-Match: {etag}"));
        assert_eq!(same.status, 304, "{path}: {same:?}");
        assert_eq!(same.body, "");
        let other = conditional("If-None-Match: \"other\"");
        assert_eq!(other.status, 200, "{path}: {other:?}");
        let since = conditional(&format!("If-Modified-Since: {modified}"));
        assert_eq!(since.status, 304, "{path}: {since:?}");
        let before = conditional("If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(before.status, 200, "{path}: {before:?}");
    }
}
