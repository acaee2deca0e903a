#include "transport/close_info.hpp"

#include <cstdio>

namespace wzp::transport {

std::string_view close_kind_name(CloseKind kind) noexcept {
  switch (kind) {
    case CloseKind::application: return "application";
    case CloseKind::transport: return "transport";
    case CloseKind::idle_timeout: return "idle_timeout";
    case CloseKind::local: return "local";
  }
  return "?";
}

std::string describe(const CloseInfo& info) {
  char code[32];
  (void)std::snprintf(code, sizeof code, "0x%llx", static_cast<unsigned long long>(info.code));
  std::string out;
  switch (info.kind) {
    case CloseKind::application: out = std::string("peer application close, code ") + code; break;
    case CloseKind::transport: out = std::string("peer transport close, error ") + code; break;
    case CloseKind::idle_timeout: out = "idle timeout"; break;
    case CloseKind::local:
      out = std::string("local close, ") + (info.transport_code ? "transport error " : "application code ") +
            code;
      break;
  }
  if (!info.reason.empty()) out += " (" + info.reason + ")";
  return out;
}

}  // namespace wzp::transport
