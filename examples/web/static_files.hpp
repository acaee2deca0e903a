// The page's files: built into the binary, or read from a folder (--static DIR).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct EmbeddedFile {
  const char* name;  // relative to the static folder, '/' separated
  std::string_view data;
};

// Generated at build time from examples/web/static (embed_static.cmake).
const std::vector<EmbeddedFile>& embedded_static_files();

struct StaticFile {
  std::string body;
  std::string content_type;
};

class StaticFiles {
 public:
  // dir empty: the embedded files.
  explicit StaticFiles(std::string dir) : dir_(std::move(dir)) {}

  // The file at the (already percent-decoded) URL path, index.html for one that does not exist
  // (single-page fallback), nullopt if the path tries to leave the folder or index.html is missing.
  std::optional<StaticFile> lookup(std::string_view path) const;

  static bool safe_path(std::string_view path);
  static std::string content_type(std::string_view name);

 private:
  std::optional<std::string> read(const std::string& name) const;
  std::string dir_;
};
