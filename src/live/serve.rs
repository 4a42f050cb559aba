//! `knead serve`: builds the site, serves the output folder over HTTP, and
//! rebuilds on every change while serving. Owns binding (with the next free
//! port), mapping request paths to files under the output root, and the
//! server's safety limits. Watching is `watch`'s; telling open pages about
//! builds is `live_reload`'s.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use percent_encoding::percent_decode_str;
use tokio::net::TcpListener;

mod files;

use crate::diagnostic::Error;
use crate::live::incremental::Session;
use crate::live::live_reload::{EVENTS_PATH, LiveReload};
use crate::live::watch::{SiteWatcher, report_outcome};
use crate::load::config::BaseUrl;
use crate::names::MARKER_FILE;
use crate::pipeline::{BuildOptions, BuildSummary, failure_report};

/// How many ports are tried, from the one asked for, when it is busy.
const PORT_ATTEMPTS: u16 = 10;
/// Longer request targets get 414.
const MAX_URL_BYTES: usize = 8 * 1024;
/// hyper's read buffer: a request head that does not fit gets 431.
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// A client that has not sent its request head by then is dropped.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long Ctrl+C waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// How long a request that found nothing during a rebuild waits for the
/// output folder to be back in place. On Linux the swap is one atomic
/// exchange; elsewhere it is two renames, and this covers a rebuild thread
/// descheduled between them.
const SWAP_WAIT: Duration = Duration::from_secs(1);

/// What `knead serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// What to build; its `base_url` is replaced with the local address.
    pub build: BuildOptions,
    pub bind: IpAddr,
    /// The first port to try; 0 lets the system pick a free one.
    pub port: u16,
    /// Open the site in a browser once it is served.
    pub open: bool,
    /// Prints a successful build's summary, in the command line's words.
    pub report_build: fn(&BuildSummary),
}

/// Binds, builds the site at the local address, then serves it and rebuilds
/// on every change until Ctrl+C. Binding comes first so that the built links
/// carry the port really used. A build that fails is reported (in the
/// terminal and in open pages) and the last good output stays served.
pub fn serve(options: &ServeOptions) -> Result<(), Error> {
    let listener = bind_listener(options.bind, options.port)?;
    let address = listener
        .local_addr()
        .map_err(|err| Error::Usage(format!("cannot read the bound address: {err}")))?;
    let url = format!("http://{address}/");
    let base_url = BaseUrl::parse(&url)
        .map_err(|problem| Error::Usage(format!("the local address {problem}")))?;
    if !options.bind.is_loopback() {
        eprintln!(
            "warning: bound to {}, so the site is visible to the network; use --bind 127.0.0.1 to keep it local",
            options.bind
        );
    }
    let build_options = BuildOptions {
        base_url: Some(base_url),
        ..options.build.clone()
    };
    let output_dir = build_options.output_dir();
    let watcher = SiteWatcher::new(&build_options.root, &output_dir)?;
    let mut session = Session::new(build_options.clone());
    let first_error = first_build(&mut session, options.report_build)?;
    println!("serving {} at {url} (Ctrl+C to stop)", output_dir.display());
    if options.open {
        open_browser(&url);
    }
    let state = Arc::new(ServeState {
        output_dir,
        loopback_only: options.bind.is_loopback(),
        live_reload: LiveReload::new(first_error),
        rebuilds: Rebuilds::default(),
    });
    spawn_rebuilds(watcher, session, state.clone(), options.report_build);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Error::Usage(format!("cannot start the server: {err}")))?;
    runtime.block_on(run_server(listener, router(state), ctrl_c()))
}

/// The first build: its error text when the site has problems (served
/// anyway, with the error shown in every page); a usage error stops `serve`.
fn first_build(
    session: &mut Session,
    report_build: fn(&BuildSummary),
) -> Result<Option<String>, Error> {
    match session.rebuild(&[]) {
        Ok(summary) => {
            report_build(&summary);
            Ok(None)
        }
        Err(Error::Usage(message)) => Err(Error::Usage(message)),
        Err(err) => {
            let report = failure_report(&err);
            eprintln!("{report}");
            Ok(Some(report))
        }
    }
}

/// Rebuilds on a thread of its own after every change, reporting each build
/// in the terminal and to open pages.
fn spawn_rebuilds(
    watcher: SiteWatcher,
    mut session: Session,
    state: Arc<ServeState>,
    report_build: fn(&BuildSummary),
) {
    std::thread::spawn(move || {
        watcher.run(|changed| {
            let result = state.rebuilds.run(|| session.rebuild(changed));
            report_outcome(&result, report_build);
            state.live_reload.build_finished(&result, changed);
        });
    });
}

/// What every request sees.
#[derive(Debug)]
pub struct ServeState {
    /// The folder served at `/`.
    pub output_dir: PathBuf,
    /// Bound to a loopback address: only loopback Host names are answered.
    pub loopback_only: bool,
    /// The latest build's outcome, for open pages.
    pub live_reload: LiveReload,
    /// Rebuilds run and running, for requests that find nothing meanwhile.
    pub rebuilds: Rebuilds,
}

/// Counts rebuilds, so that a request can tell whether one ran while it
/// looked for a file. Where a full build swaps the new output folder in with
/// two renames (old one aside, new one in: not on Linux, where the swap is
/// one exchange), a lookup between the two finds nothing, though the file is
/// in both folders.
#[derive(Debug, Default)]
pub struct Rebuilds {
    /// Bumped as each rebuild starts and as it ends: odd while one runs.
    count: AtomicU64,
}

impl Rebuilds {
    /// Runs `rebuild`, counted.
    fn run<T>(&self, rebuild: impl FnOnce() -> T) -> T {
        self.count.fetch_add(1, Ordering::SeqCst);
        let result = rebuild();
        self.count.fetch_add(1, Ordering::SeqCst);
        result
    }

    /// Where the count stands now, for `ran_since`.
    fn mark(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    /// Whether a rebuild ran at any moment since `mark` was taken.
    fn ran_since(&self, mark: u64) -> bool {
        mark % 2 == 1 || self.mark() != mark
    }

    /// Whether a rebuild is running now.
    fn running(&self) -> bool {
        self.mark() % 2 == 1
    }
}

/// Every route, behind the guard: the live-reload event stream, then files.
pub fn router(state: Arc<ServeState>) -> Router {
    Router::new()
        .route(
            EVENTS_PATH,
            get(|State(state): State<Arc<ServeState>>| async move { state.live_reload.events() }),
        )
        .fallback(serve_file)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Binds `ip:port`, or the next free one of `PORT_ATTEMPTS` ports when it is
/// taken, and says so.
fn bind_listener(ip: IpAddr, port: u16) -> Result<StdListener, Error> {
    let last = if port == 0 {
        0
    } else {
        port.saturating_add(PORT_ATTEMPTS - 1)
    };
    let mut candidate = port;
    loop {
        match StdListener::bind((ip, candidate)) {
            Ok(listener) => {
                if candidate != port {
                    println!("port {port} is busy; using {candidate}");
                }
                listener.set_nonblocking(true).map_err(|err| {
                    Error::Usage(format!("cannot listen on {ip}:{candidate}: {err}"))
                })?;
                return Ok(listener);
            }
            Err(err) if err.kind() == io::ErrorKind::AddrInUse && candidate < last => {
                candidate += 1;
            }
            Err(err) if err.kind() == io::ErrorKind::AddrInUse && candidate != port => {
                return Err(Error::Usage(format!(
                    "ports {port} to {last} are all busy; pass --port with a free port"
                )));
            }
            Err(err) => {
                let address = SocketAddr::new(ip, candidate);
                return Err(Error::Usage(format!("cannot listen on {address}: {err}")));
            }
        }
    }
}

/// Accepts connections until `shutdown`, each served by hyper with bounded
/// headers and a header read timeout; then lets requests in flight finish.
async fn run_server(
    listener: StdListener,
    app: Router,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    let listener = TcpListener::from_std(listener)
        .map_err(|err| Error::Usage(format!("cannot start the server: {err}")))?;
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_HEADER_BYTES);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors, say: wait instead of spinning.
                    eprintln!("warning: cannot accept a connection: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that hangs up or sends garbage is no concern of ours.
            let _ = connection.await;
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {}
    }
    Ok(())
}

async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handler: run until killed rather than stop at once.
        std::future::pending::<()>().await;
    }
}

/// Refuses over-long URLs, two Host headers (RFC 9112 3.2) and, on
/// loopback, foreign host names (DNS rebinding); marks every response as to
/// be revalidated before reuse, and not to be sniffed.
async fn guard(State(state): State<Arc<ServeState>>, request: Request, next: Next) -> Response {
    let url_bytes = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    let mut response = if url_bytes > MAX_URL_BYTES {
        (StatusCode::URI_TOO_LONG, "414 URI Too Long").into_response()
    } else if request.headers().get_all(header::HOST).iter().count() > 1 {
        (
            StatusCode::BAD_REQUEST,
            "400 Bad Request: more than one Host header",
        )
            .into_response()
    } else if state.loopback_only && !names_loopback_host(&request) {
        (
            StatusCode::FORBIDDEN,
            "403 Forbidden: this server only answers to localhost",
        )
            .into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Whether a request names a loopback host: by its target's authority when
/// the target is in absolute form (`GET http://host/ HTTP/1.1`), which
/// replaces the Host header (RFC 9112 3.2.2), otherwise by its Host header.
fn names_loopback_host(request: &Request) -> bool {
    match request.uri().authority() {
        Some(authority) => is_loopback_host(authority.as_str()),
        None => has_loopback_host(request.headers()),
    }
}

/// True without a Host header (HTTP/1.0) or with a loopback name, with or
/// without a port: `localhost`, `127.0.0.1`, `[::1]`.
fn has_loopback_host(headers: &HeaderMap) -> bool {
    match headers.get(header::HOST) {
        None => true,
        Some(value) => value.to_str().is_ok_and(is_loopback_host),
    }
}

fn is_loopback_host(host: &str) -> bool {
    let name_end = if host.starts_with('[') {
        host.find(']').map(|end| end + 1)
    } else {
        host.find(':')
    };
    let (name, port) = host.split_at(name_end.unwrap_or(host.len()));
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    let loopback_name = name.eq_ignore_ascii_case("localhost")
        || name.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || name
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
            .is_some_and(|ip| ip.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback()));
    port_ok && loopback_name
}

async fn serve_file(
    State(state): State<Arc<ServeState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "405 Method Not Allowed",
        )
            .into_response();
    }
    // Resolving and reading touch the disk: keep them off the server's thread.
    let response = tokio::task::spawn_blocking(move || respond(&state, &uri, &headers)).await;
    response.unwrap_or_else(|_| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error",
        )
            .into_response()
    })
}

/// The file asked for; a miss while a rebuild ran is looked up again once
/// the output folder is in place, so that a full build's swap never turns an
/// existing page into a 404.
fn respond(state: &ServeState, uri: &Uri, headers: &HeaderMap) -> Response {
    let root = state.output_dir.as_path();
    let mark = state.rebuilds.mark();
    if let Some(response) = look_up(root, uri, headers) {
        return response;
    }
    if state.rebuilds.ran_since(mark) {
        let started = Instant::now();
        while !root.is_dir() && state.rebuilds.running() && started.elapsed() < SWAP_WAIT {
            std::thread::sleep(Duration::from_millis(1));
        }
        if let Some(response) = look_up(root, uri, headers) {
            return response;
        }
    }
    not_found(root, headers)
}

/// The response for a file or folder under `root`; `None` when there is none.
fn look_up(root: &Path, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
    match resolve_request_path(root, uri.path()) {
        Resolved::File(path) => files::file_response(StatusCode::OK, &path, headers).ok(),
        Resolved::Redirect(mut location) => {
            if let Some(query) = uri.query() {
                location = format!("{location}?{query}");
            }
            Some(
                (
                    StatusCode::PERMANENT_REDIRECT,
                    [(header::LOCATION, location)],
                )
                    .into_response(),
            )
        }
        Resolved::NotFound => None,
    }
}

/// The site's own `404.html` with status 404, or a bare HTML one (which
/// still shows build errors, say when the first build failed).
fn not_found(root: &Path, headers: &HeaderMap) -> Response {
    if let Resolved::File(path) = resolve_request_path(root, "/404.html") {
        if let Ok(response) = files::file_response(StatusCode::NOT_FOUND, &path, headers) {
            return response;
        }
    }
    let page = b"<!DOCTYPE html><title>404 Not Found</title><body><h1>404 Not Found</h1></body>";
    files::html_response(StatusCode::NOT_FOUND, page.to_vec())
}

/// What a request path stands for under the output root.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A file under the root (canonical path).
    File(PathBuf),
    /// A folder asked for without its trailing slash: where to send the client.
    Redirect(String),
    NotFound,
}

/// Maps a request's (still percent-encoded) path to a file under `root`.
/// Anything that could climb out is refused as not found: `.` or `..`
/// segments, backslashes, NUL, encodings left after one decoding (double
/// encoding), and symbolic links that lead outside the root. The output
/// marker is knead's, not the site's (it lists every file): never served.
pub fn resolve_request_path(root: &Path, url_path: &str) -> Resolved {
    let Some(segments) = decode_url_path(url_path) else {
        return Resolved::NotFound;
    };
    if segments
        .first()
        .is_some_and(|first| first.eq_ignore_ascii_case(MARKER_FILE))
    {
        return Resolved::NotFound;
    }
    let Ok(root) = root.canonicalize() else {
        return Resolved::NotFound;
    };
    let joined = segments.iter().fold(root.clone(), |path, s| path.join(s));
    let Some(target) = inside(&root, &joined) else {
        return Resolved::NotFound;
    };
    if target.is_dir() {
        if !url_path.ends_with('/') {
            // Built from the path asked for, with one leading slash, so that
            // `//host` can never become a redirect to another site.
            return Resolved::Redirect(format!("/{}/", url_path.trim_start_matches('/')));
        }
        return match inside(&root, &target.join("index.html")) {
            Some(index) if index.is_file() => Resolved::File(index),
            _ => Resolved::NotFound,
        };
    }
    if url_path.ends_with('/') || !target.is_file() {
        return Resolved::NotFound;
    }
    Resolved::File(target)
}

/// `path`'s canonical form, if it exists and lies under the canonical `root`.
fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    path.canonicalize()
        .ok()
        .filter(|real| real.starts_with(root))
}

/// The path's segments, percent-decoded once, or `None` when it must be
/// refused.
fn decode_url_path(url_path: &str) -> Option<Vec<String>> {
    if !url_path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode_str(url_path).decode_utf8().ok()?;
    let lower = decoded.to_ascii_lowercase();
    if decoded.contains(['\\', '\0']) || ["%2e", "%2f", "%5c"].iter().any(|e| lower.contains(e)) {
        return None;
    }
    let segments: Vec<String> = decoded
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(str::to_owned)
        .collect();
    if segments.iter().any(|s| s == "." || s == "..") {
        return None;
    }
    Some(segments)
}

/// The Content-Type for a file, by extension; text types say UTF-8.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "svg" => "image/svg+xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Opens `url` in the default browser; failing to is only a warning.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        let mut command = Command::new("cmd");
        command.args(["/C", "start", ""]);
        command
    } else {
        Command::new("xdg-open")
    };
    command
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let url = url.to_owned();
    match command.spawn() {
        Ok(mut child) => {
            std::thread::spawn(move || match child.wait() {
                Ok(status) if status.success() => {}
                _ => eprintln!("warning: could not open a browser; open {url} yourself"),
            });
        }
        Err(err) => eprintln!("warning: could not open a browser ({err}); open {url} yourself"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("output");
        fs::create_dir_all(root.join("guide")).expect("folders");
        fs::write(root.join("index.html"), "home").expect("write");
        fs::write(root.join("guide/index.html"), "guide").expect("write");
        fs::write(root.join("a b.css"), "css").expect("write");
        fs::write(dir.path().join("secret.txt"), "secret").expect("write");
        dir
    }

    fn resolve(dir: &tempfile::TempDir, url_path: &str) -> Resolved {
        resolve_request_path(&dir.path().join("output"), url_path)
    }

    fn file(dir: &tempfile::TempDir, rel: &str) -> Resolved {
        let path = dir.path().join("output").join(rel);
        Resolved::File(path.canonicalize().expect("canonical"))
    }

    #[test]
    fn resolve_request_path_serves_files_and_folder_indexes() {
        let dir = site();
        assert_eq!(resolve(&dir, "/"), file(&dir, "index.html"));
        assert_eq!(resolve(&dir, "/guide/"), file(&dir, "guide/index.html"));
        assert_eq!(resolve(&dir, "/a%20b.css"), file(&dir, "a b.css"));
        assert_eq!(resolve(&dir, "//guide//"), file(&dir, "guide/index.html"));
    }

    #[test]
    fn resolve_request_path_redirects_folders_to_their_slash_form() {
        let dir = site();
        assert_eq!(
            resolve(&dir, "/guide"),
            Resolved::Redirect("/guide/".into())
        );
        assert_eq!(
            resolve(&dir, "//guide"),
            Resolved::Redirect("/guide/".into())
        );
    }

    #[test]
    fn resolve_request_path_refuses_missing_files() {
        let dir = site();
        assert_eq!(resolve(&dir, "/nope.html"), Resolved::NotFound);
        assert_eq!(resolve(&dir, "/index.html/"), Resolved::NotFound);
        assert_eq!(resolve(&dir, "relative"), Resolved::NotFound);
    }

    #[test]
    fn resolve_request_path_refuses_traversal() {
        let dir = site();
        for attempt in [
            "/../secret.txt",
            "/guide/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E/secret.txt",
            "/%252e%252e/secret.txt",
            "/..%2fsecret.txt",
            "/..%252fsecret.txt",
            "/..%5csecret.txt",
            "/..\\secret.txt",
            "/%2e%2e%5csecret.txt",
            "/./index.html",
            "/index.html%00",
            "/%ff",
        ] {
            assert_eq!(resolve(&dir, attempt), Resolved::NotFound, "{attempt}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn resolve_request_path_refuses_symlinks_out_of_the_root() {
        let dir = site();
        let output = dir.path().join("output");
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), output.join("s.txt"))
            .expect("symlink");
        std::os::unix::fs::symlink(dir.path(), output.join("up")).expect("symlink");
        assert_eq!(resolve(&dir, "/s.txt"), Resolved::NotFound);
        assert_eq!(resolve(&dir, "/up/secret.txt"), Resolved::NotFound);
        assert_eq!(resolve(&dir, "/up/"), Resolved::NotFound);
    }

    fn state(output_dir: PathBuf) -> ServeState {
        ServeState {
            output_dir,
            loopback_only: true,
            live_reload: LiveReload::new(None),
            rebuilds: Rebuilds::default(),
        }
    }

    #[test]
    fn respond_waits_out_the_swap_of_a_full_build() {
        let dir = site();
        let output = dir.path().join("output");
        let staging = dir.path().join("staging");
        fs::create_dir(&staging).expect("staging folder");
        fs::write(staging.join("index.html"), "new home").expect("write");
        let state = state(output.clone());
        let (moved_aside, was_moved_aside) = std::sync::mpsc::channel();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                state.rebuilds.run(|| {
                    fs::rename(&output, dir.path().join("old")).expect("move aside");
                    moved_aside.send(()).expect("tell");
                    std::thread::sleep(Duration::from_millis(100));
                    fs::rename(&staging, &output).expect("move in");
                });
            });
            was_moved_aside.recv().expect("moved aside");
            let response = respond(&state, &Uri::from_static("/"), &HeaderMap::new());
            assert_eq!(response.status(), StatusCode::OK);
        });
    }

    #[test]
    fn respond_answers_a_miss_outside_rebuilds_with_404() {
        let dir = site();
        let state = state(dir.path().join("output"));
        let response = respond(&state, &Uri::from_static("/nope/"), &HeaderMap::new());
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let no_output = self::state(dir.path().join("never-built"));
        let response = respond(&no_output, &Uri::from_static("/"), &HeaderMap::new());
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn loopback_hosts_with_or_without_port() {
        for host in [
            "localhost",
            "LOCALHOST:1111",
            "127.0.0.1",
            "127.0.0.1:80",
            "[::1]",
            "[::1]:1111",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:1111",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "[::1",
            "localhost:",
            "localhost:x",
            "[::2]:1",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(
            content_type(Path::new("a/index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("s.CSS")), "text/css; charset=utf-8");
        assert_eq!(content_type(Path::new("f.woff2")), "font/woff2");
        assert_eq!(content_type(Path::new("noext")), "application/octet-stream");
    }
}
