#!/usr/bin/env bash
# The whole suite: setup, typecheck, lint, client build, then unit, integration (with a real Redis
# the suite starts on a free port) and browser end-to-end tests (Debian's Chromium).
# Every phase runs even when an earlier one fails; the exit code says whether all passed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CHUNFENG_ROOT"
started=$SECONDS

bash scripts/setup.sh || die "setup failed"

results=.test-results
logs=.test-logs
rm -rf "$results" "$logs" && mkdir -p "$results" "$logs"
failed=()

phase() {
  local name="$1"; shift
  local t0=$SECONDS
  say "── $name"
  if "$@"; then
    say "── $name passed ($((SECONDS - t0)) s)"
  else
    warn "── $name FAILED ($((SECONDS - t0)) s)"
    failed+=("$name")
  fi
}

# vitest_project NAME PROJECT...: the projects' files, with their results kept as NAME.json.
vitest_project() {
  local name="$1"; shift
  npx vitest run "${@/#/--project=}" --reporter=default --reporter=json --outputFile.json="$results/$name.json" \
    2>&1 | tee "$logs/$name.log"
}

# why_failed NAME: what made a vitest phase fail, printed again at the very end where a CI log's
# tail shows it: the failed files and tests, and vitest's unhandled-error section (an error thrown
# outside any test fails the run with every test passed).
why_failed() {
  local log="$logs/$1.log"
  [ -f "$log" ] || return 0
  sed -e 's/\x1b\[[0-9;]*m//g' "$log" | awk '
    /⎯+ (Unhandled|Failed)/ { keep = 1; shown = 0 }
    keep && shown < 80 { print; shown++ }
    / FAIL / && !keep { print }
  ' | head -200
}

# Lint and typecheck read the same sources and nothing else: side by side, one core each (a minute
# saved). Lint's output is shown when its phase is reported.
lint_log="$(mktemp)"
npm run --silent lint > "$lint_log" 2>&1 &
lint_pid=$!
lint_result() {
  local rc=0
  wait "$lint_pid" || rc=$?
  cat "$lint_log"
  rm -f "$lint_log"
  return "$rc"
}
phase typecheck npm run --silent typecheck
phase lint lint_result
phase "client build" npm run --silent build
phase "viewer bundle budget" node scripts/bundle-size.mjs
phase unit vitest_project unit unit
# Three groups: most files two at a time, the same files again with the server on Redis, then
# those that need the machine alone (vitest.config.ts).
phase integration vitest_project integration integration integration-redis integration-alone
phase e2e vitest_project e2e e2e e2e-alone

summary="$(node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  const retried = [];
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${f}`, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
    // A test that passed with failure messages failed once and passed on its retry: name it.
    for (const file of r.testResults) for (const t of file.assertionResults) {
      // With the first lines of what failed the first time, so a flaky check can be found from the log.
      if (t.status === "passed" && t.failureMessages.length > 0) retried.push(`${file.name.replace(process.cwd() + "/", "")} > ${t.fullName}\n    first failure: ${t.failureMessages[0].split("\n").slice(0, 4).join("\n    ").slice(0, 600)}`);
    }
  }
  for (const name of retried) console.log(`passed on its retry: ${name}`);
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : "") + (retried.length ? `, ${retried.length} after a retry` : ""));
' "$results" 2>/dev/null || echo "0 passed, 1 failed")"

say "suite took $((SECONDS - started)) s"
# The e2e tests save a screenshot of every page for a person to look at (tests/e2e/screenshots.ts).
screenshots="$(realpath -m "${SCREENSHOT_DIR:-test-results/screenshots}")"
[ -d "$screenshots" ] && summary="$summary
screenshots: $screenshots"
if [ "${#failed[@]}" -gt 0 ]; then
  for name in "${failed[@]}"; do
    case "$name" in unit|integration|e2e) say "── why $name failed"; why_failed "$name" ;; esac
  done
  warn "failed phases: ${failed[*]}"
  echo "$summary"
  exit 1
fi
echo "$summary"
