// Reading a directory through one owned DIR*, closed however the reading ends (an exception from the caller's
// callback included). The one place reins calls opendir/readdir/closedir.
#pragma once

#include <dirent.h>

#include <string_view>
#include <utility>

namespace reins::sys {

struct DirEntry {
  std::string_view name;  // never "." or ".."
  unsigned char type;     // DT_DIR, DT_REG, ...; DT_UNKNOWN where the file system does not say
  bool is_dir() const noexcept { return type == DT_DIR; }
};

class DirStream {
 public:
  // The directory at `path`; error() says why not.
  static DirStream open(const char* path) noexcept;
  // The directory open as `dirfd`, read through a descriptor of its own (the caller's fd stays as it is).
  static DirStream open_at(int dirfd) noexcept;

  DirStream(DirStream&& other) noexcept : dir_(std::exchange(other.dir_, nullptr)), error_(other.error_) {}
  DirStream& operator=(DirStream&&) = delete;
  DirStream(const DirStream&) = delete;
  ~DirStream();

  // 0, or the errno of opening the directory.
  int error() const noexcept { return error_; }

  // Calls f(const DirEntry&) for each entry but "." and "..".
  template <typename F>
  void for_each(F&& f) {
    if (!dir_) return;
    while (dirent* e = ::readdir(dir_)) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      f(DirEntry{name, e->d_type});
    }
  }

 private:
  DirStream(DIR* dir, int error) noexcept : dir_(dir), error_(error) {}
  DIR* dir_ = nullptr;
  int error_ = 0;
};

// Calls f(const DirEntry&) for each entry of the directory at `path`; returns 0, or the errno of opening it.
template <typename F>
int for_each_dir_entry(const char* path, F&& f) {
  DirStream d = DirStream::open(path);
  d.for_each(std::forward<F>(f));
  return d.error();
}

}  // namespace reins::sys
