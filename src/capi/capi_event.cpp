// C ABI: events shared by relays and clients.
#include <cstdlib>
#include <cstring>
#include <utility>

#include "capi/capi_support.hpp"
#include "capi/live_event.hpp"
#include "client/client.hpp"
#include "core/c_boundary.hpp"
#include "wire/close_codes.hpp"

namespace wzp::capi {
namespace {

// The channel whose callback this thread is running (callbacks may nest when a
// callback calls into another handle).
thread_local const EventChannel* t_delivering = nullptr;

char* dup_string(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  auto* p = static_cast<char*>(
      std::malloc(s->size() + 1));  // NOLINT(cppcoreguidelines-no-malloc): wzp_event_clear frees
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, s->data(), s->size());
  p[s->size()] = '\0';
  return p;
}

uint8_t* dup_bytes(const Bytes& b) {
  if (b.empty()) return nullptr;
  auto* p = static_cast<uint8_t*>(std::malloc(b.size() + 1));  // NOLINT(cppcoreguidelines-no-malloc)
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, b.data(), b.size());
  p[b.size()] = 0;  // so SIGNAL JSON is also a C string
  return p;
}

// Fill `out` from `event`; `owned` decides whether strings are copies (queue) or views (callback).
void fill(wzp_event* out, const LiveEvent& event, bool owned, std::string& room_tmp, std::string& fp_tmp,
          std::string& alias_tmp, std::string& reason_tmp, Bytes& data_tmp) {
  wzp_event_init(out);
  out->type = event.type;
  out->connection_id = event.connection_id;
  out->state = event.state;
  out->data_len = event.data.size();
  if (event.close) {
    out->close_code = event.close->code;
    out->close_origin = close_origin_of(event.close->kind);
  }
  if (owned) {
    out->room = dup_string(event.room);
    out->fingerprint = dup_string(event.fingerprint);
    out->alias = dup_string(event.alias);
    out->data = dup_bytes(event.data);
    out->close_reason = event.close ? dup_string(event.close->reason) : nullptr;
    return;
  }
  // Views: NUL-terminated temporaries that live for the callback's duration.
  if (event.room) out->room = (room_tmp = *event.room).c_str();
  if (event.fingerprint) out->fingerprint = (fp_tmp = *event.fingerprint).c_str();
  if (event.alias) out->alias = (alias_tmp = *event.alias).c_str();
  if (event.close) out->close_reason = (reason_tmp = event.close->reason).c_str();
  if (!event.data.empty()) {
    data_tmp = event.data;
    data_tmp.push_back(0);
    out->data = data_tmp.data();
  }
}

}  // namespace

wzp_close_origin close_origin_of(transport::CloseKind kind) noexcept {
  switch (kind) {
    case transport::CloseKind::application: return WZP_CLOSED_BY_PEER;
    case transport::CloseKind::local: return WZP_CLOSED_LOCALLY;
    case transport::CloseKind::idle_timeout: return WZP_CLOSED_IDLE;
    case transport::CloseKind::transport: return WZP_CLOSED_TRANSPORT;
  }
  return WZP_CLOSED_TRANSPORT;
}

void EventChannel::deliver(LiveEvent event, bool final) noexcept {
  if (callback_ != nullptr) {
    c_boundary_void("event callback", [&] {
      wzp_event view;
      std::string room, fp, alias, reason;
      Bytes data;
      fill(&view, event, false, room, fp, alias, reason, data);
      const EventChannel* outer = std::exchange(t_delivering, this);
      struct Restore {
        const EventChannel* outer;
        ~Restore() { t_delivering = outer; }
      } restore{outer};
      callback_(&view, user_data_);
    });
  } else {
    c_boundary_void("event queue", [&] { queue_.push(std::move(event)); });
  }
  if (final) finish();
}

bool EventChannel::in_callback() const noexcept { return t_delivering == this; }

int EventChannel::next(wzp_event* out, int timeout_ms) {
  WZP_CAPI_REQUIRE(out);
  {
    std::lock_guard lock(waiters_mutex_);
    if (freeing_) return fail(Errc::closed, "no more events: the handle is being freed");
    ++waiters_;
  }
  // Leaving is the last touch of the channel: close_and_wait() may destroy it right after.
  struct Leave {
    EventChannel& c;
    ~Leave() {
      std::lock_guard lock(c.waiters_mutex_);
      if (--c.waiters_ == 0) c.no_waiters_.notify_all();
    }
  } leave{*this};
  bool freeing = false;
  auto event = queue_.pop(finished_.load() ? 0 : timeout_ms);
  {
    std::lock_guard lock(waiters_mutex_);
    freeing = freeing_;
  }
  if (freeing) return fail(Errc::closed, "no more events: the handle is being freed");
  if (!event) {
    if (finished_.load()) return fail(Errc::closed, "no more events: the handle is closed");
    return fail(Errc::timeout, "no event within " + std::to_string(timeout_ms) + " ms");
  }
  std::string room, fp, alias, reason;
  Bytes data;
  fill(out, *event, true, room, fp, alias, reason, data);
  return WZP_OK;
}

void EventChannel::close_and_wait() {
  {
    std::lock_guard lock(waiters_mutex_);
    freeing_ = true;
  }
  finish();
  while (queue_.pop(0)) {
  }
  std::unique_lock lock(waiters_mutex_);
  no_waiters_.wait(lock, [this] { return waiters_ == 0; });
}

}  // namespace wzp::capi

extern "C" {

void wzp_event_init(wzp_event* event) {
  if (event == nullptr) return;
  std::memset(event, 0, sizeof *event);
  event->struct_size = sizeof *event;
}

void wzp_event_clear(wzp_event* event) {
  if (event == nullptr) return;
  // NOLINTBEGIN(cppcoreguidelines-no-malloc): these were allocated by next_event
  std::free(const_cast<char*>(event->room));
  std::free(const_cast<char*>(event->fingerprint));
  std::free(const_cast<uint8_t*>(event->data));
  std::free(const_cast<char*>(event->close_reason));
  std::free(const_cast<char*>(event->alias));
  // NOLINTEND(cppcoreguidelines-no-malloc)
  wzp_event_init(event);
}

const char* wzp_event_type_name(int type) {
  switch (type) {
    case WZP_EVENT_NONE: return "NONE";
    case WZP_EVENT_STATE: return "STATE";
    case WZP_EVENT_JOINED: return "JOINED";
    case WZP_EVENT_LEFT: return "LEFT";
    case WZP_EVENT_REJECTED: return "REJECTED";
    case WZP_EVENT_MEDIA: return "MEDIA";
    case WZP_EVENT_SIGNAL: return "SIGNAL";
    case WZP_EVENT_CLOSED: return "CLOSED";
    case WZP_EVENT_PEER_JOINED: return "PEER_JOINED";
    case WZP_EVENT_PEER_LEFT: return "PEER_LEFT";
    case WZP_EVENT_PEER_SIGNAL: return "PEER_SIGNAL";
    default: return "UNKNOWN";
  }
}

const char* wzp_client_state_name(int state) {
  if (state < WZP_CLIENT_IDLE || state > WZP_CLIENT_CLOSED) return "UNKNOWN";
  return wzp::client::client_state_name(static_cast<wzp::client::ClientState>(state)).data();
}

const char* wzp_close_code_name(uint64_t code) { return wzp::wire::close_code_name(code).data(); }

}  // extern "C"
