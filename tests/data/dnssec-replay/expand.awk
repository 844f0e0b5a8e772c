# expand.awk: expands a scenario template (templates/*.rpl.in) into a
# .rpl file, pasting records from the signed zones in signed/ (run by
# gen.sh: awk -v dir=DIR -v hashes=FILE -v tmpl=NAME -f expand.awk T).
# Lines starting with @ are directives (templates/README.md):
#   @INCLUDE name                      templates/_name.rpl.in, expanded
#   @SERVER zone addr... [+child...]   a RANGE: the zone's authoritative
#                                      server (every RRset, DS answers,
#                                      referrals with DS or the proof of none;
#                                      with +child words only those children's)
#   @RRSET zone owner type [ttl]       the RRset and its RRSIGs (ttl: the
#   @RR zone owner type [ttl]          records' TTL changed) / without RRSIGs
#   @SIG zone owner type               only the RRSIGs
#   @WILD zone qname wildowner type    the wildcard's RRset expanded to qname,
#                                      with its RRSIGs (labels field kept)
#   @NSEC3 zone name / @NSEC3COVER zone name / @NSECCOVER zone name
#                                      one NSEC3 matching / covering the
#                                      name's hash, one NSEC covering it
#   @PROOF zone qname kind             the NSEC/NSEC3 records (and RRSIGs)
#                                      denying qname: nxdomain, nodata,
#                                      wildcard, wildnodata (RFC 4035 §3.1.3,
#                                      RFC 5155 §7.2)
#   @NEG zone qname qtype kind         an entry answering qname/qtype with
#                                      NXDOMAIN (kind nxdomain) or NODATA:
#                                      SOA, proof, RRSIGs
#   @WILDANSWER zone qname wildowner type   an entry with the wildcard
#                                      answer and its proof
# and in any line @TA_DS@ / @TA_DNSKEY@ become the root's trust anchor
# ("owner DS ..." / "owner DNSKEY ...", for trust-anchor:), @TA_DS_BAD@ a
# DS anchor whose digest matches no key.

function die(msg) {
	printf "expand.awk: %s: %s\n", tmpl, msg > "/dev/stderr"
	failed = 1
	exit 1
}

function zfile(z) { return z == "." ? "root" : substr(z, 1, length(z) - 1) }

function load(z,    f, line, n, a, o, t, k, hh, i) {
	f = dir "/signed/" zfile(z) ".zone.signed"
	while ((getline line < f) > 0) {
		if (line ~ /^[ \t]*(;|$)/)
			continue
		gsub(/\t+/, " ", line)
		sub(/ ;\{id = .*$/, "", line)    # ldns-signzone's key comments
		sub(/ +$/, "", line)
		n = split(line, a, " ")
		o = tolower(a[1]); t = a[4]
		if (!((z, o) in isowner)) {
			isowner[z, o] = 1
			nown[z]++
			owner[z, nown[z]] = o
		}
		if (t == "RRSIG") {
			k = z SUBSEP o SUBSEP a[5]
			sig[k] = sig[k] line "\n"
			continue
		}
		k = z SUBSEP o SUBSEP t
		if (!(k in rr))
			otypes[z, o] = otypes[z, o] " " t
		rr[k] = rr[k] line "\n"
		if (t == "NS" && o != z)
			cut[z, o] = 1
		if (t == "NSEC") {
			nnsec[z]++
			nsec_own[z, nnsec[z]] = o
			nsec_next[z, o] = tolower(a[5])
		}
		if (t == "NSEC3") {
			is_n3[z] = 1
			hh = substr(o, 1, index(o, ".") - 1)
			nn3[z]++
			n3_own[z, nn3[z]] = hh
			n3_next[z, hh] = tolower(a[9])
		}
	}
	close(f)
	if (!nown[z])
		die("no signed zone " f)
	loaded[z] = 1
	# the names that exist: owners (not NSEC3's) and their ancestors
	for (i = 1; i <= nown[z]; i++) {
		o = owner[z, i]
		if ((z, o, "NSEC3") in rr)
			continue
		while (1) {
			exists[z, o] = 1
			if (o == z || o == ".")
				break
			o = parent(o)
		}
	}
}

function zone(z) { z = tolower(z); if (!(z in loaded)) load(z); return z }

function parent(n) { return n == "." ? "." : (index(n, ".") == length(n) ? "." : substr(n, index(n, ".") + 1)) }

# the canonical order (RFC 4034 §6.1) as a string order: labels from the right
function canon(n,    a, k, i, s) {
	if (n == ".")
		return ""
	k = split(substr(n, 1, length(n) - 1), a, ".")
	s = a[k]
	for (i = k - 1; i >= 1; i--)
		s = s "\001" a[i]
	return s
}

function out(line) {
	if (!(line in seen)) {
		seen[line] = 1
		printf "%s", line
	}
}

function outlines(text, ttl,    a, n, i, b) {
	n = split(text, a, "\n")
	for (i = 1; i <= n; i++) {
		if (a[i] == "")
			continue
		if (ttl != "") {
			split(a[i], b, " ")
			sub(/^[^ ]+ [^ ]+/, b[1] " " ttl, a[i])
		}
		out(a[i] "\n")
	}
}

function rrset(z, o, t, ttl, withsig, withdata,    k) {
	z = zone(z); o = tolower(o)
	k = z SUBSEP o SUBSEP t
	if (withdata && !(k in rr))
		die("no " o " " t " in " z)
	if (withsig && !(k in sig))
		die("no RRSIG over " o " " t " in " z)
	if (withdata)
		outlines(rr[k], ttl)
	if (withsig)
		outlines(sig[k], "")
}

function wild(z, q, w, t,    k, text, a, n, i) {
	z = zone(z); q = tolower(q); w = tolower(w)
	k = z SUBSEP w SUBSEP t
	if (!(k in rr) || !(k in sig))
		die("no signed " w " " t " in " z)
	text = rr[k] sig[k]
	n = split(text, a, "\n")
	for (i = 1; i <= n; i++)
		if (a[i] != "") {
			sub(/^[^ ]+/, q, a[i])
			out(a[i] "\n")
		}
}

function nsec_at(z, o) { rrset(z, o, "NSEC", "", 1, 1) }

function nsec_cover(z, n,    c, i, o, x, oc, xc) {
	c = canon(n)
	for (i = 1; i <= nnsec[z]; i++) {
		o = nsec_own[z, i]; x = nsec_next[z, o]
		oc = canon(o); xc = canon(x)
		if ((oc < c && c < xc) || (xc <= oc && (oc < c || c < xc))) {
			nsec_at(z, o)
			return
		}
	}
	die("no NSEC covers " n " in " z)
}

function hash(z, n) {
	if (!((z, n) in h))
		die("no NSEC3 hash of " n " for " z " (gen.sh lists the names)")
	return h[z, n]
}

function n3_rr(z, hh) { rrset(z, hh "." z, "NSEC3", "", 1, 1) }

function n3_has(z, n) { return (z, hash(z, n)) in n3_next }

function n3_match(z, n) {
	if (!n3_has(z, n))
		die("no NSEC3 matches " n " in " z)
	n3_rr(z, hash(z, n))
}

function n3_cover(z, n,    hh, i, o, x) {
	hh = hash(z, n)
	for (i = 1; i <= nn3[z]; i++) {
		o = n3_own[z, i]; x = n3_next[z, o]
		if ((o < hh && hh < x) || (x <= o && (o < hh || hh < x))) {
			n3_rr(z, o)
			return
		}
	}
	die("no NSEC3 covers " n " (" hh ") in " z)
}

# the closest encloser of n in z, and the next closer name
function encloser(z, n) {
	nc = n
	ce = parent(n)
	while (!((z, ce) in exists)) {
		if (ce == z || ce == ".")
			die("no closest encloser of " n " in " z)
		nc = ce
		ce = parent(ce)
	}
	return ce
}

function proof(z, q, kind) {
	z = zone(z); q = tolower(q)
	if (!(z in is_n3)) {
		if (kind == "nxdomain") {
			nsec_cover(z, q)
			encloser(z, q)
			if ((z, "*." ce, "NSEC") in rr)
				die("*." ce " exists: not an NXDOMAIN")
			nsec_cover(z, "*." ce)
		} else if (kind == "nodata" || kind == "nods") {
			if ((z, q, "NSEC") in rr)
				nsec_at(z, q)
			else
				nsec_cover(z, q)   # an empty non-terminal (RFC 4035 §3.1.3.2)
		} else if (kind == "wildcard") {
			nsec_cover(z, q)
		} else if (kind == "wildnodata") {
			nsec_cover(z, q)
			encloser(z, q)
			nsec_at(z, "*." ce)
		} else die("unknown proof " kind)
		return
	}
	if (kind == "nxdomain") {            # RFC 5155 §7.2.2
		encloser(z, q)
		n3_match(z, ce); n3_cover(z, nc); n3_cover(z, "*." ce)
	} else if (kind == "nodata" || kind == "nods") {   # §7.2.3, §7.2.4 (opt-out)
		if (n3_has(z, q))
			n3_match(z, q)
		else {
			encloser(z, q)
			n3_match(z, ce); n3_cover(z, nc)
		}
	} else if (kind == "wildcard") {     # §7.2.6
		encloser(z, q)
		n3_cover(z, nc)
	} else if (kind == "wildnodata") {   # §7.2.5
		encloser(z, q)
		n3_match(z, ce); n3_cover(z, nc); n3_match(z, "*." ce)
	} else die("unknown proof " kind)
}

function entry_head(q, t, flags, m) {
	print "ENTRY_BEGIN"
	print "MATCH " (m == "" ? "opcode qtype qname" : m)
	print "ADJUST copy_id copy_query"
	print "REPLY " flags " DO"
	print "SECTION QUESTION"
	print q " IN " t
}

function neg(z, q, t, kind) {
	z = zone(z); q = tolower(q)
	delete seen
	entry_head(q, t, "QR AA " (kind == "nxdomain" ? "NXDOMAIN" : "NOERROR"))
	print "SECTION AUTHORITY"
	rrset(z, z, "SOA", "", 1, 1)
	proof(z, q, kind)
	print "ENTRY_END"
}

function wildanswer(z, q, w, t) {
	delete seen
	entry_head(tolower(q), t, "QR AA NOERROR")
	print "SECTION ANSWER"
	wild(z, q, w, t)
	print "SECTION AUTHORITY"
	proof(z, q, "wildcard")
	print "ENTRY_END"
}

# glue / target addresses of the NS RRset at o (names in the zone's data)
function ns_addrs(z, o,    a, n, i, b, tg) {
	n = split(rr[z, o, "NS"], a, "\n")
	for (i = 1; i <= n; i++) {
		if (a[i] == "")
			continue
		split(a[i], b, " ")
		tg = tolower(b[5])
		if ((z, tg, "A") in rr)
			rrset(z, tg, "A", "", (z, tg, "A") in sig, 1)
		if ((z, tg, "AAAA") in rr)
			rrset(z, tg, "AAAA", "", (z, tg, "AAAA") in sig, 1)
	}
}

function below_cut(z, o) {
	while (o != z && o != ".") {
		o = parent(o)
		if ((z, o) in cut)
			return 1
	}
	return 0
}

function skipcut(z, o, only, some) {
	return ((z, o) in cut) && some && !((o) in only)
}

function server(z, addrs,    i, j, o, t, n, a, ts, nt, only, some) {
	z = zone(z)
	print "RANGE_BEGIN 0 1000"
	n = split(addrs, a, " ")
	some = 0
	for (i = 1; i <= n; i++)
		if (substr(a[i], 1, 1) == "+") {
			only[tolower(substr(a[i], 2))] = 1
			some = 1
		} else
			print "\tADDRESS " a[i]
	# every authoritative RRset, in the zone's order
	for (i = 1; i <= nown[z]; i++) {
		o = owner[z, i]
		if (below_cut(z, o) || skipcut(z, o, only, some))
			continue
		nt = split(otypes[z, o], ts, " ")
		for (j = 1; j <= nt; j++) {
			t = ts[j]
			if (((z, o) in cut && t != "DS") || t == "NSEC3" || t == "NSEC")
				continue
			delete seen
			# a CNAME answers every type (RFC 1034 §3.6.2)
			entry_head(o, t, "QR AA NOERROR", t == "CNAME" ? "opcode qname" : "")
			print "SECTION ANSWER"
			rrset(z, o, t, "", (z, o, t) in sig, 1)
			if (t == "NS") {
				print "SECTION ADDITIONAL"
				ns_addrs(z, o)
			}
			print "ENTRY_END"
		}
		# a DS query for an unsigned delegation: NODATA with the proof
		if ((z, o) in cut && !((z, o, "DS") in rr) && ((z, z, "SOA") in sig))
			neg(z, o, "DS", "nods")
	}
	# referrals, with the DS or the proof that there is none (RFC 4035 §3.1.4)
	for (i = 1; i <= nown[z]; i++) {
		o = owner[z, i]
		if (!((z, o) in cut) || below_cut(z, o) || skipcut(z, o, only, some))
			continue
		delete seen
		print "ENTRY_BEGIN"
		print "MATCH opcode subdomain"
		print "ADJUST copy_id copy_query"
		print "REPLY QR NOERROR DO"
		print "SECTION QUESTION"
		print o " IN NS"
		print "SECTION AUTHORITY"
		rrset(z, o, "NS", "", 0, 1)
		if ((z, o, "DS") in rr)
			rrset(z, o, "DS", "", 1, 1)
		else if ((z, z, "SOA") in sig)
			proof(z, o, "nods")
		print "SECTION ADDITIONAL"
		ns_addrs(z, o)
		print "ENTRY_END"
	}
	print "RANGE_END"
}

function ta(    f, line, a) {
	f = dir "/signed/anchor.ds"
	getline line < f; close(f)
	gsub(/\t+/, " ", line); split(line, a, " ")
	ta_ds = a[1] " DS " a[5] " " a[6] " " a[7] " " a[8]
	# the same with the digest's last 4 hex digits changed: matches no key
	ta_ds_bad = a[1] " DS " a[5] " " a[6] " " a[7] " " substr(a[8], 1, length(a[8]) - 4) \
		(substr(a[8], length(a[8]) - 3) == "0000" ? "1111" : "0000")
	f = dir "/signed/anchor.dnskey"
	getline line < f; close(f)
	gsub(/\t+/, " ", line); sub(/ +$/, "", line); split(line, a, " ")
	ta_dnskey = a[1] " DNSKEY " a[4] " " a[5] " " a[6] " " a[7]
}

function expand(file,    line, a, n, r) {
	while ((r = (getline line < file)) > 0) {
		if (line !~ /^@[A-Z]/) {
			gsub(/@TA_DS@/, ta_ds, line)
			gsub(/@TA_DNSKEY@/, ta_dnskey, line)
			gsub(/@TA_DS_BAD@/, ta_ds_bad, line)
			print line
			continue
		}
		n = split(line, a, " ")
		if (a[1] == "@INCLUDE" && n == 2) {
			expand(dir "/templates/_" a[2] ".rpl.in")
			continue
		}
		delete seen
		if (a[1] == "@SERVER" && n >= 3)
			server(a[2], substr(line, index(line, a[3])))
		else if (a[1] == "@RRSET" && (n == 4 || n == 5))
			rrset(a[2], a[3], a[4], a[5], 1, 1)
		else if (a[1] == "@RR" && (n == 4 || n == 5))
			rrset(a[2], a[3], a[4], a[5], 0, 1)
		else if (a[1] == "@SIG" && n == 4)
			rrset(a[2], a[3], a[4], "", 1, 0)
		else if (a[1] == "@WILD" && n == 5)
			wild(a[2], a[3], a[4], a[5])
		else if (a[1] == "@NSEC3" && n == 3)
			n3_match(zone(a[2]), tolower(a[3]))
		else if (a[1] == "@NSEC3COVER" && n == 3)
			n3_cover(zone(a[2]), tolower(a[3]))
		else if (a[1] == "@NSECCOVER" && n == 3)
			nsec_cover(zone(a[2]), tolower(a[3]))
		else if (a[1] == "@PROOF" && n == 4)
			proof(a[2], a[3], a[4])
		else if (a[1] == "@NEG" && n == 5)
			neg(a[2], a[3], a[4], a[5])
		else if (a[1] == "@WILDANSWER" && n == 5)
			wildanswer(a[2], a[3], a[4], a[5])
		else
			die("bad directive: " line)
	}
	if (r < 0)
		die("cannot read " file)
	close(file)
}

BEGIN {
	while ((getline line < hashes) > 0) {
		split(line, a, " ")
		h[a[1], a[2]] = a[3]
	}
	close(hashes)
	ta()
}

END {
	if (failed)
		exit 1
	expand(FILENAME)
	if (failed)
		exit 1
}
