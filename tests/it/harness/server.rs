//! A running `knead serve` for tests, spoken to over a raw socket so that
//! malformed and hostile requests reach the server as sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::TestSite;

const STARTUP: Duration = Duration::from_secs(20);
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// A running `knead serve`, killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) port: u16,
    /// stdout lines up to and including the serving line.
    pub(crate) stdout: Vec<String>,
    /// stdout lines after the serving line, as they come.
    pub(crate) lines: Receiver<String>,
    stderr: Option<JoinHandle<String>>,
}

impl Server {
    /// Starts `knead serve --root <site>` plus `args` (with `--port 0` unless
    /// they give a port) and waits for its serving line.
    pub(crate) fn start(site: &TestSite, args: &[&str]) -> Server {
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
            lines: read_lines(stdout),
            stderr: Some(thread::spawn(move || {
                let mut text = String::new();
                let _ = BufReader::new(stderr).read_to_string(&mut text);
                text
            })),
        };
        let deadline = Instant::now() + STARTUP;
        while server.port == 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = server.lines.recv_timeout(left) else {
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

    /// The server's process id, to read its memory use from /proc.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server is still running: it has not crashed or exited.
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills the server and returns what it wrote to stderr.
    pub(crate) fn stop(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr
            .take()
            .map(|reader| reader.join().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Sends `head` (a request line and headers, without the final blank line).
    pub(crate) fn send(&self, head: &str) -> Reply {
        send_raw(self.port, &format!("{head}\r\nConnection: close\r\n\r\n"))
    }

    pub(crate) fn get(&self, path: &str) -> Reply {
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

pub(crate) fn read_lines(stdout: impl Read + Send + 'static) -> Receiver<String> {
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
pub(crate) struct Reply {
    /// 0 when no status line came back.
    pub(crate) status: u16,
    /// The header lines, lower-cased.
    pub(crate) headers: String,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim())
        })
    }
}

pub(crate) fn send_raw(port: u16, request: &str) -> Reply {
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
