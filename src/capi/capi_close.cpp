// C ABI: what a close code means, and copying a close out.
#include <cstddef>
#include <cstring>

#include "capi/capi_support.hpp"
#include "capi/close_info_out.hpp"
#include "capi/live_event.hpp"
#include "wire/close_codes.hpp"

static_assert(WZP_CLOSE_CONNECT_TIMEOUT == wzp::wire::code_value(wzp::wire::CloseCode::connect_timeout));
static_assert(WZP_CLOSE_SERVER_FULL == wzp::wire::code_value(wzp::wire::CloseCode::server_full));

namespace wzp::capi {

int copy_close_info(const transport::CloseInfo& info, wzp_close_info* out) {
  WZP_CAPI_REQUIRE(out);
  size_t size = out->struct_size;
  if (size < offsetof(wzp_close_info, code) + sizeof out->code) {
    return fail(Errc::invalid_argument, "wzp_close_info.struct_size is not set (use wzp_close_info_init)");
  }
  wzp_close_info full;
  std::memset(&full, 0, sizeof full);
  full.struct_size = size;
  full.code = info.code;
  full.origin = close_origin_of(info.kind);
  // Cut on a UTF-8 character boundary, so the text stays valid.
  size_t n = std::min(info.reason.size(), sizeof full.reason - 1);
  while (n > 0 && n < info.reason.size() && (static_cast<unsigned char>(info.reason[n]) & 0xC0) == 0x80) --n;
  std::memcpy(full.reason, info.reason.data(), n);
  std::memcpy(out, &full, std::min(size, sizeof full));
  return WZP_OK;
}

}  // namespace wzp::capi

extern "C" {

int wzp_close_code_status(uint64_t code) { return static_cast<int>(wzp::wire::close_code_errc(code)); }

void wzp_close_info_init(wzp_close_info* info) {
  if (info == nullptr) return;
  std::memset(info, 0, sizeof *info);
  info->struct_size = sizeof *info;
}

}  // extern "C"
