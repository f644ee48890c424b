#!/usr/bin/env bash
# Publishes the GitHub Release of a tag with its files, and its notes followed
# by the SHA-256 of each file. Every file must carry the tag's version
# (v1.2.3 -> name-1.2.3-...), so a release can never ship files built for
# another version.
#
# Run again for the same tag (a re-run of the release workflow):
# - a draft, which a run that stopped half-way leaves, gets this run's files
#   and is published;
# - a published release whose files are this run's (the builds are
#   reproducible: same names, same SHA-256) is left as it is, notes updated;
# - a published release with other files gets this run's in their place,
#   unless the repository's releases are immutable (Settings > General >
#   Releases): then nothing changes and it says to release a new version.
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

sha256() { if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }
digests=$(for file in "$@"; do echo "$(sha256 "$file" | cut -d' ' -f1)  $(basename "$file")"; done | sort -k2)

# The notes, then each file's SHA-256 (which `sha256sum --check` reads).
full_notes=$(mktemp)
trap 'rm -f "$full_notes"' EXIT
{
  cat "$notes"
  printf '\n### Files\n\nSHA-256 of each file (`sha256sum --check` reads these lines):\n\n```text\n%s\n```\n' "$digests"
} > "$full_notes"

# Versions with letters (1.2.3rc1, 1.2.3.dev1) are pre-releases.
prerelease=false
[[ $version =~ [a-z] ]] && prerelease=true

if ! state=$(gh release view "$tag" --json isDraft,assets \
  --jq '(if .isDraft then "draft" else "published" end), (.assets[] | "\(.digest | ltrimstr("sha256:"))  \(.name)")' 2>/dev/null); then
  gh release create "$tag" "$@" --verify-tag --title "$tag" --notes-file "$full_notes" --prerelease="$prerelease"
  echo "Published release $tag with $# files."
  exit 0
fi

published_files=$(echo "$state" | tail -n +2 | sort -k2)
case $(echo "$state" | head -n 1) in
  draft)
    echo "Release $tag is a draft (a run stopped half-way): uploading its files, then publishing it."
    gh release upload "$tag" "$@" --clobber
    gh release edit "$tag" --notes-file "$full_notes" --prerelease="$prerelease" --draft=false
    ;;
  published)
    gh release edit "$tag" --notes-file "$full_notes" --prerelease="$prerelease"
    if [ "$published_files" = "$digests" ]; then
      echo "Release $tag already holds these very files (same SHA-256): nothing to upload."
    elif ! upload=$(gh release upload "$tag" "$@" --clobber 2>&1); then
      echo "$upload" >&2
      case $upload in
        *immutable*) fail "release $tag is immutable (Settings > General > Releases) and holds other files than this run built: they cannot be replaced. Release a new version instead (make release)." ;;
        *) fail "could not upload the files of release $tag." ;;
      esac
    else
      echo "Release $tag: replaced its files with this run's."
    fi
    ;;
esac
echo "Published release $tag with $# files."
