#!/usr/bin/env bash
# Prints the release notes of a tag as Markdown: the Conventional Commits since
# the previous tag (every commit for the first release), grouped under
# Features, Bug Fixes, ..., breaking changes first, each commit linked to this
# repository (the URL of the git remote `origin`). Commits that are not
# Conventional Commits, and types such as docs/ci/chore, are left out unless
# they announce a breaking change.
#
# The previous tag: for a final release (1.2.3), the last final release, so
# that its notes also cover the commits of its pre-releases; for a pre-release
# (1.2.3rc1) or a preview, the last version tag of any kind.
#
# Usage: .github/scripts/release-notes.sh [vX.Y.Z]
#   Without a tag: the tag on HEAD, or else a preview of the next release
#   (the commits since the last tag). The tag need not be on HEAD.
# Usage: .github/scripts/release-notes.sh --next vX.Y.Z
#   The notes that HEAD will get as vX.Y.Z, a tag not made yet, byte for byte
#   as once it is made today (header, date and compare link included).
# Used by .github/workflows/release.yml, `make changelog [TAG=vX.Y.Z]` and
# `make release` (--next).
# Needs git, Node.js (npx) and the whole history (not a shallow clone).
set -euo pipefail

# The changelog generator, pinned; npx fetches it once into its cache.
CLI=conventional-changelog-cli@5.0.0

fail() { echo "release-notes: $*" >&2; exit 1; }

if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
  fail "this is a shallow clone: fetch the whole history (actions/checkout: fetch-depth: 0)"
fi

next=false
if [ "${1:-}" = --next ]; then
  [ $# -eq 2 ] && [ -n "$2" ] || fail "usage: $0 --next vX.Y.Z"
  next=true
  shift
fi
tag=${1:-$(git describe --tags --exact-match --match 'v[0-9]*' HEAD 2>/dev/null || true)}
if [ -n "$tag" ]; then
  [[ $tag =~ ^v[0-9]+(\.[0-9]+)*[0-9A-Za-z.+-]*$ ]] || fail "'$tag' is not a version tag like v1.2.3"
  version=${tag#v}
  if $next; then
    # The tag's date once made today: git dates it in this time zone, as `date` does.
    ref=$(git rev-parse HEAD)
    date=$(date +%Y-%m-%d)
  else
    ref=$(git rev-parse --verify --quiet "refs/tags/$tag^{commit}") || fail "no tag '$tag' in this repository"
    date=$(git for-each-ref --format='%(creatordate:short)' "refs/tags/$tag")
  fi
else
  ref=$(git rev-parse HEAD)
  version=Unreleased
  date=$(git log -1 --format=%cs HEAD)
fi
# The previous tag (see the top; none for the first release). A final version
# has digits and dots only.
if [[ $version =~ ^[0-9.]+$ ]]; then
  previous=$(git describe --tags --abbrev=0 --match 'v[0-9]*' --exclude 'v*[!0-9.]*' "$ref^" 2>/dev/null || true)
else
  previous=$(git describe --tags --abbrev=0 --match 'v[0-9]*' "$ref^" 2>/dev/null || true)
fi

# The generator reads the history up to HEAD, so give it a HEAD at the tag:
# a worktree of this repository (same remote, no files checked out).
work=$(mktemp -d)
trap 'git worktree remove --force "$work/head" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --quiet --detach --no-checkout "$work/head" "$ref"

# Template variables and the commit range, spelled out instead of guessed from
# a package.json. `from` empty (with --release-count 0): the whole history.
echo '{"name": "release-notes", "version": "0.0.0"}' >"$work/package.json"
if [ -n "$previous" ]; then
  previous=${previous//\"/\\\"} # a JSON string (a tag name may hold a quote, not a backslash)
  context="\"previousTag\": \"$previous\""
  range="\"from\": \"$previous\""
else
  context='"previousTag": null'
  range=''
fi
# Each commit, and the header's comparison with the previous tag, link to the
# repository of the remote `origin`. An origin on this machine (a path or a
# file:// URL), or none, has no web page, so the notes link nothing. The URL is
# read as configured, as the generator reads it (no insteadOf rewriting).
case "$(git config --get remote.origin.url || true)" in
  file://*) links=false ;;
  *://* | *@*:*) links=true ;;
  *) links=false ;;
esac
context="$context, \"linkReferences\": $links"
if [ -n "$previous" ] && $links; then
  context="$context, \"linkCompare\": true"
else
  context="$context, \"linkCompare\": false"
fi
[ -z "$tag" ] || context="$context, \"currentTag\": \"$tag\""
echo "{\"version\": \"$version\", \"date\": \"$date\", $context}" >"$work/context.json"
echo "{\"gitRawCommitsOpts\": {$range}}" >"$work/config.json"

notes=$(cd "$work/head" && npx --yes "$CLI" --preset conventionalcommits --tag-prefix v \
  --release-count 0 --pkg "$work/package.json" --context "$work/context.json" --config "$work/config.json")
notes=$(sed '/./,$!d' <<<"$notes") # drop the leading blank line
echo "$notes"
if ! grep -q '^### ' <<<"$notes"; then
  echo
  echo "No new features, fixes or breaking changes (only commits such as docs, tests, CI or chores)."
fi
