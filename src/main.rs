//! The `knead` command line: parses arguments, runs the library, prints the
//! outcome and maps it to an exit code (0 ok, 1 site errors, 2 usage errors).

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use kneading::progress::{Progress, TerminalProgress};
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::from(err.exit_code() as u8)
        }
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
    let unchanged = if summary.up_to_date {
        " (nothing changed)"
    } else {
        ""
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
