#!/bin/sh
# curl in a loop, one new connection per request, until STOP exists.
#
#   curl_loop.sh OUT STOP MAX CURL-ARGS...
#
# Before each request appends "S <n>" to OUT, after it
# "R <n> <exit code> <local port> <seconds> <body>", so a reader can tell
# which requests started after a given moment. Stops after MAX requests or
# 300 s whatever happens (a bound, not a measurement).
out=$1 stop=$2 max=$3
shift 3
n=0
start=$(date +%s)
while [ ! -e "$stop" ] && [ "$n" -lt "$max" ] && [ $(($(date +%s) - start)) -lt 300 ]; do
	n=$((n + 1))
	echo "S $n" >>"$out"
	r=$(curl -sS -m 5 -w '\n%{exitcode} %{local_port} %{time_total}' "$@" 2>/dev/null)
	body=$(printf '%s\n' "$r" | sed '$d' | tr -d '\n')
	echo "R $n $(printf '%s\n' "$r" | tail -n 1) $body" >>"$out"
done
