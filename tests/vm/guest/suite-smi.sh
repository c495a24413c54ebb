#!/bin/bash
# SPDX-License-Identifier: MIT
#
# suite-smi.sh - tern-smi against the real driver (kernel backend, the
# default): every read-only command with --json exits 0 and prints a
# document that follows docs/schema/tern-smi.schema.json (validated with
# python3-jsonschema when installed; the key fields are checked either
# way): both devices with the PCI addresses sysfs has and the Tern PCI
# identity, telemetry numbers in plausible ranges, the driver version,
# and a process holding BOs on the first device listed with its memory. The summary table names both
# devices; -d selects by PCI address and node; a bad -d gets the
# documented exit code. tern-smi reset resets the second device: one more
# reset counted, ready and healthy after, and jobs run on it again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/guest/lib.sh
. "$here/lib.sh"

SMI=${TERN_VM_SMI:-$TERN_VM_BUILD/tools/tern-smi/tern-smi}
SCHEMA=$TERN_REPO/docs/schema/tern-smi.schema.json
[ -x "$SMI" ] || die "$SMI not built (tests/vm/build.sh)"
command -v python3 > /dev/null || die "python3 not installed"
unset TERN_BACKEND

mapfile -t fns < <(emu_functions)
[ "${#fns[@]}" -eq 2 ] || die "need 2 emulated devices, have ${#fns[@]}"
nodes=()
for fn in "${fns[@]}"; do
	n=$(node_of "$fn")
	[ -n "$n" ] || die "$fn has no node"
	nodes+=("$n")
done

# tern-smi's outputs stay with the results (smi/NAME.out, NAME.err).
d=$TERN_VM_RESULTS/smi
rm -rf "$d"
mkdir -p "$d"
holder=
cleanup() {
	if [ -n "$holder" ]; then kill "$holder" 2> /dev/null || true; fi
}
trap cleanup EXIT

# A process holding the first device: 1 MiB host BO, 2 MiB device BO, a context.
"$PROBE" hold "${nodes[0]}" > "$d/hold.out" 2>&1 &
holder=$!
for ((i = 0; i < 600; i++)); do
	grep -q '^ready$' "$d/hold.out" && break
	sleep 0.1
done
grep -q '^ready$' "$d/hold.out" || die "hold: $(cat "$d/hold.out")"
log "holder pid $holder on ${fns[0]} (${nodes[0]})"

# smi NAME WANT ARGS...: run tern-smi ARGS, stdout to $d/NAME.out, and
# require exit status WANT.
smi() {
	local name=$1 want=$2 rc=0
	shift 2
	"$SMI" "$@" > "$d/$name.out" 2> "$d/$name.err" || rc=$?
	log "tern-smi $* -> $rc"
	if [ "$rc" -ne "$want" ]; then
		sed 's/^/  stdout: /' "$d/$name.out"
		sed 's/^/  stderr: /' "$d/$name.err"
		die "tern-smi $*: exit $rc, expected $want"
	fi
}

smi summary 0 --json
smi list 0 list --json
smi info 0 info --json
smi telemetry 0 telemetry --json
smi health 0 health --json
smi version 0 version --json
smi processes 0 processes --json
smi by_pci 0 list --json -d "${fns[1]}"
smi by_node 0 telemetry --json -d "${nodes[0]}"
smi by_two 0 info --json -d "${fns[1]},${fns[0]}"
smi bad_index 3 info --json -d 7
smi bad_value 2 info --json -d 'zz:zz'
short=
if [[ ${fns[1]} == 0000:* ]]; then
	short=${fns[1]#0000:}
	smi by_short 0 list --json -d "$short"
fi
# A function reset of the second device (the holder is on the first).
smi reset 0 reset --json -d "${fns[1]}"
smi health_after 0 health --json -d "${fns[1]}"

# The JSON checks; the arguments are what sysfs and the holder say.
python3 - "$d" "$SCHEMA" "$TERN_REPO/include/tern/hw/tern_regs.h" "$holder" "${fns[0]}" "${fns[1]}" "${nodes[0]}" "${nodes[1]}" \
	"$short" <<'EOF'
import json, os, sys

d, schema_path, regs_path, holder, fn0, fn1, node0, node1, short = sys.argv[1:]
holder = int(holder)
fns, nodes = [fn0, fn1], [node0, node1]
errors = []


def check(cond, what):
    if not cond:
        errors.append(what)
    return cond


def num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def in_range(doc, dev, key, lo, hi):
    v = dev.get(key)
    check(num(v) and lo <= v <= hi,
          f"{doc}: {dev.get('pci_address')} {key} = {v!r}, expected a number in [{lo}, {hi}]")


def load(name):
    with open(os.path.join(d, name + ".out")) as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError as e:
        errors.append(f"{name}: not JSON ({e}): {text[:200]!r}")
        return None


try:
    import jsonschema
    with open(schema_path) as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator
    validator.check_schema(schema)
except ImportError:
    jsonschema = None
    print("python3-jsonschema not installed: key fields only")


def validate(name, doc, command):
    if jsonschema is None:
        return
    sub = dict(schema)
    sub["$ref"] = f"#/$defs/{command}_output"
    sub.pop("anyOf", None)
    for e in validator(sub).iter_errors(doc):
        errors.append(f"{name}: schema: {'/'.join(map(str, e.absolute_path))}: {e.message}")


docs = {}
for name, command in [("summary", "summary"), ("list", "list"), ("info", "info"),
                      ("telemetry", "telemetry"), ("health", "health"),
                      ("version", "version"), ("processes", "processes"),
                      ("by_pci", "list"), ("by_node", "telemetry"), ("by_two", "info"),
                      ("bad_index", "error"), ("bad_value", "error"),
                      ("reset", "reset"), ("health_after", "health")] + \
                     ([("by_short", "list")] if short else []):
    doc = load(name)
    if doc is None:
        continue
    docs[name] = doc
    validate(name, doc, command)
    check(doc.get("schema_version") == "1.1", f"{name}: schema_version {doc.get('schema_version')!r}")
    if command != "error":
        check(doc.get("command") == command, f"{name}: command {doc.get('command')!r}")
        check(doc.get("backend") == "kernel", f"{name}: backend {doc.get('backend')!r}")


def devices(name, want):
    devs = docs.get(name, {}).get("devices")
    if not check(isinstance(devs, list), f"{name}: no devices[]"):
        return []
    got = [(x.get("pci_address"), x.get("node")) for x in devs]
    check(got == [(fns[i], nodes[i]) for i in want],
          f"{name}: devices {got}, expected {[(fns[i], nodes[i]) for i in want]}")
    return devs


for name in ["summary", "list", "info", "telemetry", "health", "version", "processes"]:
    devs = devices(name, [0, 1])
    for i, x in enumerate(devs):
        check(x.get("index") == i, f"{name}: device {i} has index {x.get('index')!r}")
        check(x.get("is_partition") is False, f"{name}: device {i} is_partition")
devices("by_pci", [1])
devices("by_node", [0])
devices("by_two", [1, 0])
if short:
    devices("by_short", [1])

for x in devices("list", [0, 1]):
    check(isinstance(x.get("num_cores"), int) and x["num_cores"] > 0, f"list: num_cores {x.get('num_cores')!r}")
    check(x.get("memory_total_bytes") == 64 << 20, f"list: memory_total_bytes {x.get('memory_total_bytes')!r} (tern-emu --emu-mem 64)")

# An emulated function reports the Tern PF identity, not ivshmem's (docs/cli-json-schema.md).
regs = {}
with open(regs_path) as f:
    for line in f:
        w = line.split()
        if len(w) >= 3 and w[0] == "#define" and w[1].startswith("TERN_PCI_"):
            regs[w[1]] = int(w[2], 0)
for x, fn in zip(devices("info", [0, 1]), fns):
    check(x.get("function") == "pf", f"info: {fn} function {x.get('function')!r}")
    want = (regs["TERN_PCI_VENDOR_ID"], regs["TERN_PCI_DEVICE_PF"], regs["TERN_PCI_REVISION"])
    got = (x.get("pci_vendor_id"), x.get("pci_device_id"), x.get("pci_revision"))
    check(got == want, f"info: {fn} vendor/device/revision {got}, tern_regs.h says {want}")
    check(x.get("transport") == "emulated", f"info: {fn} transport {x.get('transport')!r}")
    check("emulated" in (x.get("capabilities") or []), f"info: {fn} capabilities {x.get('capabilities')!r}")
    v = x.get("versions") or {}
    for k in ["uapi", "hardware", "firmware", "driver"]:
        check(isinstance(v.get(k), str) and v[k], f"info: {fn} versions.{k} = {v.get(k)!r}")
    check(x.get("memory_total_bytes") == 64 << 20, f"info: {fn} memory_total_bytes {x.get('memory_total_bytes')!r}")
    link = x.get("pcie_link")
    check(isinstance(link, dict), f"info: {fn} pcie_link {link!r}")

for name in ["telemetry", "by_node"]:
    for x in docs.get(name, {}).get("devices", []):
        check(x.get("telemetry_supported") is True, f"{name}: telemetry_supported {x.get('telemetry_supported')!r}")
        for key in ["temperature_die_c", "temperature_hbm_c", "coolant_inlet_c", "coolant_outlet_c"]:
            in_range(name, x, key, 0, 150)
        in_range(name, x, "temperature_limit_c", 40, 150)
        in_range(name, x, "power_w", 0.001, 2000)
        in_range(name, x, "energy_j", 0, 1e9)
        in_range(name, x, "clock_mhz", 1, 10000)
        in_range(name, x, "utilization_percent", 0, 100)
        check(x.get("throttled") in (True, False), f"{name}: throttled {x.get('throttled')!r}")
        check(x.get("ecc_uncorrected_errors") == 0, f"{name}: ecc_uncorrected_errors {x.get('ecc_uncorrected_errors')!r}")
        check(x.get("memory_total_bytes") == 64 << 20, f"{name}: memory_total_bytes {x.get('memory_total_bytes')!r}")
        check(isinstance(x.get("heartbeat"), int) and x["heartbeat"] > 0, f"{name}: heartbeat {x.get('heartbeat')!r}")
        check(isinstance(x.get("cores"), list) and len(x["cores"]) > 0, f"{name}: cores {x.get('cores')!r}")

h = docs.get("health", {})
check(h.get("healthy") is True, f"health: healthy {h.get('healthy')!r}")
for x in h.get("devices", []):
    check(x.get("status") == "healthy", f"health: {x.get('pci_address')} status {x.get('status')!r}: {x.get('checks')}")
    check(x.get("driver_state") == "ready", f"health: driver_state {x.get('driver_state')!r}")
    check(isinstance(x.get("reset_count"), int), f"health: reset_count {x.get('reset_count')!r}")
    check(x.get("heartbeat_advancing") is True, f"health: heartbeat_advancing {x.get('heartbeat_advancing')!r}")
    checks = {c.get("name"): c.get("status") for c in x.get("checks", [])}
    check(checks == {"responsive": "pass", "driver_state": "pass", "heartbeat": "pass",
                     "temperature": "pass", "throttling": "pass", "ecc": "pass"},
          f"health: {x.get('pci_address')} checks {checks}")

r = docs.get("reset", {}).get("device") or {}
check((r.get("pci_address"), r.get("node")) == (fn1, node1),
      f"reset: device {r.get('pci_address')!r} {r.get('node')!r}, expected {fn1} {node1}")
check(r.get("state_after") == "ready", f"reset: state_after {r.get('state_after')!r}")
before = next((x.get("reset_count") for x in h.get("devices", []) if x.get("pci_address") == fn1), None)
if check(isinstance(before, int), f"reset: no reset_count for {fn1} in health before"):
    check(r.get("reset_count_before") == before and r.get("reset_count_after") == before + 1,
          f"reset: reset count {r.get('reset_count_before')!r} -> {r.get('reset_count_after')!r}, "
          f"health said {before} before")
check(num(r.get("duration_ms")) and r["duration_ms"] > 0, f"reset: duration_ms {r.get('duration_ms')!r}")
for x in devices("health_after", [1]):
    check(x.get("status") == "healthy" and x.get("driver_state") == "ready",
          f"health after reset: {x.get('status')!r}, {x.get('driver_state')!r}: {x.get('checks')}")
    check(x.get("reset_count") == r.get("reset_count_after"),
          f"health after reset: reset_count {x.get('reset_count')!r}, reset said {r.get('reset_count_after')!r}")

v = docs.get("version", {})
check(v.get("backend_error") is None, f"version: backend_error {v.get('backend_error')!r}")
rt = v.get("runtime") or {}
for k in ["release", "api_version", "uapi_version"]:
    check(isinstance(rt.get(k), str) and rt[k], f"version: runtime.{k} = {rt.get(k)!r}")
for x, i in zip(v.get("devices", []), docs.get("info", {}).get("devices", [])):
    for k in ["uapi", "driver", "firmware", "hardware"]:
        got = x.get(k + "_version")
        check(isinstance(got, str) and got, f"version: {x.get('pci_address')} {k}_version = {got!r}")
        check(got == (i.get("versions") or {}).get(k), f"version: {k}_version {got!r} differs from info's")

MiB = 1 << 20
for i, x in enumerate(docs.get("processes", {}).get("devices", [])):
    check(x.get("process_source") == "fdinfo", f"processes: process_source {x.get('process_source')!r}")
    check(x.get("uninspected_processes") == 0, f"processes: uninspected_processes {x.get('uninspected_processes')!r}")
    procs = {p.get("pid"): p for p in x.get("processes", [])}
    if i == 0:
        p = procs.get(holder)
        if check(p is not None, f"processes: holder {holder} not listed on {fns[0]}: {sorted(procs)}"):
            check(p.get("command") == "tern-vm-probe", f"processes: holder command {p.get('command')!r}")
            check(p.get("num_files") == 1, f"processes: holder num_files {p.get('num_files')!r}")
            check(p.get("device_memory_bytes") == 2 * MiB, f"processes: holder device_memory_bytes {p.get('device_memory_bytes')!r}")
            check(p.get("host_memory_bytes") == 1 * MiB, f"processes: holder host_memory_bytes {p.get('host_memory_bytes')!r}")
            check(isinstance(p.get("engine_time_ns"), int), f"processes: holder engine_time_ns {p.get('engine_time_ns')!r}")
    else:
        check(holder not in procs, f"processes: holder {holder} listed on {fns[1]}, which it never opened")

for x in docs.get("summary", {}).get("devices", []):
    in_range("summary", x, "temperature_die_c", 0, 150)
    in_range("summary", x, "power_w", 0.001, 2000)
    check(x.get("memory_total_bytes") == 64 << 20, f"summary: memory_total_bytes {x.get('memory_total_bytes')!r}")
s = docs.get("summary", {}).get("devices", [])
if len(s) == 2:
    # tern-smi holds both devices while it looks; the holder only the first.
    check(s[0].get("process_count", 0) >= 2 and s[1].get("process_count", 0) >= 1,
          f"summary: process_count {s[0].get('process_count')!r}, {s[1].get('process_count')!r}")
    check(s[0].get("memory_used_bytes", 0) >= 2 * MiB, f"summary: memory_used_bytes {s[0].get('memory_used_bytes')!r}")

for name, code, exit_code in [("bad_index", "no_device", 3), ("bad_value", "usage", 2)]:
    e = docs.get(name, {}).get("error") or {}
    check(e.get("code") == code and e.get("exit_code") == exit_code,
          f"{name}: error {e.get('code')!r}/{e.get('exit_code')!r}, expected {code}/{exit_code}")

for e in errors:
    print("FAIL: " + e, file=sys.stderr)
print("json: %d documents%s, %d problem(s)" %
      (len(docs), ", schema-validated" if jsonschema else "", len(errors)))
sys.exit(1 if errors else 0)
EOF

# Human output: the summary table names the backend and both devices.
smi table 0
cat "$d/table.out"
grep -q '| backend kernel | 2 devices$' "$d/table.out" || die "summary header: $(head -n1 "$d/table.out")"
for fn in "${fns[@]}"; do
	grep -Eq "^\| +[01] \| Tern T1 +\| $fn \|" "$d/table.out" || die "summary table has no row for $fn"
done
grep -q 'no device 7' "$d/bad_index.err" || die "bad index message: $(cat "$d/bad_index.err")"

kill -USR1 "$holder"
wait "$holder" || die "holder exited with $?"
holder=
grep -q '^after: ok$' "$d/hold.out" || die "holder: $(cat "$d/hold.out")"
"$PROBE" submit "${nodes[1]}" 5 || die "jobs on ${fns[1]} after its reset"
echo "DETAIL: 15 JSON documents on 2 devices, holder pid listed, -d by PCI address/node, exit 3/2 on bad -d, reset of ${fns[1]}"
