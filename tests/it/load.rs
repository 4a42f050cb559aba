//! `knead serve` under load, on 127.0.0.1 only: many connections at once,
//! clients that never finish their request head, oversized requests mixed
//! with good ones, and a stream of requests while the site is rebuilt again
//! and again. Every scenario is bounded in count and time; speed is measured
//! by `benches/serve_load.py`, never asserted here.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{Reply, Server};
use crate::harness::{TestSite, page};

/// Long enough for a loaded two-core machine; a server that stops answering
/// still fails the test instead of hanging it.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// One connection that sends requests one after another (keep-alive) and
/// reads each response by its Content-Length, so that a body cut short is an
/// error rather than a shorter page.
struct Connection {
    reader: BufReader<TcpStream>,
    port: u16,
}

impl Connection {
    fn open(port: u16) -> Result<Connection, String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let stream = TcpStream::connect_timeout(&address, IO_TIMEOUT)
            .map_err(|err| format!("cannot connect: {err}"))?;
        let timeouts = stream
            .set_read_timeout(Some(IO_TIMEOUT))
            .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)));
        timeouts.map_err(|err| format!("cannot set timeouts: {err}"))?;
        Ok(Connection {
            reader: BufReader::new(stream),
            port,
        })
    }

    fn get(&mut self, path: &str) -> Result<Reply, String> {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
            self.port
        );
        self.reader
            .get_mut()
            .write_all(request.as_bytes())
            .map_err(|err| format!("GET {path}: cannot send: {err}"))?;
        let head = self
            .read_head()
            .map_err(|err| format!("GET {path}: no response head: {err}"))?;
        let (status_line, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| format!("GET {path}: bad status line {status_line:?}"))?;
        let mut reply = Reply {
            status,
            headers: headers.to_ascii_lowercase(),
            body: String::new(),
        };
        let length: usize = reply
            .header("content-length")
            .and_then(|length| length.parse().ok())
            .ok_or_else(|| format!("GET {path}: no Content-Length in {head:?}"))?;
        let mut body = vec![0; length];
        self.reader
            .read_exact(&mut body)
            .map_err(|err| format!("GET {path}: body cut short at {length} bytes: {err}"))?;
        reply.body =
            String::from_utf8(body).map_err(|err| format!("GET {path}: body not UTF-8: {err}"))?;
        Ok(reply)
    }

    /// The status line and headers, without the blank line that ends them.
    fn read_head(&mut self) -> io::Result<String> {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("connection closed after {head:?}"),
                ));
            }
            if line == "\r\n" {
                return Ok(head);
            }
            head.push_str(&line);
        }
    }
}

/// One GET on a connection of its own.
fn fetch(port: u16, path: &str) -> Result<Reply, String> {
    Connection::open(port)?.get(path)
}

/// A site with one page, `/a/`.
fn site_with_page() -> TestSite {
    let site = TestSite::new();
    site.file("content/a.md", &page("title: A", "Text under load."));
    site
}

#[track_caller]
fn assert_page_a(reply: &Result<Reply, String>) {
    let reply = reply.as_ref().unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(reply.body.contains("Text under load."), "{reply:?}");
    assert!(reply.body.trim_end().ends_with("</html>"), "{reply:?}");
}

const CONCURRENT: usize = 200;

#[test]
fn serve_answers_200_concurrent_connections() {
    let site = site_with_page();
    let server = Server::start(&site, &[]);
    let port = server.port;
    let expected = fetch(port, "/a/");
    assert_page_a(&expected);
    let expected = expected.map(|reply| reply.body).unwrap_or_default();
    let all_connected = Arc::new(Barrier::new(CONCURRENT));
    let clients: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let all_connected = all_connected.clone();
            thread::spawn(move || {
                let connection = Connection::open(port);
                // Every connection is open before any asks, so the server
                // holds all of them at once.
                all_connected.wait();
                connection?.get("/a/")
            })
        })
        .collect();
    for client in clients {
        let reply = client.join().expect("client thread");
        assert_page_a(&reply);
        assert_eq!(reply.map(|r| r.body).unwrap_or_default(), expected);
    }
    assert_page_a(&fetch(port, "/a/"));
}

/// Clients that open a connection and never finish their request head.
const SLOW_CLIENTS: usize = 50;
/// The server drops them after `HEADER_READ_TIMEOUT` (10 s, src/serve.rs);
/// this leaves room for a loaded machine.
const DROPPED_WITHIN: Duration = Duration::from_secs(40);

/// A connection that sends nothing, part of a request line, or a request
/// head one byte at a time (slowloris), and never the blank line ending it.
struct SlowClient {
    stream: TcpStream,
    dribbles: bool,
    open: bool,
    received: Vec<u8>,
}

impl SlowClient {
    fn open(port: u16, kind: usize) -> SlowClient {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let start: &[u8] = match kind % 3 {
            0 => b"",
            1 => b"GET /a/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: ",
            _ => b"GET /a/ HTT",
        };
        stream
            .write_all(start)
            .expect("send the start of a request");
        stream.set_nonblocking(true).expect("non-blocking");
        SlowClient {
            stream,
            dribbles: kind % 3 == 1,
            open: true,
            received: Vec::new(),
        }
    }

    /// Reads whatever the server sent; notes when it closed the connection.
    fn poll(&mut self) {
        let mut buffer = [0; 1024];
        while self.open {
            match self.stream.read(&mut buffer) {
                Ok(0) => self.open = false,
                Ok(n) => self.received.extend_from_slice(&buffer[..n]),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                // Reset by the server: dropped too.
                Err(_) => self.open = false,
            }
        }
    }

    /// One more byte of a header value that never ends.
    fn dribble(&mut self) {
        if self.dribbles && self.open {
            // A write failing means the server has gone; `poll` notes it.
            let _ = self.stream.write(b"a");
        }
    }
}

#[test]
fn serve_drops_clients_that_never_finish_their_request_head() {
    let site = site_with_page();
    let server = Server::start(&site, &[]);
    let mut slow: Vec<SlowClient> = (0..SLOW_CLIENTS)
        .map(|kind| SlowClient::open(server.port, kind))
        .collect();
    let opened = Instant::now();
    for _ in 0..20 {
        assert_page_a(&fetch(server.port, "/a/"));
    }
    // Those answers did not wait for the slow clients to be dropped.
    for (n, client) in slow.iter_mut().enumerate() {
        client.poll();
        assert!(
            client.open,
            "slow client {n} was dropped after {:?}, before its time",
            opened.elapsed()
        );
    }
    while slow.iter().any(|client| client.open) {
        assert!(
            opened.elapsed() < DROPPED_WITHIN,
            "{} slow clients still connected after {DROPPED_WITHIN:?}",
            slow.iter().filter(|client| client.open).count()
        );
        thread::sleep(Duration::from_millis(500));
        for client in &mut slow {
            client.dribble();
            client.poll();
        }
    }
    for client in &slow {
        let received = String::from_utf8_lossy(&client.received);
        assert!(
            received.is_empty() || received.starts_with("HTTP/1.1 408"),
            "a client that never finished its request got {received:?}"
        );
    }
    assert_page_a(&fetch(server.port, "/a/"));
}

/// What came back for one raw request.
#[derive(Debug)]
enum Answer {
    Status(u16),
    /// The server closed or reset the connection without a status line.
    HungUp,
}

/// Sends `request` as it is and reads until the server closes the connection.
fn exchange(port: u16, request: &[u8]) -> Result<Answer, String> {
    let mut stream = Connection::open(port)?.reader.into_inner();
    // The server may answer and hang up before reading everything (431).
    let _ = stream.write_all(request);
    let mut bytes = Vec::new();
    match stream.read_to_end(&mut bytes) {
        Ok(_) => {}
        Err(err) if err.kind() == io::ErrorKind::ConnectionReset => {}
        Err(err) => return Err(format!("no answer: {err}")),
    }
    let text = String::from_utf8_lossy(&bytes);
    Ok(text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3)?.parse().ok())
        .map_or(Answer::HungUp, Answer::Status))
}

/// Requests of each kind sent at once.
const OVERSIZED_EACH: usize = 15;

/// Extends `serve_bounds_header_and_url_sizes` (tests/it/serve.rs, one
/// request of each kind at a time) to many at once, mixed with good requests,
/// and to more kinds: too many headers, and a URL too long for the 16 KiB
/// request head, which is a head too large (431) rather than a URL too long
/// (414).
#[test]
fn serve_refuses_oversized_requests_while_answering_others() {
    let site = site_with_page();
    let server = Server::start(&site, &[]);
    let port = server.port;
    let head = |target: &str, extra: &str| {
        format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n{extra}Connection: close\r\n\r\n")
    };
    let many_headers: String = (0..150).map(|n| format!("X-H{n}: {n}\r\n")).collect();
    let kinds: [(&str, String, &[u16]); 5] = [
        ("a good request", head("/a/", ""), &[200]),
        (
            "a 9 KiB URL",
            head(&format!("/{}", "b".repeat(9 * 1024)), ""),
            &[414],
        ),
        (
            "a 20 KiB URL",
            head(&format!("/{}", "b".repeat(20 * 1024)), ""),
            &[431],
        ),
        (
            "a 20 KiB header",
            head("/a/", &format!("X-Padding: {}\r\n", "a".repeat(20 * 1024))),
            &[431],
        ),
        ("150 headers", head("/a/", &many_headers), &[431]),
    ];
    let all_ready = Arc::new(Barrier::new(kinds.len() * OVERSIZED_EACH));
    let mut clients = Vec::new();
    for (name, request, expected) in &kinds {
        for _ in 0..OVERSIZED_EACH {
            let all_ready = all_ready.clone();
            let request = request.clone().into_bytes();
            clients.push((
                *name,
                *expected,
                thread::spawn(move || {
                    all_ready.wait();
                    exchange(port, &request)
                }),
            ));
        }
    }
    for (name, expected, client) in clients {
        let answer = client.join().expect("client thread");
        let ok = match &answer {
            Ok(Answer::Status(status)) => expected.contains(status),
            // The server may reset a connection it did not read to the end
            // before its 431 is read: a refusal all the same.
            Ok(Answer::HungUp) => expected == [431] && name.contains("20 KiB"),
            Err(_) => false,
        };
        assert!(ok, "{name}: expected {expected:?}, got {answer:?}");
    }
    assert_page_a(&fetch(port, "/a/"));
}

/// Edits of the page during the run, each a rebuild: a body edit (answered
/// incrementally) that alternates two bodies, and every tenth one a front
/// matter edit too, which is a full build swapping the output folder.
const EDITS: usize = 100;
const REQUESTS: usize = 10_000;
const CLIENT_THREADS: usize = 6;
const PAGE_PATH: &str = "content/types/swedish.md";
const PAGE_URL: &str = "/types/swedish/";
const PATHS: [&str; 5] = [PAGE_URL, "/", "/types/", "/css/dough.css", SEARCH_FRAGMENT];
/// The search index's fragment of PAGE_PATH: pages are numbered in
/// content-path order.
const SEARCH_FRAGMENT: &str = "/search/p/29.json";
const BODIES: [&str; 2] = ["Load test body one.", "Load test body two."];
const DESCRIPTIONS: [&str; 2] = [
    "Swedish massage, load variant one.",
    "Swedish massage, load variant two.",
];
/// The whole run, on a loaded machine; it takes a fraction of that.
const RUN_DEADLINE: Duration = Duration::from_secs(240);

/// The page as saved by `edit`: the bundled page with its description and
/// the last paragraph of its body varied.
fn edited_page(original: &str, edit: usize) -> String {
    let rest = original.strip_prefix("---\n").expect("front matter");
    let (front_matter, body) = rest.split_once("\n---\n").expect("front matter end");
    let front_matter: Vec<String> = front_matter
        .lines()
        .map(|line| {
            if line.starts_with("description:") {
                format!("description: \"{}\"", DESCRIPTIONS[(edit / 10) % 2])
            } else {
                line.to_owned()
            }
        })
        .collect();
    let body_marker = BODIES[edit % 2];
    format!(
        "---\n{}\n---\n{body}\n{body_marker}\n",
        front_matter.join("\n")
    )
}

/// Saves like editors do: a temporary file (ignored by knead) renamed over
/// the page.
fn save(site: &TestSite, text: &str) {
    let temporary = site.path(&format!("{PAGE_PATH}.tmp"));
    std::fs::write(&temporary, text).expect("write the edit");
    std::fs::rename(&temporary, site.path(PAGE_PATH)).expect("rename the edit into place");
}

/// What the client threads and the editor share.
struct Run {
    port: u16,
    css: String,
    edits_done: AtomicUsize,
    requests_claimed: AtomicUsize,
    requests_done: AtomicUsize,
    failed: AtomicBool,
    deadline: Instant,
}

impl Run {
    /// Waits until `ready` holds; an error when another thread failed or the
    /// run is out of time.
    fn wait_until(&self, what: &str, ready: impl Fn() -> bool) -> Result<(), String> {
        while !ready() {
            if self.failed.load(Ordering::SeqCst) {
                return Err(String::new());
            }
            if Instant::now() > self.deadline {
                return Err(format!("timed out waiting until {what}"));
            }
            thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    }

    /// Sends requests until all are sent, each only once the edits before it
    /// are done, so that the requests are spread over the rebuilds.
    fn client(&self, keep_alive: bool) -> Result<(), String> {
        let mut kept: Option<Connection> = None;
        loop {
            let request = self.requests_claimed.fetch_add(1, Ordering::SeqCst);
            if request >= REQUESTS {
                return Ok(());
            }
            let edits_before = request / (REQUESTS / EDITS);
            self.wait_until("the edits are done", || {
                self.edits_done.load(Ordering::SeqCst) >= edits_before
            })?;
            let path = PATHS[request % PATHS.len()];
            let mut connection = match kept.take() {
                Some(connection) => connection,
                None => Connection::open(self.port)?,
            };
            self.check(path, &connection.get(path)?)?;
            self.requests_done.fetch_add(1, Ordering::SeqCst);
            if keep_alive {
                kept = Some(connection);
            }
        }
    }

    /// Saves every edit, each after its share of the requests, and waits
    /// until it is served.
    fn edit(&self, site: &TestSite, original: &str) -> Result<(), String> {
        let mut poller = Connection::open(self.port)?;
        for edit in 1..=EDITS {
            let requests_before = (edit - 1) * (REQUESTS / EDITS);
            self.wait_until("the requests are sent", || {
                self.requests_done.load(Ordering::SeqCst) >= requests_before
            })?;
            save(site, &edited_page(original, edit));
            let shows = Instant::now() + IO_TIMEOUT;
            loop {
                let reply = poller.get(PAGE_URL)?;
                self.check(PAGE_URL, &reply)?;
                let served = [BODIES[edit % 2], DESCRIPTIONS[(edit / 10) % 2]];
                if served.iter().all(|text| reply.body.contains(text)) {
                    break;
                }
                if Instant::now() > shows {
                    return Err(format!("edit {edit} not served after {IO_TIMEOUT:?}"));
                }
                thread::sleep(Duration::from_millis(10));
            }
            self.edits_done.store(edit, Ordering::SeqCst);
        }
        Ok(())
    }

    /// Every answer is complete and shows one whole version of the page.
    fn check(&self, path: &str, reply: &Reply) -> Result<(), String> {
        if reply.status != 200 {
            let start: String = reply.body.chars().take(300).collect();
            return Err(format!("GET {path} got {}: {start}", reply.status));
        }
        match path {
            "/css/dough.css" if reply.body != self.css => {
                Err(format!("GET {path} is not the stylesheet"))
            }
            "/css/dough.css" => Ok(()),
            SEARCH_FRAGMENT => check_search_index(&reply.body),
            _ if !reply.body.trim_end().ends_with("</html>") => {
                Err(format!("GET {path} is cut short: {:?}", tail(&reply.body)))
            }
            PAGE_URL => exactly_one_of(path, &reply.body, &BODIES)
                .and_then(|()| exactly_one_of(path, &reply.body, &DESCRIPTIONS)),
            "/types/" => exactly_one_of(path, &reply.body, &DESCRIPTIONS),
            _ => Ok(()),
        }
    }
}

fn tail(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars[chars.len().saturating_sub(80)..].iter().collect()
}

fn exactly_one_of(path: &str, text: &str, variants: &[&str]) -> Result<(), String> {
    let found: Vec<&&str> = variants.iter().filter(|v| text.contains(**v)).collect();
    match found.len() {
        1 => Ok(()),
        _ => Err(format!("GET {path} holds {found:?} of {variants:?}")),
    }
}

/// The edited page's search fragment parses, with one version of the page.
fn check_search_index(text: &str) -> Result<(), String> {
    let entry: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("search fragment: {err}"))?;
    if entry["url"] != PAGE_URL {
        return Err(format!(
            "{SEARCH_FRAGMENT} is not the edited page's fragment"
        ));
    }
    let blocks = entry["blocks"].to_string();
    let description = entry["description"].as_str().unwrap_or_default();
    exactly_one_of(SEARCH_FRAGMENT, &blocks, &BODIES)?;
    exactly_one_of(SEARCH_FRAGMENT, description, &DESCRIPTIONS)
}

/// The resident memory of a process, from /proc (Linux).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn serve_answers_10000_requests_during_100_rebuilds() {
    let site = TestSite::bundled();
    let original = std::fs::read_to_string(site.path(PAGE_PATH)).expect("read the page");
    save(&site, &edited_page(&original, 0));
    let mut server = Server::start(&site, &[]);
    let rss_before = rss_kib(server.pid());
    let css_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/dough/static/css/dough.css");
    let run = Run {
        port: server.port,
        css: std::fs::read_to_string(css_path).expect("read the stylesheet"),
        edits_done: AtomicUsize::new(0),
        requests_claimed: AtomicUsize::new(0),
        requests_done: AtomicUsize::new(0),
        failed: AtomicBool::new(false),
        deadline: Instant::now() + RUN_DEADLINE,
    };
    let run = &run;
    let failed = |result: Result<(), String>| {
        if result.is_err() {
            run.failed.store(true, Ordering::SeqCst);
        }
        result
    };
    let errors: Vec<String> = thread::scope(|scope| {
        let editor = scope.spawn(|| failed(run.edit(&site, &original)));
        let clients: Vec<_> = (0..CLIENT_THREADS)
            .map(|n| scope.spawn(move || failed(run.client(n % 2 == 0))))
            .chain([editor])
            .collect();
        clients
            .into_iter()
            .filter_map(|thread| thread.join().expect("thread").err())
            // Empty: stopped because another thread failed.
            .filter(|err| !err.is_empty())
            .collect()
    });
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(run.requests_done.load(Ordering::SeqCst), REQUESTS);
    assert_eq!(run.edits_done.load(Ordering::SeqCst), EDITS);
    assert!(server.is_running(), "the server stopped");
    let (Some(before), Some(after)) = (rss_before, rss_kib(server.pid())) else {
        return eprintln!("no /proc: memory not checked");
    };
    eprintln!("{REQUESTS} requests during {EDITS} rebuilds; RSS {before} KiB, then {after} KiB");
    // The memory target is the benchmark's; this catches a leak per request
    // or per rebuild.
    assert!(
        after < (2 * before).max(before + 50 * 1024),
        "RSS grew from {before} KiB to {after} KiB"
    );
}

const LARGE_FILE_BYTES: u64 = 64 * 1024 * 1024;
const SLOW_READERS: usize = 8;

/// A client that asked for a file and read only the first bytes of it.
fn start_slow_read(port: u16, path: &str) -> TcpStream {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
    stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut first = [0; 4096];
    let read = stream.read(&mut first).expect("the answer starts");
    assert!(first[..read].starts_with(b"HTTP/1.1 200"), "{read} bytes");
    stream
}

#[test]
fn serve_streams_a_large_file_to_slow_clients_in_bounded_memory() {
    let site = site_with_page();
    let big = site.path("static/big.bin");
    std::fs::create_dir_all(big.parent().expect("folder")).expect("static folder");
    // Sparse: no disk is spent, the bytes read are zeros.
    let file = std::fs::File::create(&big).expect("create");
    file.set_len(LARGE_FILE_BYTES).expect("size");
    let server = Server::start(&site, &[]);
    let before = rss_kib(server.pid());
    let mut readers: Vec<TcpStream> = (0..SLOW_READERS)
        .map(|_| start_slow_read(server.port, "/big.bin"))
        .collect();
    let during = rss_kib(server.pid());
    if let (Some(before), Some(during)) = (before, during) {
        // Reading the file whole per request took 8 × 64 MiB.
        let grown_mib = during.saturating_sub(before) / 1024;
        assert!(grown_mib < 48, "grew by {grown_mib} MiB with slow readers");
    }
    let mut rest = Vec::new();
    readers[0].read_to_end(&mut rest).expect("read the rest");
    let head_end = rest.len() as u64;
    assert!(head_end > LARGE_FILE_BYTES - 4096, "got {head_end} bytes");
    assert!(rest.iter().all(|&b| b == 0));
}
