#!/usr/bin/env bash
# Prints the GitHub-hosted runners that build the release wheels, as the JSON
# list that release.yml's wheels matrix takes. Each runner builds for its own
# platform and architecture:
#   ubuntu-latest     Linux x86_64 (manylinux, musllinux)
#   ubuntu-24.04-arm  Linux aarch64 (manylinux, musllinux)
#   windows-latest    Windows x64
#   windows-11-arm    Windows ARM64
#   macos-15-intel    macOS Intel
#   macos-latest      macOS Apple silicon
# The two ARM runners are free for public repositories. A private repository
# leaves them out unless the repository variable RELEASE_ARM_RUNNERS is "true"
# (its plan must offer them, or the release would wait for a runner that never
# comes); RELEASE_ARM_RUNNERS=false leaves them out of a public one too.
#
# Usage: PRIVATE=<true|false> ARM_RUNNERS=<true|false|> .github/scripts/release-runners.sh
# (in a workflow: PRIVATE: ${{ github.event.repository.private }},
#  ARM_RUNNERS: ${{ vars.RELEASE_ARM_RUNNERS }}).
set -euo pipefail

runners='"ubuntu-latest", "windows-latest", "macos-15-intel", "macos-latest"'
arm='"ubuntu-24.04-arm", "windows-11-arm"'

case "${ARM_RUNNERS:-}" in
  true) with_arm=true ;;
  false) with_arm=false ;;
  "") if [ "${PRIVATE:-false}" = true ]; then with_arm=false; else with_arm=true; fi ;;
  *) echo "release-runners: RELEASE_ARM_RUNNERS is '$ARM_RUNNERS'; set it to true or false (or delete it)." >&2; exit 1 ;;
esac

if [ "$with_arm" = true ]; then
  echo "[$runners, $arm]"
else
  echo "[$runners]"
fi
