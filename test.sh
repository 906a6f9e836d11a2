#!/usr/bin/env bash
# Runs the whole test suite: unit tests, the parser fuzz test, and the integration tests that start the
# real server and drive it with real SIP clients. Installs what the tests need first.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-test-deps.sh

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
dotnet test Presence.Orleans.sln -c Release --logger "trx" --results-directory "$results" "$@" || status=$?

# One closing line for the whole run, summed over every test project.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed)))
  skipped=$((skipped + $(get notExecuted)))
  # Name what failed, so a CI log says which test without the .trx (which goes with the temporary directory).
  grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | grep -o 'testName="[^"]*"' | sed 's/^testName=/FAILED: /' || true
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$passed" -gt 0 ] || { echo "No test ran." >&2; exit 1; }
exit $status
