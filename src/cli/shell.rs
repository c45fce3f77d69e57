//! `sim completions SHELL` and `sim man`: shell completions and a man page generated from
//! the clap definitions (clap_complete and clap_mangen, the clap project's own generators),
//! so they never drift from the options they describe.

use clap::CommandFactory;

use super::{emit, Cli, CliError};

/// The shells `sim completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

/// Prints the completion script for `shell`.
pub fn completions(shell: Shell) -> Result<(), CliError> {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Elvish => S::Elvish,
        Shell::Powershell => S::PowerShell,
    };
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "sim", &mut out);
    emit(&String::from_utf8_lossy(&out));
    Ok(())
}

/// Prints the man page (roff) of `sim`, its options and subcommands.
pub fn man() -> Result<(), CliError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| CliError::Input(format!("cannot render the man page: {e}")))?;
    emit(&String::from_utf8_lossy(&out));
    Ok(())
}
