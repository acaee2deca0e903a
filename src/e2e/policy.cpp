#include "e2e/policy.hpp"

namespace wzp::e2e {

std::string_view policy_name(Policy policy) noexcept {
  switch (policy) {
    case Policy::off: return "off";
    case Policy::preferred: return "preferred";
    case Policy::required: return "required";
  }
  return "unknown";
}

std::string_view key_state_name(KeyState state) noexcept {
  switch (state) {
    case KeyState::no_key: return "no_key";
    case KeyState::ok: return "ok";
    case KeyState::missing_key: return "missing_key";
    case KeyState::decrypt_failed: return "decrypt_failed";
    case KeyState::clear: return "clear";
    case KeyState::unauthorised: return "unauthorised";
  }
  return "unknown";
}

}  // namespace wzp::e2e
