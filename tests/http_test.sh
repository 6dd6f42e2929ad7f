#!/usr/bin/env bash
# http_test.sh - the live viewer's HTTP server under abuse and load, on 127.0.0.1 only:
# malformed requests and bodies get 400, path traversal in every spelling gets 400/404 and never
# a file, oversized bodies get 413 (by Content-Length, by actual size, chunked), other methods
# 405; then 20 concurrent clients (10 SSE readers, 10 posting controls and fetching pages) for
# UNREST_HTTP_SECONDS (default 30) with no error, while the server's memory stays bounded:
# VmRSS at the end at most RSS_GROWTH_MB (default 64) MiB above what it was after warm-up.
# usage: http_test.sh PATH/TO/unrest
set -u
U=${1:?usage: http_test.sh PATH/TO/unrest}
SECS=${UNREST_HTTP_SECONDS:-30}
GROWTH_MB=${RSS_GROWTH_MB:-64}
command -v curl >/dev/null || { echo "http: curl is missing"; echo "http: 0 passed, 1 failed"; exit 1; }
T=$(mktemp -d)
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# under AddressSanitizer freed memory waits in a quarantine (256 MiB by default), which would
# read as growth: keep it small (the option is ignored by builds without the sanitizer)
ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=4" \
    "$U" serve --port 0 --speed 0 >"$T/serve.out" 2>"$T/serve.err" &
SRV=$!
cleanup() {
    kill "$SRV" 2>/dev/null
    wait "$SRV" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
for _ in $(seq 1 300); do
    grep -q 'http://' "$T/serve.out" 2>/dev/null && break
    sleep 0.1
done
B=$(grep -o 'http://[^ ]*/' "$T/serve.out" | head -n1)
[ -n "$B" ] || { echo "http: server did not start: $(cat "$T/serve.err")"; echo "http: 0 passed, 1 failed"; exit 1; }
HOSTPORT=${B#http://}
HOSTPORT=${HOSTPORT%/}
PORT=${HOSTPORT##*:}

# expect CODE(S) DESCRIPTION CURL-ARGS... : the status must be one of CODE(S) ("400|404").
expect() {
    local want=$1 what=$2
    shift 2
    local got
    got=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 10 "$@")
    if [[ "|$want|" == *"|$got|"* ]]; then ok; else bad "$what: got $got, want $want ($(head -c 200 "$T/body"))"; fi
    if grep -q 'root:' "$T/body" 2>/dev/null; then bad "$what: served a system file"; fi
}

# raw REQUEST-TEXT: send bytes as they are; print the status code of the answer
raw() {
    exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
    printf '%b' "$1" >&3
    timeout 5 head -c 12 <&3 | cut -c10-12
    exec 3<&-
}

echo "== good requests"
expect 200 "page" "$B"
expect 200 "script" "$B"app.js
expect 200 "style" "$B"style.css
expect 200 "series" "$B"series
expect 200 "report" "$B"report
expect 200 "chart png" "$B"chart.png
expect 200 "step" -X POST -d '{"cmd":"step","n":2}' "$B"control

echo "== bad requests"
expect 404 "unknown path" "$B"nope
expect 404 "unknown file" "$B"secret.txt
expect 400 "malformed json" -X POST -d '{"cmd":' "$B"control
expect 400 "not an object" -X POST -d '["play"]' "$B"control
expect 400 "no cmd" -X POST -d '{}' "$B"control
expect 400 "unknown cmd" -X POST -d '{"cmd":"explode"}' "$B"control
expect 400 "bad step" -X POST -d '{"cmd":"step","n":-1}' "$B"control
expect 400 "bad speed" -X POST -d '{"cmd":"speed","value":"fast"}' "$B"control
expect 400 "unknown intervention" -X POST -d '{"cmd":"fire","kind":"nukes"}' "$B"control
expect 400 "unknown site" -X POST -d '{"cmd":"fire","kind":"blackout","site":"Atlantis"}' "$B"control
expect 400 "bad parameter" -X POST -d '{"cmd":"set","path":"no_such.thing","value":"1"}' "$B"control
expect 400 "binary body" -X POST --data-binary $'\x00\xff\xfe' "$B"control
expect 400 "bad from" "$B"'series?from=abc'
expect 400 "bad site" "$B"'snapshot.png?site=9999'
expect 405 "POST elsewhere" -X POST -d '{}' "$B"
expect 405 "DELETE" -X DELETE "$B"
expect 405 "PUT" -X PUT -d x "$B"control
# libmicrohttpd answers a request line it cannot parse by closing the connection
code=$(raw 'GARBAGE\r\n\r\n')
[ "$code" = 400 ] || [ -z "$code" ] && ok || bad "garbage request line: got '$code', want 400 or a close"
code=$(raw 'GET / HTTP/1.1\r\nHost: x\r\nBad header line\r\n\r\n')
[ "$code" = 400 ] && ok || bad "malformed header: got '$code', want 400"
code=$(raw 'GET / HTTP/1.1\r\n\r\n')
[ "$code" = 400 ] && ok || bad "HTTP/1.1 without Host: got '$code', want 400"

echo "== malformed controls: 400 with a message that names the field (or line:column)"
# post_msg CODE PATTERN BODY: the answer must have status CODE and an "error" matching PATTERN
post_msg() {
    local want=$1 pat=$2 body=$3 got
    got=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 10 -X POST --data-binary "$body" "$B"control)
    if [ "$got" = "$want" ] && grep -Eq "\"error\":\".*$pat" "$T/body"; then ok; else
        bad "control $body: got $got $(head -c 300 "$T/body"), want $want and an error matching /$pat/"
    fi
}
post_msg 400 'line 1, column [0-9]+' '{"cmd":'
post_msg 400 'line 1, column [0-9]+.*end of file expected' '{"cmd":"play"} {"cmd":"pause"}'
post_msg 400 'duplicate' '{"cmd":"step","n":1,"n":2}'
post_msg 400 'must be a JSON object' '["play"]'
post_msg 400 'missing .?"cmd' '{}'
post_msg 400 '.?"cmd.?" must be a string' '{"cmd":1}'
post_msg 400 'unknown cmd' '{"cmd":"explode"}'
post_msg 400 '.?"n.?" must be an integer' '{"cmd":"step","n":"3"}'
post_msg 400 '.?"n.?" must be an integer' '{"cmd":"step","n":1.5}'
post_msg 400 '.?"n.?" must be an integer' '{"cmd":"step","n":10001}'
post_msg 400 '.?"value.?" must be 0' '{"cmd":"speed","value":-1}'
post_msg 400 'speed needs' '{"cmd":"speed"}'
post_msg 400 '.?"seed.?" must be an integer' '{"cmd":"reset","seed":"-1"}'
post_msg 400 '.?"seed.?" must be an integer' '{"cmd":"reset","seed":"18446744073709551616"}'
post_msg 400 'unknown field .?"name.?" for .?"set' '{"cmd":"set","name":"legitimacy","value":"0.7"}'
post_msg 400 'unknown field .?"bogus.?" for .?"play' '{"cmd":"play","bogus":true}'
post_msg 400 'set needs .?"path' '{"cmd":"set","value":1}'
post_msg 400 '.?"path.?" legitimacy' '{"cmd":"set","path":"legitimacy","value":0.7}'
post_msg 400 '.?"path.?" legitimacy.initial' '{"cmd":"set","path":"legitimacy.initial","value":1.5}'
post_msg 400 '.?"path.?" must not contain' '{"cmd":"set","path":"a=b","value":1}'
post_msg 400 '.?"value.?" must be a number, string or boolean' '{"cmd":"set","path":"lattice.k","value":[1]}'
post_msg 400 '.?"value.?" must be a number' '{"cmd":"fire","kind":"blackout","value":"x"}'
post_msg 400 '.?"value.?": lethal needs a number in' '{"cmd":"fire","kind":"lethal","value":2}'
post_msg 400 '.?"people.?": blackout takes no people' '{"cmd":"fire","kind":"blackout","people":5}'
post_msg 400 '.?"kind.?": unknown intervention' '{"cmd":"fire","kind":"nukes"}'
post_msg 400 '.?"site.?": unknown site' '{"cmd":"fire","kind":"blackout","site":"Atlantis"}'
post_msg 400 'JSON syntax error' '{"cmd":"fire","kind":"blackout","value":1e999}'
post_msg 400 'JSON syntax error' '{"cmd":"play","x":"\u0000"}'

echo "== every slider by its path (the list from the meta message): accepted and in effect"
# meta: the JSON of the first "meta" message of /events
meta() {
    curl -sN --max-time 5 "$B"events 2>/dev/null |
        awk '/^event: meta/ {m = 1; next} m && /^data: / {print substr($0, 7); exit}'
}
meta >"$T/meta0.json"
# one line per slider: path, a new value inside its range (not its value now), live or not
python3 - "$T/meta0.json" >"$T/sliders" <<'PY' || bad "meta message unreadable"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["sliders"], "no sliders"
for s in m["sliders"]:
    lo, hi, step, v = s["min"], s["max"], s["step"], s["value"]
    assert s["path"] and lo < hi and step > 0 and v is not None, s
    if not s["live"]:
        assert s["label"] and "range" in s, s
    for f in (0.37, 0.73, 0.11):
        new = lo + round((hi - lo) * f / step) * step
        if abs(new - v) > step / 2:
            break
    print(s["path"], repr(new), "live" if s["live"] else "restart")
PY
nsl=0
while read -r path value kind; do
    nsl=$((nsl + 1))
    gen0=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' "$T/meta0.json")
    code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 60 -X POST \
        -d "{\"cmd\":\"set\",\"path\":\"$path\",\"value\":$value}" "$B"control)
    if [ "$code" != 200 ]; then
        bad "slider $path=$value: got $code $(head -c 300 "$T/body")"
        continue
    fi
    meta >"$T/meta1.json"
    # the answer and a new viewer's meta both read the new value back; a restarting slider
    # made a new world at tick 0, a live one fired its event in the same world
    if python3 - "$T/body" "$T/meta1.json" "$path" "$value" "$kind" "$gen0" <<'PY'; then ok; else bad "slider $path=$value not in effect"; fi
import json, sys
ans, m = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
path, want, kind, gen0 = sys.argv[3], float(sys.argv[4]), sys.argv[5], int(sys.argv[6])
s = [x for x in m["sliders"] if x["path"] == path][0]
tol = 1e-6 * max(1, abs(want))
ok = abs(ans["value"] - want) <= tol and abs(s["value"] - want) <= tol
if kind == "restart":
    ok = ok and m["generation"] > gen0 and m["tick"] == 0 and ans["tick"] == 0
else:
    ok = ok and m["generation"] == gen0 and any(path[5:] in e["label"] for e in m["events"])
if not ok:
    print("answer", ans, "slider", s, "generation", m["generation"], "tick", m["tick"])
sys.exit(0 if ok else 1)
PY
    cp "$T/meta1.json" "$T/meta0.json"
done <"$T/sliders"
[ "$nsl" -ge 9 ] && ok || bad "only $nsl sliders in the meta message"
post_msg 400 'needs a number' '{"cmd":"set","path":"live.fuel_price","value":"cheap"}'
post_msg 400 'does not restart' '{"cmd":"set","path":"live.internet","value":1,"seed":3}'

echo "== path traversal"
for p in '/../etc/passwd' '/../../../../etc/passwd' '/%2e%2e/etc/passwd' '/%2e%2e%2f%2e%2e%2fetc%2fpasswd' \
    '/..%2fetc%2fpasswd' '/app.js/../../etc/passwd' '/%252e%252e/etc/passwd' '//etc/passwd' \
    '/..\\..\\etc\\passwd' '/%2E%2E/%2E%2E/etc/passwd' '/web/../CMakeLists.txt' '/%00' \
    '/index.html%00.js' '/./app.js/.'; do
    expect '400|404' "traversal $p" --path-as-is "$B${p#/}"
done

echo "== oversized"
head -c 5000 /dev/zero | tr '\0' 'a' >"$T/big"
expect 413 "5000-byte body" -X POST --data-binary @"$T/big" "$B"control
expect 413 "chunked 5000-byte body" -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$B"control
head -c 2000000 /dev/zero | tr '\0' 'a' >"$T/huge"
expect 413 "2 MB body" -X POST --data-binary @"$T/huge" "$B"control
code=$(raw 'POST /control HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n{}')
[ "$code" = 413 ] && ok || bad "Content-Length 1e9: got '$code', want 413"
expect '400|413|414|431' "64 KiB header" -H "X-Big: $(head -c 65536 /dev/zero | tr '\0' b)" "$B"
expect '400|413|414|431' "8 KiB path" "$B$(head -c 8192 /dev/zero | tr '\0' a)"

echo "== still serving after abuse"
expect 200 "page again" "$B"

echo "== $((20)) concurrent clients for ${SECS}s"
curl -s -o /dev/null -X POST -d '{"cmd":"play"}' "$B"control
sleep 2
rss() { awk '/VmRSS/ {print $2}' "/proc/$SRV/status"; }
rss0=$(rss)
end=$((SECONDS + SECS))
for r in $(seq 1 10); do
    # SSE readers: each holds one stream until the deadline; curl's exit 28 is the timeout
    curl -sN --max-time "$SECS" -o "$T/sse$r" "$B"events &
done
for c in $(seq 1 10); do
    (
        n=0
        errors=0
        while [ $SECONDS -lt $end ]; do
            case $((n % 10)) in
            0) body='{"cmd":"step"}' ;;
            1) body='{"cmd":"play"}' ;;
            2) body='{"cmd":"speed","value":0}' ;;
            3) body='{"cmd":"fire","kind":"blackout"}' ;;
            4) body='{"cmd":"fire","kind":"internet"}' ;;
            5) body='{"cmd":"pause"}' ;;
            6) body='{"cmd":"play"}' ;;
            *) body='' ;;
            esac
            if [ $((n % 97)) -eq 96 ]; then body='{"cmd":"reset"}'; fi
            if [ -n "$body" ]; then
                code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -X POST -d "$body" "$B"control)
            elif [ $((n % 10)) -eq 7 ]; then
                code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$B")
            elif [ $((n % 10)) -eq 8 ]; then
                code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$B"'series?from=0')
            else
                code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$B"app.js)
            fi
            [ "$code" = 200 ] || { errors=$((errors + 1)); echo "client $c: request $n got $code"; }
            n=$((n + 1))
        done
        echo "$n $errors" >"$T/client$c"
    ) &
done
wait $(jobs -p | grep -v "^$SRV\$") 2>/dev/null
rss1=$(rss)
requests=0
errors=0
for c in $(seq 1 10); do
    read -r n e <"$T/client$c"
    requests=$((requests + n))
    errors=$((errors + e))
done
[ "$errors" -eq 0 ] && ok || bad "$errors of $requests control/page requests failed"
frames=0
for r in $(seq 1 10); do
    f=$(grep -c '^event: frame' "$T/sse$r")
    m=$(grep -c '^event: meta' "$T/sse$r")
    frames=$((frames + f))
    [ "$m" -ge 1 ] && [ "$f" -ge 10 ] && ok || bad "SSE reader $r: $m meta, $f frames"
done
echo "load: $requests requests, $frames frames to 10 streams; VmRSS ${rss0} kB -> ${rss1} kB"
[ $((rss1 - rss0)) -le $((GROWTH_MB * 1024)) ] && ok ||
    bad "VmRSS grew by $(((rss1 - rss0) / 1024)) MiB under load (bound ${GROWTH_MB} MiB)"
expect 200 "page after load" "$B"

echo "== clean stop"
kill -TERM "$SRV"
if wait "$SRV"; then ok; else bad "serve exited $? on SIGTERM"; fi
grep -q stopped "$T/serve.out" && ok || bad "serve did not say it stopped"

echo "http: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
