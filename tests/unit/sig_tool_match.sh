#!/usr/bin/env bash
# kasblock-sig match on the shipped pack: output lines, JSON, stdin, exit codes.
# usage: sig_tool_match.sh KASBLOCK_SIG PACK_DIR DATA_DIR
set -u
tool=$1 pack=$2 data=$3
fail=0
check() { # NAME WANT GOT
	if [ "$2" != "$3" ]; then
		printf 'FAIL %s\n--- want\n%s\n--- got\n%s\n' "$1" "$2" "$3"
		fail=1
	fi
}

got=$("$tool" match "$pack" -- Dnl-01.Geo.Kaspersky.com. kaspersky.com.example.net \
	notkaspersky.com www.kaspersky.de OpenTIP.kaspersky.com kaspersky.com:443)
check text "Dnl-01.Geo.Kaspersky.com. 1011 update block exact=dnl-01.geo.kaspersky.com
kaspersky.com.example.net - - pass -
notkaspersky.com - - pass -
www.kaspersky.de 8027 brand block domain=kaspersky.de
OpenTIP.kaspersky.com 9001 threat_intel block exact=opentip.kaspersky.com
kaspersky.com:443 8001 brand block domain=kaspersky.com" "$got"

"$tool" match "$pack" -- 192.0.2.1 a..b >/tmp/kb_sig_match.$$ 2>&1
rc=$?
check invalid-exit 3 "$rc"
check invalid "192.0.2.1 - - invalid ip_literal
a..b - - invalid empty_label" "$(cat /tmp/kb_sig_match.$$)"
rm -f /tmp/kb_sig_match.$$

got=$(printf '# comment\n\n  ksn-file.geoksn.kaspersky.com  \nviruslist.com\n' |
	"$tool" match --mode legacy=on "$pack")
check stdin "ksn-file.geoksn.kaspersky.com 4002 telemetry block domain=geoksn.kaspersky.com
viruslist.com 9501 legacy block domain=viruslist.com" "$got"

got=$("$tool" match --json --field dns --mode research=allow "$pack" -- cdn.securelist.com)
want='{"host":"cdn.securelist.com","name":"cdn.securelist.com","field":"dns","verdict":"allow","id":9110,"category":"research","kind":"domain","pattern":"securelist.com","desc":"Securelist, GReAT research blog (incl. de.securelist.com, cdn.securelist.com) (S18)","ref":"https://securelist.com/","source":"'"$pack"'/kaspersky.sig:'
case $got in "$want"*) ;; *) check json "$want..." "$got" ;; esac

# Hosts that are also file names still count as hosts after "--".
got=$("$tool" match "$pack" -- "$pack")
case $got in *" - - "*) ;; *) check dashdash "a host line" "$got" ;; esac

# Errors: a bad pack exits 1 and names file:line; bad usage exits 2.
"$tool" check "$data/packs/err_dup_id.sig" >/dev/null 2>/tmp/kb_sig_err.$$
check bad-pack-exit 1 "$?"
check bad-pack-msg "$data/packs/err_dup_id.sig:3: duplicate id 1 (first at $data/packs/err_dup_id.sig:1)" \
	"$(head -1 /tmp/kb_sig_err.$$)"
rm -f /tmp/kb_sig_err.$$
"$tool" match --field smtp "$pack" -- a.example >/dev/null 2>&1
check usage-exit 2 "$?"
"$tool" frobnicate >/dev/null 2>&1
check usage-exit2 2 "$?"

# --import into a category, and check --json.
got=$("$tool" check --json --import other="$data/packs/import_hosts.txt" "$pack")
case $got in *'"ok":true'*'"hash":4'*) ;; *) check check-json '"ok":true ... "hash":4' "$got" ;; esac

# list: one row a signature, header first.
rows=$("$tool" list "$pack" | wc -l)
check list-rows 186 "$rows"

exit $fail
