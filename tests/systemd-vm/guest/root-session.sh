#!/bin/bash
# Root's part, started by the autologin on ttyS0 (a real PAM login: /user.slice/user-0.slice/session-N.scope).
# Runs the root contexts one after the other, lets the user's session run its part, then powers off.
G=/opt/reins
$G/checks.sh root-login
$G/leftovers.sh root-login
# What the old hint said to do, with a shell beside reins in the scope.
systemd-run --quiet --scope -p Delegate=yes bash -c "$G/checks.sh root-scope-bash"
$G/leftovers.sh root-scope-bash
# A service without Delegate= (its cgroup holds the script and reins).
systemctl start reins-check.service
$G/leftovers.sh root-service
$G/namespaces.sh
[ -e $G/bench-on ] && python3 $G/bench.py >/results/bench-root.md 2>&1
touch /results/.root-done
# The user's part starts once root's is done (one at a time: the timings stay what a user would see).
for _ in $(seq 1800); do [ -e /results/.user-done ] && break; sleep 0.5; done
[ -e /results/.user-done ] || echo "FAIL user/finished: the user's session did not finish in 15 min" >>/results/root-login.log
journalctl -b --no-pager >/results/journal.txt 2>&1
sync
systemctl poweroff
