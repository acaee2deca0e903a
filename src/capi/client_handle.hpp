// The structs behind wzp_client and wzp_call, shared by capi_client.cpp and capi_call.cpp.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "capi/live_event.hpp"
#include "client/client.hpp"
#include "e2e/call_encryption.hpp"
#include "media/call/live_call.hpp"

namespace wzp::capi {

/// Shared by a client handle and the call attached to it, so that either may be freed
/// first: freeing the client detaches the call (whose later calls fail with CLOSED).
struct CallLink {
  std::mutex mutex;
  media::LiveCall* call = nullptr;  // the attached call; nullptr: none
  e2e::CallEncryption* e2e = nullptr;  // its end-to-end encryption, if any
};

/// Encrypt `call` (attached to `client`, created with e2e off) end to end with keys from the
/// users' own handshake (the featherChat call manager's 1:1 calls). Returns a WZP_* code.
int attach_pair_encryption(wzp_client* client, wzp_call* call, int policy, e2e::PairKeys keys,
                           const std::string& peer);

}  // namespace wzp::capi

// A loop shared by clients (wzp_client_config.loop); `clients` counts those on it, so that it is
// not freed under them.
struct wzp_loop {
  wzp::EventLoop loop;
  std::atomic<size_t> clients{0};
};

struct wzp_client {
  wzp_loop* shared_loop = nullptr;  // borrowed: the loop this client runs on, if shared
  std::unique_ptr<wzp::capi::EventChannel> events;
  std::shared_ptr<wzp::capi::CallLink> call_link = std::make_shared<wzp::capi::CallLink>();
  std::unique_ptr<wzp::client::Client> client;  // declared last: destroyed first, while events still exist
};

struct wzp_call {
  std::shared_ptr<wzp::capi::CallLink> link;
  std::unique_ptr<wzp::media::LiveCall> call;
  std::shared_ptr<wzp::e2e::CallEncryption> e2e;  // detached before `call`
};
