// C ABI: featherChat group rooms, the relay's access list kept equal to a group's members.
#include <memory>
#include <optional>

#include "capi/acl_change.hpp"
#include "capi/capi_support.hpp"
#include "featherchat/acl_sync.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;

namespace {

Result<featherchat::GroupRoomAcl> group_room(const char* room_name, const char* const* fingerprints,
                                             size_t count) {
  auto members = capi::string_list(fingerprints, count, "fingerprints");
  if (!members) return std::move(members).error();
  return featherchat::group_room_acl(room_name, *members);
}

// How many of `after` are not in `before`, and of `before` not in `after`.
relay::AccessList::RoomChange compare(const relay::AccessList& before,
                                      const featherchat::GroupRoomAcl& after) {
  relay::AccessList copy = before;
  return copy.set_room(after.room, after.fingerprints);
}

}  // namespace

extern "C" {

int wzp_fc_acl_sync_relay(wzp_relay* relay, const char* room_name, const char* const* fingerprints,
                          size_t count, size_t* out_added, size_t* out_removed) {
  return guarded([&]() -> int {
    if (out_added != nullptr) *out_added = 0;
    if (out_removed != nullptr) *out_removed = 0;
    WZP_CAPI_REQUIRE(relay);
    WZP_CAPI_REQUIRE(room_name);
    auto group = group_room(room_name, fingerprints, count);
    if (!group) return fail(group.error());
    // The counts come from the change itself; a change kept for a relay that is starting
    // runs later, so then they are compared with the list as it stands now.
    auto counted = std::make_shared<std::optional<relay::AccessList::RoomChange>>();
    const relay::AccessList before = capi::acl_snapshot(relay);
    int rc = capi::change_acl(relay, {[g = *group, counted](relay::AccessList& acl) {
                                *counted = acl.set_room(g.room, g.fingerprints);
                              }});
    if (rc != WZP_OK) return rc;
    const relay::AccessList::RoomChange change = counted->value_or(compare(before, *group));
    if (out_added != nullptr) *out_added = change.added;
    if (out_removed != nullptr) *out_removed = change.removed;
    return WZP_OK;
  });
}

int wzp_fc_acl_sync_http(const char* http_base_url, const char* admin_token, const char* room_name,
                         const char* const* fingerprints, size_t count, int timeout_ms, char** out_error) {
  capi::clear_outs(out_error);
  int rc = guarded([&]() -> int {
    WZP_CAPI_REQUIRE(http_base_url);
    WZP_CAPI_REQUIRE(admin_token);
    WZP_CAPI_REQUIRE(room_name);
    auto group = group_room(room_name, fingerprints, count);
    if (!group) return fail(group.error());
    auto synced = featherchat::sync_group_room_http({http_base_url, admin_token, timeout_ms}, *group);
    if (!synced) return fail(synced.error());
    return WZP_OK;
  });
  if (rc != WZP_OK && out_error != nullptr) {
    if (capi::give_string(wzp_last_error(), out_error) != WZP_OK) *out_error = nullptr;
  }
  return rc;
}

}  // extern "C"
