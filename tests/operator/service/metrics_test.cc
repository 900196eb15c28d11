// MetricsRegistry: Prometheus text format, labels, histograms, concurrency.
#include "operator/service/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace uid2::service {
namespace {

TEST(MetricsTest, CounterRendersWithLabels) {
  MetricsRegistry r;
  auto& c = r.AddCounter("x_total", "Things", {"site_id", "status"});
  c.With({"1", "ok"}).Inc();
  c.With({"1", "ok"}).Inc(2);
  c.With({"2", "a\"b\\c\nd"}).Inc();
  std::string text = r.Render();
  EXPECT_NE(text.find("# HELP x_total Things\n# TYPE x_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("x_total{site_id=\"1\",status=\"ok\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_total{site_id=\"2\",status=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos)
      << text;
}

TEST(MetricsTest, HistogramIsCumulative) {
  MetricsRegistry r;
  auto& h = r.AddHistogram("lat_seconds", "Latency", {}, {0.1, 1});
  h.With(std::vector<std::string>{}).Observe(0.05);
  h.With(std::vector<std::string>{}).Observe(0.5);
  h.With(std::vector<std::string>{}).Observe(5);
  std::string text = r.Render();
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_sum 5.55\n"), std::string::npos) << text;
}

TEST(MetricsTest, GaugeAndCollector) {
  MetricsRegistry r;
  r.AddGauge("g", "A gauge", {"k"}).With({"v"}).Set(2.5);
  r.AddCollector([](std::string* out) { *out += "custom 7\n"; });
  std::string text = r.Render();
  EXPECT_NE(text.find("g{k=\"v\"} 2.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("custom 7\n"), std::string::npos);
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  MetricsRegistry r;
  auto& c = r.AddCounter("n_total", "N", {"t"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < 10000; ++i) c.With({"same"}).Inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.With({"same"}).Value(), 40000u);
}

}  // namespace
}  // namespace uid2::service
