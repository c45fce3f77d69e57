//! `sim`: parse the command line, run it, map the error to an exit status. Signals are
//! handled from the start (`sim::interrupt`): 130 after Ctrl-C, 143 after SIGTERM. Every
//! message goes through `sim::text`, so nothing from an input reaches the terminal raw.

use clap::Parser;

fn main() {
    sim::interrupt::install();
    let cli = match sim::cli::Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version: printed to standard output as clap does.
        Err(error) if !error.use_stderr() => error.exit(),
        // clap echoes the values it refuses raw (a carriage return, a C1 control, a bidi
        // override): the message goes through the same escaping as every other error.
        Err(error) => {
            sim::cli::note(sim::text::tame_lines(&error.render().to_string()).trim_end());
            std::process::exit(error.exit_code());
        }
    };
    if let Err(error) = sim::cli::execute(cli) {
        if let sim::cli::CliError::Interrupted(signal) = error {
            sim::interrupt::finish(signal);
        }
        // Messages echo input (names, values, file names): escaped and cut once more here,
        // whatever built them.
        sim::cli::note(&format!(
            "error: {}",
            sim::text::tame_lines(&error.to_string())
        ));
        std::process::exit(error.exit_code());
    }
}
