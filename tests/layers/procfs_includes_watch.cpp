// Compiled with the procfs layer's view only: the guard's target interface lives in the watch layer above.
// Must not build.
#include "watch/guard_target.hpp"
