#!/bin/sh
# Not a test: medians of creating and of joining a sandbox, each open in a
# fresh child as sshd does it.  Targets: create <= 1.5 ms, join <= 0.3 ms.
#   top_builddir=BUILD sh tests/confine/time.sh [N]
. "${top_srcdir:-.}/tests/confine/lib.sh"
A=sbxt-$$-a
mk_user "$A"
N=${1:-300}
echo "view: private tmp, other homes hidden, /usr read-only, host name"
d time --user "$A" --private-tmp --hide-homes --ro /usr --hostname t "$N"
echo "same with network none"
d time --user "$A" --private-tmp --hide-homes --ro /usr --hostname t --net-none "$N"
finish
