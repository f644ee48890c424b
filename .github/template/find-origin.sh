#!/usr/bin/env bash
# Finds the template this repository was made from, for the record of origin
# that the instantiation writes (.github/template-origin.toml) and that
# `make update-template` reads. Run by .github/workflows/instantiate.yml before
# the instantiation; writes its outputs `url` and `commit` to $GITHUB_OUTPUT.
#
# "Use this template" copies the template's files, not its history: GitHub's
# API names the template repository, and the template commit is the one whose
# tree is this repository's first commit's tree. Where either cannot be found
# (a template this token cannot read, say), it prints what it knows, the first
# commit's hash in place of the template commit (`make update-template` finds
# the template commit by that tree later), and explains in the job summary.
#
# Needs the whole history (actions/checkout with fetch-depth: 0), and `gh`
# with GH_TOKEN and GH_REPO set.
set -euo pipefail

note() {
  echo "::warning title=Record of origin incomplete::$1"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then echo "$1" >>"$GITHUB_STEP_SUMMARY"; fi
}

first=$(git rev-list --max-parents=0 HEAD | tail -n 1)
tree=$(git rev-parse "$first^{tree}")
url=$(gh api "repos/$GH_REPO" --jq '.template_repository.clone_url // empty' 2>/dev/null || true)
commit=""
if [ -z "$url" ]; then
  note "GitHub names no template repository for $GH_REPO. Set url (and commit) in .github/template-origin.toml by hand for make update-template."
else
  # Commits and their tree hashes only: no file of the template is downloaded.
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  if git clone --quiet --bare --filter=tree:0 "$url" "$scratch/template.git" 2>/dev/null; then
    commit=$(git -C "$scratch/template.git" log --all --format='%H %T' | awk -v tree="$tree" '$2 == tree { print $1; exit }')
  fi
  if [ -z "$commit" ]; then
    note "No commit of $url has this repository's first tree (is the template private, or was the repository made from a branch this job cannot read?). The record names this repository's first commit, $first: make update-template finds the template commit with the same tree when it can read the template."
  fi
fi
echo "Template: ${url:-unknown}, commit ${commit:-unknown}."
printf 'url=%s\ncommit=%s\n' "$url" "${commit:-$first}" >>"${GITHUB_OUTPUT:-/dev/stdout}"
