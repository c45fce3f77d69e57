//! `sim`: parse the command line, run it, map the error to an exit status. Signals are
//! handled from the start (`sim::interrupt`): 130 after Ctrl-C, 143 after SIGTERM.

use clap::Parser;

fn main() {
    sim::interrupt::install();
    let cli = sim::cli::Cli::parse();
    if let Err(error) = sim::cli::execute(cli) {
        if let sim::cli::CliError::Interrupted(signal) = error {
            sim::interrupt::finish(signal);
        }
        sim::cli::note(&format!("error: {error}"));
        std::process::exit(error.exit_code());
    }
}
