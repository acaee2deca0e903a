// The relay's identity seed file (64 hex digits and a newline, mode 0600).
//
// Only a path that does not exist (ENOENT) is created, atomically: a temporary
// file is made next to it (O_EXCL, mode 0600), written, fsynced and linked to the
// path with link(), which refuses to replace anything; the directory is then
// fsynced. Two processes racing to create it therefore end up with one identity.
// Every other failure (permission, a directory, I/O, a malformed or oversized
// file, a short write) is an error naming the path and the errno text, and the
// existing file is never truncated or replaced: clients pin the relay's fingerprint.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "core/result.hpp"
#include "crypto/seed.hpp"

namespace wzp::relay {

/// The system calls the identity file uses. Each returns what the POSIX call
/// returns and sets errno; tests replace one to simulate EACCES, EIO or ENOSPC.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual int open(const char* path, int flags, mode_t mode);
  virtual ssize_t read(int fd, void* buf, size_t len);
  virtual ssize_t write(int fd, const void* buf, size_t len);
  virtual int fstat(int fd, struct ::stat* st);
  virtual int fsync(int fd);
  virtual int close(int fd);
  virtual int link(const char* from, const char* to);
  virtual int unlink(const char* path);
};

/// Loads the seed at `path`, or creates it with a random seed if (and only if) the
/// path does not exist. Errors: Errc::io "identity file '<path>': <what>: <strerror>",
/// Errc::invalid_hex / Errc::invalid_length for malformed content,
/// Errc::invalid_argument for an empty path or one that names no file.
Result<crypto::Seed> load_or_create_seed_file(const std::string& path, FileSystem& fs);
Result<crypto::Seed> load_or_create_seed_file(const std::string& path);

}  // namespace wzp::relay
