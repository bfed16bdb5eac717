#!/bin/bash
# reins init as PID 1 of a pid namespace (unshare) and of a container (systemd-nspawn): -m applies.
out=/results/namespaces.log
G=/opt/reins
timeout 120 unshare --pid --fork --mount-proc $G/reins init -m 100M -- dd if=/dev/zero of=/dev/null bs=300M count=1 2>/tmp/unshare.err
rc=$?
if [ "$rc" = 137 ]; then echo "PASS namespaces/unshare-init-memory" >>$out
else echo "FAIL namespaces/unshare-init-memory: rc=$rc $(head -c 600 /tmp/unshare.err | tr '\n' ' ')" >>$out; fi
$G/leftovers.sh namespaces
# The tree has no systemd of its own, so nspawn would give it a legacy name=systemd hierarchy: ask for the
# unified one, which is what a container of any current distribution gets.
SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 timeout 120 systemd-nspawn --quiet --console=pipe -D /srv/ct /reins init -m 100M -- /bin/busybox dd if=/dev/zero of=/dev/null bs=300M count=1 \
  2>/tmp/nspawn.err
rc=$?
if [ "$rc" = 137 ]; then echo "PASS namespaces/nspawn-init-memory" >>$out
else
  echo "FAIL namespaces/nspawn-init-memory: rc=$rc $(head -c 600 /tmp/nspawn.err | tr '\n' ' ')" >>$out
  # What reins saw in the container, for the log.
  SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 timeout 60 systemd-nspawn --quiet --console=pipe -D /srv/ct /bin/busybox sh -c \
    'cat /proc/self/cgroup /proc/self/mountinfo; ls -la /sys/fs/cgroup' >/results/nspawn-view.txt 2>&1
fi
