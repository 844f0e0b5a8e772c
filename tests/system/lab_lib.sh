# lab_lib.sh -- the toy Internet of zones/lab and unbound beside it
# (sourced, bash), shared by the resolver system tests (through
# resolver_lib.sh) and bench/resolver.sh. Runs inside a private network
# namespace, where every 127.x.y.z and port 53 are free.
#
# The caller sets T (a scratch directory), CAIRND (the cairnd binary) and
# PIDS (an array that collects the servers' pids for its cleanup), and may
# set LAB_RUN to a command prefix for the servers (e.g. "taskset -c 1").

# wait_dns ADDR NAME TYPE: until a server at ADDR answers anything to an
# RD=0 query (up to 30 s: sanitizer builds on a loaded machine start slowly).
wait_dns() {
	local end=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$end" ]; do
		dig @"$1" +time=1 +tries=1 +norec "$2" "$3" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# auth NAME ADDR... -- ZONE=FILE...: an authoritative cairnd logging
# queries to $T/NAME.log, without response rate limiting: the resolvers
# under test are its only clients, and the benchmarks' floods of distinct
# names would be limited (NXDOMAIN per zone) like an attack.
auth() {
	local name=$1 a; shift
	{
		echo "server:"
		while [ $# -gt 0 ] && [ "$1" != "--" ]; do echo "	listen: $1@53"; shift; done
		shift
		printf '\tthreads: 1\n\tuser: ""\n\tpidfile: ""\n\tcontrol-socket: ""\n\tlog: stderr\n'
		printf '\tlog-queries: yes\n\trecursion: no\n\trrl-ratelimit: 0\n'
		for a in "$@"; do printf 'zone:\n\tname: %s\n\tfile: %s\n' "${a%%=*}" "${a#*=}"; done
	} >"$T/$name.conf"
	${LAB_RUN:-} "$CAIRND" -d -c "$T/$name.conf" >"$T/$name.log" 2>&1 &
	PIDS+=($!)
}

# start_lab DIR [ZONE=FILE...]: the lab's authoritative servers, zone files
# from DIR (root and arpa. on 127.1.0.1/.2, com. and net. on 127.2.0.1/.2,
# example.com. on 127.3.0.1/.2 with the extra ZONE=FILE zones, example.net.
# and 127.in-addr.arpa. on 127.4.0.1, shop.net. on 127.5.0.1). Returns 0
# once all answer, else 1 (and says which did not).
start_lab() {
	local d=$1 a; shift
	auth auth-root 127.1.0.1 127.1.0.2 -- .="$d/root.zone" arpa="$d/arpa.zone"
	auth auth-gtld 127.2.0.1 127.2.0.2 -- com="$d/com.zone" net="$d/net.zone"
	auth auth-excom 127.3.0.1 127.3.0.2 -- example.com="$d/example.com.zone" "$@"
	auth auth-exnet 127.4.0.1 -- example.net="$d/example.net.zone" 127.in-addr.arpa="$d/127.in-addr.arpa.zone"
	auth auth-shop 127.5.0.1 -- shop.net="$d/shop.net.zone"
	for a in 127.1.0.1 127.2.0.1 127.3.0.1 127.4.0.1 127.5.0.1; do
		wait_dns $a . SOA || { echo "authoritative server $a did not start"; return 1; }
	done
}

# upstream: number of queries all authoritative servers have received.
upstream() { cat "$T"/auth-*.log 2>/dev/null | grep -c ' query ' ; }

# start_unbound DIR ADDR HINTS [LINE...]: unbound on ADDR port 53 (one
# thread, module "iterator", QNAME minimisation on, loopback upstreams
# allowed) iterating from the root hints HINTS, with the LINEs (e.g.
# "access-control: 127.0.0.0/8 allow") added to its server: clause. Its
# configuration is DIR/unbound.conf, its log DIR/unbound.log; its pid is
# appended to PIDS and left in UNBOUND_PID. Does not wait for it.
start_unbound() {
	local dir=$1 addr=$2 hints=$3 l; shift 3
	{
		cat <<EOF
server:
	interface: $addr
	port: 53
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: "$dir/unbound.pid"
	use-syslog: no
	logfile: ""
	do-daemonize: no
	verbosity: 1
	num-threads: 1
	module-config: "iterator"
	root-hints: "$hints"
	do-not-query-localhost: no
	qname-minimisation: yes
EOF
		for l in "$@"; do printf '\t%s\n' "$l"; done
	} >"$dir/unbound.conf"
	${LAB_RUN:-} unbound -c "$dir/unbound.conf" >"$dir/unbound.log" 2>&1 &
	UNBOUND_PID=$!
	PIDS+=($!)
}

# start_signed_lab DIR: start_lab on the signed lab DIR (zones/lab/signed)
# with the zones broken on purpose (zones/lab/README) beside example.com.
start_signed_lab() {
	local s=$1 z zones=()
	for z in expired wrongds nokey nosig iter500 rsamd5; do
		zones+=("$z.example.com=$s/$z.example.com.zone")
	done
	start_lab "$s" "${zones[@]}"
}

# signed_lab_names DIR: "NAME TYPE" lines, sorted, of every RRset of the
# signed lab's zone files that is neither DNSSEC's own nor a delegation's
# NS, and a name that does not exist in each zone (the broken zones not
# included). Needs ldns-read-zone.
signed_lab_names() {
	local z
	for z in "$1"/root.zone "$1"/arpa.zone "$1"/com.zone "$1"/net.zone "$1"/example.com.zone \
		"$1"/example.net.zone "$1"/127.in-addr.arpa.zone "$1"/shop.net.zone; do
		ldns-read-zone "$z" | awk '!/^;/ && NF >= 4 {
			o = tolower($1); t = $4
			if (t == "SOA") apex = o
			if (t ~ /^(RRSIG|NSEC|NSEC3|NSEC3PARAM|DS)$/) next
			if (t == "NS" && o != apex) next
			print o, t
			if (t == "SOA") print "nosuch." o, "A"
		}'
	done | sed 's/^nosuch\.\. /nosuch. /' | sort -u
}
