#!/usr/bin/env python3
"""mod_cdr's records, checked from the outside (tests/sip/test_cdr_*.sh).

  cdr_check.py calls CSV JSONL DB TANDEM_LOG UAS_PORT
      the four calls of test_cdr_calls.sh (answered 2 s, busy, no answer,
      cancelled), in that order, alike in the three outputs
  cdr_check.py lines CSV JSONL
      every line whole: 18 CSV fields quoted as Asterisk quotes them, every
      JSON line an object; prints the number of records
  cdr_check.py complete JSONL SIPP_LOG TANDEM_LOG [DB]
      every call the SIPp caller completed (its log: "done CALL-ID") and
      every call tandemd ended ("call N destroyed") has its record
"""
import csv
import json
import re
import subprocess
import sys
import time

COLUMNS = ["accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel",
           "lastapp", "lastdata", "start", "answer", "end", "duration", "billsec",
           "disposition", "amaflags", "uniqueid", "userfield"]
# Asterisk's cdr_csv quotes every column but duration and billsec
QUOTED = '"(?:[^"]|"")*"'
LINE_RE = re.compile("^" + ",".join("[0-9]+" if c in ("duration", "billsec") else QUOTED
                                    for c in COLUMNS) + "$")

errors = []


def check(cond, what):
    if not cond:
        errors.append(what)
    return cond


def read_csv(path):
    rows = []
    with open(path, "rb") as f:
        data = f.read()
    check(data == b"" or data.endswith(b"\n"), f"{path}: the last line has no newline")
    for n, raw in enumerate(data.split(b"\n")[:-1], 1):
        text = raw.decode("utf-8")
        check(LINE_RE.match(text), f"{path}:{n}: not quoted as Master.csv: {text}")
        fields = next(csv.reader([text]))
        check(len(fields) == 18, f"{path}:{n}: {len(fields)} fields, not 18: {text}")
        rows.append(dict(zip(COLUMNS, fields)))
    return rows


def read_jsonl(path):
    recs = []
    with open(path, "rb") as f:
        data = f.read()
    check(data == b"" or data.endswith(b"\n"), f"{path}: the last line has no newline")
    for n, raw in enumerate(data.split(b"\n")[:-1], 1):
        try:
            r = json.loads(raw)
        except ValueError as e:
            check(False, f"{path}:{n}: not JSON ({e}): {raw[:200]!r}")
            continue
        check(isinstance(r, dict), f"{path}:{n}: not an object")
        recs.append(r)
    return recs


def sql(db, query):
    out = subprocess.run(["sqlite3", "-json", db, query], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out) if out.strip() else []


def local(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(int(t))) if t else ""


def relay_log(log, call_id):
    """rtprelay's own end-of-call counters: {('A'|'B'): {rx_pkts:..}} for stream 0."""
    out = {}
    pat = re.compile(r"rtprelay: call (\S+) stream 0 side (\S+): (.*)")
    for line in open(log, errors="replace"):
        m = pat.search(line)
        if m and m.group(1) == call_id:
            out[m.group(2)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)\b", m.group(3))}
    return out


def same_everywhere(rows, recs, dbrows):
    """The CSV row, the JSON record and the SQLite row of each call agree."""
    check(len(rows) == len(recs) == len(dbrows),
          f"{len(rows)} CSV rows, {len(recs)} JSON records, {len(dbrows)} SQLite rows")
    for row, rec, dbr in zip(rows, recs, dbrows):
        tag = rec.get("a_call_id")
        for col in ("accountcode", "src", "dst", "clid", "channel", "dstchannel", "lastapp",
                    "lastdata", "amaflags", "uniqueid", "userfield", "disposition"):
            check(row[col] == rec[col], f"{tag}: CSV {col} {row[col]!r} != JSON {rec[col]!r}")
        check(row["dcontext"] == rec["context"], f"{tag}: dcontext differs")
        check(int(row["duration"]) == rec["duration"], f"{tag}: duration differs")
        check(int(row["billsec"]) == rec["billsec"], f"{tag}: billsec differs")
        for col in ("start", "answer", "end"):
            check(row[col] == local(rec[col]), f"{tag}: CSV {col} {row[col]!r} is not "
                  f"{local(rec[col])!r}")
        for col in ("uniqueid", "a_call_id", "b_call_id", "src", "dst", "clid", "disposition",
                    "duration", "billsec", "status", "hangup_side", "hangup_cause", "callee",
                    "rule", "accountcode", "amaflags", "userfield"):
            check(dbr[col] == rec[col], f"{tag}: SQLite {col} {dbr[col]!r} != JSON {rec[col]!r}")
        check(dbr["dcontext"] == rec["context"], f"{tag}: SQLite dcontext differs")
        check(dbr["call_number"] == rec["id"], f"{tag}: SQLite call_number differs")
        for col in ("start", "answer", "end"):
            a, b = dbr[col], rec[col]
            check((a is None and b is None) or (a is not None and b is not None and abs(a - b) < 0.002),
                  f"{tag}: SQLite {col} {a} != JSON {b}")
        if rec["media"]:
            for side in ("a", "b"):
                for k in ("rx_packets", "rx_bytes", "tx_packets", "tx_bytes"):
                    total = sum(s[side][k] for s in rec["media"])
                    check(dbr[f"{side}_{k}"] == total, f"{tag}: SQLite {side}_{k} "
                          f"{dbr[side + '_' + k]} != {total}")
            check(json.loads(dbr["media"]) == rec["media"], f"{tag}: SQLite media differs")


def cmd_calls(csv_path, jsonl, db, log, uas_port):
    rows, recs = read_csv(csv_path), read_jsonl(jsonl)
    dbrows = sql(db, "SELECT * FROM cdr ORDER BY id")
    if not check(len(recs) == 4, f"{len(recs)} JSON records, expected 4"):
        return
    same_everywhere(rows, recs, dbrows)
    ans, busy, noans, canc = recs
    for r in recs:
        check(r["src"] == "alice" and r["clid"] == '"sipp" <alice>', f"src/clid: {r['src']!r} {r['clid']!r}")
        check(r["context"] == "internal", f"context {r['context']!r}")
        check(r["start"] and r["end"] and r["end"] >= r["start"], f"start/end {r['start']} {r['end']}")
        check(r["duration"] >= r["billsec"] >= 0, f"duration {r['duration']} billsec {r['billsec']}")
        check(r["a_call_id"] and r["a_call_id"] != r["b_call_id"], "a_call_id")
        check(r["channel"] == "SIP/alice-%08x" % r["id"], f"channel {r['channel']!r}")
        check(r["uniqueid"] == "%d.%d" % (int(r["start"]), r["id"]), f"uniqueid {r['uniqueid']!r}")
        check(r["amaflags"] == "DOCUMENTATION" and r["lastapp"] == "Dial", "amaflags/lastapp")
    ids = [r["a_call_id"] for r in recs]
    check(len(set(ids)) == 4, f"Call-IDs not distinct: {ids}")

    # answered, held 2 s, with RTP both ways
    check(ans["disposition"] == "ANSWERED" and ans["status"] == 200, f"answered: {ans['disposition']}")
    check(ans["dst"] == "bob" and ans["rule"] == "^(.+)$", f"answered: dst {ans['dst']!r} rule {ans['rule']!r}")
    check(1 <= ans["billsec"] <= 3, f"answered: billsec {ans['billsec']} not 2 +- 1")
    check(ans["duration"] - ans["billsec"] <= 1, f"answered: duration {ans['duration']} billsec {ans['billsec']}")
    check(ans["answer"] and ans["start"] <= ans["answer"] <= ans["end"], "answered: answer time")
    check(1.5 <= ans["end"] - ans["answer"] <= 3.5, f"answered: talked {ans['end'] - ans['answer']:.2f} s")
    check(ans["hangup_side"] == "caller" and ans["hangup_cause"] == "BYE",
          f"answered: hangup {ans['hangup_side']} {ans['hangup_cause']}")
    check(ans["callee"] == f"sip:bob@127.0.0.1:{uas_port}", f"answered: callee {ans['callee']!r}")
    check(ans["dstchannel"] == "SIP/bob@127.0.0.1:%s-%08x" % (uas_port, ans["id"]),
          f"answered: dstchannel {ans['dstchannel']!r}")
    check(ans["b_call_id"] and ans["b_call_id"].endswith("@tandem"), f"answered: b_call_id {ans['b_call_id']!r}")
    check(rows[0]["answer"] != "", "answered: CSV answer empty")
    if check(len(ans["media"]) == 1, f"answered: media {ans['media']}"):
        m = ans["media"][0]
        check(m["stream"] == 0, "media stream index")
        check(m["a"]["rx_packets"] > 20 and m["b"]["rx_packets"] > 20,
              f"answered: no RTP both ways: {m}")
        logged = relay_log(log, ans["a_call_id"])
        for side, key in (("A", "a"), ("B", "b")):
            got = logged.get(side)
            if check(got, f"answered: no rtprelay counters logged for side {side}"):
                check(got["rx_pkts"] == m[key]["rx_packets"] and got["tx_pkts"] == m[key]["tx_packets"]
                      and got["rx_bytes"] == m[key]["rx_bytes"],
                      f"side {side}: record {m[key]} != rtprelay's {got}")

    # busy: the callee's 486 passed to the caller
    check(busy["disposition"] == "BUSY" and busy["status"] == 486, f"busy: {busy['disposition']} {busy['status']}")
    check(busy["billsec"] == 0 and busy["answer"] is None and rows[1]["answer"] == "", "busy: answered?")
    check(busy["hangup_side"] == "callee" and busy["hangup_cause"].startswith("486 "),
          f"busy: hangup {busy['hangup_side']} {busy['hangup_cause']!r}")
    check(busy["b_call_id"] is None and busy["dstchannel"] == "", "busy: a B party?")

    # no answer: the dial gave up after 2 s
    check(noans["disposition"] == "NO ANSWER" and noans["status"] == 480,
          f"no answer: {noans['disposition']} {noans['status']}")
    check(noans["dst"] == "noanswer" and noans["rule"] == "^noanswer$", f"no answer: dst {noans['dst']!r}")
    check(2 <= noans["duration"] <= 3 and noans["billsec"] == 0,
          f"no answer: duration {noans['duration']} billsec {noans['billsec']}")
    check(noans["answer"] is None, "no answer: answered?")

    # cancelled by the caller
    check(canc["disposition"] == "CANCELLED" and canc["status"] == 487,
          f"cancelled: {canc['disposition']} {canc['status']}")
    check(canc["hangup_side"] == "caller" and canc["hangup_cause"] == "CANCEL",
          f"cancelled: hangup {canc['hangup_side']} {canc['hangup_cause']!r}")
    check(canc["billsec"] == 0 and canc["duration"] <= 1 and canc["answer"] is None,
          f"cancelled: duration {canc['duration']}")
    check(canc["ringing"] and canc["start"] <= canc["ringing"] <= canc["end"], "cancelled: ringing time")

    # the database: WAL, indexed on start
    mode = subprocess.run(["sqlite3", db, "PRAGMA journal_mode"], capture_output=True, text=True).stdout
    check(mode.strip() == "wal", f"journal_mode {mode.strip()!r}")
    plan = subprocess.run(["sqlite3", db, "EXPLAIN QUERY PLAN SELECT * FROM cdr WHERE start > 0"],
                          capture_output=True, text=True).stdout
    check("cdr_start" in plan, f"a query on start does not use the index: {plan}")


def cmd_lines(csv_path, jsonl):
    rows, recs = read_csv(csv_path), read_jsonl(jsonl)
    check(len(rows) == len(recs), f"{len(rows)} CSV rows but {len(recs)} JSON records")
    print(len(recs))


def cmd_complete(jsonl, sipp_log, log, db=None):
    recs = read_jsonl(jsonl)
    have = {r["a_call_id"] for r in recs}
    ids = {r["id"] for r in recs}
    check(len(have) == len(recs), "a call recorded twice")
    done = [l.split()[1] for l in open(sipp_log) if l.startswith("done ")]
    check(done, "the SIPp caller completed no call")
    # tandemd ended these calls (the core logs it after the CALL_END hooks)
    ended = [int(m.group(1)) for m in re.finditer(r"call (\d+) destroyed", open(log, errors="replace").read())]
    check(ended, "tandemd logged no call end")
    missing_ended = sorted(set(ended) - ids)
    check(not missing_ended, f"calls tandemd ended without a record: {missing_ended[:10]}")
    # A's 200 to BYE goes out before the callee's 200 ends the call (RFC
    # 3261 §15.1.2): a call SIPp completed may be one tandemd had not
    # ended when it was killed. Such a call has its "BYE from A" as the
    # last word of tandemd about it, and may only be among the last ones.
    text = open(log, errors="replace").read()
    unrecorded = [c for c in done if c not in have]
    for c in unrecorded:
        check(f"call {c}: BYE from A" in text, f"{c}: completed by SIPp, no record, no BYE seen")
    check(len(unrecorded) <= 5, f"{len(unrecorded)} completed calls without a record: {unrecorded[:10]}")
    if db:
        rows = sql(db, "SELECT a_call_id FROM cdr")
        indb = {r["a_call_id"] for r in rows}
        check(have - indb <= set([recs[-1]["a_call_id"]]) if recs else True,
              f"JSON records missing in SQLite: {sorted(have - indb)[:10]}")
        check(indb <= have, "SQLite rows without a JSON record")
        ok = subprocess.run(["sqlite3", db, "PRAGMA integrity_check"], capture_output=True, text=True).stdout
        check(ok.strip() == "ok", f"integrity_check: {ok.strip()}")
    print(f"{len(done)} completed, {len(unrecorded)} of them ended after the kill; "
          f"{len(ended)} ended by tandemd; {len(recs)} records")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"calls": cmd_calls, "lines": cmd_lines, "complete": cmd_complete}[cmd](*args)
    for e in errors:
        print("cdr_check:", e, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
