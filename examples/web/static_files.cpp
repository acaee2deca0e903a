#include "static_files.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

bool StaticFiles::safe_path(std::string_view path) {
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) return false;
  // No ".." segment anywhere: the path must not climb out of the folder.
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string StaticFiles::content_type(std::string_view name) {
  auto ends = [name](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".html") || ends(".htm")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json") || ends(".map")) return "application/json";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".wav")) return "audio/wav";
  if (ends(".wasm")) return "application/wasm";
  if (ends(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::optional<std::string> StaticFiles::read(const std::string& name) const {
  if (name.empty() || name.back() == '/') return std::nullopt;
  if (dir_.empty()) {
    for (const auto& file : embedded_static_files()) {
      if (name == file.name) return std::string(file.data);
    }
    return std::nullopt;
  }
  const std::string file = dir_ + "/" + name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return body.str();
}

std::optional<StaticFile> StaticFiles::lookup(std::string_view path) const {
  if (!safe_path(path)) return std::nullopt;
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string name(path.empty() ? "index.html" : path);
  if (auto body = read(name)) return StaticFile{std::move(*body), content_type(name)};
  if (auto index = read("index.html")) return StaticFile{std::move(*index), content_type("index.html")};
  return std::nullopt;
}
