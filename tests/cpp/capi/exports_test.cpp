// The shared library exports exactly the C ABI: every defined dynamic symbol is wzp_*,
// and every function the public header declares is exported. The ELF dynamic symbol
// table is read directly, so the test needs no external tool.
#include <elf.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <set>

#include "capi/capi_test.hpp"

namespace wzp_capi_test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

template <class T>
T read_at(const std::string& image, size_t offset) {
  if (offset > image.size() || image.size() - offset < sizeof(T))
    throw std::runtime_error("truncated ELF file");
  T value;
  std::memcpy(&value, image.data() + offset, sizeof value);
  return value;
}

/// Names of the defined, globally visible symbols in .dynsym of a 64-bit ELF file.
std::set<std::string> exported_symbols(const std::string& path) {
  const std::string image = read_file(path);
  const auto ehdr = read_at<Elf64_Ehdr>(image, 0);
  if (std::memcmp(ehdr.e_ident, ELFMAG, SELFMAG) != 0 || ehdr.e_ident[EI_CLASS] != ELFCLASS64) {
    throw std::runtime_error(path + " is not a 64-bit ELF file");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < ehdr.e_shnum; ++i) {
    const auto shdr = read_at<Elf64_Shdr>(image, ehdr.e_shoff + i * ehdr.e_shentsize);
    if (shdr.sh_type != SHT_DYNSYM) continue;
    const auto strtab = read_at<Elf64_Shdr>(image, ehdr.e_shoff + shdr.sh_link * ehdr.e_shentsize);
    for (size_t off = 0; off + sizeof(Elf64_Sym) <= shdr.sh_size; off += sizeof(Elf64_Sym)) {
      const auto sym = read_at<Elf64_Sym>(image, shdr.sh_offset + off);
      const unsigned bind = ELF64_ST_BIND(sym.st_info);
      const unsigned visibility = ELF64_ST_VISIBILITY(sym.st_other);
      if (sym.st_shndx == SHN_UNDEF || sym.st_name == 0) continue;
      if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE) continue;
      if (visibility == STV_HIDDEN || visibility == STV_INTERNAL) continue;
      if (sym.st_name >= strtab.sh_size) throw std::runtime_error("bad symbol name offset");
      names.emplace(image.c_str() + strtab.sh_offset + sym.st_name);
    }
  }
  return names;
}

/// Functions declared in wzp.h: `WZP_API <type> wzp_name(`.
std::set<std::string> declared_functions() {
  const std::string header = read_file(std::string(WZP_TEST_DATA_DIR) + "/../../include/wzp.h");
  const std::regex declaration(R"(WZP_API[^;(]*?\b(wzp_[A-Za-z0-9_]+)\s*\()");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(header.begin(), header.end(), declaration);
       it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1].str());
  }
  return names;
}

const std::string kLibrary = std::string(WZP_BINARY_DIR) + "/src/libwzp.so";

TEST(CapiExports, OnlyWzpSymbolsAreExported) {
  const auto symbols = exported_symbols(kLibrary);
  ASSERT_FALSE(symbols.empty());
  for (const auto& name : symbols) EXPECT_TRUE(name.starts_with("wzp_")) << "unexpected export: " << name;
}

TEST(CapiExports, EveryDeclaredFunctionIsExported) {
  const auto declared = declared_functions();
  ASSERT_GT(declared.size(), 60U);  // the parser found the header's declarations
  EXPECT_TRUE(declared.contains("wzp_version"));
  EXPECT_TRUE(declared.contains("wzp_trunk_frame_parse"));
  const auto symbols = exported_symbols(kLibrary);
  for (const auto& name : declared) EXPECT_TRUE(symbols.contains(name)) << "not exported: " << name;
  // And nothing is exported that the header does not declare, except the unsized init
  // functions of 0.1.0 and 0.2.0, kept for the binaries built against them (the header maps
  // these names to the *_sized calls).
  const std::set<std::string> legacy = {"wzp_session_config_init", "wzp_handshake_config_init",
                                        "wzp_relay_config_init", "wzp_client_config_init", "wzp_event_init"};
  for (const auto& name : legacy) EXPECT_TRUE(symbols.contains(name)) << "legacy symbol gone: " << name;
  for (const auto& name : symbols)
    EXPECT_TRUE(declared.contains(name) || legacy.contains(name)) << "exported but undeclared: " << name;
}

}  // namespace
}  // namespace wzp_capi_test
