# Shared by the mod_cdr tests: the call tests' tandemd (calls_lib.sh: a
# SIPp caller, tandemd, a SIPp callee) with mod_rtprelay on a port range of
# its own and mod_cdr writing under $CDR_DIR.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/sip/calls_lib.sh"

CDR_DIR=$WORK/var/cdr
relay_min=$(free_port)
CHECK="python3 $top_srcdir/tests/sip/cdr_check.py"

# cdr_config [CDR SETTINGS]: the cdr group holds them (default: all three
# outputs, relative to the config's folder).
cdr_config() {
	write_calls_config "
rtprelay: { bind = \"127.0.0.1\"; port_min = $relay_min; port_max = $((relay_min + 199)); };
cdr: { ${1:-csv = \"var/cdr/Master.csv\"; json = \"var/cdr/cdr.json\"; sqlite = \"var/cdr/cdr.db\";} };"
	sed -i 's/^modules = ( "echo" );/modules = ( "echo", "rtprelay", "cdr" );/' "$WORK/tandem.conf"
}

# The CSV, JSON and SQLite outputs of cdr_config's default.
CSV=$CDR_DIR/Master.csv
JSONL=$CDR_DIR/cdr.json
DB=$CDR_DIR/cdr.db
