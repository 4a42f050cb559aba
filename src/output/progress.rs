//! Build progress: the hook a build reports its rendering to, as each page
//! is rendered for the output, and a progress bar on the terminal that shows
//! it. The pipeline only counts; whether and how progress is shown is the
//! caller's choice (`knead` shows it on a terminal unless `--quiet`).

use std::fmt;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::plan::RenderText;

/// Told about the pages of a build as they are rendered, from any thread.
pub trait Progress: fmt::Debug + Send + Sync {
    /// A build starts rendering `total` pages.
    fn start(&self, total: usize);
    /// One more page rendered (or failed to render).
    fn advance(&self);
    /// The build has stopped rendering, done or not.
    fn finish(&self);
}

/// A `RenderText` that reports every file it renders to a `Progress`, if
/// there is one, from its creation until it is dropped.
pub(crate) struct CountedRender<'a> {
    inner: &'a dyn RenderText,
    progress: Option<&'a dyn Progress>,
}

impl<'a> CountedRender<'a> {
    pub(crate) fn new(
        inner: &'a dyn RenderText,
        progress: Option<&'a dyn Progress>,
        total: usize,
    ) -> CountedRender<'a> {
        if let Some(progress) = progress {
            progress.start(total);
        }
        CountedRender { inner, progress }
    }
}

impl RenderText for CountedRender<'_> {
    fn render_text(&self, job: usize) -> Option<String> {
        let text = self.inner.render_text(job);
        if let Some(progress) = self.progress {
            progress.advance();
        }
        text
    }
}

impl Drop for CountedRender<'_> {
    fn drop(&mut self) {
        if let Some(progress) = self.progress {
            progress.finish();
        }
    }
}

/// A build faster than this shows no bar at all, so `serve`'s quick
/// rebuilds do not flicker.
const SHOW_AFTER: Duration = Duration::from_millis(300);

/// A progress bar on stderr, cleared when rendering ends.
#[derive(Debug, Default)]
pub struct TerminalProgress {
    state: Mutex<Option<Rendering>>,
}

#[derive(Debug)]
struct Rendering {
    total: u64,
    done: u64,
    started: Instant,
    bar: Option<ProgressBar>,
}

impl TerminalProgress {
    /// A progress bar when stderr is a terminal; `None` when it is a file or
    /// a pipe, where a bar would only be noise.
    pub fn for_stderr() -> Option<TerminalProgress> {
        std::io::stderr()
            .is_terminal()
            .then(TerminalProgress::default)
    }

    fn with_state(&self, change: impl FnOnce(&mut Option<Rendering>)) {
        // A panic elsewhere while holding the lock leaves a usable counter.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        change(&mut state);
    }
}

impl Progress for TerminalProgress {
    fn start(&self, total: usize) {
        self.with_state(|state| {
            *state = Some(Rendering {
                total: total as u64,
                done: 0,
                started: Instant::now(),
                bar: None,
            });
        });
    }

    fn advance(&self) {
        self.with_state(|state| {
            let Some(rendering) = state else { return };
            rendering.done += 1;
            match &rendering.bar {
                Some(bar) => bar.set_position(rendering.done),
                None if rendering.started.elapsed() >= SHOW_AFTER => {
                    let bar = new_bar(rendering.total);
                    bar.set_position(rendering.done);
                    rendering.bar = Some(bar);
                }
                None => {}
            }
        });
    }

    fn finish(&self) {
        self.with_state(|state| {
            if let Some(bar) = state.take().and_then(|rendering| rendering.bar) {
                bar.finish_and_clear();
            }
        });
    }
}

fn new_bar(total: u64) -> ProgressBar {
    let style = ProgressStyle::with_template("rendering [{bar:30}] {pos}/{len} pages")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(style)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[derive(Debug, Default)]
    struct Tally {
        total: AtomicUsize,
        done: AtomicUsize,
        finished: AtomicUsize,
    }

    impl Progress for Tally {
        fn start(&self, total: usize) {
            self.total.store(total, Ordering::SeqCst);
        }
        fn advance(&self) {
            self.done.fetch_add(1, Ordering::SeqCst);
        }
        fn finish(&self) {
            self.finished.fetch_add(1, Ordering::SeqCst);
        }
    }

    struct Echo;

    impl RenderText for Echo {
        fn render_text(&self, job: usize) -> Option<String> {
            (job != 2).then(|| job.to_string())
        }
    }

    #[test]
    fn counted_render_reports_every_file_and_finishes_once() {
        let tally = Tally::default();
        {
            let counted = CountedRender::new(&Echo, Some(&tally), 4);
            assert_eq!(counted.render_text(1).as_deref(), Some("1"));
            assert_eq!(counted.render_text(2), None);
            assert_eq!(tally.finished.load(Ordering::SeqCst), 0);
        }
        assert_eq!(tally.total.load(Ordering::SeqCst), 4);
        assert_eq!(tally.done.load(Ordering::SeqCst), 2);
        assert_eq!(tally.finished.load(Ordering::SeqCst), 1);
    }
}
