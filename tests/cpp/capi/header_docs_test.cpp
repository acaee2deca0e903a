// wzp.h documents every function: each WZP_API declaration directly follows its own
// doc comment (/** ... */), and each init macro maps to a declared *_sized call.
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

#include "capi/capi_test.hpp"

namespace wzp_capi_test {
namespace {

std::vector<std::string> header_lines() {
  std::ifstream in(std::string(WZP_TEST_DATA_DIR) + "/../../include/wzp.h");
  if (!in) throw std::runtime_error("cannot open wzp.h");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string trim_right(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

// The function name a declaration starting at lines[i] declares.
std::string declared_name(const std::vector<std::string>& lines, size_t i) {
  static const std::regex name(R"(\b(wzp_[A-Za-z0-9_]+)\s*\()");
  std::smatch m;
  return std::regex_search(lines[i], m, name) ? m[1].str() : lines[i];
}

TEST(CapiHeaderDocs, EveryFunctionHasItsOwnDocComment) {
  const auto lines = header_lines();
  std::vector<std::string> undocumented;
  size_t declarations = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("WZP_API ", 0) != 0) continue;
    ++declarations;
    const std::string prev = i > 0 ? trim_right(lines[i - 1]) : "";
    bool documented = false;
    if (prev.size() >= 2 && prev.compare(prev.size() - 2, 2, "*/") == 0) {
      size_t j = i - 1;
      while (j > 0 && lines[j].find("/*") == std::string::npos) --j;
      documented = lines[j].find("/**") != std::string::npos;
    }
    if (!documented) undocumented.push_back(declared_name(lines, i));
  }
  EXPECT_GT(declarations, 100U);  // the scan saw the header's declarations
  std::ostringstream list;
  for (const auto& name : undocumented) list << name << ' ';
  EXPECT_TRUE(undocumented.empty()) << "no doc comment: " << list.str();
}

TEST(CapiHeaderDocs, InitMacrosPassTheCallersSize) {
  const auto lines = header_lines();
  std::set<std::string> declared;
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].rfind("WZP_API ", 0) == 0) declared.insert(declared_name(lines, i));
  static const std::regex macro(
      R"(^#define (wzp_[a-z_]+_init)\((\w+)\) (wzp_[a-z_]+_init_sized)\(\(\2\), sizeof\(\*\(\2\)\)\)$)");
  std::set<std::string> macros;
  for (const auto& line : lines) {
    std::smatch m;
    if (!std::regex_match(line, m, macro)) continue;
    macros.insert(m[1].str());
    EXPECT_EQ(m[3].str(), m[1].str() + "_sized");
    EXPECT_TRUE(declared.contains(m[3].str())) << m[3].str();
  }
  for (const char* name :
       {"wzp_session_config_init", "wzp_handshake_config_init", "wzp_relay_config_init",
        "wzp_client_config_init", "wzp_relay_stats_init", "wzp_client_stats_init", "wzp_event_init"}) {
    EXPECT_TRUE(macros.contains(name)) << name;
  }
}

}  // namespace
}  // namespace wzp_capi_test
