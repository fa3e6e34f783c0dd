#!/usr/bin/env bash
# comment.sh BODY_FILE: creates or updates imagewarden's one comment on the
# pull request, with the gh CLI. The comment is found by the marker its
# first line starts with (reports.DiffMarker), so a new push updates the
# comment instead of adding another; a "no change" verdict updates it too,
# so that an old verdict never stays up.
#
# Environment: GH_TOKEN (gh reads it), GITHUB_REPOSITORY (owner/name),
# PR_NUMBER (the pull request). Nothing from the body is ever run: it is
# passed to gh as a file.
set -euo pipefail
body=${1:?usage: comment.sh BODY_FILE}
repo=${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}
pr=${PR_NUMBER:?PR_NUMBER is not set}
marker='<!-- imagewarden -->'
case "$pr" in
  ''|*[!0-9]*) echo "comment.sh: PR_NUMBER \"$pr\" is not a number" >&2; exit 2 ;;
esac
if ! head -n 1 -- "$body" | grep -qF -- "$marker"; then
  echo "comment.sh: $body does not start with the imagewarden marker: not an imagewarden diff comment" >&2
  exit 2
fi
# The first comment of ours, by marker: ids only, one per line.
id=$(gh api --paginate "repos/$repo/issues/$pr/comments" \
  --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
if [ -n "$id" ]; then
  case "$id" in
    *[!0-9]*) echo "comment.sh: unexpected comment id \"$id\"" >&2; exit 2 ;;
  esac
  gh api --method PATCH "repos/$repo/issues/comments/$id" -F "body=@$body" > /dev/null
  echo "updated comment $id"
else
  gh pr comment "$pr" --repo "$repo" --body-file "$body"
  echo "created a comment"
fi
