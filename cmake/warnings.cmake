# Warnings are errors, everywhere we compile our own code.
add_library(reins_warnings INTERFACE)
target_compile_options(reins_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
# GCC 12 at -O2/-O3 reports -Wrestrict false positives inside libstdc++'s std::string operator+ (GCC bug
# 105329), which breaks the release preset; the warning stays on for clang and other GCC versions.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(reins_warnings INTERFACE -Wno-restrict)
endif()
