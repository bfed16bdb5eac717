// Compiled with the sys layer's view only: reins/job.hpp belongs to the job layer, far above. Must not build.
#include "reins/job.hpp"
