# Warnings are errors, everywhere we compile our own code.
add_library(reins_warnings INTERFACE)
target_compile_options(reins_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
