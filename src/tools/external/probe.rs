//! One external URL checked over HTTP: `HEAD` first (no body to download),
//! `GET` when the server refuses `HEAD` or answers it with an error, since
//! many servers answer `HEAD` wrongly. Redirects are followed here, one hop at
//! a time, so that loops and permanent moves can be named. A timeout, a 429
//! and a server error (5xx) are tried again after a pause that doubles each
//! time, or after the 429's `Retry-After` when that is short enough.
//!
//! What counts as broken is narrow on purpose (the lesson of zola#3019):
//! 404, 410, no such host, a refused connection, a TLS failure, a redirect
//! loop. A server that refuses robots (401, 403, a bot wall), limits them
//! (429) or fails (5xx) says nothing about the link, which is "not verified".

use std::sync::Arc;
use std::time::Duration;

use ureq::http::StatusCode;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

use crate::load::config::ExternalLinksConfig;

/// Hops followed before a chain counts as broken, as browsers do (Chrome: 20,
/// Firefox: 20; curl: 50): ten is already far past any sane chain.
pub const MAX_REDIRECTS: usize = 10;
/// The longest `Retry-After` honoured: a server asking for more is not
/// waited for, and the link is not verified this time.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(30);
/// The pause before the first retry; each later one doubles it.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// What a check found out about one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The server answered 2xx, perhaps after redirects.
    Working { moved: Option<Moved> },
    /// The link leads nowhere: the reason, such as `404 Not Found`.
    Broken(String),
    /// The server would not say: the reason and what the author can do.
    Unverified { reason: String, help: &'static str },
}

/// The link's first redirects were permanent (301 or 308): where they lead,
/// and the first status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub to: String,
    pub status: u16,
}

/// Where one request led: to a verdict, or on to another URL.
enum Hop {
    End(Verdict),
    Redirect { to: String, status: u16 },
}

/// The status line and headers of one answer; the body is never read.
struct Answer {
    status: u16,
    location: Option<String>,
    retry_after: Option<Duration>,
    bot_wall: bool,
}

/// Why a link whose host has no address is broken.
pub const NO_SUCH_HOST: &str = "no such host";
const HELP_REFUSED: &str = "the server refuses automated requests; open the link in a browser, \
     and if it works, add it to `external_links.skip` in site.yaml to stop checking it";
const HELP_RATE_LIMITED: &str = "the server limits requests; it is checked again on the next run (lower `external_links.max_per_host` to be gentler)";
const HELP_TIMEOUT: &str = "the server may be slow or down; open the link in a browser, or raise `external_links.timeout` in site.yaml";
const HELP_SERVER: &str = "the server failed or answered oddly; open the link in a browser, it is checked again on the next run";

pub struct Prober {
    agent: ureq::Agent,
    retries: u32,
    timeout: Duration,
}

impl Prober {
    pub fn new(config: &ExternalLinksConfig) -> Prober {
        // The system's trusted roots: what a reader's browser trusts too.
        let roots: Vec<Certificate<'static>> = rustls_native_certs::load_native_certs()
            .certs
            .iter()
            .map(|der| Certificate::from_der(der).to_owned())
            .collect();
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::new_with_certs(&roots))
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(config.timeout))
            .user_agent(concat!(
                "knead/",
                env!("CARGO_PKG_VERSION"),
                " (link checker)"
            ))
            .tls_config(tls)
            .build()
            .new_agent();
        Prober {
            agent,
            retries: config.retries,
            timeout: config.timeout,
        }
    }

    /// Follows `url` through its redirects to a verdict.
    pub fn check(&self, url: &str) -> Verdict {
        if let Some(problem) = unsupported(url) {
            return problem;
        }
        let mut current = request_url(url);
        let mut chain = vec![current.clone()];
        let mut moved: Option<Moved> = None;
        let mut only_permanent = true;
        for _ in 0..=MAX_REDIRECTS {
            let hop = match self.answer(&current) {
                Ok(answer) => match (answer.status, &answer.location) {
                    (301 | 302 | 303 | 307 | 308, Some(location)) => Hop::Redirect {
                        to: join_location(&current, location),
                        status: answer.status,
                    },
                    (200..=299, _) => return Verdict::Working { moved },
                    _ => Hop::End(classify(&answer)),
                },
                Err(failure) => Hop::End(self.failure(failure)),
            };
            let (next, status) = match hop {
                Hop::End(verdict) if chain.len() > 1 => return after_redirects(verdict, &current),
                Hop::End(verdict) => return verdict,
                Hop::Redirect { to, status } => (to, status),
            };
            only_permanent &= matches!(status, 301 | 308);
            if only_permanent {
                let status = moved.as_ref().map_or(status, |m| m.status);
                moved = Some(Moved {
                    to: next.clone(),
                    status,
                });
            }
            if chain.contains(&next) {
                chain.push(next);
                return Verdict::Broken(format!("redirect loop: {}", chain.join(" → ")));
            }
            chain.push(next.clone());
            current = next;
        }
        Verdict::Broken(format!("more than {MAX_REDIRECTS} redirects"))
    }

    /// One hop's answer, tried again while the failure may pass.
    fn answer(&self, url: &str) -> Result<Answer, ureq::Error> {
        let mut retried = 0;
        loop {
            let result = self.head_then_get(url);
            let pause = match &result {
                Ok(answer) if answer.status == 429 => match answer.retry_after {
                    Some(wait) if wait > RETRY_AFTER_CAP => None,
                    Some(wait) => Some(wait),
                    None => Some(backoff(retried)),
                },
                Ok(answer) if answer.status >= 500 && !answer.bot_wall => Some(backoff(retried)),
                Err(error) if passing(error) => Some(backoff(retried)),
                _ => None,
            };
            match pause {
                Some(pause) if retried < self.retries => {
                    std::thread::sleep(pause);
                    retried += 1;
                }
                _ => return result,
            }
        }
    }

    fn head_then_get(&self, url: &str) -> Result<Answer, ureq::Error> {
        let head = answer_of(self.agent.head(url).call()?);
        // 405 and 501 say "no HEAD here"; other errors are often wrong too,
        // so GET has the last word. A 429 is not pressed further.
        if head.status >= 400 && head.status != 429 {
            return Ok(answer_of(self.agent.get(url).call()?));
        }
        Ok(head)
    }

    fn failure(&self, error: ureq::Error) -> Verdict {
        let unverified = |reason: String, help| Verdict::Unverified { reason, help };
        match error {
            ureq::Error::Timeout(_) => unverified(
                format!("no answer within {}", seconds(self.timeout)),
                HELP_TIMEOUT,
            ),
            ureq::Error::HostNotFound => Verdict::Broken(NO_SUCH_HOST.into()),
            ureq::Error::Tls(reason) => Verdict::Broken(format!("TLS error: {reason}")),
            ureq::Error::Rustls(reason) => Verdict::Broken(format!("TLS error: {reason}")),
            ureq::Error::BadUri(reason) => Verdict::Broken(format!("not a valid URL: {reason}")),
            ureq::Error::Http(reason) => Verdict::Broken(format!("not a valid URL: {reason}")),
            ureq::Error::Io(io) => self.io_failure(&io),
            other => unverified(other.to_string(), HELP_SERVER),
        }
    }

    fn io_failure(&self, io: &std::io::Error) -> Verdict {
        use std::io::ErrorKind;
        let tls = io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        if let Some(reason) = tls {
            return Verdict::Broken(format!("TLS error: {reason}"));
        }
        let text = io.to_string();
        match io.kind() {
            ErrorKind::ConnectionRefused => Verdict::Broken("connection refused".into()),
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Verdict::Unverified {
                reason: format!("no answer within {}", seconds(self.timeout)),
                help: HELP_TIMEOUT,
            },
            _ if is_dns_failure(&text) => dns_verdict(&text),
            _ => Verdict::Unverified {
                reason: format!("the connection failed: {text}"),
                help: HELP_SERVER,
            },
        }
    }
}

/// A verdict on where redirects led, saying where that was.
fn after_redirects(verdict: Verdict, at: &str) -> Verdict {
    match verdict {
        Verdict::Broken(reason) => Verdict::Broken(format!("{reason} at {at}, where it redirects")),
        Verdict::Unverified { reason, help } => Verdict::Unverified {
            reason: format!("{reason} at {at}, where it redirects"),
            help,
        },
        working => working,
    }
}

/// The status, redirect target, requested pause and bot-wall signs of an
/// answer.
fn answer_of(response: ureq::http::Response<ureq::Body>) -> Answer {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    };
    let status = response.status().as_u16();
    let bot_wall = header("cf-mitigated").is_some_and(|v| v.eq_ignore_ascii_case("challenge"))
        || header("x-amzn-waf-action").is_some()
        || (matches!(status, 403 | 503)
            && header("server").is_some_and(|s| s.eq_ignore_ascii_case("cloudflare")));
    Answer {
        status,
        location: header("location"),
        retry_after: header("retry-after").and_then(|v| parse_retry_after(&v)),
        bot_wall,
    }
}

/// `Retry-After` as seconds, or as an HTTP date (counted from now).
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// The verdict on a final answer that is neither 2xx nor a redirect.
fn classify(answer: &Answer) -> Verdict {
    let status = status_text(answer.status);
    let unverified = |reason: String, help| Verdict::Unverified { reason, help };
    match answer.status {
        _ if answer.bot_wall => unverified(format!("{status}, a bot wall"), HELP_REFUSED),
        404 | 410 => Verdict::Broken(status),
        401 | 403 | 999 => unverified(status, HELP_REFUSED),
        429 => match answer.retry_after {
            Some(wait) if wait > RETRY_AFTER_CAP => unverified(
                format!("{status}; the server asked to wait {}", seconds(wait)),
                HELP_RATE_LIMITED,
            ),
            _ => unverified(status, HELP_RATE_LIMITED),
        },
        300..=399 => unverified(format!("{status} without a Location"), HELP_SERVER),
        _ => unverified(status, HELP_SERVER),
    }
}

/// `404 Not Found`; `999` for a status without a standard name.
fn status_text(status: u16) -> String {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason());
    match reason {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0}s")
    } else {
        format!("{secs}s")
    }
}

/// 0.5 s, 1 s, 2 s, … but never longer than the longest `Retry-After`
/// honoured, however many `retries` site.yaml asks for.
fn backoff(retried: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1 << retried.min(16))
        .min(RETRY_AFTER_CAP)
}

/// Failures worth another try: the network or server may recover.
fn passing(error: &ureq::Error) -> bool {
    use std::io::ErrorKind;
    match error {
        ureq::Error::Timeout(_) => true,
        ureq::Error::Io(io) => matches!(
            io.kind(),
            ErrorKind::TimedOut
                | ErrorKind::WouldBlock
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::UnexpectedEof
        ),
        _ => false,
    }
}

/// The resolver's words for a name that does not exist (glibc, musl, macOS).
fn is_dns_failure(text: &str) -> bool {
    [
        "failed to lookup address",
        "Name or service not known",
        "nodename nor servname",
        "No address associated",
    ]
    .iter()
    .any(|sign| text.contains(sign))
}

/// A name the resolver could not look up: it does not exist (broken), or
/// no DNS server answered (EAI_AGAIN: likely this machine is offline, which
/// says nothing about the link).
fn dns_verdict(text: &str) -> Verdict {
    if text.contains("Temporary failure") || text.contains("try again") {
        return Verdict::Unverified {
            reason: "the host name could not be looked up (no DNS server answered)".into(),
            help: "check this machine's network connection, then run the check again",
        };
    }
    Verdict::Broken("no such host".into())
}

/// The URL to request: without its fragment (never sent), `//host` as
/// HTTPS, and characters HTTP does not allow in a request line
/// percent-encoded, as browsers do.
pub fn request_url(written: &str) -> String {
    let without_fragment = written.split('#').next().unwrap_or_default();
    let absolute = match without_fragment.strip_prefix("//") {
        Some(rest) => format!("https://{rest}"),
        None => without_fragment.to_string(),
    };
    const UNSAFE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'|')
        .add(b'\\')
        .add(b'^');
    percent_encoding::utf8_percent_encode(&absolute, UNSAFE).to_string()
}

/// A URL knead cannot request: an internationalised host name needs IDNA,
/// which knead does not implement.
fn unsupported(url: &str) -> Option<Verdict> {
    let host = host_of(url);
    (!host.is_ascii()).then(|| Verdict::Unverified {
        reason: "knead cannot check host names written in non-ASCII letters".into(),
        help: "write the host in its ASCII (xn--…) form, or add the URL to `external_links.skip` in site.yaml",
    })
}

/// The `host:port` of a URL, lowercase: what the per-host limit counts.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.trim_start_matches('/');
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    host.to_ascii_lowercase()
}

/// Where a `Location` header leads from `base`.
fn join_location(base: &str, location: &str) -> String {
    let location = location.trim();
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    if location.contains("://") {
        return location.to_string();
    }
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{scheme}://{rest}");
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..authority_end]);
    if location.starts_with('/') {
        return format!("{origin}{location}");
    }
    let path = &rest[authority_end..];
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
    if location.starts_with('?') {
        return format!("{origin}{path}{location}");
    }
    format!("{origin}{folder}/{location}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_against_the_url_that_redirected() {
        let base = "https://a.org/docs/page?x=1";
        assert_eq!(join_location(base, "http://b.org/y"), "http://b.org/y");
        assert_eq!(join_location(base, "//c.org/z"), "https://c.org/z");
        assert_eq!(join_location(base, "/root"), "https://a.org/root");
        assert_eq!(join_location(base, "other"), "https://a.org/docs/other");
        assert_eq!(join_location(base, "?y=2"), "https://a.org/docs/page?y=2");
        assert_eq!(join_location("http://h:8/", "next"), "http://h:8/next");
    }

    #[test]
    fn request_urls_drop_the_fragment_and_encode_what_http_forbids() {
        assert_eq!(request_url("https://a.org/x#part"), "https://a.org/x");
        assert_eq!(request_url("//a.org/x"), "https://a.org/x");
        assert_eq!(
            request_url("https://a.org/Zürich page"),
            "https://a.org/Z%C3%BCrich%20page"
        );
        assert!(unsupported("https://bücher.de/").is_some());
        assert!(unsupported("https://a.org/bücher").is_none());
    }

    #[test]
    fn an_address_that_cannot_be_requested_is_broken_without_a_request() {
        let prober = Prober::new(&ExternalLinksConfig::default());
        for url in ["http://exa mple.org/", "http://"] {
            let verdict = prober.check(url);
            assert!(
                matches!(&verdict, Verdict::Broken(reason) if reason.starts_with("not a valid URL: ")),
                "{url}: {verdict:?}"
            );
        }
    }

    #[test]
    fn hosts_are_counted_by_authority_without_user() {
        assert_eq!(
            host_of("https://User@Example.org:8080/x"),
            "example.org:8080"
        );
        assert_eq!(host_of("http://127.0.0.1:9/a?b"), "127.0.0.1:9");
    }

    #[test]
    fn pauses_double_up_to_the_cap() {
        let pauses: Vec<u64> = [0, 1, 2, 6, 40]
            .map(|n| backoff(n).as_millis() as u64)
            .to_vec();
        assert_eq!(pauses, [500, 1_000, 2_000, 30_000, 30_000]);
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn only_gone_pages_are_broken_and_refusals_are_not_verified() {
        let answer = |status, bot_wall, retry_after| Answer {
            status,
            location: None,
            retry_after,
            bot_wall,
        };
        assert_eq!(
            classify(&answer(404, false, None)),
            Verdict::Broken("404 Not Found".into())
        );
        assert_eq!(
            classify(&answer(410, false, None)),
            Verdict::Broken("410 Gone".into())
        );
        for status in [401, 403, 429, 500, 999] {
            let verdict = classify(&answer(status, false, None));
            assert!(matches!(verdict, Verdict::Unverified { .. }), "{status}");
        }
        let wall = classify(&answer(404, true, None));
        assert!(
            matches!(wall, Verdict::Unverified { reason, .. } if reason == "404 Not Found, a bot wall")
        );
        let long = classify(&answer(429, false, Some(Duration::from_secs(3600))));
        assert!(matches!(long, Verdict::Unverified { reason, .. }
            if reason == "429 Too Many Requests; the server asked to wait 3600s"));
    }

    #[test]
    fn dns_failures_are_recognised_by_the_resolvers_words() {
        assert!(is_dns_failure(
            "failed to lookup address information: Name or service not known"
        ));
        assert!(!is_dns_failure("connection reset by peer"));
        let missing = "failed to lookup address information: Name or service not known";
        assert_eq!(dns_verdict(missing), Verdict::Broken("no such host".into()));
        let offline = "failed to lookup address information: Temporary failure in name resolution";
        assert!(matches!(dns_verdict(offline), Verdict::Unverified { .. }));
    }
}
