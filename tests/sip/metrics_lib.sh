# Shared by the metrics tests: mod_metrics on a free loopback port, each
# scrape with curl and checked whole by promtool (the prometheus package).
mport=$(free_port)

# metrics_group [settings...]: the config group (after write_config's $*).
metrics_group() {
	echo "metrics: { listen = \"127.0.0.1:$mport\"; $* };"
}

# with_metrics FILE: load mod_metrics too (write_config loads echo only).
with_metrics() {
	sed -i 's/^modules = ( "echo" );/modules = ( "echo", "metrics" );/' "$1"
	grep -q '"metrics" );' "$1" || fail "could not add mod_metrics to $1"
}

# scrape FILE [PORT]: GET /metrics into FILE; the answer must be 200 with
# the text format's media type and pass `promtool check metrics`.
scrape() {
	curl -sS -D "$1.head" -o "$1" --max-time 5 "http://127.0.0.1:${2:-$mport}/metrics" ||
		fail "scrape of port ${2:-$mport} failed"
	head -n 1 "$1.head" | grep -q "^HTTP/1.1 200 " || fail "scrape: $(head -n 1 "$1.head")"
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$1.head" ||
		fail "scrape: wrong Content-Type: $(grep -i content-type "$1.head")"
	promtool check metrics <"$1" >"$1.promtool" 2>&1 ||
		fail "promtool check metrics: $(cat "$1.promtool")"
}

# metric FILE SERIES: the value of one sample, as written ("" when absent):
#   metric "$WORK/m1" 'tandem_calls_total{disposition="ANSWERED"}'
metric() {
	awk -v s="$2" 'substr($0, 1, length(s) + 1) == s " " { print substr($0, length(s) + 2) }' "$1"
}

# expect FILE SERIES VALUE
expect() {
	v=$(metric "$1" "$2")
	[ "$v" = "$3" ] || fail "$2 is '$v', want $3 (in $1)"
}

# http_status METHOD PATH [curl args...]: the status code of one request.
http_status() {
	m=$1; p=$2; shift 2
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X "$m" "$@" "http://127.0.0.1:$mport$p"
}
