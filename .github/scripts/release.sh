#!/usr/bin/env bash
# Makes the next release (`make release`): works out its version from the
# Conventional Commits, prints the version, why, and the release notes that the
# release workflow will publish, asks, then tags HEAD vX.Y.Z (an annotated tag
# whose message is the notes) and pushes that tag, and only it, to origin. The
# release workflow (.github/workflows/release.yml) does the rest.
#
# The version follows Semantic Versioning, from the sections of the notes that
# a final release of HEAD gets: CONTRIBUTING.md ("Release") has the rules.
#
# Usage: .github/scripts/release.sh, with in the environment (make release
# passes its VERSION=, PRE= and YES= so):
#   RELEASE_VERSION=X.Y.Z  release this version instead (or X.Y.ZaN, X.Y.ZbN, X.Y.ZrcN)
#   RELEASE_PRE=rc         a pre-release of the version (or a, b): X.Y.ZrcN
#   RELEASE_YES=1          do not ask; without a terminal to ask on, required
# It checks everything before it changes anything, and if the push fails it
# deletes the tag again. Needs git, Node.js (npx) and the remote `origin`.
set -euo pipefail

fail() {
  echo "release: $*" >&2
  exit 1
}
notes() { "$(dirname "$0")/release-notes.sh" "$@"; }

version=${RELEASE_VERSION:-} pre=${RELEASE_PRE:-} yes=${RELEASE_YES:-}

# The versions we tag: PEP 440 in its normal form, which is what setuptools-scm
# makes of the tag and so what the files of the release are named.
N='(0|[1-9][0-9]*)'
VERSION_RE="^$N\.$N\.$N((a|b|rc)$N)?$"

# A version as five numbers in PEP 440 order: 1.2.3a1 < 1.2.3b1 < 1.2.3rc1 < 1.2.3.
order() {
  [[ $1 =~ $VERSION_RE ]]
  local phase=3
  case ${BASH_REMATCH[5]:-} in a) phase=0 ;; b) phase=1 ;; rc) phase=2 ;; esac
  echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]} $phase ${BASH_REMATCH[6]:-0}"
}
# Succeeds if version $1 comes after version $2.
after() {
  local a b i
  read -r -a a <<<"$(order "$1")"
  read -r -a b <<<"$(order "$2")"
  for i in 0 1 2 3 4; do
    [ "${a[i]}" -eq "${b[i]}" ] || { [ "${a[i]}" -gt "${b[i]}" ]; return; }
  done
  return 1
}
# The sections of release notes with their number of entries: "Features (2), Bug Fixes (1)".
sections() {
  awk '/^### / { name[++k] = substr($0, 5); next }
       /^\* / && k { count[k]++ }
       END { for (i = 1; i <= k; i++) printf "%s%s (%d)", (i > 1 ? ", " : ""), name[i], count[i] }'
}

# --- Check everything before changing anything --------------------------------

if [ -n "$version" ] && ! [[ $version =~ $VERSION_RE ]]; then
  fail "VERSION=$version is not a version to release: give X.Y.Z, X.Y.ZaN, X.Y.ZbN or X.Y.ZrcN (such as 1.2.3 or 1.2.3rc1, no v)"
fi
case $pre in
  '' | a | b | rc) ;;
  *) fail "PRE=$pre: give PRE=rc (or a, b) for a pre-release, or no PRE" ;;
esac
if [ -n "$pre" ] && [[ $version =~ [a-z] ]]; then
  fail "VERSION=$version is a pre-release already: drop PRE=$pre, or give VERSION=X.Y.Z with it"
fi

git remote get-url origin >/dev/null 2>&1 \
  || fail "no remote 'origin': add the GitHub repository that releases (git remote add origin <url>)"
# A project instantiated in a clone of the template may still have the template as origin.
record=.github/template-origin.toml
template=$( [ -f "$record" ] && sed -n 's/^url = "\(.*\)"$/\1/p' "$record" | head -n 1 || true)
if [ -n "$template" ] && [ "$(git remote get-url origin)" = "$template" ]; then
  fail "origin is the template this project was made from ($template), not the project's repository:" \
    "point it at yours (git remote set-url origin <your repository's URL>)"
fi
[ -z "$(git status --porcelain)" ] \
  || fail "there are uncommitted changes (git status): commit or stash them, then run make release again"
branch=$(git symbolic-ref --quiet --short HEAD) || fail "HEAD is detached: switch to the default branch first"
head=$(git rev-parse HEAD)

# Ask origin itself, not the local copies of its branches: they may be stale,
# and this way nothing changes here before the tag.
remote=$(git ls-remote --symref origin) || fail "cannot read origin (see above): check its URL and your access"
default=$(awk '$1 == "ref:" && $3 == "HEAD" { sub("^refs/heads/", "", $2); print $2 }' <<<"$remote")
[ -n "$default" ] || fail "origin names no default branch it has: push $branch first (git push -u origin $branch)," \
  "and make it origin's default branch (on GitHub: Settings > General > Default branch; a new bare" \
  "repository's HEAD names master: git --git-dir=<it> symbolic-ref HEAD refs/heads/$branch)"
[ "$branch" = "$default" ] \
  || fail "on branch '$branch': releases are made from origin's default branch (git switch $default)"
upstream=$(awk -v ref="refs/heads/$default" 'NF == 2 && $2 == ref { print $1 }' <<<"$remote")
if [ "$upstream" != "$head" ]; then
  if git merge-base --is-ancestor "$upstream" "$head" 2>/dev/null; then
    fail "$branch has commits that origin lacks: push them (git push), let CI pass, then run make release again"
  fi
  fail "origin's $default has commits that $branch lacks: git pull, then run make release again"
fi
# The version and the notes count on this repository's version tags: they
# must be origin's, where the release workflow reads them.
ours=$(git for-each-ref --format='%(objectname) %(refname)' 'refs/tags/v[0-9]*' | LC_ALL=C sort)
theirs=$(awk '$2 ~ /^refs\/tags\/v[0-9]/ && $2 !~ /\^\{\}$/ { print $1, $2 }' <<<"$remote" | LC_ALL=C sort)
if [ "$ours" != "$theirs" ]; then
  differ=$(LC_ALL=C comm -3 <(echo "$ours") <(echo "$theirs") | awk 'NF { sub("^refs/tags/", "", $NF); print $NF }' \
    | LC_ALL=C sort -u | paste -s -d ' ' -)
  fail "your version tags differ from origin's: $differ. Get origin's with git fetch --tags --force;" \
    "push a tag only you have (git push origin <tag>) or delete it (git tag -d <tag>)"
fi

on_head=$(git tag --points-at HEAD --list 'v[0-9]*' | head -n 1)
if [ -n "$on_head" ]; then
  fail "HEAD is already tagged $on_head: there is no commit since to release. Commit first" \
    "(to make a tested pre-release final as it is: git commit --allow-empty -m 'chore: release X.Y.Z')"
fi

# The last release of any kind, which the new version must come after.
latest=
for tag in $(git tag --list 'v[0-9]*'); do
  [[ ${tag#v} =~ $VERSION_RE ]] || continue
  if [ -z "$latest" ] || after "${tag#v}" "$latest"; then latest=${tag#v}; fi
done

# --- The version ----------------------------------------------------------------

today=$(date +%Y-%m-%d) # the date in the notes, checked again before the tag
# The last final release: the tag that a final release's notes start from
# (release-notes.sh picks it the same way).
last=$(git describe --tags --abbrev=0 --match 'v[0-9]*' --exclude 'v*[!0-9.]*' HEAD^ 2>/dev/null || true)
draft='' draft_version=''
if [ -n "$version" ]; then
  reason="VERSION=$version was given"
elif [ -z "$last" ]; then
  version=0.1.0
  reason="the first release (no final release tagged yet)"
else
  IFS=. read -r major minor patch <<<"${last#v}"
  # The notes of a final release at HEAD under the smallest version it can
  # have: their sections decide the bump.
  draft_version=$major.$minor.$((patch + 1))
  draft=$(notes --next "v$draft_version")
  found=$(sections <<<"$draft")
  case $found in
    *"BREAKING CHANGES ("*) bump=major why="a breaking change" ;;
    *"Features ("*) bump=minor why="a feature" ;;
    *) bump=patch why="no feature or breaking change" ;;
  esac
  # Below 1.0.0 the minor number plays the major's part (as in Cargo):
  # a breaking change raises it, a feature raises the patch number.
  if [ "$major" = 0 ] && [ "$bump" != patch ]; then
    why="$why, below 1.0.0"
    case $bump in major) bump="minor" ;; minor) bump="patch" ;; esac
  fi
  case $bump in
    major) version=$((major + 1)).0.0 ;;
    minor) version=$major.$((minor + 1)).0 ;;
    patch) version=$draft_version ;;
  esac
  reason="a $bump bump for $why: the notes since $last have ${found:-no section}"
fi
if [ -n "$pre" ]; then
  n=0
  for tag in $(git tag --list "v$version$pre*"); do
    number=${tag#"v$version$pre"}
    if [[ $number =~ ^[0-9]+$ ]] && [ "$number" -gt "$n" ]; then n=$number; fi
  done
  reason="pre-release $((n + 1)) of $version, $reason"
  version=$version$pre$((n + 1))
fi
if [ -n "$latest" ] && ! after "$version" "$latest"; then
  fail "$version does not come after the last release, v$latest: give a version that does, with VERSION=X.Y.Z"
fi
tag=v$version

# --- The notes, a question, the tag ---------------------------------------------

if [ "$version" = "$draft_version" ]; then
  text=$draft # a patch release: the draft is its notes
else
  text=$(notes --next "$tag")
fi
echo "Next release: $tag, $reason."
echo
echo "Its release notes, which the tag's message holds and the GitHub Release will show:"
echo "----------------------------------------------------------------------"
echo "$text"
echo "----------------------------------------------------------------------"
if [ "$yes" != 1 ] && ! [ -t 0 ]; then
  fail "no terminal to ask for confirmation on: nothing was tagged or pushed. Pass YES=1 to release as shown"
fi
if [ "$yes" != 1 ]; then
  read -r -p "Tag $(git rev-parse --short HEAD) ($branch) as $tag and push the tag to origin? [y/N] " answer || answer=
  case $answer in
    y | Y | yes | YES) ;;
    *) fail "not released: nothing was tagged or pushed" ;;
  esac
fi
# The release workflow dates the notes with the tag: after midnight, another day.
[ "$(date +%Y-%m-%d)" = "$today" ] || fail "the date changed since the notes were written: run make release again"

echo "$text" | git tag --annotate --cleanup=verbatim --file=- "$tag" "$head" # verbatim: keep the '#' lines
if ! git push --quiet origin "refs/tags/$tag"; then
  git tag --delete "$tag" >/dev/null
  fail "pushing $tag to origin failed (see above), so the tag was deleted again: nothing changed." \
    "Fix the cause, then run make release again"
fi
echo "Pushed $tag to origin: the release workflow now builds and publishes the release (see the Actions tab on GitHub)."
