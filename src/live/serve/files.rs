//! The answer for one file of the output folder: revalidation (`ETag` with
//! `If-None-Match`, `Last-Modified` with `If-Modified-Since`), a single byte
//! range, and a body streamed from disk, so that a large file costs a few
//! buffers per client rather than its size. HTML is read whole, to carry the
//! live-reload script, and so is always answered whole. Several ranges in
//! one request would need a `multipart/byteranges` answer, which knead does
//! not make: it answers those with the whole file, as RFC 9110 allows.

use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::AsyncReadExt;

use super::content_type;
use crate::live::live_reload::inject_script;

/// How much of a file is read at a time for a streamed body.
const CHUNK_BYTES: usize = 64 * 1024;

/// The answer for the file at `path`, given the request's headers. Only a
/// `200` answer is conditional or ranged: the 404 page is always whole.
pub fn file_response(status: StatusCode, path: &Path, request: &HeaderMap) -> io::Result<Response> {
    let mut file = File::open(path)?;
    let metadata = file.metadata()?;
    let validators = Validators::of(&metadata);
    let ok = status == StatusCode::OK;
    if ok && validators.fresh_for(request) {
        return Ok(validators.mark(StatusCode::NOT_MODIFIED.into_response()));
    }
    let content_type = content_type(path);
    let response = if content_type.starts_with("text/html") {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        html_response(status, bytes)
    } else {
        let wanted = match request.get(header::RANGE) {
            Some(range) if ok && validators.if_range_holds(request) => {
                parse_range(range.to_str().unwrap_or(""), metadata.len())
            }
            _ => Wanted::Whole,
        };
        let mut response = streamed(status, file, metadata.len(), wanted)?;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    };
    Ok(if ok {
        validators.mark(response)
    } else {
        response
    })
}

/// An HTML answer, with the live-reload script; the file on disk never has it.
pub fn html_response(status: StatusCode, bytes: Vec<u8>) -> Response {
    let html = content_type(Path::new("index.html"));
    (status, [(header::CONTENT_TYPE, html)], inject_script(bytes)).into_response()
}

/// The part of a file a request asks for.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    Whole,
    /// From `start` to `end`, both included.
    Part {
        start: u64,
        end: u64,
    },
    /// A range that starts past the end of the file.
    Unsatisfiable,
}

/// A `Range` header's one range, clamped to `len`. Anything else (another
/// unit, several ranges, bad syntax) is answered with the whole file.
fn parse_range(value: &str, len: u64) -> Wanted {
    let Some((unit, spec)) = value.split_once('=') else {
        return Wanted::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Wanted::Whole;
    };
    let last_byte = len.checked_sub(1);
    match (digits(first), digits(last), last_byte) {
        (None, Some(suffix), Some(last_byte)) if first.is_empty() && suffix > 0 => Wanted::Part {
            start: len.saturating_sub(suffix),
            end: last_byte,
        },
        (None, Some(_), _) if first.is_empty() => Wanted::Unsatisfiable,
        (Some(start), None, _) if last.is_empty() => part(start, last_byte, last_byte),
        (Some(start), Some(end), _) if start <= end => part(start, Some(end), last_byte),
        _ => Wanted::Whole,
    }
}

/// Bytes `start` to `end` of a file whose last byte is `last_byte`.
fn part(start: u64, end: Option<u64>, last_byte: Option<u64>) -> Wanted {
    match (end, last_byte) {
        (Some(end), Some(last_byte)) if start <= last_byte => Wanted::Part {
            start,
            end: end.min(last_byte),
        },
        _ => Wanted::Unsatisfiable,
    }
}

/// A number of the range syntax: ASCII digits only.
fn digits(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The answer with the wanted part of `file` (of `len` bytes) as its body.
fn streamed(status: StatusCode, file: File, len: u64, wanted: Wanted) -> io::Result<Response> {
    let (status, start, count, content_range) = match wanted {
        Wanted::Whole => (status, 0, len, None),
        Wanted::Part { start, end } => (
            StatusCode::PARTIAL_CONTENT,
            start,
            end - start + 1,
            Some(format!("bytes {start}-{end}/{len}")),
        ),
        Wanted::Unsatisfiable => {
            let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            insert(
                &mut response,
                header::CONTENT_RANGE,
                &format!("bytes */{len}"),
            );
            return Ok(response);
        }
    };
    let mut response = (status, stream(file, start, count)?).into_response();
    insert(&mut response, header::CONTENT_LENGTH, &count.to_string());
    insert(&mut response, header::ACCEPT_RANGES, "bytes");
    if let Some(content_range) = content_range {
        insert(&mut response, header::CONTENT_RANGE, &content_range);
    }
    Ok(response)
}

/// `count` bytes of `file` from `start`, read a chunk at a time as the
/// client takes them: hyper asks for the next chunk only once the previous
/// ones are on their way.
fn stream(mut file: File, start: u64, count: u64) -> io::Result<Body> {
    file.seek(SeekFrom::Start(start))?;
    let reader = tokio::fs::File::from_std(file).take(count);
    let chunks = futures_util::stream::try_unfold(reader, |mut reader| async move {
        let mut chunk = vec![0; CHUNK_BYTES];
        let read = reader.read(&mut chunk).await?;
        chunk.truncate(read);
        Ok::<_, io::Error>((read > 0).then_some((chunk, reader)))
    });
    Ok(Body::from_stream(chunks))
}

fn insert(response: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// What identifies the version of a file a client may already have.
struct Validators {
    /// Strong: size, modification time and (Unix) inode. knead replaces a
    /// changed file by a rename, so each version has another inode.
    etag: String,
    /// Whole seconds, as HTTP dates have them.
    last_modified: SystemTime,
}

impl Validators {
    fn of(metadata: &Metadata) -> Validators {
        let modified = metadata.modified().unwrap_or(UNIX_EPOCH);
        let since_epoch = modified.duration_since(UNIX_EPOCH).unwrap_or_default();
        Validators {
            etag: format!(
                "\"{:x}-{:x}-{:x}\"",
                metadata.len(),
                since_epoch.as_nanos(),
                inode(metadata)
            ),
            last_modified: UNIX_EPOCH + std::time::Duration::from_secs(since_epoch.as_secs()),
        }
    }

    /// Whether the client's copy is this version: `If-None-Match` decides
    /// when sent (RFC 9110 13.2.2), otherwise `If-Modified-Since`.
    fn fresh_for(&self, request: &HeaderMap) -> bool {
        if let Some(tags) = request.get(header::IF_NONE_MATCH) {
            return tags.to_str().is_ok_and(|tags| {
                tags.split(',')
                    .map(|tag| tag.trim())
                    .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == self.etag)
            });
        }
        http_date(request, header::IF_MODIFIED_SINCE)
            .is_some_and(|since| self.last_modified <= since)
    }

    /// Whether a `Range` applies: without `If-Range`, or when it names this
    /// version exactly (a weak tag never does).
    fn if_range_holds(&self, request: &HeaderMap) -> bool {
        let Some(value) = request.get(header::IF_RANGE) else {
            return true;
        };
        let value = value.to_str().unwrap_or("").trim();
        if value.starts_with('"') || value.starts_with("W/") {
            return value == self.etag;
        }
        http_date(request, header::IF_RANGE) == Some(self.last_modified)
    }

    fn mark(&self, mut response: Response) -> Response {
        insert(&mut response, header::ETAG, &self.etag);
        let date = httpdate::fmt_http_date(self.last_modified);
        insert(&mut response, header::LAST_MODIFIED, &date);
        response
    }
}

fn http_date(request: &HeaderMap, name: header::HeaderName) -> Option<SystemTime> {
    let value = request.get(name)?.to_str().ok()?;
    httpdate::parse_http_date(value.trim()).ok()
}

#[cfg(unix)]
fn inode(metadata: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(metadata)
}

#[cfg(not(unix))]
fn inode(_metadata: &Metadata) -> u64 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_clamped_or_refused_or_ignored() {
        let part = |start, end| Wanted::Part { start, end };
        assert_eq!(parse_range("bytes=0-0", 10), part(0, 0));
        assert_eq!(parse_range("bytes=2-", 10), part(2, 9));
        assert_eq!(parse_range("bytes=-3", 10), part(7, 9));
        assert_eq!(parse_range("bytes=-30", 10), part(0, 9));
        assert_eq!(parse_range("Bytes = 5-50", 10), part(5, 9));
        assert_eq!(parse_range("bytes=10-", 10), Wanted::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 10), Wanted::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Wanted::Unsatisfiable);
        assert_eq!(parse_range("bytes=-5", 0), Wanted::Unsatisfiable);
        for ignored in [
            "bytes=5-2",
            "bytes=0-1,3-4",
            "items=0-1",
            "bytes=+1-2",
            "bytes=x",
            "bytes=-",
        ] {
            assert_eq!(parse_range(ignored, 10), Wanted::Whole, "{ignored}");
        }
    }
}
