#!/usr/bin/env bash
# Prints what the release uses, as lines for $GITHUB_OUTPUT (release.yml's gate):
#
#   runners=[...]   the GitHub-hosted runners that build the wheels, as the JSON
#                   list the wheels matrix takes; each builds for its platform:
#                     ubuntu-latest     Linux x86_64 (manylinux, musllinux)
#                     ubuntu-24.04-arm  Linux aarch64 (manylinux, musllinux)
#                     windows-latest    Windows x64
#                     windows-11-arm    Windows ARM64
#                     macos-15-intel    macOS Intel
#                     macos-latest      macOS Apple silicon
#   attest=true     whether the release attests its files (build provenance)
#
# The ARM runners and artifact attestations are free for public repositories;
# a private one has them only on some plans (attestations: GitHub Enterprise
# Cloud), and a release that waits for a runner, or fails on a feature, that
# the plan does not offer never happens. So a private repository leaves them
# out unless the repository variable asks for them (RELEASE_ARM_RUNNERS,
# RELEASE_ATTESTATIONS set to "true"); "false" leaves them out of a public one.
#
# Usage: PRIVATE=<true|false> ARM_RUNNERS=<true|false|> ATTESTATIONS=<true|false|> .github/scripts/release-plan.sh
# (in a workflow: PRIVATE: ${{ github.event.repository.private }},
#  ARM_RUNNERS: ${{ vars.RELEASE_ARM_RUNNERS }}, ATTESTATIONS: ${{ vars.RELEASE_ATTESTATIONS }}).
set -euo pipefail

# wanted VARIABLE VALUE: "true" or "false", from the variable's value, else from PRIVATE.
wanted() {
  case "$2" in
    true | false) echo "$2" ;;
    "") if [ "${PRIVATE:-false}" = true ]; then echo false; else echo true; fi ;;
    *) echo "release-plan: $1 is '$2'; set it to true or false (or delete it)." >&2; return 1 ;;
  esac
}

arm=$(wanted RELEASE_ARM_RUNNERS "${ARM_RUNNERS:-}")
attest=$(wanted RELEASE_ATTESTATIONS "${ATTESTATIONS:-}")

runners='"ubuntu-latest", "windows-latest", "macos-15-intel", "macos-latest"'
if [ "$arm" = true ]; then
  runners="$runners, \"ubuntu-24.04-arm\", \"windows-11-arm\""
fi
echo "runners=[$runners]"
echo "attest=$attest"
