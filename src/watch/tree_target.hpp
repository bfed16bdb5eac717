// A process, or a process and its descendants, as a memory guard target: procfs::TrackedTree holds the
// processes; this adds what the guard's loop asks of a target.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "procfs/tracked_tree.hpp"
#include "watch/guard_target.hpp"

namespace reins::watch {

class TreeTarget final : public GuardTarget::Impl {
 public:
  // `root` must be held already. follow_descendants: the whole tree, else the one process.
  TreeTarget(Process root, bool follow_descendants) : tree_(std::move(root), follow_descendants) {}

  std::string default_name() const override { return tree_.describe(); }
  pid_t root_pid() const noexcept override { return tree_.root_pid(); }
  bool refresh() override { return tree_.refresh(); }
  std::span<const Member> members() const override { return tree_.members(); }
  void wake_fds(std::vector<pollfd>& out) const override { tree_.append_wake_fds(out); }
  bool on_wake(int) override { return true; }  // the root exited: look now
  std::size_t signal_all(int sig) override { return tree_.signal_all(sig); }
  std::size_t kill_all() override { return tree_.kill_all(); }

  const procfs::TrackedTree& tree() const noexcept { return tree_; }

 private:
  procfs::TrackedTree tree_;
};

}  // namespace reins::watch
