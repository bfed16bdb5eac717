// The negative control: compiled with the cgroup layer's view, what the cgroup layer may include (its own
// folder, the layers below, the vocabulary) builds. Without it, the probes that must fail could fail for any
// reason at all.
#include "cgroup/layout.hpp"
#include "procfs/identity.hpp"
#include "reins/job_types.hpp"
#include "reins/process.hpp"
#include "sys/file_io.hpp"

int reins_layer_probe_ok() { return 0; }
