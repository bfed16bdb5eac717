#!/bin/bash
# The unprivileged user's part, started by the autologin on ttyS1 (her own session scope, her user@1000.service).
G=/opt/reins
for _ in $(seq 1800); do [ -e /results/.root-done ] && break; sleep 0.5; done
$G/checks.sh user-login
$G/leftovers.sh user-login --user
# What a desktop terminal gives: bash and reins in a scope of the user's manager, without Delegate=.
systemd-run --user --quiet --scope bash -c "$G/checks.sh user-scope-bash"
$G/leftovers.sh user-scope-bash --user
# The library, used directly by a C++ program from the login shell.
if $G/job-check >/results/user-library.out 2>&1; then
  echo "PASS user-login/library-job" >>/results/user-login.log
else
  echo "FAIL user-login/library-job: $(head -c 600 /results/user-library.out | tr '\n' ' ')" >>/results/user-login.log
fi
[ -e $G/bench-on ] && python3 $G/bench.py --user >/results/bench-user.md 2>&1
touch /results/.user-done
