// Low-level bindings of calls (wzp._wzp._Call); wzp.Call in call.py wraps them.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include <cstring>

#include "bindings_common.hpp"
#include "py_handles.hpp"

namespace wzp_py {
namespace {

constexpr std::array<const char*, 5> kCodecNames = {"Opus24k", "Opus16k", "Opus6k", "Codec2_3200",
                                                    "Codec2_1200"};

wzp_call_profile profile_from(const py::dict& d) {
  wzp_call_profile p{};
  auto codec = d["codec"].cast<std::string>();
  bool found = false;
  for (size_t i = 0; i < kCodecNames.size(); ++i) {
    if (codec == kCodecNames[i]) {
      p.codec = static_cast<wzp_codec>(i);
      found = true;
    }
  }
  if (!found)
    throw py::value_error("codec must be one of Opus24k, Opus16k, Opus6k, Codec2_3200, Codec2_1200");
  p.fec_ratio = d["fec_ratio"].cast<float>();
  p.frame_ms = d["frame_ms"].cast<uint32_t>();
  p.frames_per_block = d["frames_per_block"].cast<uint32_t>();
  return p;
}

py::dict stats_dict(const wzp_call_stats& s) {
  py::dict d;
#define WZP_STAT(name) d[#name] = s.name
  WZP_STAT(received);
  WZP_STAT(played);
  WZP_STAT(recovered);
  WZP_STAT(fec_next);
  WZP_STAT(concealed);
  WZP_STAT(late);
  WZP_STAT(duplicate);
  WZP_STAT(underruns);
  WZP_STAT(malformed);
  WZP_STAT(depth);
  WZP_STAT(target_delay_ms);
  WZP_STAT(current_delay_ms);
  WZP_STAT(jitter_ms);
  WZP_STAT(loss_pct);
  WZP_STAT(packets_sent);
  WZP_STAT(repair_packets_sent);
  WZP_STAT(comfort_noise_sent);
  WZP_STAT(frames_suppressed);
  WZP_STAT(bytes_sent);
  WZP_STAT(reports_received);
  WZP_STAT(profile_changes);
  WZP_STAT(dropped);
  WZP_STAT(e2e_encrypted);
  WZP_STAT(e2e_decrypted);
  WZP_STAT(e2e_decrypt_failed);
  WZP_STAT(e2e_replayed);
  WZP_STAT(e2e_missing_key);
  WZP_STAT(e2e_clear_refused);
#undef WZP_STAT
  d["profile"] = profile_dict(s.profile);
  return d;
}

int32_t source_arg(std::optional<int> source) {
  if (!source) return WZP_CALL_MIXED;
  if (*source < 0 || *source > 0xFFFF) throw py::value_error("source must be 0..65535 or None (the mix)");
  return *source;
}

}  // namespace

py::dict profile_dict(const wzp_call_profile& p) {
  py::dict d;
  const auto codec = static_cast<size_t>(p.codec);
  d["codec"] = codec < kCodecNames.size() ? kCodecNames[codec] : "ComfortNoise";
  d["fec_ratio"] = p.fec_ratio;
  d["frame_ms"] = p.frame_ms;
  d["frames_per_block"] = p.frames_per_block;
  return d;
}

void bind_call(py::module_& m) {
  py::class_<PyCall, std::shared_ptr<PyCall>>(m, "_Call")
      .def(py::init([](std::shared_ptr<ClientHandle> client, const py::dict& cfg) {
        wzp_call_config c;
        wzp_call_config_init(&c);
        if (cfg.contains("profile")) c.profile = profile_from(cfg["profile"].cast<py::dict>());
        if (cfg.contains("adapt")) c.adapt = cfg["adapt"].cast<bool>() ? 1 : 0;
        if (cfg.contains("silence_suppression"))
          c.silence_suppression = cfg["silence_suppression"].cast<bool>() ? 1 : 0;
        if (cfg.contains("silence_threshold_rms"))
          c.silence_threshold_rms = cfg["silence_threshold_rms"].cast<double>();
        if (cfg.contains("jitter_min_delay_ms"))
          c.jitter_min_delay_ms = cfg["jitter_min_delay_ms"].cast<uint32_t>();
        if (cfg.contains("jitter_max_delay_ms"))
          c.jitter_max_delay_ms = cfg["jitter_max_delay_ms"].cast<uint32_t>();
        if (cfg.contains("caller_clock")) {
          c.clock = cfg["caller_clock"].cast<bool>() ? WZP_CALL_CLOCK_CALLER : WZP_CALL_CLOCK_INTERNAL;
        }
        if (cfg.contains("source_timeout_ms"))
          c.source_timeout_ms = cfg["source_timeout_ms"].cast<uint32_t>();
        if (cfg.contains("impair_loss_pct")) c.impair_loss_pct = cfg["impair_loss_pct"].cast<double>();
        if (cfg.contains("impair_burst")) c.impair_burst = cfg["impair_burst"].cast<uint32_t>();
        if (cfg.contains("impair_jitter_ms")) c.impair_jitter_ms = cfg["impair_jitter_ms"].cast<uint32_t>();
        if (cfg.contains("impair_seed")) c.impair_seed = cfg["impair_seed"].cast<uint64_t>();
        if (cfg.contains("e2e")) c.e2e = cfg["e2e"].cast<int>();
        std::vector<std::string> members;  // kept alive until wzp_call_new copied them
        std::vector<const char*> member_ptrs;
        if (cfg.contains("e2e_members") && !cfg["e2e_members"].is_none()) {
          members = cfg["e2e_members"].cast<std::vector<std::string>>();
          for (const auto& m : members) member_ptrs.push_back(m.c_str());
          static const char* const kNone[1] = {nullptr};
          c.e2e_members = member_ptrs.empty() ? kNone : member_ptrs.data();
          c.e2e_member_count = member_ptrs.size();
        }
        wzp_call* h = nullptr;
        int rc;
        {
          py::gil_scoped_release release;
          rc = wzp_call_new(client->get(), &c, &h);
        }
        check(rc);  // raising needs the GIL
        auto py_call = std::make_shared<PyCall>();
        py_call->client = std::move(client);
        py_call->owned = CallHandle(h);
        return py_call;
      }))
      .def("send_pcm",
           [](PyCall& c, const py::buffer& pcm) {
             py::buffer_info info = pcm.request();
             if (info.ndim != 1 || (info.itemsize != 2 && info.itemsize != 1) ||
                 (info.itemsize == 1 && info.size % 2 != 0)) {
               throw py::type_error("send_pcm takes bytes (int16 little-endian) or array('h')");
             }
             const size_t samples = static_cast<size_t>(info.size * info.itemsize / 2);
             std::vector<int16_t> copy(samples);  // the buffer may be unaligned bytes
             if (samples != 0) std::memcpy(copy.data(), info.ptr, samples * 2);
             int rc;
             {
               py::gil_scoped_release release;
               rc = wzp_call_send_pcm(c.get(), copy.data(), copy.size());
             }
             check(rc);
           })
      .def(
          "read_pcm",
          [](PyCall& c, std::optional<int> source, size_t samples,
             std::optional<double> timeout) -> py::object {
            const int32_t src = source_arg(source);
            const int ms = timeout ? static_cast<int>(*timeout * 1000.0) : -1;
            std::vector<int16_t> out(samples);
            int rc;
            {
              py::gil_scoped_release release;
              rc = wzp_call_read_pcm(c.get(), src, out.data(), samples, ms);
            }
            if (rc == WZP_ERR_TIMEOUT || rc == WZP_ERR_WOULD_BLOCK) return py::none();
            check(rc);
            return py::bytes(reinterpret_cast<const char*>(out.data()), out.size() * 2);
          },
          py::arg("source"), py::arg("samples"), py::arg("timeout"))
      .def("sources",
           [](PyCall& c) {
             std::vector<uint16_t> ids(64);
             size_t n = 0;
             int rc = wzp_call_sources(c.get(), ids.data(), ids.size(), &n);
             if (rc == WZP_ERR_BUFFER_TOO_SMALL) {
               ids.resize(n + 64);
               rc = wzp_call_sources(c.get(), ids.data(), ids.size(), &n);
             }
             check(rc);
             ids.resize(n);
             return std::vector<int>(ids.begin(), ids.end());
           })
      .def("stats",
           [](PyCall& c, std::optional<int> source) {
             wzp_call_stats s;
             wzp_call_stats_init(&s);
             check(wzp_call_stats_get(c.get(), source_arg(source), &s));
             return stats_dict(s);
           })
      .def("set_profile",
           [](PyCall& c, const py::dict& profile) {
             auto p = profile_from(profile);
             int rc;
             {
               py::gil_scoped_release release;
               rc = wzp_call_set_profile(c.get(), &p);
             }
             check(rc);
           })
      .def("set_adaptive", [](PyCall& c) { check(wzp_call_set_adaptive(c.get())); })
      .def("profile",
           [](PyCall& c) {
             wzp_call_profile p;
             check(wzp_call_get_profile(c.get(), &p));
             return profile_dict(p);
           })
      .def("e2e_state",
           [](PyCall& c) {
             char* json = nullptr;
             check(wzp_call_e2e_state_json(c.get(), &json));
             std::string text(json);
             wzp_free(json);
             return text;
           })
      .def("e2e_set_members",
           [](PyCall& c, std::optional<std::vector<std::string>> members) {
             std::vector<const char*> ptrs;
             if (members) {
               for (const auto& m : *members) ptrs.push_back(m.c_str());
             }
             static const char* const kNone[1] = {nullptr};
             const char* const* list = members ? (ptrs.empty() ? kNone : ptrs.data()) : nullptr;
             int rc;
             {
               py::gil_scoped_release release;
               rc = wzp_call_e2e_set_members(c.get(), list, ptrs.size());
             }
             check(rc);
           })
      .def("safety_words",
           [](PyCall& c) {
             char* words = nullptr;
             check(wzp_call_safety_words(c.get(), &words));
             std::string text(words);
             wzp_free(words);
             return text;
           })
      .def("close", [](PyCall& c) {
        // Frees the native call now (idempotent); later calls raise CLOSED.
        c.owned = CallHandle(nullptr);
        c.borrowed = nullptr;
      });

  m.def("_call_preset", [](int preset) {
    wzp_call_profile p;
    check(wzp_call_profile_preset(preset, &p));
    return profile_dict(p);
  });
  m.def("_call_config_defaults", [] {
    wzp_call_config c;
    wzp_call_config_init(&c);
    py::dict d;
    d["profile"] = profile_dict(c.profile);
    d["adapt"] = c.adapt != 0;
    d["silence_suppression"] = c.silence_suppression != 0;
    d["silence_threshold_rms"] = c.silence_threshold_rms;
    d["jitter_min_delay_ms"] = c.jitter_min_delay_ms;
    d["jitter_max_delay_ms"] = c.jitter_max_delay_ms;
    d["caller_clock"] = c.clock == WZP_CALL_CLOCK_CALLER;
    d["source_timeout_ms"] = c.source_timeout_ms;
    d["impair_loss_pct"] = c.impair_loss_pct;
    d["impair_burst"] = c.impair_burst;
    d["impair_jitter_ms"] = c.impair_jitter_ms;
    d["impair_seed"] = c.impair_seed;
    d["e2e"] = c.e2e;
    d["e2e_members"] = py::none();
    return d;
  });
}

}  // namespace wzp_py
