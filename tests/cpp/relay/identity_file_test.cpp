// The relay's identity seed file: created only when absent, atomically; every other
// failure is an error that leaves the existing file byte-identical.
#include "relay/identity_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace wzp::relay {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSeedHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class IdentityFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "wzp_identity_XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name = "relay.seed") const { return dir_ + "/" + name; }

  static void write_file(const std::string& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  }
  static std::string read_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // Every entry of the directory (a leftover temporary file would show here).
  std::set<std::string> entries() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.insert(e.path().filename().string());
    return names;
  }

  std::string dir_;
};

// Fails one system call with a chosen errno, the way a sick disk would.
class FaultyFileSystem : public FileSystem {
 public:
  enum class Op { open_read, open_create, read, write, fsync, link };
  FaultyFileSystem(Op op, int err) : op_(op), err_(err) {}

  int open(const char* p, int flags, mode_t mode) override {
    bool creating = (flags & O_CREAT) != 0;
    if ((op_ == Op::open_read && !creating && (flags & O_DIRECTORY) == 0) ||
        (op_ == Op::open_create && creating))
      return fail();
    return FileSystem::open(p, flags, mode);
  }
  ssize_t read(int fd, void* buf, size_t len) override {
    return op_ == Op::read ? fail() : FileSystem::read(fd, buf, len);
  }
  ssize_t write(int fd, const void* buf, size_t len) override {
    // A short write first, then the error: the loop must not take it for success.
    if (op_ != Op::write) return FileSystem::write(fd, buf, len);
    if (!wrote_some_) {
      wrote_some_ = true;
      return FileSystem::write(fd, buf, len / 2);
    }
    return fail();
  }
  int fsync(int fd) override { return op_ == Op::fsync ? fail() : FileSystem::fsync(fd); }
  int link(const char* from, const char* to) override {
    return op_ == Op::link ? fail() : FileSystem::link(from, to);
  }

 private:
  int fail() {
    errno = err_;
    return -1;
  }
  Op op_;
  int err_;
  bool wrote_some_ = false;
};

TEST_F(IdentityFile, AnAbsentFileIsCreatedOwnerOnlyAndLoadsAgain) {
  ::umask(022);  // a common umask, which would leave the file world-readable if relied upon
  auto created = load_or_create_seed_file(path());
  ASSERT_TRUE(created.ok()) << created.error().message;
  struct ::stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(path()), created->to_hex() + "\n");
  EXPECT_EQ(entries(), std::set<std::string>{"relay.seed"});  // no temporary file left

  auto loaded = load_or_create_seed_file(path());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(*loaded == *created);
}

TEST_F(IdentityFile, AnExistingSeedIsLoadedWithSurroundingWhitespace) {
  write_file(path(), std::string("  ") + kSeedHex + "\r\n\n");
  auto seed = load_or_create_seed_file(path());
  ASSERT_TRUE(seed.ok()) << seed.error().message;
  EXPECT_EQ(seed->to_hex(), kSeedHex);
}

TEST_F(IdentityFile, ADirectoryIsAnErrorAndStaysADirectory) {
  fs::create_directory(path());
  auto seed = load_or_create_seed_file(path());
  ASSERT_FALSE(seed.ok());
  EXPECT_EQ(seed.error().code, Errc::io);
  EXPECT_NE(seed.error().message.find(path()), std::string::npos) << seed.error().message;
  EXPECT_NE(seed.error().message.find(std::strerror(EISDIR)), std::string::npos) << seed.error().message;
  EXPECT_TRUE(fs::is_directory(path()));
  EXPECT_TRUE(fs::is_empty(path()));
}

TEST_F(IdentityFile, APathUnderAPlainFileIsAnError) {
  write_file(path("plain"), "not a directory\n");
  auto seed = load_or_create_seed_file(path("plain") + "/relay.seed");
  ASSERT_FALSE(seed.ok());
  EXPECT_EQ(seed.error().code, Errc::io);
  EXPECT_NE(seed.error().message.find(std::strerror(ENOTDIR)), std::string::npos) << seed.error().message;
  EXPECT_EQ(read_file(path("plain")), "not a directory\n");
}

TEST_F(IdentityFile, ADeviceIsNotASeedFile) {
  auto seed = load_or_create_seed_file("/dev/full");
  ASSERT_FALSE(seed.ok());
  EXPECT_NE(seed.error().message.find("not a regular file"), std::string::npos) << seed.error().message;
}

TEST_F(IdentityFile, ADanglingSymlinkIsAnErrorAndIsKept) {
  fs::create_symlink(path("missing-target"), path());
  auto seed = load_or_create_seed_file(path());
  ASSERT_FALSE(seed.ok());
  EXPECT_EQ(seed.error().code, Errc::io);
  EXPECT_TRUE(fs::is_symlink(path()));
  EXPECT_FALSE(fs::exists(path("missing-target")));
  EXPECT_EQ(entries(), std::set<std::string>{"relay.seed"});
}

TEST_F(IdentityFile, MalformedContentIsAnErrorAndKeptByteIdentical) {
  const std::vector<std::pair<std::string, Errc>> cases = {
      {"", Errc::invalid_length},
      {"\n", Errc::invalid_length},
      {std::string(kSeedHex).substr(0, 62) + "\n", Errc::invalid_length},
      {std::string(kSeedHex).substr(0, 63) + "g\n", Errc::invalid_hex},
      {std::string(kSeedHex) + " " + kSeedHex + "\n", Errc::invalid_length},  // oversized
      {std::string(4096, 'a'), Errc::invalid_length},
  };
  for (const auto& [content, code] : cases) {
    write_file(path(), content);
    auto seed = load_or_create_seed_file(path());
    ASSERT_FALSE(seed.ok()) << content;
    EXPECT_EQ(seed.error().code, code) << seed.error().message;
    EXPECT_NE(seed.error().message.find(path()), std::string::npos) << seed.error().message;
    EXPECT_EQ(read_file(path()), content);
  }
}

struct Fault {
  FaultyFileSystem::Op op;
  int err;
};

// Loads through a file system with `f`: an Errc::io error naming the path and the errno.
void expect_io_error(const std::string& path, Fault f) {
  FaultyFileSystem faulty(f.op, f.err);
  auto seed = load_or_create_seed_file(path, faulty);
  ASSERT_FALSE(seed.ok());
  EXPECT_EQ(seed.error().code, Errc::io);
  EXPECT_NE(seed.error().message.find(path), std::string::npos) << seed.error().message;
  EXPECT_NE(seed.error().message.find(std::strerror(f.err)), std::string::npos) << seed.error().message;
}

// An existing, valid seed file: whatever fails while reading it, it is never replaced.
TEST_F(IdentityFile, ReadFailuresOfAnExistingFileAreErrorsAndTheFileIsKept) {
  const std::string content = std::string(kSeedHex) + "\n";
  for (Fault f : {Fault{FaultyFileSystem::Op::open_read, EACCES}, Fault{FaultyFileSystem::Op::open_read, EIO},
                  Fault{FaultyFileSystem::Op::read, EIO}}) {
    write_file(path(), content);
    expect_io_error(path(), f);
    EXPECT_EQ(read_file(path()), content);
    EXPECT_EQ(entries(), std::set<std::string>{"relay.seed"});
  }
}

// Creating a new file: a failure at any step leaves neither the file nor a temporary behind.
TEST_F(IdentityFile, CreationFailuresLeaveNothingBehind) {
  for (Fault f : {Fault{FaultyFileSystem::Op::open_create, EACCES},
                  Fault{FaultyFileSystem::Op::write, ENOSPC}, Fault{FaultyFileSystem::Op::write, EIO},
                  Fault{FaultyFileSystem::Op::fsync, EIO}, Fault{FaultyFileSystem::Op::link, EPERM}}) {
    expect_io_error(path(), f);
    EXPECT_TRUE(entries().empty()) << "after " << std::strerror(f.err);
  }
}

// Another process creates the file between our open() and our link(): we take its seed.
TEST_F(IdentityFile, LosingTheCreationRaceLoadsTheWinnersSeed) {
  class Racer : public FileSystem {
   public:
    explicit Racer(std::function<void()> before_link) : before_link_(std::move(before_link)) {}
    int link(const char* from, const char* to) override {
      before_link_();
      return FileSystem::link(from, to);
    }

   private:
    std::function<void()> before_link_;
  } racer([&] { write_file(path(), std::string(kSeedHex) + "\n"); });
  auto seed = load_or_create_seed_file(path(), racer);
  ASSERT_TRUE(seed.ok()) << seed.error().message;
  EXPECT_EQ(seed->to_hex(), kSeedHex);
  EXPECT_EQ(read_file(path()), std::string(kSeedHex) + "\n");
  EXPECT_EQ(entries(), std::set<std::string>{"relay.seed"});
}

TEST_F(IdentityFile, ConcurrentCreatorsAgreeOnOneSeed) {
  constexpr int kThreads = 8;
  for (int round = 0; round < 5; ++round) {
    std::string p = path("race" + std::to_string(round));
    std::vector<std::string> hex(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        auto seed = load_or_create_seed_file(p);
        hex[i] = seed.ok() ? seed->to_hex() : "error: " + seed.error().message;
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& h : hex) EXPECT_EQ(h, hex[0]);
    EXPECT_EQ(read_file(p), hex[0] + "\n");
  }
  EXPECT_EQ(entries().size(), 5u);  // the five seed files, no temporary ones
}

TEST_F(IdentityFile, PathsThatNameNoFileAreRefused) {
  EXPECT_EQ(load_or_create_seed_file("").error().code, Errc::invalid_argument);
  auto trailing = load_or_create_seed_file(dir_ + "/absent/");
  ASSERT_FALSE(trailing.ok());
  EXPECT_TRUE(entries().empty());
}

}  // namespace
}  // namespace wzp::relay
