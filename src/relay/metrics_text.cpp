#include "relay/metrics_text.hpp"

#include <charconv>
#include <cmath>

namespace wzp::relay {

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return "NaN";  // cannot happen with 64 bytes
  return std::string(buf, end);
}

namespace {
// Label values escape `\`, `"` and newline; HELP text only `\` and newline.
std::string escape(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\' || (quotes && c == '"')) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}
}  // namespace

std::string escape_label_value(std::string_view value) { return escape(value, true); }

std::string escape_help(std::string_view help) { return escape(help, false); }

void MetricsText::family(const std::string& name, std::string_view help, MetricType type) {
  auto [it, inserted] = families_.try_emplace(name);
  if (!inserted) return;
  it->second.help = std::string(help);
  it->second.type = type;
}

MetricsText::Family& MetricsText::get(const std::string& name) { return families_[name]; }

void MetricsText::line(Family& f, std::string_view name, const MetricLabels& labels, std::string_view value,
                       const std::pair<std::string, std::string>* extra) {
  std::string out(name);
  if (!labels.empty() || extra != nullptr) {
    out += '{';
    bool first = true;
    auto add = [&](const std::string& key, const std::string& v) {
      if (!first) out += ',';
      first = false;
      out += key + "=\"" + escape_label_value(v) + '"';
    };
    for (const auto& [key, v] : labels) add(key, v);
    if (extra != nullptr) add(extra->first, extra->second);
    out += '}';
  }
  out += ' ';
  out += value;
  f.lines.push_back(std::move(out));
}

void MetricsText::sample(const std::string& name, const MetricLabels& labels, double value) {
  line(get(name), name, labels, format_metric_value(value));
}

void MetricsText::sample(const std::string& name, const MetricLabels& labels, uint64_t value) {
  line(get(name), name, labels, std::to_string(value));
}

void MetricsText::histogram(const std::string& name, const MetricLabels& labels, const HistogramSnapshot& h) {
  Family& f = get(name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= h.bounds.size(); ++i) {
    cumulative += i < h.counts.size() ? h.counts[i] : 0;
    std::pair<std::string, std::string> le{
        "le", i < h.bounds.size() ? format_metric_value(h.bounds[i]) : std::string("+Inf")};
    line(f, name + "_bucket", labels, std::to_string(cumulative), &le);
  }
  line(f, name + "_sum", labels, format_metric_value(h.sum));
  line(f, name + "_count", labels, std::to_string(cumulative));
}

std::string MetricsText::text() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    if (f.lines.empty()) continue;
    const char* type = f.type == MetricType::counter ? "counter"
                       : f.type == MetricType::gauge ? "gauge"
                                                     : "histogram";
    out += "# HELP " + name + ' ' + escape_help(f.help) + '\n';
    out += "# TYPE " + name + ' ' + type + '\n';
    for (const auto& l : f.lines) {
      out += l;
      out += '\n';
    }
  }
  return out;
}

}  // namespace wzp::relay
