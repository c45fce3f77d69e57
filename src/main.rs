//! `sim`: parse the command line, run it, map the error to an exit status.

use clap::Parser;

fn main() {
    let cli = sim::cli::Cli::parse();
    if let Err(error) = sim::cli::execute(cli) {
        // Messages echo input (names, values, file names): escaped and cut once more here,
        // whatever built them, so that nothing from a file reaches the terminal raw.
        eprintln!("error: {}", sim::text::tame_lines(&error.to_string()));
        std::process::exit(error.exit_code());
    }
}
