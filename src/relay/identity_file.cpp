#include "relay/identity_file.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/log.hpp"
#include "crypto/secret.hpp"
#include "crypto/sodium_init.hpp"

namespace wzp::relay {

int FileSystem::open(const char* path, int flags, mode_t mode) { return ::open(path, flags, mode); }
ssize_t FileSystem::read(int fd, void* buf, size_t len) { return ::read(fd, buf, len); }
ssize_t FileSystem::write(int fd, const void* buf, size_t len) { return ::write(fd, buf, len); }
int FileSystem::fstat(int fd, struct ::stat* st) { return ::fstat(fd, st); }
int FileSystem::fsync(int fd) { return ::fsync(fd); }
int FileSystem::close(int fd) { return ::close(fd); }
int FileSystem::link(const char* from, const char* to) { return ::link(from, to); }
int FileSystem::unlink(const char* path) { return ::unlink(path); }

namespace {

constexpr std::string_view kLog = "relay";
// 64 hex digits plus a little whitespace; anything longer is not a seed file.
constexpr size_t kMaxFileBytes = 128;

Error io_error(const std::string& path, std::string_view what, int err) {
  return make_error(Errc::io,
                    "identity file '" + path + "': " + std::string(what) + ": " + std::strerror(err));
}

// Closes an fd on every path out; close() reports whether a written file made it.
class FdGuard {
 public:
  FdGuard(FileSystem& fs, int fd) : fs_(fs), fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) fs_.close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const noexcept { return fd_; }
  int close() {
    int rc = fs_.close(fd_);
    fd_ = -1;
    return rc == 0 || errno == EINTR ? 0 : -1;  // after EINTR Linux has closed the fd
  }

 private:
  FileSystem& fs_;
  int fd_;
};

std::string_view trimmed(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

// The seed in an existing file; nullopt when the path does not exist.
Result<std::optional<crypto::Seed>> read_seed(const std::string& path, FileSystem& fs) {
  // O_NONBLOCK: a FIFO at the path must give an error, not a hang.
  int fd = fs.open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<crypto::Seed>();
    return io_error(path, "cannot open", errno);
  }
  FdGuard guard(fs, fd);
  struct ::stat st {};
  if (fs.fstat(fd, &st) != 0) return io_error(path, "cannot stat", errno);
  if (S_ISDIR(st.st_mode)) return io_error(path, "cannot read", EISDIR);
  if (!S_ISREG(st.st_mode)) return make_error(Errc::io, "identity file '" + path + "' is not a regular file");
  crypto::Secret<kMaxFileBytes> buf;  // wiped however we leave
  size_t len = 0;
  for (;;) {
    ssize_t n = fs.read(fd, buf.data() + len, kMaxFileBytes - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(path, "cannot read", errno);
    if (n == 0) break;
    len += static_cast<size_t>(n);
    if (len == kMaxFileBytes) {
      return make_error(Errc::invalid_length,
                        "identity file '" + path + "' is larger than a seed file (64 hex digits)");
    }
  }
  auto seed =
      crypto::Seed::from_hex(trimmed(std::string_view(reinterpret_cast<const char*>(buf.data()), len)));
  if (!seed) {
    auto e = std::move(seed).error();
    e.message = "identity file '" + path + "' is not a seed file (64 hex digits): " + e.message;
    return e;
  }
  return std::optional<crypto::Seed>(std::move(*seed));
}

Status write_all(FileSystem& fs, int fd, const uint8_t* data, size_t len, const std::string& path) {
  while (len > 0) {
    ssize_t n = fs.write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(path, "cannot write the new seed", errno);
    if (n == 0) return io_error(path, "cannot write the new seed", ENOSPC);
    data += n;
    len -= static_cast<size_t>(n);
  }
  return {};
}

// Makes the directory entry durable; a file system that cannot fsync a directory says EINVAL.
Status sync_directory(FileSystem& fs, const std::string& dir, const std::string& path) {
  int fd = fs.open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return io_error(path, "cannot open its directory to sync it", errno);
  FdGuard guard(fs, fd);
  if (fs.fsync(fd) != 0 && errno != EINVAL) return io_error(path, "cannot sync its directory", errno);
  return {};
}

Result<crypto::Seed> create_seed(const std::string& path, FileSystem& fs) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..")
    return make_error(Errc::invalid_argument, "identity file '" + path + "' does not name a file");

  crypto::ensure_init();
  uint8_t nonce[8];
  randombytes_buf(nonce, sizeof nonce);
  char nonce_hex[2 * sizeof nonce + 1];
  sodium_bin2hex(nonce_hex, sizeof nonce_hex, nonce, sizeof nonce);
  std::string tmp = dir + "/." + name + ".tmp-" + nonce_hex;

  // Mode 0600 at creation (the umask can only remove bits), so no umask() is needed.
  int fd = fs.open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error(path, "cannot create the temporary file '" + tmp + "'", errno);
  FdGuard guard(fs, fd);
  struct TmpRemover {
    FileSystem& fs;
    const std::string& tmp;
    ~TmpRemover() { fs.unlink(tmp.c_str()); }
  } remove_tmp{fs, tmp};

  auto seed = crypto::Seed::random();
  crypto::Secret<2 * crypto::Seed::kSize + 2> text;  // hex digits, '\n', NUL
  sodium_bin2hex(reinterpret_cast<char*>(text.data()), text.size(), seed.bytes().data(), seed.bytes().size());
  text.data()[2 * crypto::Seed::kSize] = '\n';
  WZP_TRY(write_all(fs, fd, text.data(), 2 * crypto::Seed::kSize + 1, path));
  if (fs.fsync(fd) != 0) return io_error(path, "cannot sync the new seed", errno);
  if (guard.close() != 0) return io_error(path, "cannot close the new seed", errno);

  // link() never replaces an existing path: the first of two racing creators wins.
  if (fs.link(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    if (err != EEXIST) return io_error(path, "cannot put the new file in place", err);
    auto theirs = read_seed(path, fs);
    if (!theirs) return std::move(theirs).error();
    if (!*theirs) return io_error(path, "exists but cannot be opened (a dangling symbolic link?)", ENOENT);
    return std::move(**theirs);
  }
  WZP_TRY(sync_directory(fs, dir, path));
  WZP_LOG(info, kLog, "created identity file '" + path + "' with a new random seed");
  return seed;
}

}  // namespace

Result<crypto::Seed> load_or_create_seed_file(const std::string& path, FileSystem& fs) {
  if (path.empty()) return make_error(Errc::invalid_argument, "identity file path must not be empty");
  auto existing = read_seed(path, fs);
  if (!existing) return std::move(existing).error();
  if (*existing) return std::move(**existing);
  return create_seed(path, fs);
}

Result<crypto::Seed> load_or_create_seed_file(const std::string& path) {
  FileSystem fs;
  return load_or_create_seed_file(path, fs);
}

}  // namespace wzp::relay
