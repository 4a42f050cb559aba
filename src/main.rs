//! The `knead` command line: parses arguments, runs the library, prints the
//! outcome and maps it to an exit code (0 ok, 1 site errors, 2 usage errors).

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use kneading::check::{CheckOptions, CheckReport, check};
use kneading::diagnostic::Error;
use kneading::init::init;
use kneading::new_page::{NewPage, new_page};
use kneading::progress::{Progress, TerminalProgress};
use kneading::schema::{SchemaKind, SchemaRequest, make_schemas};
use kneading::serve::{ServeOptions, serve};
use kneading::watch::build_and_watch;
use kneading::{BuildOptions, BuildSummary, build};

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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
            watch,
            quiet,
        } => {
            let options = BuildOptions {
                root,
                output_dir: output,
                base_url,
                drafts,
                progress: progress_display(quiet),
            };
            let report = reporter(quiet);
            if watch {
                build_and_watch(&options, report)
            } else {
                build(&options).map(|summary| report(&summary))
            }
        }
        Command::Serve {
            root,
            output,
            bind,
            port,
            open,
            drafts,
            quiet,
        } => serve(&ServeOptions {
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
        } => match check(&CheckOptions {
            root,
            base_url,
            drafts,
            strict,
        }) {
            Ok(report) => return print_report(&report),
            Err(err) => Err(err),
        },
        Command::Init { dir } => init(&dir).map(|created| println!("{}", created.render_message())),
        Command::New { path, root } => {
            let request = NewPage {
                root,
                path,
                date: jiff::Zoned::now().date(),
            };
            let created = new_page(&request).map(|files| print_files("created", &files));
            return finish(created, "nothing was created");
        }
        Command::Schema { which, root, out } => {
            let request = SchemaRequest {
                root,
                kind: which.map(SchemaKind::from),
                out_dir: out,
            };
            let made = make_schemas(&request).map(|made| {
                for warning in &made.warnings {
                    eprintln!("{warning}");
                }
                print!("{}", made.printed);
                print_files("wrote", &made.written);
            });
            return finish(made, "no schema was written");
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::from(err.exit_code() as u8)
        }
    }
}

/// The exit code of a command that builds nothing; site.yaml errors are
/// listed as a build lists them, with what they mean for this command.
fn finish(result: Result<(), Error>, outcome: &str) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Build(diagnostics)) => {
            for diagnostic in &diagnostics {
                eprintln!("{diagnostic}");
            }
            eprintln!("{outcome}");
            ExitCode::from(1)
        }
        Err(err) => {
            eprintln!("{err}");
            ExitCode::from(err.exit_code() as u8)
        }
    }
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

/// The check's findings, then its summary, on standard output: they are what
/// the command is for.
fn print_report(report: &CheckReport) -> ExitCode {
    for diagnostic in &report.diagnostics {
        println!("{diagnostic}");
    }
    println!("{}", report.summary());
    ExitCode::from(report.exit_code() as u8)
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
