//! `knead serve`: the real binary on an ephemeral port, spoken to over a raw
//! socket, so that malformed and hostile requests reach the server as sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::harness::TestSite;

const STARTUP: Duration = Duration::from_secs(20);
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// A running `knead serve`, killed when dropped.
struct Server {
    child: Child,
    port: u16,
    /// stdout lines up to and including the serving line.
    stdout: Vec<String>,
    stderr: Option<JoinHandle<String>>,
}

impl Server {
    /// Starts `knead serve --root <site>` plus `args` (with `--port 0` unless
    /// they give a port) and waits for its serving line.
    fn start(site: &TestSite, args: &[&str]) -> Server {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("knead"));
        command
            .args(["serve", "--root"])
            .arg(site.root())
            .args(args);
        if !args.contains(&"--port") {
            command.args(["--port", "0"]);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start knead serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let mut server = Server {
            child,
            port: 0,
            stdout: Vec::new(),
            stderr: Some(thread::spawn(move || {
                let mut text = String::new();
                let _ = BufReader::new(stderr).read_to_string(&mut text);
                text
            })),
        };
        let lines = read_lines(stdout);
        let deadline = Instant::now() + STARTUP;
        while server.port == 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = lines.recv_timeout(left) else {
                let stderr = server.stop();
                panic!(
                    "no serving line; stdout: {:?}\nstderr:\n{stderr}",
                    server.stdout
                );
            };
            if let Some(port) = serving_port(&line) {
                server.port = port;
            }
            server.stdout.push(line);
        }
        server
    }

    /// Kills the server and returns what it wrote to stderr.
    fn stop(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr
            .take()
            .map(|reader| reader.join().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Sends `head` (a request line and headers, without the final blank line).
    fn send(&self, head: &str) -> Reply {
        send_raw(self.port, &format!("{head}\r\nConnection: close\r\n\r\n"))
    }

    fn get(&self, path: &str) -> Reply {
        self.send(&format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}",
            self.port
        ))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn read_lines(stdout: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// `serving /tmp/x/output at http://127.0.0.1:PORT/ (Ctrl+C to stop)` → PORT.
fn serving_port(line: &str) -> Option<u16> {
    let rest = line.strip_prefix("serving ")?;
    let (_, url) = rest.rsplit_once(" at http://")?;
    let (address, _) = url.split_once('/')?;
    address.rsplit_once(':')?.1.parse().ok()
}

/// A response, or what was left of one when the server hung up.
#[derive(Debug)]
struct Reply {
    /// 0 when no status line came back.
    status: u16,
    /// The header lines, lower-cased.
    headers: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim())
        })
    }
}

fn send_raw(port: u16, request: &str) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
    stream.set_write_timeout(Some(IO_TIMEOUT)).expect("timeout");
    // The server may answer and hang up before reading everything (431).
    let _ = stream.write_all(request.as_bytes());
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let (status_line, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    Reply {
        status: status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0),
        headers: headers.to_ascii_lowercase(),
        body: body.to_string(),
    }
}

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

#[test]
fn serve_exits_1_when_the_build_fails() {
    let site = site();
    site.file("content/bad.md", "---\ntitel: Bad\n---\nBody.\n");
    let root = site.root().to_str().expect("utf-8 temp path");
    site.knead(&["serve", "--root", root, "--port", "0"], &[])
        .assert_code(1)
        .assert_stderr_has("titel");
}
