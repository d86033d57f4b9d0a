#!/usr/bin/env bash
# Runs CI (`.ci/run`) again and again, each time on a fresh clean clone of one commit, to show
# that the suite does not flake. Stops at the first failure and keeps that clone and its log.
#
#   scripts/ci-repeat.sh [-n RUNS] [-j PARALLEL] [-c COMMAND] [--dry-run] [REF]
#
#   -n RUNS      runs to pass (default 20)
#   -j PARALLEL  runs at a time (default 1; 2 keeps both cores of a 2-core machine busy)
#   -c COMMAND   what each clone runs (default: CI=true bash .ci/run)
#   --dry-run    clone and check out only, print what would run, delete the clones
#   REF          the commit to test, as this repository names it (default HEAD)
#
# Each run clones this repository into its own `mktemp -d` directory, checks out REF detached
# and runs COMMAND there with its output in ci.log. A passing run's clone is deleted; a failing
# run's clone (with ci.log) is kept and its path and the end of its log are printed. Exit status:
# 0 if every run passed, 1 at the first failure (runs still going are stopped), 2 on bad usage.
set -euo pipefail

usage() {
  sed -n '6,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

runs=20
parallel=1
command='CI=true bash .ci/run'
dry_run=false
ref=HEAD
while (($# > 0)); do
  case "$1" in
    -n) runs="${2:-}"; shift 2 || usage ;;
    -j) parallel="${2:-}"; shift 2 || usage ;;
    -c) command="${2:-}"; shift 2 || usage ;;
    --dry-run) dry_run=true; shift ;;
    -h | --help) usage ;;
    -*) echo "ci-repeat: unknown option $1" >&2; usage ;;
    *) ref="$1"; shift ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "ci-repeat: -n must be a positive integer, got \"$runs\"" >&2; exit 2; }
[[ "$parallel" =~ ^[1-9][0-9]*$ ]] || { echo "ci-repeat: -j must be a positive integer, got \"$parallel\"" >&2; exit 2; }
[[ -n "$command" ]] || { echo 'ci-repeat: -c needs a command' >&2; exit 2; }

repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
commit="$(git -C "$repo" rev-parse --verify --quiet "$ref^{commit}")" || { echo "ci-repeat: \"$ref\" is not a commit of $repo" >&2; exit 2; }
echo "ci-repeat: $runs run(s) of \`$command\` on clean clones of $commit ($ref), $parallel at a time"

declare -A run_of=() dir_of=() start_of=()
started=0
passed=0
failed=''

# Clones into a fresh directory and starts COMMAND there in its own session (so that stopping it
# stops everything it started).
start_run() {
  local n="$1" dir
  dir="$(mktemp -d "${TMPDIR:-/tmp}/trailcam-ci.XXXXXX")"
  git clone --quiet --no-checkout "$repo" "$dir/repo"
  git -C "$dir/repo" checkout --quiet --detach "$commit"
  # CI has a copy of shared/ beside its clone (the capture fixtures test reads ../shared/captures).
  if [ -d "$repo/../shared" ]; then ln -s "$(cd "$repo/../shared" && pwd)" "$dir/shared"; fi
  if $dry_run; then
    echo "run $n/$runs: would run \`$command\` in $dir/repo ($(git -C "$dir/repo" log -1 --format='%h %s'))"
    rm -rf "$dir"
    passed=$((passed + 1))
    return
  fi
  (cd "$dir/repo" && exec setsid bash -c "$command") >"$dir/ci.log" 2>&1 &
  run_of[$!]="$n"
  dir_of[$!]="$dir"
  start_of[$!]="$SECONDS"
}

stop_others() {
  local pid
  for pid in "${!run_of[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "run ${run_of[$pid]}/$runs: stopped; its clone is kept in ${dir_of[$pid]}"
  done
}
trap 'stop_others; exit 130' INT TERM

while ((passed < runs)) && [[ -z "$failed" ]]; do
  while ((${#run_of[@]} < parallel && started < runs)); do
    started=$((started + 1))
    start_run "$started"
  done
  ((${#run_of[@]} > 0)) || continue
  status=0
  wait -n -p done_pid "${!run_of[@]}" || status=$?
  n="${run_of[$done_pid]}"
  dir="${dir_of[$done_pid]}"
  took=$((SECONDS - start_of[$done_pid]))
  unset "run_of[$done_pid]" "dir_of[$done_pid]" "start_of[$done_pid]"
  if ((status == 0)); then
    passed=$((passed + 1))
    echo "run $n/$runs: passed in ${took} s"
    rm -rf "$dir"
  else
    failed="$dir"
    echo "run $n/$runs: FAILED (exit $status) after ${took} s; clone and log kept in $dir"
    stop_others
  fi
done

if [[ -n "$failed" ]]; then
  echo "---- last 60 lines of $failed/ci.log ----"
  tail -n 60 "$failed/ci.log"
  echo "ci-repeat: failed after $passed passing run(s); full log: $failed/ci.log"
  exit 1
fi
if $dry_run; then echo "ci-repeat: dry run, $runs clone(s) made and deleted, nothing run"; else echo "ci-repeat: all $runs run(s) passed"; fi
