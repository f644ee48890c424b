#!/usr/bin/env bash
# Prints the state of this repository, which the workflows use as their gate:
#   template        the template repository itself (GitHub marks it as a template)
#   uninstantiated  a copy made from the template that has not renamed itself yet
#   instantiated    a project of its own
# Usage: IS_TEMPLATE=<true|false> .github/scripts/template-state.sh
# (in a workflow: IS_TEMPLATE: ${{ github.event.repository.is_template }}).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${IS_TEMPLATE:-false}" = "true" ]; then
  echo template
elif [ -f .github/template_flag.yml ]; then
  echo uninstantiated
else
  echo instantiated
fi
