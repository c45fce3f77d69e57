//! `sim`: parse the command line, run it, map the error to an exit status.

use clap::Parser;

fn main() {
    let cli = sim::cli::Cli::parse();
    if let Err(error) = sim::cli::execute(cli) {
        eprintln!("error: {error}");
        std::process::exit(error.exit_code());
    }
}
