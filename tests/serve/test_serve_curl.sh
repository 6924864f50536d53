#!/usr/bin/env bash
# trawl-serve through curl, as a shell user drives it: start on a free port, add, commit,
# search, count, a refused write, a syntax error, then SIGTERM.
#   test_serve_curl.sh TRAWL_SERVE
set -euo pipefail
serve=$1
tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- server log" >&2; cat "$tmp/log" >&2; exit 1; }

mkfifo "$tmp/out"
"$serve" --index "$tmp/index" --listen 127.0.0.1:0 --write-token tok >"$tmp/out" 2>"$tmp/log" &
pid=$!
exec 3<"$tmp/out"
read -r first <&3
case "$first" in "listening on 127.0.0.1:"*) ;; *) fail "first line: $first" ;; esac
base="http://${first#listening on }"
auth=(-H "Authorization: Bearer tok")

[ "$(curl -sS "$base/health")" = '{"status":"ok"}' ] || fail "health"
printf '%s\n' '{"id": "one", "title": "First", "body": "curl finds this"}' \
              '{"id": "two", "title": "Second", "body": "and this"}' >"$tmp/docs.jsonl"
out=$(curl -sS "${auth[@]}" --data-binary @"$tmp/docs.jsonl" "$base/documents")
[ "$out" = '{"added":2,"skipped":0}' ] || fail "add: $out"
out=$(curl -sS "${auth[@]}" -d '' "$base/commit")
case "$out" in '{"generation":'*',"documents":2}') ;; *) fail "commit: $out" ;; esac
[ "$(curl -sS "$base/count?q=this")" = '{"query":"this","total":2}' ] || fail "count"
out=$(curl -sS -G "$base/search" --data-urlencode 'q=finds' --data-urlencode 'top=1')
case "$out" in *'"total":1,'*'"id":"one"'*) ;; *) fail "search: $out" ;; esac
code=$(curl -sS -o /dev/null -w '%{http_code}' -d '' "$base/commit")
[ "$code" = 401 ] || fail "commit without the token: $code"
code=$(curl -sS -o "$tmp/err" -w '%{http_code}' -G "$base/search" --data-urlencode 'q=(unclosed')
[ "$code" = 400 ] && grep -q '"column":1' "$tmp/err" || fail "syntax error: $code $(cat "$tmp/err")"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$base/documents?id=nope")
[ "$code" = 404 ] || fail "missing document: $code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE "${auth[@]}" "$base/documents?id=two")
[ "$code" = 200 ] || fail "delete: $code"

kill -TERM "$pid"
wait "$pid" || fail "exit status $?"
pid=
grep -q "committed 1 pending writes" "$tmp/log" || fail "shutdown message"
grep -q "^GET /count 200 " "$tmp/log" || fail "request log"
echo "ok"
