//! `sim`: parse the command line, run it, map the error to an exit status.

use clap::Parser;

fn main() {
    let cli = match sim::cli::Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version: printed to standard output as clap does.
        Err(error) if !error.use_stderr() => error.exit(),
        // clap echoes the values it refuses raw (a carriage return, a C1 control, a bidi
        // override): the message goes through the same escaping as every other error.
        Err(error) => {
            eprint!("{}", sim::text::tame_lines(&error.render().to_string()));
            std::process::exit(error.exit_code());
        }
    };
    if let Err(error) = sim::cli::execute(cli) {
        // Messages echo input (names, values, file names): escaped and cut once more here,
        // whatever built them, so that nothing from a file reaches the terminal raw.
        eprintln!("error: {}", sim::text::tame_lines(&error.to_string()));
        std::process::exit(error.exit_code());
    }
}
