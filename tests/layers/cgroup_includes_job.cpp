// Compiled with the cgroup layer's view only: the Job is built on the cgroup layer, not the other way round.
// Must not build (the cgroup layer takes the job's value types from reins/job_types.hpp instead).
#include "reins/job.hpp"
