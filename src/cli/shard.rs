//! `--shard K/N` on `sim run` and `sim compare`: run this shard's part of the trials and
//! write it as a partial result for `sim merge` (docs/scale.md).

use std::path::PathBuf;

use super::progress::with_progress;
use super::{write_file, CliError, SimOptions};
use crate::scenario::Scenario;
use crate::shard::{run_shard, ShardSpec, Source};

/// Runs shard `spec` of `scenarios` (loaded from `files`, with the seed and trial count
/// they share) for `command` ("run", "compare" or "check", with what a check holds the
/// merged run to) and writes the part to `output`.
pub fn write_part(
    command: &str,
    files: &[PathBuf],
    scenarios: &[Scenario],
    options: &SimOptions,
    output: Option<&std::path::Path>,
    check: Option<crate::shard::CheckSpec>,
    spec: ShardSpec,
) -> Result<(), CliError> {
    let refuse = |why: &str| {
        Err(CliError::Input(format!(
            "--shard {}/{}: {why}",
            spec.index, spec.count
        )))
    };
    if options.precision.is_some() {
        return refuse("a run to a precision decides its trial count as it goes, which shards cannot share: give --trials (sim plan FILE --precision R estimates how many)");
    }
    let Some(output) = output else {
        return refuse("give --output PATH for the partial result (sim merge reads the parts)");
    };
    let sources = files
        .iter()
        .map(|path| {
            let file = path.display().to_string();
            crate::scenario::read_scenario(path)
                .map(|text| Source {
                    file: file.clone(),
                    text,
                })
                .map_err(CliError::from)
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The merge loads the scenarios from this text: it must be what was simulated (a pipe
    // read twice is empty the second time).
    for (source, scenario) in sources.iter().zip(scenarios) {
        let reread = crate::scenario::load_str(&source.text, &source.file).map_err(|e| {
            CliError::Input(format!(
                "{}: read again for the part, it no longer loads ({e}): give a regular file",
                source.file
            ))
        })?;
        if reread.name != scenario.name || reread.components.len() != scenario.components.len() {
            return Err(CliError::Input(format!(
                "{}: the file changed while it was read: give a file that stays put",
                source.file
            )));
        }
    }
    let total = scenarios[0].simulation.trials;
    let (from, to) = crate::shard::chunk_range(total, spec);
    let chunk = crate::montecarlo::CHUNK_TRIALS;
    let trials = (to * chunk).min(total) - (from * chunk).min(total);
    let part = with_progress(options.progress(), trials, |progress| {
        options.install(|| run_shard(command, scenarios, &sources, check, spec, progress))
    })?;
    let json = serde_json::to_string(&part).expect("serializes") + "\n";
    write_file(output, json.as_bytes())?;
    super::note(&format!(
        "wrote shard {}/{} of sim {command} ({trials} trials) to {}",
        spec.index,
        spec.count,
        output.display()
    ));
    Ok(())
}
