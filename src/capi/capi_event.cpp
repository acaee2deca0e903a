// C ABI: events shared by relays and clients.
#include <cstdlib>
#include <cstring>
#include <utility>

#include "capi/abi_history.hpp"
#include "capi/capi_support.hpp"
#include "capi/live_event.hpp"
#include "capi/struct_prefix.hpp"
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

// The pointer fields an event owns after next_event (wzp_event_clear frees them).
// A field added to wzp_event that owns memory belongs here.
constexpr size_t kOwnedFields[] = {offsetof(wzp_event, room),  offsetof(wzp_event, fingerprint),
                                   offsetof(wzp_event, data),  offsetof(wzp_event, close_reason),
                                   offsetof(wzp_event, alias), offsetof(wzp_event, relay_addr)};

// Frees the owned pointers of `event` that lie within its first `struct_size` bytes.
void release_owned(wzp_event* event, size_t struct_size) {
  auto* bytes = reinterpret_cast<unsigned char*>(event);
  for (size_t offset : kOwnedFields) {
    if (!field_fits(struct_size, offset, sizeof(void*))) continue;
    void* p = nullptr;
    std::memcpy(&p, bytes + offset, sizeof p);
    std::free(p);  // NOLINT(cppcoreguidelines-no-malloc): allocated by dup_string / dup_bytes
  }
}

// Fill `out` from `event`; `owned` decides whether strings are copies (queue) or views (callback).
void fill(wzp_event* out, const LiveEvent& event, bool owned, std::string& room_tmp, std::string& fp_tmp,
          std::string& alias_tmp, std::string& reason_tmp, std::string& relay_tmp, Bytes& data_tmp) {
  wzp_event_init(out);
  out->type = event.type;
  out->connection_id = event.connection_id;
  out->state = event.state;
  out->data_len = event.data.size();
  out->online = event.online ? 1 : 0;
  out->source = event.source;
  out->call_profile = event.call_profile;
  out->e2e_state = event.e2e_state;
  if (event.close) {
    out->close_code = event.close->code;
    out->close_origin = close_origin_of(event.close->kind);
  }
  if (owned) {
    out->room = dup_string(event.room);
    out->fingerprint = dup_string(event.fingerprint);
    out->alias = dup_string(event.alias);
    out->relay_addr = dup_string(event.relay_addr);
    out->data = dup_bytes(event.data);
    out->close_reason = event.close ? dup_string(event.close->reason) : nullptr;
    return;
  }
  // Views: NUL-terminated temporaries that live for the callback's duration.
  if (event.room) out->room = (room_tmp = *event.room).c_str();
  if (event.fingerprint) out->fingerprint = (fp_tmp = *event.fingerprint).c_str();
  if (event.alias) out->alias = (alias_tmp = *event.alias).c_str();
  if (event.relay_addr) out->relay_addr = (relay_tmp = *event.relay_addr).c_str();
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
      std::string room, fp, alias, reason, relay_addr;
      Bytes data;
      fill(&view, event, false, room, fp, alias, reason, relay_addr, data);
      const EventChannel* outer = std::exchange(t_delivering, this);
      struct Restore {
        const EventChannel* outer;
        ~Restore() { t_delivering = outer; }
      } restore{outer};
      callback_(&view, user_data_);
    });
  } else if (final) {
    // Queued and closed at once: whoever reads this event finds the channel closed after it.
    c_boundary_void("event queue", [&] { queue_.push_last(std::move(event)); });
  } else {
    c_boundary_void("event queue", [&] { queue_.push(std::move(event)); });
  }
  if (final) finish();
}

bool EventChannel::in_callback() const noexcept { return t_delivering == this; }

int EventChannel::next(wzp_event* out, int timeout_ms) {
  WZP_CAPI_REQUIRE(out);
  // The caller's event may be shorter (an older header) or longer (a newer one) than ours;
  // anything shorter than the first published event cannot hold an event at all.
  const size_t size = out->struct_size;
  if (size < sizeof(abi_v0_1::event)) {
    return fail(Errc::invalid_argument, "wzp_event.struct_size is " + std::to_string(size) +
                                            ", less than any wzp_event (use wzp_event_init)");
  }
  // Whatever the event still owns from the previous call is released: reusing it does not leak.
  wzp_event_clear(out);
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
    if (finished_.load() || queue_.closed())
      return fail(Errc::closed, "no more events: the handle is closed");
    if (timeout_ms == 0) return fail(Errc::would_block, "no event queued");
    return fail(Errc::timeout, "no event within " + std::to_string(timeout_ms) + " ms");
  }
  std::string room, fp, alias, reason, relay_addr;
  Bytes data;
  wzp_event full;
  fill(&full, *event, true, room, fp, alias, reason, relay_addr, data);
  // What does not fit the caller's event is not handed over, so it is freed here.
  write_prefix(out, size, full);
  auto* full_bytes = reinterpret_cast<unsigned char*>(&full);
  for (size_t offset : kOwnedFields) {
    if (field_fits(size, offset, sizeof(void*))) std::memset(full_bytes + offset, 0, sizeof(void*));
  }
  release_owned(&full, sizeof full);
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

void wzp_event_init_sized(wzp_event* event, size_t size) {
  if (event == nullptr || size < sizeof event->struct_size) return;
  wzp::capi::write_prefix(event, size, wzp_event{});
}

void(wzp_event_init)(wzp_event* event) { wzp_event_init_sized(event, sizeof(wzp::capi::abi_v0_1::event)); }

void wzp_event_clear(wzp_event* event) {
  if (event == nullptr) return;
  const size_t size = event->struct_size;
  wzp::capi::release_owned(event, size);
  wzp_event_init_sized(event, size);
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
    case WZP_EVENT_PRESENCE: return "PRESENCE";
    case WZP_EVENT_CALL_PROFILE: return "CALL_PROFILE";
    case WZP_EVENT_CALL_E2E: return "CALL_E2E";
    default: return "UNKNOWN";
  }
}

const char* wzp_client_state_name(int state) {
  if (state < WZP_CLIENT_IDLE || state > WZP_CLIENT_CLOSED) return "UNKNOWN";
  return wzp::client::client_state_name(static_cast<wzp::client::ClientState>(state)).data();
}

const char* wzp_close_code_name(uint64_t code) { return wzp::wire::close_code_name(code).data(); }

}  // extern "C"
