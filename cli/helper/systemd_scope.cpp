// reins-systemd-scope MANAGER PID UNIT CONTROLLERS DESCRIPTION — asks systemd's MANAGER ("system" or "user")
// for a transient scope UNIT ("-": a new reins-PID-XXXX.scope) holding process PID with CONTROLLERS delegated
// ("memory,pids"; "-": all), waits until it runs, and prints the unit's name (or, exiting 1,
// why it could not). The fully static reins runs it when it needs a scope of its own: a static program cannot
// load libsystemd, and reins does not speak D-Bus by hand. Not meant to be run by people.
//
// PID 0 is for a reins that is PID 1 of a pid namespace, whose pid means nothing to the manager: the scope then
// holds this helper (the manager reads its pid from the bus connection), which prints the unit and stays until
// its stdin closes, so that reins can move itself in first.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "systemd/scope.hpp"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s system|user PID UNIT CONTROLLERS DESCRIPTION (run by the static reins)\n", argv[0]);
    return 2;
  }
  auto manager = reins::systemd::parse_manager(argv[1]);
  char* end = nullptr;
  long pid = std::strtol(argv[2], &end, 10);
  if (!manager || *end != '\0' || pid < 0) {
    std::printf("reins-systemd-scope: bad arguments '%s' '%s' (want system|user and a pid)\n", argv[1], argv[2]);
    return 2;
  }
  try {
    reins::systemd::ScopeRequest request;
    if (std::string(argv[3]) != "-") request.unit = argv[3];
    for (std::string list = argv[4]; list != "-" && !list.empty();) {
      auto comma = list.find(',');
      request.controllers.push_back(list.substr(0, comma));
      list = comma == std::string::npos ? std::string() : list.substr(comma + 1);
    }
    request.description = argv[5];
    std::printf("%s\n", reins::systemd::start_scope(*manager, static_cast<pid_t>(pid), request).unit.c_str());
    std::fflush(stdout);
    if (pid == 0)
      while (std::getchar() != EOF) {
      }
    return 0;
  } catch (const std::exception& e) {
    std::printf("%s\n", e.what());
    return 1;
  }
}
