//! A running `knead build --watch` for tests, with its output lines as they
//! come.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use super::TestSite;

const REBUILD_SHOWS: Duration = Duration::from_secs(20);
/// A rebuild is over when no line came for this long after the first.
const QUIET: Duration = Duration::from_millis(400);

/// A running `knead build --watch`, killed when dropped.
pub(crate) struct Watch {
    child: Child,
    /// stdout and stderr lines, as they come.
    lines: Receiver<String>,
}

impl Watch {
    pub(crate) fn start(site: &TestSite) -> Watch {
        Watch::start_with_env(site, &[])
    }

    /// `start`, with variables set for knead (the fault-injection seam).
    pub(crate) fn start_with_env(site: &TestSite, env: &[(&str, &str)]) -> Watch {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("knead"))
            .envs(env.iter().copied())
            .args(["build", "--watch", "--root"])
            .arg(site.root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start knead build --watch");
        let (sender, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        for stream in [
            Box::new(stdout) as Box<dyn std::io::Read + Send>,
            Box::new(stderr),
        ] {
            let sender = sender.clone();
            thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let watch = Watch { child, lines };
        let started = watch.settle();
        assert!(
            started.iter().any(|l| l.starts_with("watching ")),
            "{started:?}"
        );
        watch
    }

    /// Every line of the next rebuild(s), once they have gone quiet.
    pub(crate) fn settle(&self) -> Vec<String> {
        let first = self
            .lines
            .recv_timeout(REBUILD_SHOWS)
            .expect("a rebuild within the time limit");
        let mut lines = vec![first];
        let deadline = Instant::now() + REBUILD_SHOWS;
        while let Ok(line) = self.lines.recv_timeout(QUIET) {
            lines.push(line);
            assert!(
                Instant::now() < deadline,
                "rebuilds never settle: {lines:?}"
            );
        }
        lines
    }
}

impl Watch {
    /// The lines up to and including the first that `last` accepts, and
    /// those that follow it until output goes quiet. A rebuild of many pages
    /// can take seconds on a busy machine, longer than `settle`'s quiet spell.
    pub(crate) fn lines_until(&self, last: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = Instant::now() + REBUILD_SHOWS * 3;
        let mut lines = Vec::new();
        while lines.last().is_none_or(|line: &String| !last(line)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => lines.push(line),
                Err(_) => panic!("no such line within the time limit: {lines:?}"),
            }
        }
        lines.extend(self.lines_within(QUIET));
        lines
    }

    /// The lines that come within `time`.
    pub(crate) fn lines_within(&self, time: Duration) -> Vec<String> {
        let deadline = Instant::now() + time;
        let mut lines = Vec::new();
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            lines.push(line);
        }
        lines
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
