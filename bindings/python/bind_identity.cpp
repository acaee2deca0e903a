#include <cstring>

#include "bindings_common.hpp"
#include "py_handles.hpp"

namespace wzp_py {

void bind_identity(py::module_& m) {
  py::class_<Identity, std::shared_ptr<Identity>>(m, "Identity", R"doc(
An identity: a 32-byte seed and the Ed25519/X25519 keys derived from it, exactly as featherChat
derives them. Immutable and thread-safe. Create one with the static constructors.)doc")
      .def_static(
          "generate",
          [] {
            wzp_identity* h = nullptr;
            check(wzp_identity_new_random(&h));
            return std::make_shared<Identity>(h);
          },
          "A new identity from a random seed.")
      .def_static(
          "from_seed",
          [](const py::bytes& seed) {
            auto v = exact(seed, WZP_SEED_BYTES, "seed");
            wzp_identity* h = nullptr;
            check(wzp_identity_from_seed(data_of(v), &h));
            return std::make_shared<Identity>(h);
          },
          py::arg("seed"), "From a raw 32-byte seed.")
      .def_static(
          "from_hex",
          [](std::string hex) {  // a copy of the Python text, wiped here
            wzp_identity* h = nullptr;
            int rc = wzp_identity_from_hex(c_text(hex, "hex"), &h);
            wipe_memory(hex.data(), hex.size());
            check(rc);
            return std::make_shared<Identity>(h);
          },
          py::arg("hex"), "From 64 hex digits. Raises WzpError (WZP_ERR_INVALID_HEX / _INVALID_LENGTH).")
      .def_static(
          "from_mnemonic",
          [](std::string words) {  // a copy of the Python text, wiped here
            wzp_identity* h = nullptr;
            int rc = wzp_identity_from_mnemonic(c_text(words, "words"), &h);
            wipe_memory(words.data(), words.size());
            check(rc);
            return std::make_shared<Identity>(h);
          },
          py::arg("words"), "From a 24-word BIP39 English mnemonic. Raises WzpError (WZP_ERR_MNEMONIC_*).")
      .def_property_readonly(
          "seed",
          [](const Identity& self) {
            uint8_t out[WZP_SEED_BYTES];
            check(wzp_identity_seed(self.get(), out));
            py::bytes seed = to_bytes(out, sizeof out);
            wipe_memory(out, sizeof out);
            return seed;
          },
          "The 32-byte seed (a secret).")
      .def_property_readonly(
          "public_key",
          [](const Identity& self) {
            uint8_t out[WZP_PUBLIC_KEY_BYTES];
            check(wzp_identity_public_key(self.get(), out));
            return to_bytes(out, sizeof out);
          },
          "The Ed25519 identity public key (32 bytes).")
      .def_property_readonly(
          "x25519_public_key",
          [](const Identity& self) {
            uint8_t out[WZP_PUBLIC_KEY_BYTES];
            check(wzp_identity_x25519_public_key(self.get(), out));
            return to_bytes(out, sizeof out);
          },
          "The static X25519 public key (32 bytes).")
      .def_property_readonly(
          "fingerprint",
          [](const Identity& self) {
            uint8_t out[WZP_FINGERPRINT_BYTES];
            check(wzp_identity_fingerprint(self.get(), out));
            return to_bytes(out, sizeof out);
          },
          "SHA-256(public_key)[0:16].")
      .def_property_readonly(
          "fingerprint_str",
          [](const Identity& self) {
            char out[WZP_FINGERPRINT_STR_LEN + 1];
            check(wzp_identity_fingerprint_str(self.get(), out, sizeof out));
            return std::string(out);
          },
          "The fingerprint as 'xxxx:xxxx:...' (39 characters).")
      .def_property_readonly(
          "mnemonic",
          [](const Identity& self) {
            char* out = nullptr;
            check(wzp_identity_mnemonic(self.get(), &out));
            py::str words(out);
            wipe_memory(out, std::strlen(out));
            wzp_free(out);
            return words;
          },
          "The seed as 24 BIP39 English words (a secret).")
      .def(
          "sign",
          [](const Identity& self, const py::bytes& msg) {
            auto v = view(msg);
            uint8_t sig[WZP_SIGNATURE_BYTES];
            check(wzp_identity_sign(self.get(), data_of(v), v.size(), sig));
            return to_bytes(sig, sizeof sig);
          },
          py::arg("message"), "Ed25519 signature (64 bytes) of message.")
      .def("__repr__", [](const Identity& self) {
        char out[WZP_FINGERPRINT_STR_LEN + 1];
        check(wzp_identity_fingerprint_str(self.get(), out, sizeof out));
        return std::string("<wzp.Identity ") + out + ">";
      });

  m.def(
      "verify",
      [](const py::bytes& pub, const py::bytes& msg, const py::bytes& sig) {
        auto p = exact(pub, WZP_PUBLIC_KEY_BYTES, "public key");
        auto mv = view(msg);
        auto sv = view(sig);
        int rc = wzp_verify(data_of(p), data_of(mv), mv.size(), data_of(sv), sv.size());
        if (rc == WZP_ERR_BAD_SIGNATURE) return false;
        check(rc);
        return true;
      },
      py::arg("public_key"), py::arg("message"), py::arg("signature"),
      "True if signature is a valid Ed25519 signature of message by public_key.");

  m.def(
      "fingerprint_parse",
      [](const std::string& text) {
        uint8_t out[WZP_FINGERPRINT_BYTES];
        check(wzp_fingerprint_parse(c_text(text, "text"), out));
        return to_bytes(out, sizeof out);
      },
      py::arg("text"), "Parse a fingerprint leniently (non-hex characters ignored) into 16 bytes.");
  m.def(
      "fingerprint_format",
      [](const py::bytes& fp) {
        auto v = exact(fp, WZP_FINGERPRINT_BYTES, "fingerprint");
        char out[WZP_FINGERPRINT_STR_LEN + 1];
        check(wzp_fingerprint_format(data_of(v), out, sizeof out));
        return std::string(out);
      },
      py::arg("fingerprint"), "Format 16 fingerprint bytes as 'xxxx:xxxx:...'.");
  m.def(
      "hash_room_name",
      [](const std::string& name) {
        char out[WZP_ROOM_HASH_LEN + 1];
        check(wzp_hash_room_name(name.data(), name.size(), out));
        return std::string(out);
      },
      py::arg("name"), "The room's QUIC SNI: 32 lowercase hex characters.");
}

}  // namespace wzp_py
