// metrics.h: a small Prometheus registry (counters, gauges, histograms with labels) rendered in
// the text exposition format 0.0.4 on /metrics.
//
//   MetricsRegistry registry;
//   CounterFamily& requests = registry.Counter("uid2_requests_total", "Requests", {"path"});
//   requests.With({"/v2/token/generate"}).Inc();
//   std::string text = registry.Render();
//
// Hot path: a series is found once per call under a shared (reader) lock; increments are relaxed
// atomics on one of kShards cache-line-sized slots chosen by thread, so threads do not contend.
// Families and series live as long as the registry; references stay valid. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace uid2::service {

constexpr size_t kShards = 16;

// ShardedCounter adds from many threads without sharing a cache line.
class ShardedCounter {
 public:
  void Add(uint64_t n);
  uint64_t Sum() const;

 private:
  struct alignas(64) Slot {
    std::atomic<uint64_t> v{0};
  };
  std::array<Slot, kShards> slots_;
};

class Counter {
 public:
  void Inc(uint64_t n = 1) { c_.Add(n); }
  uint64_t Value() const { return c_.Sum(); }

 private:
  ShardedCounter c_;
};

class Gauge {
 public:
  void Set(double v) { v_.store(v, std::memory_order_relaxed); }
  double Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

// Histogram counts observations into fixed upper bounds (the "le" label) plus +Inf.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double v);
  // Cumulative counts per bound (last entry = +Inf = total count), and the sum.
  std::vector<uint64_t> Cumulative() const;
  double Sum() const;

 private:
  const std::vector<double>* bounds_;
  std::vector<ShardedCounter> buckets_;  // bounds_->size() + 1
  ShardedCounter sum_micro_;             // sum in millionths, to stay lock-free
};

// Family<T> is one metric name with fixed label names; With() returns the series for values
// (in the order of the label names), creating it on first use.
template <typename T>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels,
         std::function<std::unique_ptr<T>()> make)
      : name_(std::move(name)),
        help_(std::move(help)),
        labels_(std::move(labels)),
        make_(std::move(make)) {}

  // REQUIRES: values.size() == number of label names.
  T& With(const std::vector<std::string>& values);
  T& With(std::initializer_list<std::string_view> values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& labels() const { return labels_; }
  // Snapshot of (label values, series) pairs in label order.
  std::vector<std::pair<std::vector<std::string>, const T*>> Series() const;

 private:
  std::string name_, help_;
  std::vector<std::string> labels_;
  std::function<std::unique_ptr<T>()> make_;
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Counter names should end in _total (Prometheus convention); the name is used as given.
  CounterFamily& AddCounter(std::string name, std::string help, std::vector<std::string> labels);
  GaugeFamily& AddGauge(std::string name, std::string help, std::vector<std::string> labels);
  HistogramFamily& AddHistogram(std::string name, std::string help, std::vector<std::string> labels,
                                std::vector<double> bounds);

  // A collector appends whole families (with # HELP / # TYPE lines) at render time, for values
  // owned elsewhere (store statistics). It must be thread-safe and must not throw.
  void AddCollector(std::function<void(std::string* out)> collector);

  // Render returns every family in the Prometheus text format, in registration order.
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<CounterFamily>> counters_;
  std::vector<std::unique_ptr<GaugeFamily>> gauges_;
  std::vector<std::unique_ptr<HistogramFamily>> histograms_;
  std::vector<std::unique_ptr<std::vector<double>>> bounds_;
  std::vector<std::function<void(std::string*)>> collectors_;
  // Registration order: kind (0 counter, 1 gauge, 2 histogram) and index.
  std::vector<std::pair<int, size_t>> order_;
};

// EscapeLabelValue escapes \, " and newline as the text format requires.
std::string EscapeLabelValue(std::string_view v);
// FormatSample renders `name{l1="v1",...} value\n`.
void AppendSample(std::string* out, std::string_view name, const std::vector<std::string>& labels,
                  const std::vector<std::string>& values, double value,
                  std::string_view extra_label = {}, std::string_view extra_value = {});

// ---- implementation of the template parts ----

template <typename T>
T& Family<T>::With(const std::vector<std::string>& values) {
  {
    std::shared_lock lock(mu_);
    auto it = series_.find(values);
    if (it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto& slot = series_[values];
  if (!slot) slot = make_();
  return *slot;
}

template <typename T>
T& Family<T>::With(std::initializer_list<std::string_view> values) {
  std::vector<std::string> v;
  v.reserve(values.size());
  for (std::string_view s : values) v.emplace_back(s);
  return With(v);
}

template <typename T>
std::vector<std::pair<std::vector<std::string>, const T*>> Family<T>::Series() const {
  std::shared_lock lock(mu_);
  std::vector<std::pair<std::vector<std::string>, const T*>> out;
  for (const auto& [k, v] : series_) out.emplace_back(k, v.get());
  return out;
}

}  // namespace uid2::service
