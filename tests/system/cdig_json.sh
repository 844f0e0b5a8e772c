#!/bin/bash
# cdig +json: every message is valid JSON (checked with jq) with RFC 8427
# member names, and carries the same records and header as the text output.
set -u
. "$top_srcdir/tests/system/cdig/lib.sh"
need nsd dig jq

# The same checks against NSD and against cairnd serving the test zones.
ZONES=("cdig.test:$DATA/cdig.test.zone"
	"2.0.192.in-addr.arpa:$DATA/2.0.192.in-addr.arpa.zone")
NSD_PORT=$(free_port)
[ -n "$NSD_PORT" ] || die "no free port"
start_nsd "$T/nsd" 127.0.0.1 "$NSD_PORT" "${ZONES[@]}"
CAIRND_PORT=$(free_port)
[ -n "$CAIRND_PORT" ] || die "no free port"
CAIRND_EXTRA=("recursion: no")
start_cairnd "$T/cairnd" 127.0.0.1 "$CAIRND_PORT" "${ZONES[@]}"
SRV=
C=()

# Records of one section as "name ttl class type rdata", one per line.
text_section() { # section args...
	local sec=$1
	shift
	"${C[@]}" +noall "+$sec" "$@" | grep -v "^;;" | tr -s '\t' ' '
}
json_section() { # key args...
	local key=$1
	shift
	"${C[@]}" +json "$@" | jq -r --arg k "$key" '(.[$k] // [])[] | select(.TYPE != 41) |
		"\(.NAME) \(.TTL) \(.CLASSname) \(.TYPEname) \(to_entries[] | select(.key | startswith("rdata")) | .value)"'
}

check() {
	local js
	js=$("${C[@]}" +json "$@") || { bad "$SRV: +json $* failed"; return; }
	if ! jq -e . >/dev/null 2>&1 <<<"$js"; then
		bad "$SRV: +json $*: not valid JSON"
		return
	fi
	local s
	for s in answer:answerRRs authority:authorityRRs additional:additionalRRs; do
		if diff <(text_section "${s%%:*}" "$@") <(json_section "${s#*:}" "$@") >"$T/d"; then
			ok "$SRV: +json $*: ${s#*:} same as text"
		else
			bad "$SRV: +json $*: ${s#*:} differs from text"
			cat "$T/d"
		fi
	done
	# header: rcode and flags as the text header says
	local hdr rc flags
	hdr=$("${C[@]}" +noall +comments "$@" | grep -m1 -- '->>HEADER<<-')
	rc=$(sed -E 's/.*status: ([A-Z]+).*/\1/' <<<"$hdr")
	flags=$("${C[@]}" +noall +comments "$@" | grep -m1 '^;; flags:' | sed -E 's/;; flags:([a-z ]*);.*/\1/')
	local jrc jflags
	jrc=$(jq -r '.RCODE' <<<"$js")
	jflags=$(jq -r '[("qr" | select($j.QR)), ("aa" | select($j.AA)), ("tc" | select($j.TC)),
		("rd" | select($j.RD)), ("ra" | select($j.RA)), ("ad" | select($j.AD)),
		("cd" | select($j.CD))] | join(" ")' --argjson j "$js" <<<null)
	declare -A num=([NOERROR]=0 [FORMERR]=1 [SERVFAIL]=2 [NXDOMAIN]=3 [NOTIMP]=4 [REFUSED]=5)
	if [ "${num[$rc]:-x}" = "$jrc" ] && [ "$(echo $flags)" = "$jflags" ]; then
		ok "$SRV: +json $*: RCODE $jrc and flags '$jflags' as in text"
	else
		bad "$SRV: +json $*: header differs (text $rc/$flags, json $jrc/$jflags)"
	fi
}

json_all() {
	check www.cdig.test
	check cdig.test MX
	check quoted.cdig.test TXT
	check nx.cdig.test
	check -x 192.0.2.10
	check cdig.test SOA +dnssec
	check big.cdig.test TXT +bufsize=512
	check www.sub.cdig.test +norecurse      # referral with glue in additional
	check -x 192.0.2.25 +tcp

	# RFC 8427 member names and types.
	js=$("${C[@]}" +json www.cdig.test)
	if jq -e '(.ID|type=="number") and (.QR==true) and (.Opcode==0) and (.AA==true) and
		(.QDCOUNT==1) and (.ANCOUNT==2) and (.QNAME=="www.cdig.test.") and (.QTYPE==1) and
		(.QTYPEname=="A") and (.QCLASS==1) and (.questionRRs[0].NAME=="www.cdig.test.") and
		(.answerRRs[0].rdataA=="192.0.2.10") and (.answerRRs[0].RDATAHEX=="C000020A") and
		(.answerRRs[0].RDLENGTH==4) and ([.additionalRRs[] | select(.TYPE==41)] | length == 1)' \
		>/dev/null <<<"$js"; then
		ok "$SRV: RFC 8427 names and values"
	else
		bad "$SRV: RFC 8427 names and values"
		echo "$js"
	fi
	# two queries: two documents
	n=$("${C[@]}" +json www.cdig.test mail.cdig.test | jq -s length)
	[ "$n" = 2 ] && ok "$SRV: one JSON document per message" || bad "$SRV: expected 2 documents, got $n"
	# +qr adds the query as its own document, with QR false
	n=$("${C[@]}" +json +qr www.cdig.test | jq -s '[.[].QR] | map(tostring) | join(",")')
	[ "$n" = '"false,true"' ] && ok "$SRV: +json +qr prints query and response" || bad "$SRV: +json +qr: $n"
}

for SRV in nsd cairnd; do
	if [ $SRV = nsd ]; then PORT=$NSD_PORT; else PORT=$CAIRND_PORT; fi
	C=("$CDIG" @127.0.0.1 -p "$PORT")
	json_all
done

finish
