// wzp_relay_config.identity_file through the C ABI: a relay's identity is created
// only when the file is absent; every other failure is a clear error, and the file
// a relay's clients pin is never replaced.
#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "capi/capi_test.hpp"

namespace wzp_capi_test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSeedFile = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::string& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

// Makes a relay from the file; on success its fingerprint goes to *fingerprint.
int relay_from_file(const std::string& path, std::string* fingerprint = nullptr) {
  wzp_relay_config config;
  wzp_relay_config_init(&config);
  config.identity_file = path.c_str();
  wzp_relay* relay = nullptr;
  int rc = wzp_relay_new(&config, &relay);
  if (rc != WZP_OK) return rc;
  char fp[WZP_FINGERPRINT_STR_LEN + 1] = {};
  wzp_relay_fingerprint(relay, fp, sizeof fp);
  if (fingerprint != nullptr) *fingerprint = fp;
  wzp_relay_free(relay);
  return WZP_OK;
}

class RelayIdentityFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "wzp_capi_identity_XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    fs::remove_all(dir_);
  }
  std::string path(const std::string& name = "relay.seed") const { return dir_ + "/" + name; }

  void expect_error(int expected, const std::string& file, const std::string& words) {
    EXPECT_WZP(expected, relay_from_file(file));
    std::string detail = wzp_last_error();
    EXPECT_NE(detail.find(file), std::string::npos) << detail;
    EXPECT_NE(detail.find(words), std::string::npos) << detail;
  }

  std::string dir_;
  bool mounted_ = false;
};

TEST_F(RelayIdentityFile, CreatedOnceOwnerOnlyAndStableAcrossRelays) {
  std::string first, second;
  ASSERT_WZP_OK(relay_from_file(path(), &first));
  struct ::stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string content = read_file(path());
  EXPECT_EQ(content.size(), 65u);
  ASSERT_WZP_OK(relay_from_file(path(), &second));
  EXPECT_EQ(first, second);
  EXPECT_EQ(read_file(path()), content);
}

TEST_F(RelayIdentityFile, ADirectoryIsAnIoErrorNotAnIdentity) {
  fs::create_directory(path());
  expect_error(WZP_ERR_IO, path(), std::strerror(EISDIR));
  EXPECT_TRUE(fs::is_directory(path()));
}

TEST_F(RelayIdentityFile, APathUnderAPlainFileIsAnIoError) {
  write_file(path("plain"), "x");
  expect_error(WZP_ERR_IO, path("plain") + "/relay.seed", std::strerror(ENOTDIR));
  EXPECT_EQ(read_file(path("plain")), "x");
}

TEST_F(RelayIdentityFile, MalformedContentIsRefusedAndKeptByteIdentical) {
  for (std::string content :
       {std::string("not a seed\n"), std::string(), std::string(kSeedFile).substr(0, 40)}) {
    write_file(path(), content);
    EXPECT_NE(relay_from_file(path()), WZP_OK);
    EXPECT_NE(std::string(wzp_last_error()).find(path()), std::string::npos) << wzp_last_error();
    EXPECT_EQ(read_file(path()), content);
  }
}

TEST_F(RelayIdentityFile, ConcurrentRelaysCreatingTheSameFileShareOneIdentity) {
  constexpr int kThreads = 6;
  std::vector<std::string> fps(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      if (relay_from_file(path(), &fps[i]) != WZP_OK) fps[i] = std::string("error: ") + wzp_last_error();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& fp : fps) EXPECT_EQ(fp, fps[0]);
  EXPECT_EQ(fps[0].size(), size_t{WZP_FINGERPRINT_STR_LEN});
}

// A real full disk: a 4 KiB tmpfs filled up. Needs the right to mount (root, or a
// user namespace); skipped where that is not allowed.
TEST_F(RelayIdentityFile, OnAFullDiskCreationFailsAndAnExistingFileStillLoads) {
  if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=4k") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here: " << std::strerror(errno);
  }
  mounted_ = true;
  write_file(path("existing.seed"), kSeedFile);
  {
    std::ofstream filler(path("filler"), std::ios::binary);
    std::string block(512, 'f');
    for (int i = 0; i < 64 && filler; ++i) filler << block << std::flush;
  }
  std::ofstream probe(path("probe"), std::ios::binary);
  probe << std::string(4096, 'p') << std::flush;
  ASSERT_FALSE(probe) << "the tmpfs is not full";
  probe.close();
  fs::remove(path("probe"));

  expect_error(WZP_ERR_IO, path(), std::strerror(ENOSPC));
  EXPECT_FALSE(fs::exists(path()));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}), 2);  // no temporary left

  std::string fp;
  ASSERT_WZP_OK(relay_from_file(path("existing.seed"), &fp));
  EXPECT_EQ(read_file(path("existing.seed")), kSeedFile);
}

}  // namespace
}  // namespace wzp_capi_test
