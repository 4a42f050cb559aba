//! The `knead` command line: parses arguments (`--base-url` into a typed
//! base URL, once), runs one small function per command, prints what the
//! library returns and maps the outcome to an exit code in one place (0 ok,
//! 1 site errors, 2 usage errors).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use kneading::diagnostic::Error;
use kneading::live::serve::{ServeOptions, serve};
use kneading::live::watch::build_and_watch;
use kneading::load::config::BaseUrl;
use kneading::output::progress::{Progress, TerminalProgress};
use kneading::pipeline::{BuildOptions, BuildSummary, build, failure_report};
use kneading::tools::check::{CheckOptions, check};
use kneading::tools::init::init;
use kneading::tools::new_page::{NewPage, new_page};
use kneading::tools::schema::{SchemaKind, SchemaRequest, make_schemas};

#[derive(Parser)]
#[command(
    name = "knead",
    version,
    about = "A static site generator for documentation-style sites"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder.
    Build {
        /// The site folder (with site.yaml). Default: the current folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site. Default: ROOT/output.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Replace site.yaml's base_url, e.g. for deploy previews.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Keep running and rebuild on every change (Ctrl+C to stop).
        #[arg(long)]
        watch: bool,
        /// Print no progress bar and no summary; warnings and errors are still printed.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Build the site at a local address, serve it, and rebuild and reload on every change.
    Serve {
        /// The site folder (with site.yaml). Default: the current folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site. Default: ROOT/output.
        #[arg(long)]
        output: Option<PathBuf>,
        /// The address to listen on; anything but loopback is visible to the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
        /// The port; when busy, the next free one. 0 picks any free port.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Open the site in a browser.
        #[arg(long)]
        open: bool,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Print no progress bar and no build summaries; warnings and errors are still printed.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Build the site in memory, writing nothing, and report errors and warnings.
    Check {
        /// The site folder (with site.yaml). Default: the current folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Fail (exit code 1) on warnings too.
        #[arg(long)]
        strict: bool,
        /// Include pages marked `draft: true`; links to them become warnings.
        #[arg(long)]
        drafts: bool,
        /// Replace site.yaml's base_url.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Check review dates as of this day (YYYY-MM-DD) instead of today,
        /// so that a check gives the same result whenever it runs.
        #[arg(long, value_name = "DATE", value_parser = parse_today)]
        today: Option<jiff::civil::Date>,
        /// Also request every link and image to another site (never done by
        /// build or serve); working ones are cached for `external_links.cache_for`.
        #[arg(long)]
        external: bool,
    },
    /// Create a new site with the bundled theme in DIR (new or empty).
    Init {
        /// The folder to create the site in.
        dir: PathBuf,
    },
    /// Create a draft page with its front matter filled in, and a section
    /// `_index.md` for every folder it creates.
    New {
        /// The new page, relative to content/ (e.g. guides/first-session.md).
        path: PathBuf,
        /// The site folder (with site.yaml). Default: the current folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Print or write JSON Schemas for site.yaml and front matter, for editors.
    Schema {
        /// Which schema to print; with --out, which to write (default: both).
        #[arg(value_enum)]
        which: Option<Which>,
        /// The site whose taxonomies go into the front-matter schema.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Write site.schema.json and front-matter.schema.json into this folder.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Which {
    /// The schema of site.yaml.
    Site,
    /// The schema of front matter, with the site's taxonomies.
    FrontMatter,
}

impl From<Which> for SchemaKind {
    fn from(which: Which) -> SchemaKind {
        match which {
            Which::Site => SchemaKind::Site,
            Which::FrontMatter => SchemaKind::FrontMatter,
        }
    }
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
            watch,
            quiet,
        } => base_url_flag(base_url).and_then(|base_url| {
            let options = BuildOptions {
                root,
                output_dir: output,
                base_url,
                drafts,
                progress: progress_display(quiet),
            };
            run_build(options, watch, quiet)
        }),
        Command::Serve {
            root,
            output,
            bind,
            port,
            open,
            drafts,
            quiet,
        } => run_serve(ServeOptions {
            build: BuildOptions {
                root,
                output_dir: output,
                base_url: None,
                drafts,
                progress: progress_display(quiet),
            },
            bind,
            port,
            open,
            report_build: reporter(quiet),
        }),
        Command::Check {
            root,
            strict,
            drafts,
            base_url,
            today,
            external,
        } => base_url_flag(base_url).and_then(|base_url| {
            run_check(CheckOptions {
                build: BuildOptions {
                    root,
                    base_url,
                    drafts,
                    ..BuildOptions::default()
                },
                strict,
                today,
                external,
            })
        }),
        Command::Init { dir } => run_init(&dir),
        Command::New { path, root } => run_new(NewPage {
            root,
            path,
            date: jiff::Zoned::now().date(),
        }),
        Command::Schema { which, root, out } => run_schema(SchemaRequest {
            root,
            kind: which.map(SchemaKind::from),
            out_dir: out,
        }),
    };
    match outcome {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("{}", failure.report);
            ExitCode::from(failure.error.exit_code() as u8)
        }
    }
}

/// A command that failed: the error, and the report to print for it (the
/// error with what it meant for this command).
struct Failure {
    error: Error,
    report: String,
}

impl Failure {
    /// A failure whose report says, after the error's problems, what the
    /// command left undone.
    fn with_outcome(error: Error, outcome: &str) -> Failure {
        let report = match &error {
            Error::Build(_) => format!("{error}\n{outcome}"),
            Error::Usage(_) => error.to_string(),
        };
        Failure { error, report }
    }
}

impl From<Error> for Failure {
    /// A build's failure, reported as `knead build` reports it.
    fn from(error: Error) -> Failure {
        Failure {
            report: failure_report(&error),
            error,
        }
    }
}

type Outcome = Result<ExitCode, Failure>;

/// `--base-url`, parsed once here; the pipeline puts it in place of
/// site.yaml's `base_url`.
fn base_url_flag(flag: Option<String>) -> Result<Option<BaseUrl>, Failure> {
    let parse = |text: String| {
        BaseUrl::parse(&text).map_err(|problem| Error::Usage(format!("--base-url {problem}")))
    };
    Ok(flag.map(parse).transpose()?)
}

fn run_build(options: BuildOptions, watch: bool, quiet: bool) -> Outcome {
    let report = reporter(quiet);
    if watch {
        build_and_watch(&options, report)?;
    } else {
        report(&build(&options)?);
    }
    Ok(ExitCode::SUCCESS)
}

fn run_serve(options: ServeOptions) -> Outcome {
    serve(&options)?;
    Ok(ExitCode::SUCCESS)
}

/// The check's findings, then its summary, on standard output: they are what
/// the command is for.
fn parse_today(text: &str) -> Result<jiff::civil::Date, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a date such as 2026-12-02"))
}

fn run_check(options: CheckOptions) -> Outcome {
    let report = check(&options)?;
    for diagnostic in &report.diagnostics {
        println!("{diagnostic}");
    }
    if let Some(external) = &report.external {
        println!("{}", external.summary());
    }
    println!("{}", report.summary());
    Ok(ExitCode::from(report.exit_code() as u8))
}

fn run_init(dir: &Path) -> Outcome {
    let created = init(dir).map_err(|err| Failure::with_outcome(err, "nothing was created"))?;
    println!("{}", created.render_message());
    Ok(ExitCode::SUCCESS)
}

fn run_new(request: NewPage) -> Outcome {
    let files =
        new_page(&request).map_err(|err| Failure::with_outcome(err, "nothing was created"))?;
    print_files("created", &files);
    Ok(ExitCode::SUCCESS)
}

fn run_schema(request: SchemaRequest) -> Outcome {
    let made = make_schemas(&request)
        .map_err(|err| Failure::with_outcome(err, "no schema was written"))?;
    for warning in &made.warnings {
        eprintln!("{warning}");
    }
    print!("{}", made.printed);
    print_files("wrote", &made.written);
    Ok(ExitCode::SUCCESS)
}

fn print_files(verb: &str, files: &[PathBuf]) {
    for file in files {
        println!("{verb} {}", file.display());
    }
}

/// A progress bar on a terminal, unless `--quiet`.
fn progress_display(quiet: bool) -> Option<Arc<dyn Progress>> {
    if quiet {
        return None;
    }
    TerminalProgress::for_stderr().map(|bar| Arc::new(bar) as Arc<dyn Progress>)
}

fn reporter(quiet: bool) -> fn(&BuildSummary) {
    if quiet { print_warnings } else { print_summary }
}

fn print_warnings(summary: &BuildSummary) {
    for warning in &summary.warnings {
        eprintln!("{warning}");
    }
}

fn print_summary(summary: &BuildSummary) {
    print_warnings(summary);
    let unchanged = match summary.updated_files {
        _ if summary.up_to_date => " (nothing changed)".to_string(),
        Some(files) => format!(
            " (incremental: {files} {} updated)",
            plural(files, "file", "files")
        ),
        None => String::new(),
    };
    println!(
        "built {} {}, {} {}, {} {} in {} ms into {}{unchanged}",
        summary.pages,
        plural(summary.pages, "page", "pages"),
        summary.sections,
        plural(summary.sections, "section", "sections"),
        summary.assets,
        plural(summary.assets, "asset", "assets"),
        summary.elapsed.as_millis(),
        summary.output_dir.display(),
    );
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
