//! Live reload for `knead serve`: the outcome of the latest build, the event
//! stream (`/__knead/events`, server-sent events) that tells open pages about
//! each new one, and the small script injected into served HTML that listens
//! to it. The files on disk never carry the script. It does not build or
//! watch; `serve` tells it when a build finished.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use futures_util::stream;
use tokio::sync::broadcast;

use crate::diagnostic::Error;
use crate::pipeline::{BuildSummary, failure_report};

/// Where pages listen for builds.
pub const EVENTS_PATH: &str = "/__knead/events";

/// Notices kept for a slow page; one that falls further behind reloads.
const CHANNEL_CAPACITY: usize = 16;

/// Inserted before `</body>`: listens to `EVENTS_PATH`. An `error` event
/// without data is the browser's own (the connection dropped): ignored, the
/// browser reconnects by itself.
const SCRIPT: &str = r#"<script>(()=>{const s=new EventSource("/__knead/events"),id="knead-error-overlay";
s.addEventListener("reload",()=>location.reload());
s.addEventListener("css",()=>{for(const l of document.querySelectorAll('link[rel~="stylesheet"]')){const u=new URL(l.href);u.searchParams.set("v",Date.now());l.href=u.href}});
s.addEventListener("error",e=>{if(typeof e.data!=="string")return;let d=document.getElementById(id);if(!d){d=document.createElement("div");d.id=id;d.setAttribute("role","alert");d.style.cssText="position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:1em;background:rgba(30,0,0,.94);color:#fdd;font:14px/1.5 monospace";d.appendChild(document.createElement("pre"));(document.body||document.documentElement).appendChild(d)}d.firstChild.textContent=e.data});
s.addEventListener("ok",()=>{document.getElementById(id)?.remove();location.reload()});})();</script>"#;

/// What open pages are told after a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Something other than stylesheets changed.
    Reload,
    /// Only stylesheets changed: swap them in place.
    Css,
    /// The build failed; the error text as printed in the terminal.
    Error(String),
    /// A build succeeded after a failed one.
    Ok,
}

impl Notice {
    /// Every event has data: browsers drop events without any. Carriage
    /// returns (from CRLF sources quoted in an error) would end an SSE line
    /// early, so they are dropped; newlines become separate data lines.
    fn event(&self) -> Event {
        let (name, data) = match self {
            Notice::Reload => ("reload", "reload".to_string()),
            Notice::Css => ("css", "css".to_string()),
            Notice::Error(text) => ("error", text.replace('\r', "")),
            Notice::Ok => ("ok", "ok".to_string()),
        };
        Event::default().event(name).data(data)
    }
}

/// The latest build's error and the channel to open pages.
#[derive(Debug)]
pub struct LiveReload {
    sender: broadcast::Sender<Notice>,
    last_error: Mutex<Option<String>>,
}

impl LiveReload {
    /// `last_error`: the first build's error, if it failed.
    pub fn new(last_error: Option<String>) -> LiveReload {
        LiveReload {
            sender: broadcast::channel(CHANNEL_CAPACITY).0,
            last_error: Mutex::new(last_error),
        }
    }

    /// Records a rebuild's outcome after `changed` changed and tells every
    /// open page what to do about it.
    pub fn build_finished(&self, result: &Result<BuildSummary, Error>, changed: &[PathBuf]) {
        let mut last_error = self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let notice = notice_for(last_error.is_some(), result, changed);
        *last_error = result.as_ref().err().map(failure_report);
        if let Some(notice) = notice {
            // No open page is no error.
            let _ = self.sender.send(notice);
        }
    }

    /// The event stream of one page: the current error first, if any, then
    /// every notice as it comes.
    pub fn events(&self) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
        let receiver = self.sender.subscribe();
        let current = self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .map(Notice::Error);
        let notices = stream::unfold((current, receiver), |(first, mut receiver)| async move {
            let notice = match first {
                Some(notice) => notice,
                None => match receiver.recv().await {
                    Ok(notice) => notice,
                    Err(broadcast::error::RecvError::Lagged(_)) => Notice::Reload,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            };
            Some((Ok(notice.event()), (None, receiver)))
        });
        Sse::new(notices).keep_alive(KeepAlive::default())
    }
}

/// What a build's outcome means for an open page: nothing when nothing
/// changed and nothing was wrong before.
fn notice_for(
    had_error: bool,
    result: &Result<BuildSummary, Error>,
    changed: &[PathBuf],
) -> Option<Notice> {
    match result {
        Err(err) => Some(Notice::Error(failure_report(err))),
        Ok(_) if had_error => Some(Notice::Ok),
        Ok(summary) if summary.up_to_date => None,
        Ok(_) if changed.iter().all(|path| is_css(path)) => Some(Notice::Css),
        Ok(_) => Some(Notice::Reload),
    }
}

fn is_css(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("css"))
}

/// `html` with the reload script before its last `</body>`, or at the end.
pub fn inject_script(mut html: Vec<u8>) -> Vec<u8> {
    let end_tag = b"</body>";
    let at = html
        .windows(end_tag.len())
        .rposition(|window| window.eq_ignore_ascii_case(end_tag))
        .unwrap_or(html.len());
    html.splice(at..at, SCRIPT.bytes());
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn summary(up_to_date: bool) -> Result<BuildSummary, Error> {
        Ok(BuildSummary {
            pages: 1,
            sections: 1,
            assets: 0,
            files: 2,
            output_dir: PathBuf::from("output"),
            elapsed: Duration::ZERO,
            warnings: Vec::new(),
            up_to_date,
            updated_files: None,
        })
    }

    #[test]
    fn script_goes_before_the_last_body_end_tag_or_at_the_end() {
        let html = inject_script(b"<p>a</p></BODY></html>".to_vec());
        let text = String::from_utf8(html).expect("utf-8");
        assert!(text.starts_with("<p>a</p><script>"), "{text}");
        assert!(text.ends_with("</script></BODY></html>"), "{text}");
        let bare = String::from_utf8(inject_script(b"<p>a</p>".to_vec())).expect("utf-8");
        assert!(bare.starts_with("<p>a</p><script>") && bare.ends_with("</script>"));
    }

    #[test]
    fn notices_follow_the_build_and_what_changed() {
        let css = [PathBuf::from("static/a.css"), PathBuf::from("b.CSS")];
        let page = [PathBuf::from("content/a.md"), PathBuf::from("static/a.css")];
        assert_eq!(notice_for(false, &summary(false), &css), Some(Notice::Css));
        assert_eq!(
            notice_for(false, &summary(false), &page),
            Some(Notice::Reload)
        );
        assert_eq!(notice_for(false, &summary(true), &page), None);
        assert_eq!(notice_for(true, &summary(true), &page), Some(Notice::Ok));
        let failed = Err(Error::Usage("broken".into()));
        assert_eq!(
            notice_for(false, &failed, &page),
            Some(Notice::Error("error: broken".into()))
        );
    }
}
