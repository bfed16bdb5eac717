# Warnings are errors, everywhere we compile our own code.
add_library(reins_warnings INTERFACE)
target_compile_options(reins_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough -Wconversion -Wsign-conversion)
# GCC 12 at -O2/-O3 warns -Wrestrict inside std::string's operator+ ("-" + s) where no overlap can happen
# (GCC bug 105329); kept as a warning, not an error, so the release build works. (-Wnull-dereference is not
# used for the same reason: GCC 12 reports false positives inside libstdc++ at -O2.)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(reins_warnings INTERFACE -Wno-error=restrict)
endif()

# Hardening: what a distribution builds a system tool with. _FORTIFY_SOURCE needs optimisation, so it is on
# in optimised builds; libstdc++'s assertions (bounds-checked operator[], front() of an empty container) in
# debug builds, where the tests run.
add_library(reins_hardening INTERFACE)
target_compile_options(reins_hardening INTERFACE -fstack-protector-strong
  $<$<NOT:$<CONFIG:Debug>>:-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2>
  $<$<CONFIG:Debug>:-D_GLIBCXX_ASSERTIONS>)
target_link_libraries(reins_warnings INTERFACE reins_hardening)
