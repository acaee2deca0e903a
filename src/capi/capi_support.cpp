#include "capi/capi_support.hpp"

namespace wzp::capi {
namespace {
thread_local std::string t_last_error;
}

int fail(Errc code, std::string_view message) {
  try {
    t_last_error.assign(message);
  } catch (...) {
    t_last_error.clear();
  }
  return static_cast<int>(code);
}

const char* last_error() noexcept { return t_last_error.c_str(); }

// A C array of strings, NULL entries refused. Errors: invalid_argument.
Result<std::vector<std::string>> string_list(const char* const* items, size_t count, const char* what) {
  std::vector<std::string> out;
  if (count != 0 && items == nullptr)
    return make_error(Errc::invalid_argument, std::string(what) + " is NULL with a non-zero count");
  for (size_t i = 0; i < count; ++i) {
    if (items[i] == nullptr)
      return make_error(Errc::invalid_argument, std::string(what) + "[" + std::to_string(i) + "] is NULL");
    out.emplace_back(items[i]);
  }
  return out;
}

int give_string(std::string_view text, char** out) {
  WZP_CAPI_REQUIRE(out);
  // Caller-owned, released with wzp_free (free): malloc is the ABI's contract.
  auto* p = static_cast<char*>(std::malloc(text.size() + 1));  // NOLINT(cppcoreguidelines-no-malloc)
  if (p == nullptr) return fail(Errc::no_memory, "out of memory");
  std::memcpy(p, text.data(), text.size());
  p[text.size()] = '\0';
  *out = p;
  return WZP_OK;
}

int give_bytes(ByteView bytes, uint8_t** out, size_t* out_len) {
  WZP_CAPI_REQUIRE(out);
  WZP_CAPI_REQUIRE(out_len);
  auto* p = static_cast<uint8_t*>(
      std::malloc(bytes.empty() ? 1 : bytes.size()));  // NOLINT(cppcoreguidelines-no-malloc)
  if (p == nullptr) return fail(Errc::no_memory, "out of memory");
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  *out = p;
  *out_len = bytes.size();
  return WZP_OK;
}

int copy_out(ByteView bytes, uint8_t* out, size_t out_cap, size_t* out_len) {
  WZP_CAPI_REQUIRE(out_len);
  *out_len = bytes.size();
  if (out_cap < bytes.size()) {
    return fail(Errc::buffer_too_small, "output buffer holds " + std::to_string(out_cap) + " bytes, " +
                                            std::to_string(bytes.size()) + " needed");
  }
  if (!bytes.empty()) {
    WZP_CAPI_REQUIRE(out);
    std::memcpy(out, bytes.data(), bytes.size());
  }
  return WZP_OK;
}

int copy_c_string(std::string_view text, char* buf, size_t buf_len) {
  WZP_CAPI_REQUIRE(buf);
  if (buf_len < text.size() + 1) {
    return fail(Errc::buffer_too_small, "buffer holds " + std::to_string(buf_len) + " bytes, " +
                                            std::to_string(text.size() + 1) + " needed");
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  return WZP_OK;
}

}  // namespace wzp::capi
