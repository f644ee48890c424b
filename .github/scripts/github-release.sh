#!/usr/bin/env bash
# Publishes the GitHub Release of a tag with its files and notes. Run again for
# the same tag (a re-run of the release workflow), it replaces the files and
# notes instead of adding copies: a release never holds an asset twice.
# Every file must carry the tag's version (v1.2.3 -> name-1.2.3-...), so a
# release can never ship files built for another version.
#
# Usage: .github/scripts/github-release.sh vX.Y.Z NOTES.md FILE...
# Needs the GitHub CLI (`gh`), with GH_TOKEN (contents: write) and GH_REPO set.
set -euo pipefail

fail() { echo "github-release: $*" >&2; exit 1; }

[ $# -ge 3 ] || fail "usage: $0 vX.Y.Z NOTES.md FILE..."
tag=$1 notes=$2
shift 2
version=${tag#v}

for file in "$@"; do
  [ -f "$file" ] || fail "no file $file"
  case $(basename "$file") in
    *-"$version"-*.whl | *-"$version".tar.gz) ;;
    *) fail "$file is not version $version: tag PEP 440 versions (v1.2.3, v1.2.3rc1) on the commit you build" ;;
  esac
done

# Versions with letters (1.2.3rc1, 1.2.3.dev1) are pre-releases.
prerelease=false
[[ $version =~ [a-z] ]] && prerelease=true

if gh release view "$tag" >/dev/null 2>&1; then
  echo "Release $tag exists: replacing its notes and files."
  gh release edit "$tag" --notes-file "$notes" --prerelease="$prerelease"
  gh release upload "$tag" "$@" --clobber
else
  gh release create "$tag" "$@" --verify-tag --title "$tag" --notes-file "$notes" --prerelease="$prerelease"
fi
echo "Published release $tag with $# files."
