use super::*;

#[test]
fn a_counter_family_has_help_type_and_labelled_samples() {
    let mut out = Exposition::new();
    out.family("airut_x_total", MetricType::Counter, "Things done.");
    out.sample(
        "airut_x_total",
        &[("repo", "alpha"), ("outcome", "success")],
        3.0,
    );
    out.sample("airut_x_total", &[], 0.0);
    assert_eq!(
        out.finish(),
        "# HELP airut_x_total Things done.\n\
         # TYPE airut_x_total counter\n\
         airut_x_total{repo=\"alpha\",outcome=\"success\"} 3\n\
         airut_x_total 0\n"
    );
}

#[test]
fn label_values_and_help_are_escaped() {
    let mut out = Exposition::new();
    out.family("g", MetricType::Gauge, "a \\ b\nc \"q\"");
    out.sample("g", &[("v", "x\"y\\z\nw")], 1.0);
    assert_eq!(
        out.finish(),
        "# HELP g a \\\\ b\\nc \"q\"\n# TYPE g gauge\ng{v=\"x\\\"y\\\\z\\nw\"} 1\n"
    );
}

#[test]
fn histogram_buckets_are_cumulative_and_end_with_inf() {
    static BOUNDS: &[f64] = &[0.5, 1.0, 10.0];
    let mut h = Histogram::new(BOUNDS);
    for v in [0.25, 0.5, 3.0, 99.0, -1.0] {
        h.observe(v);
    }
    let mut out = Exposition::new();
    out.family("d_seconds", MetricType::Histogram, "D.");
    out.histogram("d_seconds", &[("repo", "a")], &h);
    assert_eq!(
        out.finish(),
        "# HELP d_seconds D.\n# TYPE d_seconds histogram\n\
         d_seconds_bucket{repo=\"a\",le=\"0.5\"} 3\n\
         d_seconds_bucket{repo=\"a\",le=\"1\"} 3\n\
         d_seconds_bucket{repo=\"a\",le=\"10\"} 4\n\
         d_seconds_bucket{repo=\"a\",le=\"+Inf\"} 5\n\
         d_seconds_sum{repo=\"a\"} 102.75\n\
         d_seconds_count{repo=\"a\"} 5\n"
    );
}

#[test]
fn an_empty_histogram_still_has_every_bucket() {
    static BOUNDS: &[f64] = &[1.0];
    let mut out = Exposition::new();
    out.histogram("h", &[], &Histogram::new(BOUNDS));
    assert_eq!(
        out.finish(),
        "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n"
    );
}

#[test]
fn values_use_the_go_float_forms() {
    assert_eq!(format_value(1.0), "1");
    assert_eq!(format_value(0.25), "0.25");
    assert_eq!(format_value(1_700_000_000.5), "1700000000.5");
    assert_eq!(format_value(f64::INFINITY), "+Inf");
    assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
    assert_eq!(format_value(f64::NAN), "NaN");
}

#[test]
fn names_follow_the_format() {
    assert!(valid_name("airut_tasks_total", false));
    assert!(valid_name("a:b", false));
    assert!(!valid_name("a:b", true));
    assert!(!valid_name("1abc", false));
    assert!(!valid_name("", false));
    assert!(!valid_name("a-b", true));
}
