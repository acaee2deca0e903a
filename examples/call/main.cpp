// wzp-call: joins a relay room and reports what it sees. Built only on wzp.h.
//
// It connects (QUIC, SNI = hashed room), sends a featherChat token if given,
// runs the call handshake, then either
//  - sends test media packets at a fixed pace and prints every media packet and
//    signal that arrives (the default), or
//  - with any audio flag (--send-tone, --send-wav, --send-silence, --record, ...),
//    makes a real call (wzp_call): sends a tone, a WAV file or silence, records what
//    it hears, prints live stats once a second and, optionally, writes them as JSON,
//    over a network it can make worse on purpose (--loss, --burst, --jitter),
//    end-to-end encrypted with --e2e / --e2e-preferred (keys only for --members; key
//    events on stderr, the safety words on stdout),
// until --duration passes, the relay closes the connection, or SIGINT.
#include <wzp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../common/address.hpp"
#include "../common/log_level.hpp"
#include "call_runner.hpp"
#include "wav_file.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

bool parse_hex(const std::string& text, std::vector<uint8_t>& out, size_t expected) {
  if (text.size() != expected * 2) return false;
  out.resize(expected);
  for (size_t i = 0; i < expected; ++i) {
    unsigned value = 0;
    if (std::sscanf(text.c_str() + 2 * i, "%2x", &value) != 1) return false;
    out[i] = static_cast<uint8_t>(value);
  }
  return true;
}

// A --members entry: 32 hex digits, alone or grouped with ':', '-' or spaces (the display form
// 1a2b:3c4d:...). Stricter than the library's parser, which skips any other character and
// truncates: a typo must not silently name someone else. `display` gets the display form.
bool member_fingerprint(const std::string& text, std::string& display) {
  size_t digits = 0;
  for (const char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c)))
      ++digits;
    else if (c != ':' && c != '-' && c != ' ')
      return false;
  }
  uint8_t fp[WZP_FINGERPRINT_BYTES];
  char out[WZP_FINGERPRINT_STR_LEN + 1];
  if (digits != 2 * WZP_FINGERPRINT_BYTES || wzp_fingerprint_parse(text.c_str(), fp) != WZP_OK ||
      wzp_fingerprint_format(fp, out, sizeof out) != WZP_OK)
    return false;
  display = out;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "wzp-call: join a WarzonePhone relay room; send test media packets and report what arrives, or, with "
      "the call: flags, make a real call (a tone, a WAV file or silence; record what is heard)."};
  std::string relay_addr, room, token, seed_hex, mnemonic, pin_cert, pin_relay, log_level = "warn";
  bool raw_room = false, reference_session = false, require_v2 = false, no_trunking = false;
  unsigned count = 10, interval_ms = 20, duration_s = 5, size = 100, handshake_timeout_ms = 10000;
  app.add_option(
         "--relay", relay_addr,
         "relay address: host:port, IPv4:port or [IPv6]:port (a host name is resolved and each of its "
         "IPv6 and IPv4 addresses is tried in turn)")
      ->required();
  app.add_option("--handshake-timeout-ms", handshake_timeout_ms,
                 "give up unless joined by then (resolving, connecting, authenticating, handshake)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 600000u));
  app.add_option("--room", room, "room name (hashed into the SNI); default: the relay's 'default' room");
  app.add_flag("--raw-room", raw_room, "send the room name as the SNI as is, without hashing");
  app.add_option("--token", token, "featherChat token, sent as the first signal");
  app.add_option(
      "--seed", seed_hex,
      "64 hex digits: the identity seed (default: a random identity); a decimal number: the seed of "
      "the emulated network (--loss, --burst, --jitter; default 1)");
  app.add_option("--mnemonic", mnemonic, "identity as 24 BIP39 words (one quoted argument)");
  app.add_option("--send", count, "test media packets to send once joined")->capture_default_str();
  app.add_option("--interval-ms", interval_ms, "pace of the test packets")->capture_default_str();
  app.add_option("--size", size, "payload bytes per test packet")
      ->capture_default_str()
      ->check(CLI::Range(0u, 1100u));
  app.add_option("--duration", duration_s, "seconds to stay in the room after joining")
      ->capture_default_str();
  app.add_option("--pin-cert", pin_cert,
                 "SHA-256 of the relay certificate (64 hex digits); refuse any other");
  app.add_option("--pin-relay", pin_relay, "the relay identity's fingerprint (xxxx:...); refuse any other");
  app.add_flag("--reference-session", reference_session, "offer only the reference media session");
  app.add_flag(
         "--require-session-v2", require_v2,
         "refuse a relay that does not agree to libwzp's v2 media session instead of falling back to the "
         "reference session")
      ->excludes("--reference-session");
  app.add_flag(
      "--no-trunking", no_trunking,
      "do not offer to receive TrunkFrames from a relay started with --trunking (plain datagrams only)");
  app.add_option("--log-level", log_level, "error, warn, info, debug or trace")
      ->capture_default_str()
      ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace"}));
  call_tool::AudioOptions audio;
  app.add_option("--send-tone", audio.tone_hz, "call: send a sine tone of this frequency (Hz)")
      ->check(CLI::Range(20.0, 20000.0));
  app.add_option("--send-wav", audio.wav_path,
                 "call: send this sound file (WAV, FLAC, Ogg...; any rate, mixed to mono, resampled to 48 "
                 "kHz); without --duration the call lasts the file "
                 "plus two seconds");
  app.add_flag("--send-silence", audio.silence, "call: send silence (comfort-noise packets only)");
  app.add_option("--record", audio.record_path,
                 "call: record what is heard (every source, mixed) to this WAV file");
  app.add_option("--stats-json", audio.stats_json_path,
                 "call: write the final call statistics to this JSON file");
  app.add_option(
         "--loss", audio.loss_pct,
         "call: emulate a network that loses this percentage of datagrams, on what is sent and on what "
         "arrives")
      ->check(CLI::Range(0.0, 100.0));
  app.add_option("--burst", audio.burst,
                 "call: losses come in runs of this mean length (datagrams; Gilbert-Elliott model); 1: each "
                 "datagram is lost independently")
      ->check(CLI::Range(1u, 1000u));
  app.add_option("--jitter", audio.jitter_ms,
                 "call: delay each datagram by a random 0..MS milliseconds (reorders), both ways")
      ->check(CLI::Range(0u, 10000u));
  app.add_option("--profile", audio.profile,
                 "call: send with this quality profile and keep it (good, degraded, catastrophic); default: "
                 "start good and adapt to what the receivers report")
      ->check(CLI::IsMember({"good", "degraded", "catastrophic"}));
  bool e2e_required = false, e2e_preferred = false;
  std::vector<std::string> members;
  app.add_flag("--e2e", e2e_required,
               "call: encrypt the media end to end (SFrame): the relay forwards what it cannot read, only "
               "--members get the key; never clear (a member without keys is not heard; fails on a relay "
               "that forwards no room signals)");
  app.add_flag("--e2e-preferred", e2e_preferred,
               "call: like --e2e, but send and hear clear media (said on stderr) when a member or the relay "
               "shows no end-to-end support")
      ->excludes("--e2e");
  app.add_option(
         "--members", members,
         "call, with --e2e/--e2e-preferred: the fingerprints allowed to receive this call's key (comma-"
         "separated or repeated): the group's member list; default: every member of the room, including "
         "anyone the relay adds (a warning says so)")
      ->delimiter(',')
      ->type_name("FP,FP,...");
  app.get_option("--send-tone")->excludes("--send-wav")->excludes("--send-silence");
  app.get_option("--send-wav")->excludes("--send-silence");
  CLI11_PARSE(app, argc, argv);
  audio.e2e = e2e_required ? WZP_E2E_REQUIRED : e2e_preferred ? WZP_E2E_PREFERRED : WZP_E2E_OFF;
  audio.members_given = !app.get_option("--members")->empty();
  if (audio.members_given) {
    if (audio.e2e == WZP_E2E_OFF) {
      std::fprintf(stderr, "wzp-call: --members needs --e2e or --e2e-preferred\n");
      return 2;
    }
    for (const auto& m : members) {
      std::string display;
      if (!member_fingerprint(m, display)) {
        std::fprintf(stderr,
                     "wzp-call: --members: '%s' is not a fingerprint (32 hex digits, e.g. "
                     "1a2b:3c4d:5e6f:7a8b:9c0d:1e2f:3a4b:5c6d)\n",
                     m.c_str());
        return 2;
      }
      if (std::find(audio.members.begin(), audio.members.end(), display) == audio.members.end())
        audio.members.push_back(display);
    }
    if (audio.members.empty()) {
      std::fprintf(stderr, "wzp-call: --members names no fingerprint\n");
      return 2;
    }
  }
  audio.call = audio.e2e != WZP_E2E_OFF || !app.get_option("--send-tone")->empty() ||
               !audio.wav_path.empty() || audio.silence || !audio.record_path.empty() ||
               !audio.stats_json_path.empty() || !app.get_option("--loss")->empty() ||
               !app.get_option("--burst")->empty() || !app.get_option("--jitter")->empty() ||
               !audio.profile.empty();
  const bool duration_given = !app.get_option("--duration")->empty();
  // --seed: a short decimal number is the emulated network's; 64 hex digits the identity's.
  if (!seed_hex.empty() && seed_hex.size() <= 20 &&
      seed_hex.find_first_not_of("0123456789") == std::string::npos) {
    audio.network_seed = std::stoull(seed_hex);
    seed_hex.clear();
  }
  if (!audio.wav_path.empty()) {
    std::string error;
    if (!call_tool::read_wav_48k_mono(audio.wav_path, audio.wav, error)) {
      std::fprintf(stderr, "wzp-call: --send-wav %s\n", error.c_str());
      return 2;
    }
    if (!duration_given) duration_s = static_cast<unsigned>(audio.wav.size() / 48000 + 2);
  }
  call_tool::WavWriter recorder;
  if (!audio.record_path.empty()) {
    std::string error;
    if (!recorder.open(audio.record_path, error)) {
      std::fprintf(stderr, "wzp-call: --record %s\n", error.c_str());
      return 2;
    }
  }
  if (audio.call) count = 0;  // a call sends audio, not test packets

  auto address = parse_host_port(relay_addr);
  if (!address) {
    std::fprintf(stderr, "wzp-call: --relay '%s' is not host:port or [IPv6]:port\n", relay_addr.c_str());
    return 2;
  }
  wzp_log_set_level(log_level_from(log_level));

  wzp_identity* identity = nullptr;
  int rc = WZP_OK;
  if (!seed_hex.empty())
    rc = wzp_identity_from_hex(seed_hex.c_str(), &identity);
  else if (!mnemonic.empty())
    rc = wzp_identity_from_mnemonic(mnemonic.c_str(), &identity);
  else
    rc = wzp_identity_new_random(&identity);
  if (rc != WZP_OK) {
    std::fprintf(stderr, "wzp-call: identity: %s: %s\n", wzp_strerror(rc), wzp_last_error());
    return 2;
  }
  std::vector<uint8_t> cert_pin;
  uint8_t relay_pin[WZP_FINGERPRINT_BYTES];
  if (!pin_cert.empty() && !parse_hex(pin_cert, cert_pin, 32)) {
    std::fprintf(stderr, "wzp-call: --pin-cert needs 64 hex digits\n");
    return 2;
  }
  if (!pin_relay.empty() && wzp_fingerprint_parse(pin_relay.c_str(), relay_pin) != WZP_OK) {
    std::fprintf(stderr, "wzp-call: --pin-relay: %s\n", wzp_last_error());
    return 2;
  }

  wzp_client_config config;
  wzp_client_config_init(&config);
  config.relay_host = address->host.c_str();
  config.relay_port = address->port;
  config.room = room.empty() ? nullptr : room.c_str();
  config.raw_room = raw_room ? 1 : 0;
  config.token = token.empty() ? nullptr : token.c_str();
  config.identity = identity;
  config.session_mode = reference_session ? WZP_SESSION_REFERENCE : WZP_SESSION_V2;
  config.require_session_v2 = require_v2 ? 1 : 0;
  config.accept_trunking = no_trunking ? 0 : 1;
  config.pin_cert_sha256 = cert_pin.empty() ? nullptr : cert_pin.data();
  config.pin_relay_fingerprint = pin_relay.empty() ? nullptr : relay_pin;
  config.handshake_timeout_ms = handshake_timeout_ms;

  wzp_client* client = nullptr;
  rc = wzp_client_new(&config, &client);
  if (rc == WZP_OK) rc = wzp_client_connect(client);
  if (rc != WZP_OK) {
    std::fprintf(stderr, "wzp-call: %s: %s\n", wzp_strerror(rc), wzp_last_error());
    return 1;
  }
  char fp[WZP_FINGERPRINT_STR_LEN + 1], sni[256];
  wzp_identity_fingerprint_str(identity, fp, sizeof fp);
  audio.self_fingerprint = fp;
  if (audio.e2e != WZP_E2E_OFF && !audio.members_given)
    std::fprintf(stderr,
                 "wzp-call: warning: no --members: every member of the room gets this call's key, including "
                 "anyone the relay adds; pass the group's member list\n");
  wzp_client_sni(client, sni, sizeof sni);
  std::printf("wzp-call: %s joining %s (SNI %s)\n", fp, room.empty() ? "the default room" : room.c_str(),
              sni);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  using clock = std::chrono::steady_clock;
  auto joined_at = clock::time_point::max();
  auto next_send = clock::time_point::max();
  unsigned sent = 0, received = 0;
  int exit_code = 0;
  bool done = false;
  call_tool::CallRunner call(audio, recorder);
  wzp_event ev;
  wzp_event_init(&ev);
  while (!done && !g_stop) {
    auto now = clock::now();
    if (joined_at != clock::time_point::max() && now >= joined_at + std::chrono::seconds(duration_s)) break;
    const int wait_ms = call.started() ? call.tick(now) : 10;
    if (now >= next_send && sent < count) {
      wzp_media_header h;
      std::memset(&h, 0, sizeof h);
      h.codec = WZP_CODEC_OPUS24K;
      h.fec_ratio_code = wzp_fec_ratio_encode(0.2f);
      h.seq = static_cast<uint16_t>(sent);
      h.timestamp = sent * interval_ms;
      std::vector<uint8_t> payload(size, static_cast<uint8_t>(sent)), packet(size + 16);
      size_t len = 0;
      if (wzp_media_packet_build(&h, payload.data(), payload.size(), nullptr, packet.data(), packet.size(),
                                 &len) == WZP_OK &&
          wzp_client_send_media(client, packet.data(), len) == WZP_OK) {
        ++sent;
      } else {
        std::fprintf(stderr, "wzp-call: send failed: %s\n", wzp_last_error());
      }
      next_send = now + std::chrono::milliseconds(interval_ms);
    }
    if (wzp_client_next_event(client, &ev, wait_ms) != WZP_OK) {
      if (wzp_client_get_state(client) == WZP_CLIENT_CLOSED) break;
      continue;
    }
    switch (ev.type) {
      case WZP_EVENT_STATE: std::printf("state: %s\n", wzp_client_state_name(ev.state)); break;
      case WZP_EVENT_JOINED: {
        char relay_fp[WZP_FINGERPRINT_STR_LEN + 1] = "?";
        wzp_client_relay_fingerprint(client, relay_fp, sizeof relay_fp);
        wzp_session_mode mode = WZP_SESSION_V2;
        wzp_client_media_session(client, &mode);
        std::printf("joined: relay %s, media session %s\n", relay_fp,
                    mode == WZP_SESSION_V2 ? "v2" : "reference");
        joined_at = clock::now();
        next_send = joined_at;
        if (audio.call && call.start(client) != WZP_OK) {
          std::fprintf(stderr, "wzp-call: cannot start the call: %s\n", wzp_last_error());
          exit_code = 1;
          done = true;
        }
        break;
      }
      case WZP_EVENT_CALL_PROFILE: call.on_profile_event(ev); break;
      case WZP_EVENT_CALL_E2E: call.on_e2e_event(ev); break;
      case WZP_EVENT_MEDIA: {
        ++received;
        wzp_media_header h;
        const uint8_t* payload = nullptr;
        size_t payload_len = 0;
        if (wzp_media_packet_parse(ev.data, ev.data_len, &h, &payload, &payload_len, nullptr, nullptr) ==
            WZP_OK) {
          std::printf("media: seq %u ts %u codec %u, %zu payload bytes\n", h.seq, h.timestamp, h.codec,
                      payload_len);
        } else {
          std::printf("media: %zu bytes that are not a media packet\n", ev.data_len);
        }
        break;
      }
      case WZP_EVENT_SIGNAL: std::printf("signal: %s\n", reinterpret_cast<const char*>(ev.data)); break;
      case WZP_EVENT_PEER_JOINED:
        call.on_peer_event(ev);
        std::printf("peer joined: %s%s%s\n", ev.fingerprint, ev.alias ? " " : "", ev.alias ? ev.alias : "");
        break;
      case WZP_EVENT_PEER_LEFT:
        call.on_peer_event(ev);
        std::printf("peer left: %s (%s)\n", ev.fingerprint, ev.close_reason ? ev.close_reason : "");
        break;
      case WZP_EVENT_PEER_SIGNAL:
        std::printf("peer signal: %zu bytes from %s\n", ev.data_len, ev.fingerprint);
        break;
      case WZP_EVENT_CLOSED:
        std::printf("closed: %s by %s: %s\n", wzp_close_code_name(ev.close_code),
                    ev.close_origin == WZP_CLOSED_BY_PEER   ? "the relay"
                    : ev.close_origin == WZP_CLOSED_LOCALLY ? "us"
                    : ev.close_origin == WZP_CLOSED_IDLE    ? "idle timeout"
                                                            : "transport error",
                    ev.close_reason ? ev.close_reason : "");
        if (joined_at == clock::time_point::max()) {
          // Never joined: the status this close means, as wait_joined reports it.
          int status = wzp_client_wait_joined(client, 0);
          std::fprintf(stderr, "wzp-call: not joined: %s: %s\n", wzp_strerror(status), wzp_last_error());
          exit_code = 1;
        }
        done = true;
        break;
      default: break;
    }
    std::fflush(stdout);
    wzp_event_clear(&ev);
  }
  if (!call.finish() && exit_code == 0) exit_code = 1;
  wzp_client_stats stats;
  wzp_client_stats_init(&stats);
  wzp_client_stats_get(client, &stats);
  if (!audio.call)
    std::printf("wzp-call: sent %u, received %u media packets; rtt %.2f ms, %llu datagrams lost\n", sent,
                received, stats.rtt_us / 1000.0, static_cast<unsigned long long>(stats.datagrams_lost));
  wzp_client_hangup(client, "Normal");
  wzp_client_free(client);
  wzp_identity_free(identity);
  return exit_code;
}
