#include <pybind11/stl.h>

#include <string>
#include <utility>
#include <vector>

#include "bindings_common.hpp"

namespace wzp_py {
namespace {

// == against another object of the same class; NotImplemented otherwise, so that comparing
// with None or another type is False instead of a TypeError.
template <class T, class Equal>
py::object equal_if_same_type(const T& self, const py::object& other, Equal equal) {
  if (!py::isinstance<T>(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  return py::bool_(equal(self, other.cast<const T&>()));
}

}  // namespace

void bind_wire(py::module_& m) {
  py::class_<wzp_media_header>(m, "MediaHeader", "The 12-byte media packet header.")
      .def(py::init([](uint8_t version, bool is_repair, uint8_t codec, bool has_quality_report,
                       uint8_t fec_ratio_code, uint16_t seq, uint32_t timestamp, uint8_t fec_block,
                       uint8_t fec_symbol, uint8_t reserved, uint8_t csrc_count) {
             wzp_media_header h{};
             h.version = version;
             h.is_repair = is_repair;
             h.codec = codec;
             h.has_quality_report = has_quality_report;
             h.fec_ratio_code = fec_ratio_code;
             h.seq = seq;
             h.timestamp = timestamp;
             h.fec_block = fec_block;
             h.fec_symbol = fec_symbol;
             h.reserved = reserved;
             h.csrc_count = csrc_count;
             return h;
           }),
           py::kw_only(), py::arg("version") = 0, py::arg("is_repair") = false, py::arg("codec") = 0,
           py::arg("has_quality_report") = false, py::arg("fec_ratio_code") = 0, py::arg("seq") = 0,
           py::arg("timestamp") = 0, py::arg("fec_block") = 0, py::arg("fec_symbol") = 0,
           py::arg("reserved") = 0, py::arg("csrc_count") = 0)
      .def_readwrite("version", &wzp_media_header::version)
      .def_property(
          "is_repair", [](const wzp_media_header& h) { return h.is_repair != 0; },
          [](wzp_media_header& h, bool v) { h.is_repair = v; })
      .def_readwrite("codec", &wzp_media_header::codec)
      .def_property(
          "has_quality_report", [](const wzp_media_header& h) { return h.has_quality_report != 0; },
          [](wzp_media_header& h, bool v) { h.has_quality_report = v; })
      .def_readwrite("fec_ratio_code", &wzp_media_header::fec_ratio_code)
      .def_readwrite("seq", &wzp_media_header::seq)
      .def_readwrite("timestamp", &wzp_media_header::timestamp)
      .def_readwrite("fec_block", &wzp_media_header::fec_block)
      .def_readwrite("fec_symbol", &wzp_media_header::fec_symbol)
      .def_readwrite("reserved", &wzp_media_header::reserved)
      .def_readwrite("csrc_count", &wzp_media_header::csrc_count)
      .def(
          "encode",
          [](const wzp_media_header& h) {
            uint8_t out[WZP_MEDIA_HEADER_BYTES];
            check(wzp_media_header_encode(&h, out));
            return to_bytes(out, sizeof out);
          },
          "The 12 wire bytes.")
      .def_static(
          "decode",
          [](const py::bytes& data) {
            auto v = view(data);
            wzp_media_header h{};
            check(wzp_media_header_decode(data_of(v), v.size(), &h));
            return h;
          },
          py::arg("data"), "Decode the first 12 bytes. Raises WzpError (WZP_ERR_MALFORMED).")
      .def("__eq__",
           [](const wzp_media_header& a, const py::object& other) {
             return equal_if_same_type(a, other, [](const wzp_media_header& x, const wzp_media_header& y) {
               return x.version == y.version && x.is_repair == y.is_repair && x.codec == y.codec &&
                      x.has_quality_report == y.has_quality_report && x.fec_ratio_code == y.fec_ratio_code &&
                      x.seq == y.seq && x.timestamp == y.timestamp && x.fec_block == y.fec_block &&
                      x.fec_symbol == y.fec_symbol && x.reserved == y.reserved &&
                      x.csrc_count == y.csrc_count;
             });
           })
      .def("__repr__", [](const wzp_media_header& h) {
        return "<wzp.MediaHeader codec=" + std::to_string(h.codec) + " seq=" + std::to_string(h.seq) +
               " ts=" + std::to_string(h.timestamp) + ">";
      });

  py::class_<wzp_quality_report>(m, "QualityReport", "The 4-byte quality report trailer.")
      .def(py::init([](uint8_t loss, uint8_t rtt, uint8_t jitter, uint8_t cap) {
             return wzp_quality_report{loss, rtt, jitter, cap};
           }),
           py::arg("loss_pct") = 0, py::arg("rtt_4ms") = 0, py::arg("jitter_ms") = 0,
           py::arg("bitrate_cap_kbps") = 0)
      .def_readwrite("loss_pct", &wzp_quality_report::loss_pct)
      .def_readwrite("rtt_4ms", &wzp_quality_report::rtt_4ms)
      .def_readwrite("jitter_ms", &wzp_quality_report::jitter_ms)
      .def_readwrite("bitrate_cap_kbps", &wzp_quality_report::bitrate_cap_kbps)
      .def("__eq__",
           [](const wzp_quality_report& a, const py::object& other) {
             return equal_if_same_type(
                 a, other, [](const wzp_quality_report& x, const wzp_quality_report& y) {
                   return x.loss_pct == y.loss_pct && x.rtt_4ms == y.rtt_4ms && x.jitter_ms == y.jitter_ms &&
                          x.bitrate_cap_kbps == y.bitrate_cap_kbps;
                 });
           })
      .def("__repr__", [](const wzp_quality_report& r) {
        return "<wzp.QualityReport loss_pct=" + std::to_string(r.loss_pct) +
               " rtt_4ms=" + std::to_string(r.rtt_4ms) + " jitter_ms=" + std::to_string(r.jitter_ms) +
               " bitrate_cap_kbps=" + std::to_string(r.bitrate_cap_kbps) + ">";
      });

  m.def("fec_ratio_encode", &wzp_fec_ratio_encode, py::arg("ratio"), "The 7-bit FEC ratio code.");
  m.def("fec_ratio_decode", &wzp_fec_ratio_decode, py::arg("code"), "The ratio of a 7-bit code (float32).");

  m.def(
      "parse_media_packet",
      [](const py::bytes& data) {
        auto v = view(data);
        wzp_media_header h{};
        const uint8_t* payload = nullptr;
        size_t payload_len = 0;
        wzp_quality_report qr{};
        int has_qr = 0;
        check(wzp_media_packet_parse(data_of(v), v.size(), &h, &payload, &payload_len, &qr, &has_qr));
        py::object report = has_qr ? py::cast(qr) : py::none();
        return py::make_tuple(h, to_bytes(payload, payload_len), report);
      },
      py::arg("data"), "Parse a media datagram into (MediaHeader, payload, QualityReport or None).");
  m.def(
      "build_media_packet",
      [](const wzp_media_header& h, const py::bytes& payload, std::optional<wzp_quality_report> report) {
        auto p = view(payload);
        std::string out(WZP_MEDIA_HEADER_BYTES + p.size() + WZP_QUALITY_REPORT_BYTES, '\0');
        size_t n = 0;
        check(wzp_media_packet_build(&h, data_of(p), p.size(), report ? &*report : nullptr,
                                     reinterpret_cast<uint8_t*>(out.data()), out.size(), &n));
        out.resize(n);
        return py::bytes(out);
      },
      py::arg("header"), py::arg("payload"), py::arg("report") = py::none(), "Build a media datagram.");

  m.def(
      "trunk_frame_build",
      [](const std::vector<std::pair<py::bytes, py::bytes>>& entries) {
        std::vector<std::string> keep;
        std::vector<wzp_trunk_entry> raw;
        size_t total = 2;
        keep.reserve(entries.size() * 2);
        for (const auto& [tag, payload] : entries) {
          auto t = exact(tag, 2, "session tag");
          keep.emplace_back(view(payload));
          wzp_trunk_entry e{};
          e.session_tag[0] = static_cast<uint8_t>(t[0]);
          e.session_tag[1] = static_cast<uint8_t>(t[1]);
          e.payload = data_of(keep.back());
          e.payload_len = keep.back().size();
          total += 4 + e.payload_len;
          raw.push_back(e);
        }
        std::string out(total, '\0');
        size_t n = 0;
        check(wzp_trunk_frame_build(raw.data(), raw.size(), reinterpret_cast<uint8_t*>(out.data()),
                                    out.size(), &n));
        out.resize(n);
        return py::bytes(out);
      },
      py::arg("entries"), "Encode [(tag: 2 bytes, payload: bytes), ...] as a TrunkFrame.");
  m.def(
      "trunk_frame_parse",
      [](const py::bytes& data) {
        auto v = view(data);
        size_t count = 0;
        int rc = wzp_trunk_frame_parse(data_of(v), v.size(), nullptr, 0, &count);
        if (rc != WZP_OK && rc != WZP_ERR_BUFFER_TOO_SMALL) raise_status(rc);
        std::vector<wzp_trunk_entry> entries(count);
        check(wzp_trunk_frame_parse(data_of(v), v.size(), entries.data(), entries.size(), &count));
        py::list out;
        for (const auto& e : entries)
          out.append(py::make_tuple(to_bytes(e.session_tag, 2), to_bytes(e.payload, e.payload_len)));
        return out;
      },
      py::arg("data"),
      "Decode a TrunkFrame into [(tag, payload), ...]. Raises WzpError (WZP_ERR_MALFORMED).");

  m.def(
      "signal_validate",
      [](const std::string& json) {
        const char* variant = nullptr;
        check(wzp_signal_validate(json.data(), json.size(), &variant));
        return std::string(variant);
      },
      py::arg("json"),
      "Validate a SignalMessage JSON text; returns its variant name. Raises WzpError (WZP_ERR_JSON).");
  m.def(
      "signal_canonical",
      [](const std::string& json) {
        char* out = nullptr;
        check(wzp_signal_canonical(json.data(), json.size(), &out));
        return take_string(out);
      },
      py::arg("json"), "Decode and re-encode a SignalMessage in the reference's exact compact form.");
  m.def(
      "signal_frame",
      [](const std::string& json) {
        uint8_t* out = nullptr;
        size_t n = 0;
        check(wzp_signal_frame(json.data(), json.size(), &out, &n));
        std::unique_ptr<void, Deleter<void, wzp_free>> owner(out);
        return to_bytes(out, n);
      },
      py::arg("json"), "BE32 length prefix + JSON, as sent on a signal stream.");
  m.def(
      "signal_unframe",
      [](const py::bytes& frame) {
        auto v = view(frame);
        char* out = nullptr;
        size_t n = 0;
        check(wzp_signal_unframe(data_of(v), v.size(), &out, &n));
        std::unique_ptr<void, Deleter<void, wzp_free>> owner(out);
        return std::string(out, n);
      },
      py::arg("frame"), "The JSON of one framed signal stream.");
}

}  // namespace wzp_py
