//! The parser's tests: the classic format, and OpenMetrics from Python's prometheus_client.

mod parse {
    use super::super::*;

    const GOOD: &str = r#"# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="GET",path="/a \"q\"\\b"} 3
http_requests_total{method="POST",path="/a"} 1 1700000000000
# HELP lat_seconds Latency.
# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.1"} 1
lat_seconds_bucket{le="1"} 2
lat_seconds_bucket{le="+Inf"} 3
lat_seconds_sum 1.5
lat_seconds_count 3
# HELP temp Temperature.
# TYPE temp gauge
temp NaN
up 1
# EOF
"#;

    #[test]
    fn parses_families_labels_escapes_and_special_values() {
        let query = |metric: &str, labels: &[(&str, &str)]| SumQuery {
            metric: metric.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        let mut p = Parser::new(vec![
            query("http_requests_total", &[("path", "/a \"q\"\\b")]),
            query("http_requests_total", &[]),
            query("temp", &[]),
            query("absent", &[]),
        ]);
        // Fed a byte at a time: lines may break anywhere between chunks.
        for b in GOOD.as_bytes() {
            p.feed(std::slice::from_ref(b)).unwrap();
        }
        let e = p.finish().unwrap();
        let f = &e.families;
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["http_requests_total", "lat_seconds", "temp", "up"]);
        assert_eq!(e.sums[0], Some(3.0), "escaped label values match");
        assert_eq!(e.sums[1], Some(4.0));
        assert!(e.sums[2].is_some_and(f64::is_nan));
        assert_eq!(e.sums[3], None);
        assert_eq!(f[1].kind, MetricType::Histogram);
        assert_eq!(f[1].samples, 5);
        assert_eq!(
            f[0].labels_everywhere,
            Some(["method".to_string(), "path".to_string()].into())
        );
        assert_eq!(f[3].kind, MetricType::Untyped);
        assert!(e.violations.is_empty());
        assert_eq!(lint(f), vec!["`up`: no HELP text"]);
    }

    #[test]
    fn malformed_lines_are_errors_with_their_line_number() {
        let cases = [
            ("a{b=\"1\" 3\n", 1, "expected `,` or `}` after a label"),
            ("# TYPE a counter\na 1\na 2\n", 3, "duplicate series `a`"),
            (
                "a 1\n# TYPE a gauge\n",
                2,
                "TYPE for `a` comes after its samples",
            ),
            ("ok 1\n9bad 1\n", 2, "invalid metric name `9bad`"),
            ("a one\n", 1, "invalid value `one` for `a`"),
            (
                "# TYPE a countr\n",
                1,
                "unknown metric type `countr` for `a`",
            ),
        ];
        for (text, line, message) in cases {
            assert_eq!(
                parse(text),
                Err(ParseError {
                    line,
                    message: message.into()
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn histogram_invariants() {
        let text = "# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 3\nh_bucket{le=\"+Inf\"} 4\nh_count 6\n# TYPE g histogram\ng_bucket{le=\"1\"} 1\ng_count 1\n";
        let v = parse(text).unwrap().violations;
        assert_eq!(
            v,
            vec![
                "`h`: bucket counts are not cumulative",
                "`h`: +Inf bucket 4 differs from _count 6",
                "`g`: no +Inf bucket"
            ]
        );
    }

    #[test]
    fn lint_rules() {
        let text = "# HELP a_ms x\n# TYPE a_ms gauge\na_ms 1\n# HELP b x\n# TYPE b counter\nb 1\n# HELP c_total x\n# TYPE c_total gauge\nc_total 1\n# HELP Bad x\nBad 1\n";
        assert_eq!(
            lint(&parse(text).unwrap().families),
            vec![
                "`a_ms`: use base units (seconds, bytes, ratios), not `ms`",
                "`b`: counter names should end in `_total`",
                "`c_total`: only counters should end in `_total`",
                "`Bad`: names should be snake_case",
            ]
        );
    }
}

mod openmetrics {
    use super::super::*;

    const PYTHON_OM: &str =
        include_str!("../../../tests/data/metrics/prometheus-client-0.26-openmetrics.txt");
    const PYTHON_CLASSIC: &str =
        include_str!("../../../tests/data/metrics/prometheus-client-0.26-classic.txt");

    fn om(text: &str) -> Result<Exposition, ParseError> {
        let mut p = Parser::with_format(Format::OpenMetrics, Vec::new());
        p.feed(text.as_bytes())?;
        p.finish()
    }

    fn classic(text: &str) -> Result<Exposition, ParseError> {
        let mut p = Parser::with_format(Format::Classic, Vec::new());
        p.feed(text.as_bytes())?;
        p.finish()
    }

    #[test]
    fn python_prometheus_client_openmetrics_parses() {
        let e = om(PYTHON_OM).unwrap();
        let kinds: Vec<(&str, &str)> = e
            .families
            .iter()
            .map(|f| (f.name.as_str(), f.kind.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("http_requests", "counter"),
                ("request_latency_seconds", "histogram"),
                ("queue_depth_bytes", "gauge"),
                ("build", "info"),
                ("task_state", "stateset"),
                ("job_seconds", "summary"),
            ]
        );
        assert!(e.violations.is_empty(), "{:?}", e.violations);
        assert!(lint(&e.families).is_empty(), "{:?}", lint(&e.families));
    }

    #[test]
    fn python_prometheus_client_classic_parses() {
        let e = classic(PYTHON_CLASSIC).unwrap();
        assert!(e.families.iter().any(|f| f.name == "http_requests_total"));
    }

    #[test]
    fn openmetrics_rules_are_enforced_with_line_numbers() {
        let cases = [
            (
                "# TYPE a counter\na_total 1\n",
                3,
                "no `# EOF` at the end (OpenMetrics requires it)",
            ),
            (
                "# TYPE a gauge\na 1\n# EOF\na 2\n",
                4,
                "content after `# EOF`",
            ),
            (
                "# TYPE a counter\na 1\n# EOF\n",
                2,
                "counter sample `a` must end in `_total` or `_created`",
            ),
            (
                "# TYPE a untyped\n# EOF\n",
                1,
                "unknown metric type `untyped` for `a`",
            ),
            (
                "# TYPE a gauge\n# UNIT a seconds\na 1\n# EOF\n",
                2,
                "the name `a` must end in `_seconds`, its unit",
            ),
            (
                "# TYPE b info\nb_info 2\n# EOF\n",
                2,
                "info sample `b_info` must have the value 1",
            ),
            (
                "# TYPE s stateset\ns{s=\"on\"} 2\n# EOF\n",
                2,
                "stateset sample `s` must be 0 or 1",
            ),
            (
                "# TYPE g gauge\ng 1 # {trace_id=\"x\"} 1\n# EOF\n",
                2,
                "exemplars are allowed only on counters' `_total` and on buckets",
            ),
        ];
        for (text, line, message) in cases {
            assert_eq!(
                om(text),
                Err(ParseError {
                    line,
                    message: message.into()
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn exemplars_units_and_gaugehistograms_are_read() {
        let text = "# TYPE r counter\n# UNIT r_seconds seconds\n# TYPE r_seconds counter\nr_total 3 # {trace_id=\"abc\"} 0.5 1700000000.1\n# TYPE q gaugehistogram\nq_bucket{le=\"1\"} 1 # {a=\"b\"} 0.2\nq_bucket{le=\"+Inf\"} 2\nq_gcount 2\nq_gsum 1.5\n# TYPE u unknown\nu 1\n# EOF\n";
        let text = text.replace("# UNIT r_seconds seconds\n# TYPE r_seconds counter\n", "");
        let e = om(&text).unwrap();
        assert_eq!(e.families[1].kind, MetricType::GaugeHistogram);
        assert!(e.violations.is_empty(), "{:?}", e.violations);
    }

    #[test]
    fn openmetrics_types_are_refused_in_the_classic_format() {
        assert_eq!(
            classic("# TYPE b info\nb_info 1\n"),
            Err(ParseError {
                line: 1,
                message: "type `info` is OpenMetrics only; the response is the classic text format"
                    .into()
            })
        );
    }
}
