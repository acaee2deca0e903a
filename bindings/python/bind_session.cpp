#include <optional>
#include <string>

#include "bindings_common.hpp"
#include "py_handles.hpp"

namespace wzp_py {
namespace {

wzp_session_mode parse_mode(const std::string& mode) {
  if (mode == "v2") return WZP_SESSION_V2;
  if (mode == "reference") return WZP_SESSION_REFERENCE;
  throw py::value_error("session mode must be 'v2' or 'reference', got '" + mode + "'");
}

wzp_role parse_role(const std::string& role) {
  if (role == "caller") return WZP_ROLE_CALLER;
  if (role == "callee") return WZP_ROLE_CALLEE;
  throw py::value_error("role must be 'caller' or 'callee', got '" + role + "'");
}

wzp_handshake_config handshake_config(const std::optional<py::bytes>& eph, std::string_view& eph_view,
                                      const std::string& mode, bool require_v2) {
  wzp_handshake_config cfg;
  wzp_handshake_config_init(&cfg);
  cfg.session_mode = parse_mode(mode);
  cfg.require_session_v2 = require_v2 ? 1 : 0;
  if (eph) {
    eph_view = exact(*eph, 32, "ephemeral_secret");
    cfg.ephemeral_secret = data_of(eph_view);
  }
  return cfg;
}

template <class Fn>
py::bytes crypt(Fn fn, std::string_view header, std::string_view input, size_t out_size) {
  std::string out(out_size, '\0');
  size_t n = 0;
  check(fn(data_of(header), header.size(), data_of(input), input.size(),
           reinterpret_cast<uint8_t*>(out.data()), out.size(), &n));
  out.resize(n);
  return py::bytes(out);
}

}  // namespace

void bind_session(py::module_& m) {
  py::class_<Session, std::shared_ptr<Session>>(m, "Session", R"doc(
A media session: authenticated encryption of media packets for one call.
mode 'v2' (default) is libwzp's session (per-direction keys, works under loss and reordering,
anti-replay); 'reference' reproduces the reference implementation bit for bit (in-order only).
Not thread-safe.)doc")
      .def(py::init([](const py::bytes& key, const std::string& mode, const std::string& role) {
             auto k = exact(key, WZP_SESSION_KEY_BYTES, "key");
             wzp_session_config cfg;
             wzp_session_config_init(&cfg);
             cfg.mode = parse_mode(mode);
             cfg.role = parse_role(role);
             wzp_session* h = nullptr;
             check(wzp_session_new(data_of(k), &cfg, &h));
             return std::make_shared<Session>(h);
           }),
           py::arg("key"), py::arg("mode") = "v2", py::arg("role") = "caller")
      .def_property_readonly(
          "session_id",
          [](const Session& s) {
            uint8_t out[WZP_SESSION_ID_BYTES];
            check(wzp_session_id(s.get(), out));
            return to_bytes(out, sizeof out);
          },
          "SHA-256(key)[0:4].")
      .def(
          "seal",
          [](Session& s, const py::bytes& header, long long seq, const py::bytes& plaintext) {
            auto h = view(header);
            auto p = view(plaintext);
            auto q = u16(seq, "seq");
            return crypt([&](const uint8_t* hd, size_t hl, const uint8_t* in, size_t il, uint8_t* o, size_t c,
                             size_t* n) { return wzp_session_seal(s.get(), hd, hl, q, in, il, o, c, n); },
                         h, p, p.size() + WZP_AEAD_TAG_BYTES);
          },
          py::arg("header"), py::arg("seq"), py::arg("plaintext"),
          "Encrypt plaintext with header as associated data; returns ciphertext || 16-byte tag.")
      .def(
          "open",
          [](Session& s, const py::bytes& header, long long seq, const py::bytes& ciphertext) {
            auto h = view(header);
            auto c = view(ciphertext);
            auto q = u16(seq, "seq");
            return crypt(
                [&](const uint8_t* hd, size_t hl, const uint8_t* in, size_t il, uint8_t* o, size_t cap,
                    size_t* n) { return wzp_session_open(s.get(), hd, hl, q, in, il, o, cap, n); },
                h, c, c.size() > WZP_AEAD_TAG_BYTES ? c.size() - WZP_AEAD_TAG_BYTES : 0);
          },
          py::arg("header"), py::arg("seq"), py::arg("ciphertext"),
          "Decrypt and authenticate. Raises WzpError (WZP_ERR_DECRYPT_FAILED, WZP_ERR_REPLAY).")
      .def(
          "rekey_begin",
          [](Session& s, std::optional<py::bytes> secret) {
            std::string_view sv;
            if (secret) sv = exact(*secret, 32, "secret");
            uint8_t out[WZP_PUBLIC_KEY_BYTES];
            check(wzp_session_rekey_begin(s.get(), secret ? data_of(sv) : nullptr, out));
            return to_bytes(out, sizeof out);
          },
          py::arg("secret") = py::none(), "Start a rekey; returns the public value to send to the peer.")
      .def(
          "rekey_complete",
          [](Session& s, const py::bytes& peer) {
            auto p = exact(peer, WZP_PUBLIC_KEY_BYTES, "peer public value");
            check(wzp_session_rekey_complete(s.get(), data_of(p)));
          },
          py::arg("peer_public"), "Finish a rekey with the peer's public value.")
      .def_property_readonly(
          "peer_public_key",
          [](const Session& s) -> py::object {
            uint8_t out[WZP_PUBLIC_KEY_BYTES];
            if (wzp_session_peer_public_key(s.get(), out) != WZP_OK) return py::none();
            return to_bytes(out, sizeof out);
          },
          "The peer's identity key after a handshake, else None.")
      .def_property_readonly(
          "peer_fingerprint",
          [](const Session& s) -> py::object {
            uint8_t out[WZP_FINGERPRINT_BYTES];
            if (wzp_session_peer_fingerprint(s.get(), out) != WZP_OK) return py::none();
            return to_bytes(out, sizeof out);
          },
          "The peer's fingerprint after a handshake, else None.")
      .def_property_readonly(
          "mode",
          [](const Session& s) {
            wzp_session_mode mode;
            check(wzp_session_get_mode(s.get(), &mode));
            return std::string(mode == WZP_SESSION_V2 ? "v2" : "reference");
          },
          "'v2' or 'reference': after a handshake, the session the two sides negotiated.")
      .def_property_readonly(
          "profile",
          [](const Session& s) -> py::object {
            const char* p = wzp_session_profile(s.get());
            if (p == nullptr) return py::none();
            return py::str(p);
          },
          "The quality profile chosen in the handshake ('GOOD', ...), else None.");

  py::class_<Caller, std::shared_ptr<Caller>>(m, "Caller",
                                              "The calling side of the CallOffer/CallAnswer handshake.")
      .def(py::init(
               [](const Identity& id, std::optional<py::bytes> eph, const std::string& mode, bool require) {
                 std::string_view ev;
                 auto cfg = handshake_config(eph, ev, mode, require);
                 wzp_caller* h = nullptr;
                 check(wzp_caller_new(id.get(), &cfg, &h));
                 return std::make_shared<Caller>(h);
               }),
           py::arg("identity"), py::arg("ephemeral_secret") = py::none(), py::arg("session_mode") = "v2",
           py::arg("require_session_v2") = false)
      .def(
          "offer_json",
          [](Caller& c) {
            char* out = nullptr;
            check(wzp_caller_offer_json(c.get(), &out));
            return take_string(out);
          },
          "The signed CallOffer as compact JSON.")
      .def(
          "accept_answer",
          [](Caller& c, const std::string& json) {
            wzp_session* s = nullptr;
            check(wzp_caller_accept_answer(c.get(), json.data(), json.size(), &s));
            return std::make_shared<Session>(s);
          },
          py::arg("answer_json"), "Verify the CallAnswer and return the Session.");

  py::class_<Callee, std::shared_ptr<Callee>>(m, "Callee", "The answering side of the handshake.")
      .def(py::init(
               [](const Identity& id, std::optional<py::bytes> eph, const std::string& mode, bool require) {
                 std::string_view ev;
                 auto cfg = handshake_config(eph, ev, mode, require);
                 wzp_callee* h = nullptr;
                 check(wzp_callee_new(id.get(), &cfg, &h));
                 return std::make_shared<Callee>(h);
               }),
           py::arg("identity"), py::arg("ephemeral_secret") = py::none(), py::arg("session_mode") = "v2",
           py::arg("require_session_v2") = false)
      .def(
          "accept_offer",
          [](Callee& c, const std::string& json) {
            char* answer = nullptr;
            wzp_session* s = nullptr;
            check(wzp_callee_accept_offer(c.get(), json.data(), json.size(), &answer, &s));
            std::string a = take_string(answer);
            return py::make_tuple(a, std::make_shared<Session>(s));
          },
          py::arg("offer_json"), "Verify the CallOffer; returns (answer_json, Session).");

  py::class_<ReplayWindow, std::shared_ptr<ReplayWindow>>(m, "ReplayWindow",
                                                          "The reference's 1024-packet anti-replay window.")
      .def(py::init([] {
        wzp_replay_window* h = nullptr;
        check(wzp_replay_window_new(&h));
        return std::make_shared<ReplayWindow>(h);
      }))
      .def(
          "check",
          [](ReplayWindow& w, long long seq) {
            int rc = wzp_replay_window_check(w.get(), u16(seq, "seq"));
            if (rc == WZP_ERR_REPLAY) return false;
            check(rc);
            return true;
          },
          py::arg("seq"), "True if seq is new (and records it), False for a duplicate or too old packet.");

  m.def(
      "rekey_due", [](uint64_t last, uint64_t count) { return wzp_rekey_due(last, count) == 1; },
      py::arg("last_rekey_at"), py::arg("packet_count"));
  m.def(
      "reference_nonce",
      [](const py::bytes& sid, uint32_t counter, uint8_t direction) {
        auto s = exact(sid, WZP_SESSION_ID_BYTES, "session id");
        uint8_t out[12];
        check(wzp_reference_nonce(data_of(s), counter, direction, out));
        return to_bytes(out, sizeof out);
      },
      py::arg("session_id"), py::arg("counter"), py::arg("direction"));
  m.def(
      "aead_seal",
      [](const py::bytes& key, const py::bytes& nonce, const py::bytes& aad, const py::bytes& pt) {
        auto k = exact(key, 32, "key");
        auto n = exact(nonce, 12, "nonce");
        return crypt([&](auto... a) { return wzp_aead_seal(data_of(k), data_of(n), a...); }, view(aad),
                     view(pt), view(pt).size() + WZP_AEAD_TAG_BYTES);
      },
      py::arg("key"), py::arg("nonce"), py::arg("aad"), py::arg("plaintext"),
      "Raw ChaCha20-Poly1305 (IETF) seal.");
  m.def(
      "aead_open",
      [](const py::bytes& key, const py::bytes& nonce, const py::bytes& aad, const py::bytes& ct) {
        auto k = exact(key, 32, "key");
        auto n = exact(nonce, 12, "nonce");
        auto c = view(ct);
        return crypt([&](auto... a) { return wzp_aead_open(data_of(k), data_of(n), a...); }, view(aad), c,
                     c.size() > WZP_AEAD_TAG_BYTES ? c.size() - WZP_AEAD_TAG_BYTES : 0);
      },
      py::arg("key"), py::arg("nonce"), py::arg("aad"), py::arg("ciphertext"),
      "Raw ChaCha20-Poly1305 (IETF) open.");
}

}  // namespace wzp_py
