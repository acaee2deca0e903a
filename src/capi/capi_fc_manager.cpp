// C ABI: a featherChat user's calls (featherchat::CallManager) and, with join_relay, their
// media: a wzp_client joins the call's relay room on CONNECTING and a wzp_call starts on it
// when the room is joined.
//
// Locks: `mutex` guards the CallManager and the media map; `work_mutex` guards the worker's
// queue. The clients' callbacks (on their loop threads) take only work_mutex, so the worker
// may hold `mutex` while it calls into a client without a lock-order cycle. Events are
// gathered under `mutex` and delivered after it is released.
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "capi/capi_support.hpp"
#include "capi/client_handle.hpp"
#include "capi/handles.hpp"
#include "core/c_boundary.hpp"
#include "core/event_queue.hpp"
#include "core/log.hpp"
#include "core/wipe.hpp"
#include "crypto/fingerprint.hpp"
#include "e2e/pair_keys.hpp"
#include "featherchat/call_manager.hpp"
#include "featherchat/call_signal_json.hpp"
#include "featherchat/host_port.hpp"
#include "featherchat/relay_choice.hpp"
#include "handshake/signal_handshake.hpp"
#include "wire/signal_message.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;
namespace fc = wzp::featherchat;

namespace {

constexpr int kTickMs = 100;

struct FcEvent {
  wzp_fc_event_type type = WZP_FC_EVENT_NONE;
  std::string call_id;
  std::string peer;
  bool outgoing = false;
  fc::CallState state = fc::CallState::idle;
  fc::CallState previous = fc::CallState::idle;
  fc::CallEnd end = fc::CallEnd::none;
  bool ended_here = false;
  std::optional<std::string> relay_addr;
  std::optional<std::string> room;
  std::optional<std::string> detail;
  std::optional<std::string> target;
  std::optional<std::string> signal_json;
  Bytes bincode;
  std::array<uint8_t, WZP_FC_MISSED_CALL_BYTES> missed{};
  int64_t time_ms = 0;
};

FcEvent call_event(wzp_fc_event_type type, const fc::CallRecord& call, int64_t now_ms) {
  FcEvent e;
  e.type = type;
  e.call_id = call.call_id;
  e.peer = call.peer;
  e.outgoing = call.direction == fc::CallDirection::outgoing;
  e.state = call.state;
  e.previous = call.state;
  e.end = call.end;
  e.ended_here = call.ended_here;
  e.relay_addr = call.relay_addr;
  e.room = call.room;
  if (!call.detail.empty()) e.detail = call.detail;
  e.time_ms = now_ms;
  return e;
}

struct ClientFree {
  void operator()(wzp_client* c) const noexcept { wzp_client_free(c); }
};
struct CallFree {
  void operator()(wzp_call* c) const noexcept { wzp_call_free(c); }
};
struct IdentityFree {
  void operator()(wzp_identity* i) const noexcept { wzp_identity_free(i); }
};

struct ClientContext {
  wzp_fc_manager* manager;
  std::string call_id;
};

// One call's relay connection and call engine (destroyed call first, context last: the
// client calls back with the context until it is freed).
struct Media {
  std::unique_ptr<ClientContext> context;
  std::unique_ptr<wzp_client, ClientFree> client;
  std::unique_ptr<wzp_call, CallFree> call;
  bool ended = false;  // the featherChat call ended: the client was hung up
};

// What the worker thread does next.
struct Work {
  enum class Kind { join, joined, closed, hangup } kind = Kind::join;
  std::string call_id;
  std::string reason;
};

// "host:port" (IPv6 in brackets) -> host and port.
int64_t system_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

wzp_fc_manager_config manager_defaults() {
  wzp_fc_manager_config c{};
  c.struct_size = sizeof c;
  c.ring_timeout_ms = 45000;
  c.connect_timeout_ms = 20000;
  c.send_ringing = 1;
  c.max_live_calls = 8;
  c.max_history = 256;
  c.bincode_variant = WZP_FC_CALL_SIGNAL_VARIANT;
  c.event_queue_capacity = 1024;
  c.join_relay = 1;
  c.join_timeout_ms = 10000;
  return c;
}

wzp_fc_call_state c_state(fc::CallState s) { return static_cast<wzp_fc_call_state>(s); }
wzp_fc_call_end c_end(fc::CallEnd e) { return static_cast<wzp_fc_call_end>(e); }

char* dup_text(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  auto* p = static_cast<char*>(std::malloc(s->size() + 1));  // NOLINT(cppcoreguidelines-no-malloc)
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, s->c_str(), s->size() + 1);
  return p;
}

// The event's owned pointers (allocated by dup_text / malloc), released by wzp_fc_event_clear.
void release_event(wzp_fc_event* e) {
  // NOLINTBEGIN(cppcoreguidelines-no-malloc, cppcoreguidelines-pro-type-const-cast)
  std::free(const_cast<char*>(e->relay_addr));
  std::free(const_cast<char*>(e->room));
  std::free(const_cast<char*>(e->detail));
  std::free(const_cast<char*>(e->target));
  std::free(const_cast<char*>(e->signal_json));
  std::free(const_cast<uint8_t*>(e->signal_bincode));
  // NOLINTEND(cppcoreguidelines-no-malloc, cppcoreguidelines-pro-type-const-cast)
}

// Fills a full-size C event from e: borrowed pointers into e, or owned copies.
wzp_fc_event c_event(const FcEvent& e, bool owned) {
  wzp_fc_event out{};
  out.struct_size = sizeof out;
  out.type = e.type;
  std::snprintf(out.call_id, sizeof out.call_id, "%s", e.call_id.c_str());
  std::snprintf(out.peer, sizeof out.peer, "%s", e.peer.c_str());
  out.outgoing = e.outgoing ? 1 : 0;
  out.state = c_state(e.state);
  out.previous_state = c_state(e.previous);
  out.end = c_end(e.end);
  out.ended_here = e.ended_here ? 1 : 0;
  std::memcpy(out.missed_call, e.missed.data(), e.missed.size());
  out.time_ms = e.time_ms;
  out.signal_bincode_len = e.bincode.size();
  if (!owned) {
    auto borrow = [](const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; };
    out.relay_addr = borrow(e.relay_addr);
    out.room = borrow(e.room);
    out.detail = borrow(e.detail);
    out.target = borrow(e.target);
    out.signal_json = borrow(e.signal_json);
    out.signal_bincode = e.bincode.empty() ? nullptr : e.bincode.data();
    return out;
  }
  try {
    out.relay_addr = dup_text(e.relay_addr);
    out.room = dup_text(e.room);
    out.detail = dup_text(e.detail);
    out.target = dup_text(e.target);
    out.signal_json = dup_text(e.signal_json);
    if (!e.bincode.empty()) {
      auto* b = static_cast<uint8_t*>(std::malloc(e.bincode.size()));  // NOLINT(cppcoreguidelines-no-malloc)
      if (b == nullptr) throw std::bad_alloc();
      std::memcpy(b, e.bincode.data(), e.bincode.size());
      out.signal_bincode = b;
    }
  } catch (...) {
    release_event(&out);
    throw;
  }
  return out;
}

// The state of the handshakes between the two users of each call, kept for the end-to-end
// keys of its media (e2e::pair_keys): our CallOffer's ephemeral until the answer comes, then
// the keys until the call's media start. Bounded: the oldest calls' entries go first.
class CallHandshakes {
 public:
  static constexpr size_t kMax = 64;

  void offered(const std::string& call_id, handshake::Caller caller) {
    std::lock_guard lock(mutex_);
    callers_.insert_or_assign(call_id, std::move(caller));
    trim(callers_);
  }
  /// The caller's side: the answer (already checked) completes our offer's handshake.
  void answered(const std::string& call_id, const wire::CallAnswer& answer) {
    std::lock_guard lock(mutex_);
    auto it = callers_.find(call_id);
    if (it == callers_.end()) return;
    auto session = it->second.accept(wire::SignalMessage{answer});
    callers_.erase(it);
    if (session) keep(call_id, e2e::pair_keys(*session, true));
  }
  /// The callee's side: the session we derived while answering.
  void accepted(const std::string& call_id, const handshake::CallSession& session) {
    std::lock_guard lock(mutex_);
    keep(call_id, e2e::pair_keys(session, false));
  }
  std::optional<e2e::PairKeys> take(const std::string& call_id) {
    std::lock_guard lock(mutex_);
    auto it = keys_.find(call_id);
    if (it == keys_.end()) return std::nullopt;
    auto keys = std::move(it->second);
    keys_.erase(it);
    return keys;
  }

 private:
  void keep(const std::string& call_id, Result<e2e::PairKeys> keys) {
    // A reference-mode session has no keys to give: the call's media then exchange keys in
    // the relay room instead.
    if (!keys) return;
    keys_.insert_or_assign(call_id, std::move(*keys));
    trim(keys_);
  }
  template <class Map>
  static void trim(Map& map) {
    while (map.size() > kMax) map.erase(map.begin());
  }
  std::mutex mutex_;
  std::map<std::string, handshake::Caller> callers_;
  std::map<std::string, e2e::PairKeys> keys_;
};

}  // namespace

struct wzp_fc_manager {
  wzp_fc_manager_config config{};  // pointers below replace the caller's
  std::unique_ptr<wzp_identity, IdentityFree> identity;
  std::string self;  // display fingerprint
  std::optional<std::string> default_relay;
  std::optional<std::string> my_relay;
  std::optional<std::string> token;
  std::optional<std::array<uint8_t, 32>> pin_cert;
  std::optional<std::array<uint8_t, 16>> pin_relay;
  wzp_call_config call_config{};
  bool has_call_config = false;
  std::shared_ptr<CallHandshakes> handshakes = std::make_shared<CallHandshakes>();

  mutable std::mutex mutex;  // calls, media, now_ms, stats, pending
  std::optional<fc::CallManager> calls;
  std::map<std::string, Media> media;
  int64_t manual_now = 0;
  uint64_t sent = 0, media_joined = 0, media_failed = 0;
  std::vector<FcEvent> pending;  // gathered under mutex, delivered after

  std::mutex work_mutex;  // work, stopping
  std::condition_variable work_cv;
  std::deque<Work> work;
  std::deque<FcEvent> callback_events;  // for the callback, on the worker thread
  bool stopping = false;

  wzp::EventQueue<FcEvent> queue{1024};
  std::thread worker;

  explicit wzp_fc_manager(size_t capacity) : queue(capacity == 0 ? 1024 : capacity) {}

  int64_t now() const { return config.manual_clock != 0 ? manual_now : system_now_ms(); }

  void post(Work w) {
    {
      std::lock_guard lock(work_mutex);
      if (stopping) return;
      work.push_back(std::move(w));
    }
    work_cv.notify_one();
  }

  // Hands gathered events out (never under `mutex`).
  void deliver(std::vector<FcEvent> events) {
    if (events.empty()) return;
    if (config.callback != nullptr) {
      {
        std::lock_guard lock(work_mutex);
        for (auto& e : events) callback_events.push_back(std::move(e));
      }
      work_cv.notify_one();
      return;
    }
    for (auto& e : events) queue.push(std::move(e));
  }

  std::vector<FcEvent> take_pending() {
    std::vector<FcEvent> out;
    out.swap(pending);
    return out;
  }

  // ---- sinks of the CallManager (run under `mutex`)
  void on_send(const fc::CallSignal& message) {
    ++sent;
    FcEvent e;
    e.type = WZP_FC_EVENT_SEND;
    e.target = message.target;
    e.peer = message.target;
    e.signal_json = fc::encode_call_signal_json(message);
    e.bincode = fc::encode_bincode(message, config.bincode_variant);
    e.time_ms = now();
    if (auto payload = wire::decode_call_payload(message.payload); payload && payload->call_id) {
      e.call_id = *payload->call_id;
    }
    pending.push_back(std::move(e));
  }

  void on_transition(const fc::CallEvent& event) {
    FcEvent e = call_event(WZP_FC_EVENT_STATE, event.call, now());
    e.previous = event.from;
    pending.push_back(std::move(e));
    if (config.join_relay == 0) return;
    if (event.call.state == fc::CallState::connecting) post({Work::Kind::join, event.call.call_id, {}});
    if (event.call.state == fc::CallState::ended) post({Work::Kind::hangup, event.call.call_id, {}});
  }

  void on_missed(const fc::MissedCall& record, const fc::CallRecord& call) {
    FcEvent e = call_event(WZP_FC_EVENT_MISSED, call, now());
    const auto bytes = fc::encode(record);
    std::memcpy(e.missed.data(), bytes.data(), bytes.size());
    e.signal_json = fc::encode_json(record);
    pending.push_back(std::move(e));
  }

  void on_in_call(const fc::CallRecord& call, const wire::SignalMessage& signal) {
    FcEvent e = call_event(WZP_FC_EVENT_IN_CALL, call, now());
    e.signal_json = wire::encode_json(signal);
    pending.push_back(std::move(e));
  }

  // ---- media (worker thread)
  void join(const std::string& call_id);
  void joined(const std::string& call_id);
  void closed(const std::string& call_id, const std::string& reason);
  void hangup_media(const std::string& call_id);
  void run();
};

// Runs on a client's loop thread: only hands the news to the worker.
static void client_event(const wzp_event* event, void* user_data) {
  auto* ctx = static_cast<ClientContext*>(user_data);
  if (event->type == WZP_EVENT_JOINED) {
    ctx->manager->post({Work::Kind::joined, ctx->call_id, {}});
  } else if (event->type == WZP_EVENT_CLOSED) {
    std::string reason = std::string(wzp_close_code_name(event->close_code));
    if (event->close_reason != nullptr && *event->close_reason != '\0')
      reason += ": " + std::string(event->close_reason);
    ctx->manager->post({Work::Kind::closed, ctx->call_id, std::move(reason)});
  }
}

void wzp_fc_manager::join(const std::string& call_id) {
  std::unique_lock lock(mutex);
  const fc::CallRecord* call = calls->find(call_id);
  if (call == nullptr || call->state != fc::CallState::connecting || media.count(call_id) != 0) return;
  std::optional<std::string> relay = call->relay_addr ? call->relay_addr : default_relay;
  std::string failure;
  std::optional<fc::HostPort> where;
  if (!relay) {
    failure = "the call names no relay and no default_relay is configured";
  } else if (auto parsed = fc::parse_host_port(*relay, "the call's relay"); !parsed) {
    failure = parsed.error().message;
  } else {
    where = *parsed;
  }
  if (failure.empty()) {
    wzp_client_config cc;
    wzp_client_config_init(&cc);
    cc.relay_host = where->host.c_str();
    cc.relay_port = where->port;
    const std::string room = call->room.value_or(call->call_id);
    cc.room = room.c_str();
    cc.token = token ? token->c_str() : nullptr;
    cc.identity = identity.get();
    cc.pin_cert_sha256 = pin_cert ? pin_cert->data() : nullptr;
    cc.pin_relay_fingerprint = pin_relay ? pin_relay->data() : nullptr;
    cc.handshake_timeout_ms = config.join_timeout_ms;
    auto ctx = std::make_unique<ClientContext>(ClientContext{this, call_id});
    cc.callback = client_event;
    cc.user_data = ctx.get();
    wzp_client* client = nullptr;
    if (int rc = wzp_client_new(&cc, &client); rc != WZP_OK) {
      failure = std::string("cannot create the relay client: ") + wzp_last_error();
    } else {
      Media m;
      m.context = std::move(ctx);
      m.client.reset(client);
      media.emplace(call_id, std::move(m));
      log::write(log::Level::info, "featherchat",
                 "call " + call_id + ": joining room \"" + room + "\" at " + *relay);
      if (int rc2 = wzp_client_connect(client); rc2 != WZP_OK) {
        failure = std::string("cannot connect to the relay: ") + wzp_last_error();
      }
    }
  }
  if (!failure.empty()) {
    ++media_failed;
    log::write(log::Level::warn, "featherchat", "call " + call_id + ": " + failure);
    (void)calls->media_failed(call_id, failure, now());
  }
  auto events = take_pending();
  lock.unlock();
  deliver(std::move(events));
}

void wzp_fc_manager::joined(const std::string& call_id) {
  std::unique_lock lock(mutex);
  auto it = media.find(call_id);
  const fc::CallRecord* call = calls->find(call_id);
  if (it == media.end() || call == nullptr || call->state != fc::CallState::connecting) return;
  wzp_call* engine = nullptr;
  wzp_call_config config = call_config;
  if (!has_call_config) wzp_call_config_init(&config);
  // An end-to-end encrypted 1:1 call: keyed by the two users' own handshake when it made a
  // libwzp session (nothing crosses the relay), else by a key exchange in the room with the
  // peer as the only member who gets our key.
  const int policy = config.e2e;
  std::optional<e2e::PairKeys> pair = policy != WZP_E2E_OFF ? handshakes->take(call_id) : std::nullopt;
  const char* peer_list[1] = {call->peer.c_str()};
  config.e2e = pair ? WZP_E2E_OFF : policy;
  config.e2e_members = config.e2e != WZP_E2E_OFF ? peer_list : nullptr;  // never the config's (copied) pointer
  config.e2e_member_count = config.e2e != WZP_E2E_OFF ? 1 : 0;
  int rc = wzp_call_new(it->second.client.get(), &config, &engine);
  if (rc == WZP_OK && pair) {
    rc = capi::attach_pair_encryption(it->second.client.get(), engine, policy, std::move(*pair), call->peer);
    if (rc != WZP_OK) {
      const std::string why = wzp_last_error();
      wzp_call_free(engine);
      engine = nullptr;
      wzp::capi::fail(static_cast<Errc>(rc), why);  // keeps wzp_last_error for the message below
    }
  }
  if (rc != WZP_OK) {
    ++media_failed;
    (void)calls->media_failed(call_id, std::string("cannot start the call engine: ") + wzp_last_error(),
                              now());
  } else {
    ++media_joined;
    it->second.call.reset(engine);
    (void)calls->media_connected(call_id, now());
    const fc::CallRecord* now_call = calls->find(call_id);
    if (now_call != nullptr) pending.push_back(call_event(WZP_FC_EVENT_MEDIA, *now_call, now()));
  }
  auto events = take_pending();
  lock.unlock();
  deliver(std::move(events));
}

void wzp_fc_manager::closed(const std::string& call_id, const std::string& reason) {
  std::unique_lock lock(mutex);
  auto it = media.find(call_id);
  if (it == media.end() || it->second.ended) return;  // we hung up: expected
  const fc::CallRecord* call = calls->find(call_id);
  if (call != nullptr && call->state != fc::CallState::ended) {
    ++media_failed;
    log::write(log::Level::warn, "featherchat",
               "call " + call_id + ": the relay connection closed: " + reason);
    (void)calls->media_failed(call_id, "relay: " + reason, now());
  }
  auto events = take_pending();
  lock.unlock();
  deliver(std::move(events));
}

void wzp_fc_manager::hangup_media(const std::string& call_id) {
  std::lock_guard lock(mutex);
  auto it = media.find(call_id);
  if (it == media.end() || it->second.ended) return;
  it->second.ended = true;
  (void)wzp_client_hangup(it->second.client.get(), "Normal");
}

void wzp_fc_manager::run() {
  for (;;) {
    std::deque<Work> jobs;
    std::deque<FcEvent> events;
    {
      std::unique_lock lock(work_mutex);
      work_cv.wait_for(lock, std::chrono::milliseconds(kTickMs),
                       [&] { return stopping || !work.empty() || !callback_events.empty(); });
      if (stopping) return;
      jobs.swap(work);
      events.swap(callback_events);
    }
    for (auto& e : events) {
      const wzp_fc_event c = c_event(e, false);
      c_boundary_void("wzp_fc_event_cb", [&] { config.callback(&c, config.user_data); });
    }
    for (auto& job : jobs) {
      switch (job.kind) {
        case Work::Kind::join: join(job.call_id); break;
        case Work::Kind::joined: joined(job.call_id); break;
        case Work::Kind::closed: closed(job.call_id, job.reason); break;
        case Work::Kind::hangup: hangup_media(job.call_id); break;
      }
    }
    if (config.manual_clock == 0) {
      std::unique_lock lock(mutex);
      calls->tick(now());
      auto due = take_pending();
      lock.unlock();
      deliver(std::move(due));
    }
  }
}

namespace {

// The handshake of the call itself, between the two users (the relay's is separate): an incoming
// offer must be signed by the key whose fingerprint sent it, an answer by the key we called.
fc::CallKeys call_keys(const wzp_fc_manager* m) {
  fc::CallKeys keys;
  keys.offer = [m](const std::string& call_id) {
    handshake::Caller caller(m->identity->identity);
    wire::CallOffer offer = caller.offer();
    m->handshakes->offered(call_id, std::move(caller));
    return offer;
  };
  keys.answer = [m](const std::string& call_id, const wire::CallOffer& offer,
                    const std::string& peer) -> Result<wire::CallAnswer> {
    if (crypto::Fingerprint::of(offer.identity_pub).to_display() != peer)
      return make_error(Errc::bad_signature,
                        "the offer's identity key is not the caller's fingerprint " + peer);
    auto answered = handshake::answer_offer(m->identity->identity, wire::SignalMessage{offer});
    if (!answered) return std::move(answered).error();
    m->handshakes->accepted(call_id, answered->session);
    return std::move(answered->answer);
  };
  keys.check_answer = [m](const std::string& call_id, const wire::CallAnswer& answer,
                          const std::string& peer) -> Status {
    if (crypto::Fingerprint::of(answer.identity_pub).to_display() != peer)
      return make_error(Errc::bad_signature,
                        "the answer's identity key is not the callee's fingerprint " + peer);
    Bytes signed_text(answer.ephemeral_pub.begin(), answer.ephemeral_pub.end());
    signed_text.insert(signed_text.end(), crypto::kAnswerLabel.begin(), crypto::kAnswerLabel.end());
    if (!crypto::verify(answer.identity_pub, signed_text, answer.signature))
      return make_error(Errc::bad_signature, "callee signature verification failed");
    m->handshakes->answered(call_id, answer);
    return {};
  };
  return keys;
}

// Runs `body(manager)` under the manager's lock, then delivers the events it raised.
template <class Body>
int locked(wzp_fc_manager* m, Body&& body) {
  std::unique_lock lock(m->mutex);
  const int rc = body();
  auto events = m->take_pending();
  lock.unlock();
  m->deliver(std::move(events));
  return rc;
}

int status_rc(const Status& st) { return st ? WZP_OK : fail(st.error()); }

template <class Records>
std::string records_json(const Records& records) {
  std::string out = "[";
  for (const auto& r : records) {
    if (out.size() > 1) out += ',';
    out += fc::encode_call_record_json(r);
  }
  return out + "]";
}

// The relay of a call placed without one: the callee's relay from presence (offline, or no source
// answered: no candidate), my_relay and the relay-config default, by the configured policy.
fc::RelayChoice choose_call_relay(const wzp_fc_manager& manager, const char* peer) {
  fc::RelayCandidates candidates;
  candidates.my_relay = manager.my_relay;
  candidates.config_default = manager.default_relay;
  if (manager.config.presence != nullptr) {
    char found[262];
    if (wzp_fc_presence_lookup(manager.config.presence, peer, found, sizeof found, nullptr, 0) == WZP_OK)
      candidates.callee_relay = found;
  }
  return fc::choose_relay(static_cast<fc::RelayPolicy>(manager.config.relay_policy), candidates);
}

}  // namespace

extern "C" {

void wzp_fc_event_init_sized(wzp_fc_event* event, size_t size) {
  if (event == nullptr || size < sizeof event->struct_size) return;
  std::memset(event, 0, size);
  event->struct_size = size;
}

void wzp_fc_event_clear(wzp_fc_event* event) {
  if (event == nullptr || event->struct_size < sizeof(wzp_fc_event)) {
    if (event != nullptr) wzp_fc_event_init_sized(event, event->struct_size);
    return;
  }
  release_event(event);
  wzp_fc_event_init_sized(event, event->struct_size);
}

const char* wzp_fc_event_type_name(int type) {
  switch (type) {
    case WZP_FC_EVENT_NONE: return "NONE";
    case WZP_FC_EVENT_SEND: return "SEND";
    case WZP_FC_EVENT_STATE: return "STATE";
    case WZP_FC_EVENT_MISSED: return "MISSED";
    case WZP_FC_EVENT_IN_CALL: return "IN_CALL";
    case WZP_FC_EVENT_MEDIA: return "MEDIA";
    default: return "UNKNOWN";
  }
}

const char* wzp_fc_call_state_name(int state) {
  static constexpr const char* kNames[] = {"IDLE", "OFFERING", "RINGING", "CONNECTING", "ACTIVE", "ENDED"};
  return state >= 0 && state < 6 ? kNames[state] : "UNKNOWN";
}

const char* wzp_fc_call_end_name(int end) {
  static constexpr const char* kNames[] = {"NONE",      "HANGUP", "BUSY",   "REJECTED",
                                           "CANCELLED", "MISSED", "FAILED", "GLARE"};
  return end >= 0 && end < 8 ? kNames[end] : "UNKNOWN";
}

void wzp_fc_manager_config_init_sized(wzp_fc_manager_config* config, size_t size) {
  if (config == nullptr || size < sizeof config->struct_size) return;
  capi::write_prefix(config, size, manager_defaults());
}

void wzp_fc_manager_stats_init_sized(wzp_fc_manager_stats* stats, size_t size) {
  if (stats == nullptr || size < sizeof stats->struct_size) return;
  std::memset(stats, 0, size);
  stats->struct_size = size;
}

int wzp_fc_manager_new(const wzp_fc_manager_config* config, wzp_fc_manager** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(config);
    WZP_CAPI_REQUIRE(out);
    if (config->struct_size < sizeof config->struct_size)
      return fail(Errc::invalid_argument,
                  "wzp_fc_manager_config.struct_size is not set (use wzp_fc_manager_config_init)");
    const wzp_fc_manager_config c = capi::read_prefix(config, manager_defaults());
    if (c.identity == nullptr)
      return fail(Errc::invalid_argument, "wzp_fc_manager_config.identity is required");
    auto m = std::make_unique<wzp_fc_manager>(c.event_queue_capacity);
    m->config = c;
    uint8_t seed[WZP_SEED_BYTES];
    wzp_identity* copy = nullptr;
    if (int rc = wzp_identity_seed(c.identity, seed); rc != WZP_OK) return rc;
    const int rc = wzp_identity_from_seed(seed, &copy);
    wipe_memory(seed, sizeof seed);
    if (rc != WZP_OK) return rc;
    m->identity.reset(copy);
    m->self = m->identity->identity.fingerprint().to_display();
    if (c.default_relay != nullptr) {
      if (auto parsed = fc::parse_host_port(c.default_relay, "default_relay"); !parsed)
        return fail(Errc::invalid_argument, parsed.error().message);
      m->default_relay = c.default_relay;
    }
    if (c.my_relay != nullptr) {
      if (auto parsed = fc::parse_host_port(c.my_relay, "my_relay"); !parsed)
        return fail(Errc::invalid_argument, parsed.error().message);
      m->my_relay = c.my_relay;
    }
    if (c.relay_policy < WZP_FC_RELAY_CALLER || c.relay_policy > WZP_FC_RELAY_DEFAULT)
      return fail(Errc::invalid_argument, "wzp_fc_manager_config.relay_policy is not a wzp_fc_relay_policy");
    if (c.token != nullptr) m->token = c.token;
    if (c.pin_cert_sha256 != nullptr) {
      m->pin_cert.emplace();
      std::memcpy(m->pin_cert->data(), c.pin_cert_sha256, 32);
    }
    if (c.pin_relay_fingerprint != nullptr) {
      m->pin_relay.emplace();
      std::memcpy(m->pin_relay->data(), c.pin_relay_fingerprint, 16);
    }
    if (c.call_config != nullptr) {
      if (c.call_config->struct_size < sizeof c.call_config->struct_size)
        return fail(Errc::invalid_argument, "wzp_fc_manager_config.call_config.struct_size is not set");
      wzp_call_config defaults;
      wzp_call_config_init(&defaults);
      m->call_config = capi::read_prefix(c.call_config, defaults);
      m->has_call_config = true;
    }
    // Strings and handles of the caller's config are not kept.
    m->config.identity = nullptr;
    m->config.default_relay = m->config.token = m->config.my_relay = nullptr;
    m->config.pin_cert_sha256 = m->config.pin_relay_fingerprint = nullptr;
    m->config.call_config = nullptr;

    fc::CallManagerConfig mc;
    mc.self = m->self;
    mc.ring_timeout_ms = c.ring_timeout_ms;
    mc.connect_timeout_ms = c.connect_timeout_ms;
    mc.send_ringing = c.send_ringing != 0;
    mc.call_waiting = c.call_waiting != 0;
    mc.featherchat_tags_only = c.featherchat_tags_only != 0;
    mc.max_live_calls = c.max_live_calls;
    mc.max_history = c.max_history;
    wzp_fc_manager* raw = m.get();
    fc::CallManagerSinks sinks;
    sinks.send = [raw](const fc::CallSignal& s) { raw->on_send(s); };
    sinks.event = [raw](const fc::CallEvent& e) { raw->on_transition(e); };
    sinks.missed = [raw](const fc::MissedCall& r, const fc::CallRecord& call) { raw->on_missed(r, call); };
    sinks.in_call = [raw](const fc::CallRecord& call, const wire::SignalMessage& s) {
      raw->on_in_call(call, s);
    };
    auto calls = fc::CallManager::create(std::move(mc), call_keys(raw), std::move(sinks));
    if (!calls) return fail(calls.error());
    m->calls.emplace(std::move(*calls));
    m->worker = std::thread([raw] { raw->run(); });
    *out = m.release();
    return WZP_OK;
  });
}

void wzp_fc_manager_free(wzp_fc_manager* manager) {
  if (manager == nullptr) return;
  std::unique_ptr<wzp_fc_manager> owned(manager);
  {
    std::lock_guard lock(manager->work_mutex);
    manager->stopping = true;
  }
  manager->work_cv.notify_all();
  if (manager->worker.joinable()) {
    if (manager->worker.get_id() == std::this_thread::get_id()) {
      log::write(log::Level::error, "featherchat",
                 "wzp_fc_manager_free called from its callback: not released");
      (void)owned.release();
      return;
    }
    manager->worker.join();
  }
  manager->queue.close();
  std::map<std::string, Media> media;
  {
    std::lock_guard lock(manager->mutex);
    media.swap(manager->media);
  }
  for (auto& [id, m] : media) {
    m.call.reset();
    if (!m.ended) (void)wzp_client_hangup(m.client.get(), "Normal");
  }
  media.clear();  // frees the clients (their threads stop) before their contexts
}

int wzp_fc_manager_place_call(wzp_fc_manager* manager, const char* peer, const char* relay_addr,
                              const char* room, char out_call_id[WZP_FC_CALL_ID_LEN + 1]) {
  return guarded([&]() -> int {
    if (out_call_id != nullptr) out_call_id[0] = '\0';
    WZP_CAPI_REQUIRE(manager);
    WZP_CAPI_REQUIRE(peer);
    std::optional<std::string> relay =
        relay_addr != nullptr ? std::optional<std::string>(relay_addr) : manager->default_relay;
    std::optional<std::string> relay_choice;
    if (relay_addr == nullptr && (manager->config.presence != nullptr || manager->my_relay)) {
      auto chosen = choose_call_relay(*manager, peer);
      relay = chosen.relay_addr.empty() ? std::nullopt : std::optional<std::string>(chosen.relay_addr);
      relay_choice = std::string(fc::relay_reason_name(chosen.reason));
      WZP_LOG(info, "featherchat",
              "call to " + std::string(peer) + ": relay " + (relay ? *relay : std::string("none")) + " (" +
                  *relay_choice + ")");
    }
    if (relay) {
      if (auto parsed = fc::parse_host_port(*relay, "relay_addr"); !parsed)
        return fail(Errc::invalid_argument, parsed.error().message);
    }
    if (!relay && manager->config.join_relay != 0) {
      return fail(Errc::invalid_argument, relay_choice
                                              ? "no relay for the call: the callee is not online at any "
                                                "presence source and neither my_relay nor default_relay "
                                                "is configured"
                                              : "no relay_addr given and no default_relay configured");
    }
    return locked(manager, [&]() -> int {
      fc::CallRoute route;
      route.relay_addr = relay;
      if (room != nullptr) route.room = room;
      auto id = manager->calls->place_call(peer, route, manager->now(), relay_choice);
      if (!id) return fail(id.error());
      if (out_call_id != nullptr) std::snprintf(out_call_id, WZP_FC_CALL_ID_LEN + 1, "%s", id->c_str());
      return WZP_OK;
    });
  });
}

#define WZP_FC_CALL_OP(name, expr)                             \
  int name(wzp_fc_manager* manager, const char* call_id) {     \
    return guarded([&]() -> int {                              \
      WZP_CAPI_REQUIRE(manager);                               \
      WZP_CAPI_REQUIRE(call_id);                               \
      return locked(manager, [&] { return status_rc(expr); }); \
    });                                                        \
  }

WZP_FC_CALL_OP(wzp_fc_manager_accept, manager->calls->accept(call_id, manager->now()))
WZP_FC_CALL_OP(wzp_fc_manager_reject, manager->calls->reject(call_id, manager->now()))
WZP_FC_CALL_OP(wzp_fc_manager_hangup, manager->calls->hangup(call_id, manager->now()))
#undef WZP_FC_CALL_OP

int wzp_fc_manager_media_connected(wzp_fc_manager* manager, const char* call_id) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(manager);
    WZP_CAPI_REQUIRE(call_id);
    if (manager->config.join_relay != 0)
      return fail(Errc::invalid_state, "join_relay is on: the manager connects the media itself");
    return locked(manager,
                  [&] { return status_rc(manager->calls->media_connected(call_id, manager->now())); });
  });
}

int wzp_fc_manager_media_failed(wzp_fc_manager* manager, const char* call_id, const char* why) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(manager);
    WZP_CAPI_REQUIRE(call_id);
    if (manager->config.join_relay != 0)
      return fail(Errc::invalid_state, "join_relay is on: the manager connects the media itself");
    return locked(manager, [&] {
      return status_rc(
          manager->calls->media_failed(call_id, why != nullptr ? why : "media failed", manager->now()));
    });
  });
}

int wzp_fc_manager_receive(wzp_fc_manager* manager, const char* call_signal_json, size_t len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(manager);
    WZP_CAPI_REQUIRE(call_signal_json);
    return locked(manager, [&]() -> int {
      auto message = fc::decode_call_signal_json(std::string_view(call_signal_json, len));
      if (!message) {
        manager->calls->count_malformed();
        return fail(message.error());
      }
      return status_rc(manager->calls->on_signal(*message, manager->now()));
    });
  });
}

int wzp_fc_manager_receive_bincode(wzp_fc_manager* manager, const uint8_t* data, size_t len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(manager);
    if (data == nullptr && len > 0) return capi::null_argument("data");
    return locked(manager, [&]() -> int {
      auto message = fc::decode_bincode(ByteView(data, len), manager->config.bincode_variant);
      if (!message) {
        manager->calls->count_malformed();
        return fail(message.error());
      }
      return status_rc(manager->calls->on_signal(*message, manager->now()));
    });
  });
}

int wzp_fc_manager_advance(wzp_fc_manager* manager, int64_t now_ms) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(manager);
    if (manager->config.manual_clock == 0)
      return fail(Errc::invalid_state, "wzp_fc_manager_advance needs manual_clock");
    return locked(manager, [&]() -> int {
      manager->manual_now = std::max(manager->manual_now, now_ms);
      manager->calls->tick(manager->manual_now);
      return WZP_OK;
    });
  });
}

int wzp_fc_manager_call_media(wzp_fc_manager* manager, const char* call_id, wzp_call** out_call,
                              wzp_client** out_client) {
  return guarded([&]() -> int {
    capi::clear_outs(out_call, out_client);
    WZP_CAPI_REQUIRE(manager);
    WZP_CAPI_REQUIRE(call_id);
    WZP_CAPI_REQUIRE(out_call);
    std::lock_guard lock(manager->mutex);
    auto it = manager->media.find(call_id);
    if (it == manager->media.end() || !it->second.call)
      return fail(Errc::not_found, std::string("no media for call ") + call_id);
    *out_call = it->second.call.get();
    if (out_client != nullptr) *out_client = it->second.client.get();
    return WZP_OK;
  });
}

int wzp_fc_manager_release_media(wzp_fc_manager* manager, const char* call_id) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(manager);
    WZP_CAPI_REQUIRE(call_id);
    std::optional<Media> released;
    {
      std::unique_lock lock(manager->mutex);
      auto it = manager->media.find(call_id);
      if (it == manager->media.end())
        return fail(Errc::not_found, std::string("no media for call ") + call_id);
      released.emplace(std::move(it->second));
      manager->media.erase(it);
      if (const fc::CallRecord* call = manager->calls->find(call_id);
          call != nullptr && call->state != fc::CallState::ended) {
        (void)manager->calls->hangup(call_id, manager->now());
      }
      auto events = manager->take_pending();
      lock.unlock();
      manager->deliver(std::move(events));
    }
    released->call.reset();
    if (!released->ended) (void)wzp_client_hangup(released->client.get(), "Normal");
    return WZP_OK;  // the client is freed (its thread joined) as `released` goes
  });
}

int wzp_fc_manager_call_json(const wzp_fc_manager* manager, const char* call_id, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(manager);
    WZP_CAPI_REQUIRE(call_id);
    WZP_CAPI_REQUIRE(out_json);
    std::lock_guard lock(manager->mutex);
    const fc::CallRecord* call = manager->calls->find(call_id);
    if (call == nullptr) return fail(Errc::not_found, std::string("no call ") + call_id);
    return capi::give_string(fc::encode_call_record_json(*call), out_json);
  });
}

int wzp_fc_manager_live_calls_json(const wzp_fc_manager* manager, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(manager);
    WZP_CAPI_REQUIRE(out_json);
    std::lock_guard lock(manager->mutex);
    return capi::give_string(records_json(manager->calls->live_calls()), out_json);
  });
}

int wzp_fc_manager_history_json(const wzp_fc_manager* manager, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(manager);
    WZP_CAPI_REQUIRE(out_json);
    std::lock_guard lock(manager->mutex);
    return capi::give_string(records_json(manager->calls->history()), out_json);
  });
}

int wzp_fc_manager_stats_get(const wzp_fc_manager* manager, wzp_fc_manager_stats* out) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(manager);
    WZP_CAPI_REQUIRE(out);
    if (out->struct_size < sizeof out->struct_size)
      return fail(Errc::invalid_argument,
                  "wzp_fc_manager_stats.struct_size is not set (use wzp_fc_manager_stats_init)");
    wzp_fc_manager_stats s{};
    {
      std::lock_guard lock(manager->mutex);
      const auto cs = manager->calls->stats();
      s.signals = cs.signals;
      s.duplicates = cs.duplicates;
      s.late = cs.late;
      s.foreign = cs.foreign;
      s.malformed = cs.malformed;
      s.glare = cs.glare;
      s.busy = cs.busy;
      s.sent = manager->sent;
      s.live_calls = manager->calls->live_calls().size();
      s.media_joined = manager->media_joined;
      s.media_failed = manager->media_failed;
    }
    s.events_dropped = manager->queue.dropped();
    capi::write_prefix(out, out->struct_size, s);
    return WZP_OK;
  });
}

int wzp_fc_manager_next_event(wzp_fc_manager* manager, wzp_fc_event* event, int timeout_ms) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(manager);
    WZP_CAPI_REQUIRE(event);
    if (event->struct_size < sizeof(wzp_fc_event))
      return fail(Errc::invalid_argument, "wzp_fc_event.struct_size is not set (use wzp_fc_event_init)");
    wzp_fc_event_clear(event);
    if (manager->queue.closed()) return fail(Errc::closed, "the manager is closed");
    auto e = manager->queue.pop(timeout_ms);
    if (!e) {
      if (manager->queue.closed()) return fail(Errc::closed, "the manager is closed");
      return timeout_ms == 0 ? fail(Errc::would_block, "no event")
                             : fail(Errc::timeout, "no event within the timeout");
    }
    const size_t size = event->struct_size;
    *event = c_event(*e, true);
    event->struct_size = size;
    return WZP_OK;
  });
}

int wzp_fc_manager_event_fd(const wzp_fc_manager* manager) {
  return manager == nullptr ? -1 : manager->queue.fd();
}

}  // extern "C"
