#!/bin/sh
# Runs one shard of a sim run on whatever batch engine started it, then (merge step) combines
# the parts. The engine's own variable says which shard this is:
#   Kubernetes Indexed Job   JOB_COMPLETION_INDEX  (0-based)
#   Slurm job array          SLURM_ARRAY_TASK_ID   (as given to --array; use --array=0-(N-1))
#   GitHub Actions matrix    SIM_SHARD_INDEX       (0-based, from the matrix)
#   HTCondor                 SIM_SHARD_INDEX       (0-based: arguments = $(Process))
# Required: SIM_SCENARIO (the scenario file), SIM_SHARDS (N), SIM_PARTS (a directory shared by
# every shard: a volume, an NFS mount, or an object-store sync). Optional: SIM_TRIALS,
# SIM_SEED, SIM (the binary, default "sim").
#   deploy/shard.sh run     runs this task's shard into $SIM_PARTS/part-K-of-N.json
#   deploy/shard.sh merge   merges every part into $SIM_PARTS/report.json (and prints the table)
set -eu

: "${SIM_SCENARIO:?set SIM_SCENARIO to the scenario file}"
: "${SIM_SHARDS:?set SIM_SHARDS to the number of shards}"
: "${SIM_PARTS:?set SIM_PARTS to the directory the parts go to}"
SIM="${SIM:-sim}"

index="${JOB_COMPLETION_INDEX:-${SLURM_ARRAY_TASK_ID:-${SIM_SHARD_INDEX:-}}}"

options=""
if [ -n "${SIM_TRIALS:-}" ]; then options="$options --trials $SIM_TRIALS"; fi
if [ -n "${SIM_SEED:-}" ]; then options="$options --seed $SIM_SEED"; fi

case "${1:-run}" in
  run)
    : "${index:?no shard index: set JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or SIM_SHARD_INDEX}"
    case "$index$SIM_SHARDS" in
      *[!0-9]*)
        echo "shard index \"$index\" and SIM_SHARDS \"$SIM_SHARDS\" must be whole numbers" >&2
        exit 2
        ;;
    esac
    if [ "$index" -ge "$SIM_SHARDS" ]; then
      echo "shard index $index is not below SIM_SHARDS=$SIM_SHARDS: indices are 0-based (Slurm: --array=0-$((SIM_SHARDS - 1)))" >&2
      exit 2
    fi
    k=$((index + 1))
    mkdir -p "$SIM_PARTS"
    # shellcheck disable=SC2086 # $options is a list of flags
    exec "$SIM" run "$SIM_SCENARIO" $options --quiet --shard "$k/$SIM_SHARDS" \
      --output "$SIM_PARTS/part-$k-of-$SIM_SHARDS.json"
    ;;
  merge)
    exec "$SIM" merge "$SIM_PARTS"/part-*-of-"$SIM_SHARDS".json \
      --output "$SIM_PARTS/report.json"
    ;;
  *)
    echo "usage: $0 run|merge" >&2
    exit 2
    ;;
esac
