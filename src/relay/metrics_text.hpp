// The Prometheus text exposition format (0.0.4), written by hand: Debian has no
// C++ client library. A MetricsText collects families (HELP, TYPE, series) and
// renders them sorted by name; a family with no series is left out, as the
// reference's library does for labelled families nobody touched yet.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wzp::relay {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { counter, gauge, histogram };

/// A histogram's state: upper bounds (ascending, +Inf implied) and the count
/// of observations in each bucket (not cumulative; one more for +Inf).
struct HistogramSnapshot {
  std::vector<double> bounds;
  std::vector<uint64_t> counts;  // bounds.size() + 1
  double sum = 0;
};

class MetricsText {
 public:
  /// Declare a family (a second declaration of the same name keeps the first).
  void family(const std::string& name, std::string_view help, MetricType type);
  /// One series of a declared family. An undeclared name is declared untyped-as-gauge with no help.
  void sample(const std::string& name, const MetricLabels& labels, double value);
  void sample(const std::string& name, const MetricLabels& labels, uint64_t value);
  /// The _bucket/_sum/_count series of a declared histogram family.
  void histogram(const std::string& name, const MetricLabels& labels, const HistogramSnapshot& h);

  std::string text() const;

 private:
  struct Family {
    std::string help;
    MetricType type = MetricType::gauge;
    std::vector<std::string> lines;
  };
  Family& get(const std::string& name);
  void line(Family& f, std::string_view name, const MetricLabels& labels, std::string_view value,
            const std::pair<std::string, std::string>* extra = nullptr);

  std::map<std::string, Family> families_;  // sorted by name
};

/// Prometheus float formatting: the shortest text that reads back the same
/// double (`100`, `50.196083068847656`), `+Inf`, `-Inf`, `NaN`.
std::string format_metric_value(double value);
/// A label value with `\`, `"` and newline escaped.
std::string escape_label_value(std::string_view value);
/// HELP text with `\` and newline escaped.
std::string escape_help(std::string_view help);

}  // namespace wzp::relay
