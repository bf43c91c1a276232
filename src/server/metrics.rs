//! Counters for `GET /metrics`, in the Prometheus text format (version 0.0.4), written by hand:
//! requests by route and status, a fixed-bucket latency histogram per route, requests in
//! flight, matches by band and match type, and the match cache's hits and misses.
//!
//! Every counter is an atomic; the per-route table takes a read lock on the hot path and a
//! write lock only the first time a route is seen (routes are the router's patterns, so the
//! table stays small).

use crate::matching::MatchType;
use crate::score::Band;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds (`+Inf` is implied).
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The route label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

const BANDS: [(Band, &str); 3] = [
    (Band::High, "high"),
    (Band::Medium, "medium"),
    (Band::Low, "low"),
];
const TYPES: [MatchType; 5] = [
    MatchType::Exact,
    MatchType::Alias,
    MatchType::Fuzzy,
    MatchType::Partial,
    MatchType::None,
];

#[derive(Default)]
struct Histogram {
    /// Non-cumulative counts per bucket; the last slot is `+Inf`.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        let i = LATENCY_BUCKETS
            .iter()
            .position(|b| s <= *b)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.buckets[i].fetch_add(1, Relaxed);
        self.sum_micros
            .fetch_add(d.as_micros().min(u64::MAX as u128) as u64, Relaxed);
        self.count.fetch_add(1, Relaxed);
    }
}

#[derive(Default)]
struct RouteStats {
    latency: Histogram,
    statuses: Mutex<BTreeMap<u16, u64>>,
}

/// The server's counters.
#[derive(Default)]
pub struct Metrics {
    routes: RwLock<HashMap<String, Arc<RouteStats>>>,
    in_flight: AtomicI64,
    /// [band][match type]
    matches: [[AtomicU64; 5]; 3],
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("in_flight", &self.in_flight.load(Relaxed))
            .finish_non_exhaustive()
    }
}

/// Decrements the in-flight gauge when the request ends, even when its future is dropped
/// (client gone, timeout).
#[derive(Debug)]
pub(crate) struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Relaxed);
    }
}

fn band_index(b: Band) -> usize {
    BANDS.iter().position(|(x, _)| *x == b).unwrap_or(2)
}

fn type_index(t: MatchType) -> usize {
    TYPES.iter().position(|x| *x == t).unwrap_or(4)
}

impl Metrics {
    /// A request started.
    pub(crate) fn start(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Relaxed);
        InFlight(self)
    }

    /// A request on `route` ended with `status` after `elapsed`.
    pub(crate) fn record(&self, route: &str, status: u16, elapsed: Duration) {
        let stats = {
            let map = self.routes.read().unwrap_or_else(PoisonError::into_inner);
            map.get(route).cloned()
        };
        let stats = match stats {
            Some(s) => s,
            None => {
                let mut map = self.routes.write().unwrap_or_else(PoisonError::into_inner);
                map.entry(route.to_string()).or_default().clone()
            }
        };
        stats.latency.observe(elapsed);
        *stats
            .statuses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(status)
            .or_insert(0) += 1;
    }

    /// A title was matched.
    pub(crate) fn matched(&self, band: Band, match_type: MatchType) {
        self.matches[band_index(band)][type_index(match_type)].fetch_add(1, Relaxed);
    }

    /// The match cache answered (`hit`) or not.
    pub(crate) fn cache(&self, hit: bool) {
        if hit {
            &self.cache_hits
        } else {
            &self.cache_misses
        }
        .fetch_add(1, Relaxed);
    }

    /// Requests being answered now.
    pub fn in_flight(&self) -> i64 {
        self.in_flight.load(Relaxed)
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let mut o = String::with_capacity(8192);
        let routes: Vec<(String, Arc<RouteStats>)> = {
            let map = self.routes.read().unwrap_or_else(PoisonError::into_inner);
            let mut v: Vec<_> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        o.push_str("# HELP titlematch_http_requests_total HTTP requests answered, by route pattern and status.\n");
        o.push_str("# TYPE titlematch_http_requests_total counter\n");
        for (route, s) in &routes {
            let statuses = s
                .statuses
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            for (status, n) in statuses {
                let _ = writeln!(
                    o,
                    "titlematch_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        o.push_str("# HELP titlematch_http_request_duration_seconds Time to answer a request, by route pattern.\n");
        o.push_str("# TYPE titlematch_http_request_duration_seconds histogram\n");
        for (route, s) in &routes {
            let r = escape(route);
            let mut cum = 0u64;
            for (i, b) in LATENCY_BUCKETS.iter().enumerate() {
                cum += s.latency.buckets[i].load(Relaxed);
                let _ = writeln!(o, "titlematch_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {cum}");
            }
            cum += s.latency.buckets[LATENCY_BUCKETS.len()].load(Relaxed);
            let _ = writeln!(o, "titlematch_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {cum}");
            let sum = s.latency.sum_micros.load(Relaxed) as f64 / 1e6;
            let _ = writeln!(
                o,
                "titlematch_http_request_duration_seconds_sum{{route=\"{r}\"}} {sum}"
            );
            let _ = writeln!(
                o,
                "titlematch_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                s.latency.count.load(Relaxed)
            );
        }
        o.push_str("# HELP titlematch_http_requests_in_flight Requests being answered now.\n");
        o.push_str("# TYPE titlematch_http_requests_in_flight gauge\n");
        let _ = writeln!(o, "titlematch_http_requests_in_flight {}", self.in_flight());
        o.push_str("# HELP titlematch_matches_total Titles matched (single and batch), by confidence band and match type.\n");
        o.push_str("# TYPE titlematch_matches_total counter\n");
        for (bi, (_, band)) in BANDS.iter().enumerate() {
            for (ti, t) in TYPES.iter().enumerate() {
                let n = self.matches[bi][ti].load(Relaxed);
                let _ = writeln!(
                    o,
                    "titlematch_matches_total{{band=\"{band}\",match_type=\"{}\"}} {n}",
                    t.as_str()
                );
            }
        }
        o.push_str("# HELP titlematch_match_cache_requests_total Single-title matches answered from the cache (hit) or computed (miss).\n");
        o.push_str("# TYPE titlematch_match_cache_requests_total counter\n");
        let _ = writeln!(
            o,
            "titlematch_match_cache_requests_total{{result=\"hit\"}} {}",
            self.cache_hits.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "titlematch_match_cache_requests_total{{result=\"miss\"}} {}",
            self.cache_misses.load(Relaxed)
        );
        o
    }
}

/// A label value with `\`, `"` and newlines escaped, as the text format requires.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.record("/v1/match", 200, Duration::from_micros(300));
        m.record("/v1/match", 200, Duration::from_millis(3));
        m.record("/v1/match", 400, Duration::from_secs(20));
        let t = m.render();
        let b = |le: &str| {
            value(&t, &format!("titlematch_http_request_duration_seconds_bucket{{route=\"/v1/match\",le=\"{le}\"}}"))
        };
        assert_eq!(b("0.0005"), Some(1.0));
        assert_eq!(b("0.001"), Some(1.0));
        assert_eq!(b("0.005"), Some(2.0));
        assert_eq!(b("10"), Some(2.0));
        assert_eq!(b("+Inf"), Some(3.0));
        assert_eq!(
            value(
                &t,
                "titlematch_http_request_duration_seconds_count{route=\"/v1/match\"}"
            ),
            Some(3.0)
        );
        assert_eq!(
            value(
                &t,
                "titlematch_http_requests_total{route=\"/v1/match\",status=\"200\"}"
            ),
            Some(2.0)
        );
        assert_eq!(
            value(
                &t,
                "titlematch_http_requests_total{route=\"/v1/match\",status=\"400\"}"
            ),
            Some(1.0)
        );
    }

    #[test]
    fn bands_and_in_flight() {
        let m = Metrics::default();
        m.matched(Band::High, MatchType::Exact);
        m.matched(Band::High, MatchType::Exact);
        m.matched(Band::Low, MatchType::None);
        let g = m.start();
        let t = m.render();
        assert_eq!(
            value(
                &t,
                "titlematch_matches_total{band=\"high\",match_type=\"exact\"}"
            ),
            Some(2.0)
        );
        assert_eq!(
            value(
                &t,
                "titlematch_matches_total{band=\"low\",match_type=\"none\"}"
            ),
            Some(1.0)
        );
        assert_eq!(
            value(
                &t,
                "titlematch_matches_total{band=\"medium\",match_type=\"alias\"}"
            ),
            Some(0.0)
        );
        assert_eq!(value(&t, "titlematch_http_requests_in_flight"), Some(1.0));
        drop(g);
        assert_eq!(m.in_flight(), 0);
    }

    #[test]
    fn every_series_line_has_a_type() {
        let m = Metrics::default();
        m.record("/a\"b", 200, Duration::from_millis(1));
        let t = m.render();
        for l in t.lines().filter(|l| !l.starts_with('#')) {
            let name = l.split(['{', ' ']).next().unwrap();
            let base = name
                .trim_end_matches("_bucket")
                .trim_end_matches("_sum")
                .trim_end_matches("_count");
            assert!(t.contains(&format!("# TYPE {base} ")), "no TYPE for {name}");
        }
        assert!(t.contains("route=\"/a\\\"b\""));
    }
}
