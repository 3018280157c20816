#!/bin/sh
# An event listener in plain sh: appends each event's header and payload
# tokens as one line to $1, so a test has the agent's own account of its
# events (serials included) to hold the controller's relay against.
# Cheap enough to run in every one of twenty agents.
out=$1
while :; do
	printf 'READY\n'
	IFS= read -r hdr || exit 0
	len=${hdr##*len:}
	# head -c reads no more than it is asked for, so the next header stays
	# on stdin for read.
	payload=$(head -c "$len")
	printf '%s %s\n' "$hdr" "$payload" >>"$out"
	printf 'RESULT 2\nOK'
done
