// The man page and the shell completion, generated from the same option tables that parse the command line
// and print --help, so none of them can drift from the others. The build runs `reins --man` and
// `reins --completion bash` and installs what they print.
#pragma once

#include <string>

namespace reins::cli {

std::string man_page();
std::string bash_completion();
std::string zsh_completion();
std::string fish_completion();

}  // namespace reins::cli
