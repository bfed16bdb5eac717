// Signal names both ways, as kill(1) spells them. A vocabulary header, includable from every layer.
#pragma once

#include <string>
#include <string_view>

namespace reins {

// The signal's name without "SIG" ("TERM"), or its number as text.
std::string signal_name(int sig);
// Parses "TERM", "SIGTERM", "term", "15", "RTMIN+2". Throws InvalidArgument listing examples.
int parse_signal(std::string_view text);

}  // namespace reins
