#include "operator/service/metrics.h"

#include <cmath>
#include <cstdio>
#include <thread>

namespace uid2::service {
namespace {

size_t ThreadShard() {
  static std::atomic<size_t> next{0};
  thread_local size_t shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.9g", v);
  }
  return buf;
}

void AppendHeader(std::string* out, const std::string& name, const std::string& help,
                  std::string_view type) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

void ShardedCounter::Add(uint64_t n) {
  slots_[ThreadShard()].v.fetch_add(n, std::memory_order_relaxed);
}

uint64_t ShardedCounter::Sum() const {
  uint64_t s = 0;
  for (const Slot& slot : slots_) s += slot.v.load(std::memory_order_relaxed);
  return s;
}

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), buckets_(bounds->size() + 1) {}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_->size() && v > (*bounds_)[i]) ++i;
  buckets_[i].Add(1);
  if (v > 0) sum_micro_.Add(static_cast<uint64_t>(v * 1e6));
}

std::vector<uint64_t> Histogram::Cumulative() const {
  std::vector<uint64_t> out(buckets_.size());
  uint64_t running = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    running += buckets_[i].Sum();
    out[i] = running;
  }
  return out;
}

double Histogram::Sum() const { return static_cast<double>(sum_micro_.Sum()) / 1e6; }

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void AppendSample(std::string* out, std::string_view name, const std::vector<std::string>& labels,
                  const std::vector<std::string>& values, double value,
                  std::string_view extra_label, std::string_view extra_value) {
  out->append(name);
  bool any = !labels.empty() || !extra_label.empty();
  if (any) {
    out->push_back('{');
    bool first = true;
    auto add = [&](std::string_view k, std::string_view v) {
      if (!first) out->push_back(',');
      first = false;
      out->append(k).append("=\"").append(EscapeLabelValue(v)).append("\"");
    };
    for (size_t i = 0; i < labels.size() && i < values.size(); ++i) add(labels[i], values[i]);
    if (!extra_label.empty()) add(extra_label, extra_value);
    out->push_back('}');
  }
  out->push_back(' ');
  out->append(FormatValue(value));
  out->push_back('\n');
}

CounterFamily& MetricsRegistry::AddCounter(std::string name, std::string help,
                                           std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  counters_.push_back(std::make_unique<CounterFamily>(std::move(name), std::move(help),
                                                      std::move(labels),
                                                      [] { return std::make_unique<Counter>(); }));
  order_.emplace_back(0, counters_.size() - 1);
  return *counters_.back();
}

GaugeFamily& MetricsRegistry::AddGauge(std::string name, std::string help,
                                       std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  gauges_.push_back(std::make_unique<GaugeFamily>(std::move(name), std::move(help),
                                                  std::move(labels),
                                                  [] { return std::make_unique<Gauge>(); }));
  order_.emplace_back(1, gauges_.size() - 1);
  return *gauges_.back();
}

HistogramFamily& MetricsRegistry::AddHistogram(std::string name, std::string help,
                                               std::vector<std::string> labels,
                                               std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  bounds_.push_back(std::make_unique<std::vector<double>>(std::move(bounds)));
  const std::vector<double>* b = bounds_.back().get();
  histograms_.push_back(
      std::make_unique<HistogramFamily>(std::move(name), std::move(help), std::move(labels),
                                        [b] { return std::make_unique<Histogram>(b); }));
  order_.emplace_back(2, histograms_.size() - 1);
  return *histograms_.back();
}

void MetricsRegistry::AddCollector(std::function<void(std::string*)> collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out.reserve(4096);
  for (auto [kind, index] : order_) {
    if (kind == 0) {
      const CounterFamily& f = *counters_[index];
      AppendHeader(&out, f.name(), f.help(), "counter");
      for (const auto& [values, c] : f.Series()) {
        AppendSample(&out, f.name(), f.labels(), values, static_cast<double>(c->Value()));
      }
    } else if (kind == 1) {
      const GaugeFamily& f = *gauges_[index];
      AppendHeader(&out, f.name(), f.help(), "gauge");
      for (const auto& [values, g] : f.Series()) {
        AppendSample(&out, f.name(), f.labels(), values, g->Value());
      }
    } else {
      const HistogramFamily& f = *histograms_[index];
      AppendHeader(&out, f.name(), f.help(), "histogram");
      const std::vector<double>& bounds = *bounds_[index];
      for (const auto& [values, h] : f.Series()) {
        std::vector<uint64_t> cum = h->Cumulative();
        for (size_t i = 0; i < cum.size(); ++i) {
          std::string le = i < bounds.size() ? FormatValue(bounds[i]) : "+Inf";
          AppendSample(&out, f.name() + "_bucket", f.labels(), values, static_cast<double>(cum[i]),
                       "le", le);
        }
        AppendSample(&out, f.name() + "_sum", f.labels(), values, h->Sum());
        AppendSample(&out, f.name() + "_count", f.labels(), values,
                     static_cast<double>(cum.back()));
      }
    }
  }
  for (const auto& collector : collectors_) collector(&out);
  return out;
}

}  // namespace uid2::service
