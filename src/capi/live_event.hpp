// Events of relays and clients as queued inside the library, and their
// conversion to the C wzp_event (copied out for the queue, borrowed for callbacks).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/event_queue.hpp"
#include "transport/close_info.hpp"
#include "wzp.h"

namespace wzp::capi {

struct LiveEvent {
  wzp_event_type type = WZP_EVENT_NONE;
  uint64_t connection_id = 0;
  wzp_client_state state = WZP_CLIENT_IDLE;
  std::optional<std::string> room;
  std::optional<std::string> fingerprint;
  std::optional<std::string> alias;
  Bytes data;
  bool data_is_text = false;
  std::optional<transport::CloseInfo> close;
  bool online = false;                    // PRESENCE
  std::optional<std::string> relay_addr;  // PRESENCE, a remote user
  int32_t source = 0;                     // MEDIA: the trunk tag; CALL_PROFILE: the reporter (-1: forced)
  wzp_call_profile call_profile{};        // CALL_PROFILE
  int e2e_state = 0;                      // CALL_E2E
};

wzp_close_origin close_origin_of(transport::CloseKind kind) noexcept;

/// Where a handle's events go: the application's callback if it set one,
/// otherwise a bounded queue it drains with next_event.
///
/// Lifetime: the handle's free calls close_and_wait() before destroying the
/// channel, so that threads blocked in next() leave (with WZP_ERR_CLOSED)
/// before the queue, its mutex and its eventfd go away.
class EventChannel {
 public:
  EventChannel(wzp_event_cb callback, void* user_data, size_t capacity)
      : callback_(callback), user_data_(user_data), queue_(capacity == 0 ? 1024 : capacity) {}

  /// `final`: nothing follows this event (the handle is finished once it is queued).
  /// Never throws: an event that cannot be converted (no memory) is logged and lost.
  void deliver(LiveEvent event, bool final = false) noexcept;
  /// WZP_OK, WZP_ERR_TIMEOUT, or WZP_ERR_CLOSED once finished and drained (or freed).
  int next(wzp_event* out, int timeout_ms);
  /// Nothing more will be delivered (e.g. the relay stopped); queued events can still be read.
  void finish() {
    finished_.store(true);
    queue_.close();
  }
  /// For the handle's free: drop queued events, wake every waiter and return once
  /// none is left inside next(). Later next() calls get WZP_ERR_CLOSED at once.
  void close_and_wait();
  /// True on the thread that is running this channel's callback right now.
  bool in_callback() const noexcept;
  int fd() const noexcept { return queue_.fd(); }
  uint64_t dropped() const { return queue_.dropped(); }

 private:
  std::atomic<bool> finished_{false};
  wzp_event_cb callback_;
  void* user_data_;
  EventQueue<LiveEvent> queue_;

  std::mutex waiters_mutex_;  // guards waiters_ and freeing_
  std::condition_variable no_waiters_;
  int waiters_ = 0;
  bool freeing_ = false;
};

}  // namespace wzp::capi
