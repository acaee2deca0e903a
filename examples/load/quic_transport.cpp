#include "quic_transport.hpp"

#include <string>

namespace load {

namespace {

// What kind of close it was, to group failures: the close code's name, or how it ended.
std::string close_kind(const wzp_event& ev) {
  switch (ev.close_origin) {
    case WZP_CLOSED_IDLE: return "idle timeout";
    case WZP_CLOSED_TRANSPORT: return "transport error";
    case WZP_CLOSED_LOCALLY: return std::string(wzp_close_code_name(ev.close_code)) + " (local)";
    case WZP_CLOSED_BY_PEER: break;
  }
  return wzp_close_code_name(ev.close_code);
}

}  // namespace

QuicLoops::~QuicLoops() {
  for (wzp_loop* loop : loops_) wzp_loop_free(loop);
}

int QuicLoops::create(size_t count) {
  for (size_t i = 0; i < count; ++i) {
    wzp_loop* loop = nullptr;
    if (int rc = wzp_loop_new(&loop); rc != WZP_OK) return rc;
    loops_.push_back(loop);
  }
  return WZP_OK;
}

void QuicTransport::on_event(const wzp_event* ev, void* user_data) {
  auto& p = *static_cast<Participant*>(user_data);
  switch (ev->type) {
    case WZP_EVENT_MEDIA: p.tally->on_datagram(p, ev->data, ev->data_len, now_ns()); break;
    case WZP_EVENT_JOINED: p.tally->on_joined(p, now_ns()); break;
    case WZP_EVENT_CLOSED:
      p.tally->on_closed(p, close_kind(*ev), ev->close_reason != nullptr ? ev->close_reason : "");
      break;
    default: break;
  }
}

void QuicTransport::connect(Participant& p) {
  p.tally = &tally_;
  wzp_client_config config;
  wzp_client_config_init(&config);
  config.relay_host = settings_.host.c_str();
  config.relay_port = settings_.port;
  config.room = p.room_name.c_str();
  config.token = settings_.token.empty() ? nullptr : settings_.token.c_str();
  config.handshake_timeout_ms = settings_.join_timeout_ms;
  config.callback = &QuicTransport::on_event;
  config.user_data = &p;
  config.loop = loops_.at(p.id);
  p.connect_ns = now_ns();
  int rc = wzp_client_new(&config, &p.client);
  if (rc == WZP_OK) {
    p.connect_ns = now_ns();  // the join time runs from the connect call
    rc = wzp_client_connect(p.client);
  }
  if (rc != WZP_OK) {
    const std::string why = wzp_last_error();
    wzp_client_free(p.client);  // no callback runs after this
    p.client = nullptr;
    tally_.fail_join(p, std::string("client refused: ") + wzp_strerror(rc), why);
  }
}

int QuicTransport::send(Participant& p, const uint8_t* data, size_t len) {
  return wzp_client_send_media(p.client, data, len);
}

std::vector<std::pair<std::string, uint64_t>> QuicTransport::counters(
    const std::vector<Participant*>& ps) const {
  wzp_client_stats sum;
  wzp_client_stats_init(&sum);
  for (const Participant* p : ps) {
    if (p->client == nullptr) continue;
    wzp_client_stats s;
    wzp_client_stats_init(&s);
    if (wzp_client_stats_get(p->client, &s) != WZP_OK) continue;
    sum.datagrams_sent += s.datagrams_sent;
    sum.datagrams_received += s.datagrams_received;
    sum.datagrams_lost += s.datagrams_lost;
    sum.datagrams_dropped += s.datagrams_dropped;
    sum.events_dropped += s.events_dropped;
    sum.trunk_frames_received += s.trunk_frames_received;
  }
  return {{"datagrams_sent", sum.datagrams_sent}, {"datagrams_received", sum.datagrams_received},
          {"datagrams_lost", sum.datagrams_lost}, {"datagrams_dropped", sum.datagrams_dropped},
          {"events_dropped", sum.events_dropped}, {"trunk_frames_received", sum.trunk_frames_received}};
}

void QuicTransport::leave(Participant& p) {
  if (p.client == nullptr) return;
  p.hung_up.store(true);
  wzp_client_hangup(p.client, "Normal");
  wzp_client_free(p.client);
  p.client = nullptr;
}

void QuicTransport::leave_all(const std::vector<Participant*>& ps) {
  // Hang everyone up first (each call is a quick hop onto its loop), then free.
  for (Participant* p : ps) {
    if (p->client == nullptr) continue;
    p->hung_up.store(true);
    wzp_client_hangup(p->client, "Normal");
  }
  for (Participant* p : ps) {
    wzp_client_free(p->client);
    p->client = nullptr;
  }
}

}  // namespace load
