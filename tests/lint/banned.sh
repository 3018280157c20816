#!/usr/bin/env bash
# Banned-function check (STYLE 2.9, curl's checksrc idea). Scans our C
# sources and headers under common/ proto/ agent/ controller/ ctl/ tests/
# (never a build/ directory, which holds generated code) for calls of
#
#   sprintf vsprintf strcpy strcat strncpy gets atoi atol system popen signal
#
# and for waitpid anywhere except files under agent/src/process/ whose name
# contains "reap" (the agent's reaper owns SIGCHLD and waitpid).
#
# A call is the identifier as a whole word followed by "(" on the same line,
# outside comments, string and character literals, and not a member
# (".signal(" or "->signal(" are fine, so are uv_signal_start and
# sigaction). Prints file:line: name for each violation, exits 1 if there
# is any, 0 if none.
#
# Usage: tests/lint/banned.sh [source-root]   (default: the repository)
set -uo pipefail

root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2

dirs=()
for d in common proto agent controller ctl tests; do
	[ -d "$d" ] && dirs+=("$d")
done
if [ "${#dirs[@]}" -eq 0 ]; then
	echo "banned.sh: no source directories under $root" >&2
	exit 2
fi

# Sorted, NUL-safe enough for our tree (no newlines in names).
mapfile -t files < <(find "${dirs[@]}" -name build -prune -o \
	-type f \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort)
if [ "${#files[@]}" -eq 0 ]; then
	echo "banned.sh: no C files found" >&2
	exit 2
fi

LC_ALL=C awk '
BEGIN {
	nb = split("sprintf vsprintf strcpy strcat strncpy gets atoi atol " \
	    "system popen signal waitpid", list, " ")
	for (i = 1; i <= nb; i++)
		banned[list[i]] = 1
	hint["sprintf"] = "use snprintf or fv_xasprintf"
	hint["vsprintf"] = "use vsnprintf"
	hint["strcpy"] = "use fv_strlcpy"
	hint["strcat"] = "use fv_buf or snprintf"
	hint["strncpy"] = "use fv_strlcpy"
	hint["gets"] = "use fgets"
	hint["atoi"] = "use strtol with error checks"
	hint["atol"] = "use strtol with error checks"
	hint["system"] = "spawn explicitly"
	hint["popen"] = "spawn explicitly"
	hint["signal"] = "use sigaction or uv_signal"
	hint["waitpid"] = "only the agent reaper (agent/src/process/*reap*) may reap"
	bad = 0
}
FNR == 1 {
	incomment = 0
	n = split(FILENAME, parts, "/")
	reaper = FILENAME ~ /^agent\/src\/process\// && parts[n] ~ /reap/
}
{
	# Blank out comments and literals, keeping columns.
	line = $0
	out = ""
	len = length(line)
	instr = ""
	for (i = 1; i <= len; i++) {
		c = substr(line, i, 1)
		c2 = substr(line, i, 2)
		if (incomment) {
			if (c2 == "*/") {
				incomment = 0
				out = out "  "
				i++
			} else {
				out = out " "
			}
		} else if (instr != "") {
			if (c == "\\") {
				out = out "  "
				i++
			} else if (c == instr) {
				instr = ""
				out = out c
			} else {
				out = out " "
			}
		} else if (c2 == "/*") {
			incomment = 1
			out = out "  "
			i++
		} else if (c2 == "//") {
			break
		} else if (c == "\"" || c == "\047") {
			instr = c
			out = out c
		} else {
			out = out c
		}
	}
	# Find identifier-then-"(" and judge each.
	rest = out
	off = 0
	while (match(rest, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
		start = off + RSTART
		tok = substr(rest, RSTART, RLENGTH)
		sub(/[ \t]*\($/, "", tok)
		rest = substr(rest, RSTART + RLENGTH)
		off = start + RLENGTH - 1
		if (!(tok in banned))
			continue
		if (tok == "waitpid" && reaper)
			continue
		before = substr(out, 1, start - 1)
		sub(/[ \t]+$/, "", before)
		if (before ~ /(\.|->)$/)
			continue
		printf "%s:%d: %s() is banned (%s)\n", FILENAME, FNR, tok,
		    hint[tok]
		bad++
	}
}
END {
	if (bad > 0) {
		printf "banned.sh: %d banned call(s)\n", bad
		exit 1
	}
}
' "${files[@]}"
rc=$?
if [ "$rc" -eq 0 ]; then
	echo "banned.sh: ${#files[@]} files clean"
fi
exit "$rc"
