// The vocabulary of src/cgroup/: which cgroup version a hierarchy speaks and which controllers reins uses.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace reins::cgroup {

enum class Version { v1, v2 };

// The controllers reins drives. cpuacct and freezer exist only as v1 controllers: on v2 their work (cpu.stat
// usage, cgroup.freeze) is part of the core every cgroup has.
enum class Controller : std::uint8_t { memory, cpu, cpuacct, cpuset, io, pids, freezer };
inline constexpr std::array<Controller, 7> kAllControllers{Controller::memory, Controller::cpu, Controller::cpuacct,
                                                           Controller::cpuset, Controller::io,  Controller::pids,
                                                           Controller::freezer};

// Name in /proc/self/cgroup and the v1 mount options ("blkio" for io).
constexpr std::string_view v1_name(Controller c) noexcept {
  constexpr std::array<std::string_view, 7> names{"memory", "cpu", "cpuacct", "cpuset", "blkio", "pids", "freezer"};
  return names[static_cast<std::size_t>(c)];
}
// Name in v2 cgroup.controllers; empty for the two that v2 folds into its core.
constexpr std::string_view v2_name(Controller c) noexcept {
  constexpr std::array<std::string_view, 7> names{"memory", "cpu", "", "cpuset", "io", "pids", ""};
  return names[static_cast<std::size_t>(c)];
}

// A small set of controllers.
class ControllerSet {
 public:
  constexpr ControllerSet() noexcept = default;
  constexpr ControllerSet(std::initializer_list<Controller> cs) noexcept {
    for (auto c : cs) add(c);
  }
  constexpr void add(Controller c) noexcept { bits_ |= bit(c); }
  constexpr void add(ControllerSet s) noexcept { bits_ |= s.bits_; }
  constexpr bool has(Controller c) const noexcept { return (bits_ & bit(c)) != 0; }
  constexpr bool empty() const noexcept { return bits_ == 0; }
  constexpr bool operator==(const ControllerSet&) const noexcept = default;

 private:
  static constexpr std::uint8_t bit(Controller c) noexcept {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(c));
  }
  std::uint8_t bits_ = 0;
};

}  // namespace reins::cgroup
