//! Our own cases for both text formats, one `#[test]` per file, named after it:
//! `tests/data/openmetrics/` (written from the OpenMetrics 1.0 specification, one per rule
//! the official parser test data covers) and `tests/data/prometheus-text/` (from the 0.0.4
//! specification). A `good_` case must parse cleanly, a `bad_` case must be refused with
//! the message listed here, a `violation_` case must parse with the listed violations.

use super::{Format, Parser};

/// What a case must do.
enum Expect {
    Valid,
    Invalid(&'static str),
    Violations(&'static [&'static str]),
}
use Expect::{Invalid, Valid, Violations};

fn check(name: &str, format: Format, text: &[u8], expect: Expect) {
    let prefix = match expect {
        Valid => "good_",
        Invalid(_) => "bad_",
        Violations(_) => "violation_",
    };
    assert!(
        name.starts_with(prefix),
        "`{name}` must be named `{prefix}…`"
    );
    let parse = |chunk: usize| {
        let mut p = Parser::with_format(format, Vec::new());
        text.chunks(chunk.max(1))
            .try_for_each(|c| p.feed(c))
            .and_then(|()| p.finish())
            .map(|e| e.violations)
            .map_err(|e| e.to_string())
    };
    let outcome = parse(text.len());
    // Streamed a byte at a time, lines cut anywhere, the verdict is the same.
    assert_eq!(parse(1), outcome, "{name}, fed a byte at a time");
    match expect {
        Valid => assert_eq!(outcome, Ok(Vec::new()), "{name}"),
        Invalid(message) => assert_eq!(outcome, Err(message.to_string()), "{name}"),
        Violations(v) => assert_eq!(outcome, Ok(v.iter().map(|s| s.to_string()).collect())),
    }
}

/// Every file of the folder is a listed case, and every listed case a file.
fn listed_exactly(dir: &str, listed: &[&str]) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir);
    let mut files: Vec<String> = std::fs::read_dir(&root)
        .expect("the cases folder exists")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".txt"))
                .map(str::to_string)
        })
        .collect();
    files.sort();
    let mut listed: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        files, listed,
        "tests/data/{dir} and the list of cases differ"
    );
}

macro_rules! cases {
    ($module:ident, $format:expr, $dir:literal { $($name:ident => $expect:expr,)* }) => {
        mod $module {
            use super::*;
            $(
                #[test]
                fn $name() {
                    let text = include_bytes!(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/tests/data/",
                        $dir,
                        "/",
                        stringify!($name),
                        ".txt"
                    ));
                    check(stringify!($name), $format, text, $expect);
                }
            )*

            #[test]
            fn every_case_file_is_listed() {
                listed_exactly($dir, &[$(stringify!($name)),*]);
            }
        }
    };
}

cases! { openmetrics, Format::OpenMetrics, "openmetrics" {
        bad_blank_line => Invalid("line 2: blank line (OpenMetrics has none)"),
        bad_blank_line_after_eof => Invalid("line 3: content after `# EOF`"),
        bad_blank_line_at_start => Invalid("line 1: blank line (OpenMetrics has none)"),
        bad_carriage_return => Invalid("line 1: invalid value `1\r` for `up`"),
        bad_comment => Invalid("line 1: `# just a comment` is not `# TYPE`, `# HELP`, `# UNIT` or `# EOF` (OpenMetrics has no comments)"),
        bad_commented_out_sample => Invalid("line 3: `#lat_count 0` is not `# TYPE`, `# HELP`, `# UNIT` or `# EOF` (OpenMetrics has no comments)"),
        bad_counter_clashes_with_later_total_gauge => Invalid("line 2: `hits_total` clashes with a sample name of the family `hits`"),
        bad_counter_nan => Invalid("line 2: `hits_total` must not be negative or NaN (it is NaN)"),
        bad_counter_negative => Invalid("line 2: `hits_total` must not be negative or NaN (it is -1)"),
        bad_counter_sample_without_total => Invalid("line 2: counter sample `hits` must end in `_total` or `_created`"),
        bad_created_gauge_clashes_with_counter => Invalid("line 2: the counter `hits` would use the name `hits_created` of the family `hits_created`"),
        bad_empty_exposition => Invalid("line 1: no `# EOF` at the end (OpenMetrics requires it)"),
        bad_eof_glued_to_text => Invalid("line 2: `# EOFx` is not `# TYPE`, `# HELP`, `# UNIT` or `# EOF` (OpenMetrics has no comments)"),
        bad_eof_with_text => Invalid("line 2: `# EOF now` is not `# TYPE`, `# HELP`, `# UNIT` or `# EOF` (OpenMetrics has no comments)"),
        bad_exemplar_hash_glued_to_labels => Invalid("line 2: unexpected `#id=\"a\"} 1` after the timestamp"),
        bad_exemplar_hash_only => Invalid("line 2: `#` with no exemplar after it"),
        bad_exemplar_hex_timestamp => Invalid("line 2: exemplar: invalid timestamp `0x1` (a decimal number of seconds)"),
        bad_exemplar_hex_value => Invalid("line 2: invalid exemplar value `0x1`"),
        bad_exemplar_labels_too_long => Invalid("line 2: exemplar labels are 129 characters long; OpenMetrics allows 128"),
        bad_exemplar_no_space_after_hash => Invalid("line 2: invalid timestamp `#{}` (a decimal number of seconds)"),
        bad_exemplar_no_space_before_hash => Invalid("line 2: invalid value `1#` for `hits_total`"),
        bad_exemplar_no_space_before_value => Invalid("line 2: exemplar: expected one space before its value"),
        bad_exemplar_on_counter_created => Invalid("line 2: exemplars are allowed only on counters' `_total` and on buckets"),
        bad_exemplar_on_gauge => Invalid("line 2: exemplars are allowed only on counters' `_total` and on buckets"),
        bad_exemplar_on_gauge_named_bucket => Invalid("line 2: exemplars are allowed only on counters' `_total` and on buckets"),
        bad_exemplar_on_gaugehistogram_sum => Invalid("line 2: exemplars are allowed only on counters' `_total` and on buckets"),
        bad_exemplar_on_histogram_sum => Invalid("line 2: exemplars are allowed only on counters' `_total` and on buckets"),
        bad_exemplar_on_info => Invalid("line 2: exemplars are allowed only on counters' `_total` and on buckets"),
        bad_exemplar_on_stateset => Invalid("line 2: exemplars are allowed only on counters' `_total` and on buckets"),
        bad_exemplar_on_summary => Invalid("line 2: exemplars are allowed only on counters' `_total` and on buckets"),
        bad_exemplar_on_untyped => Invalid("line 1: exemplars are allowed only on counters' `_total` and on buckets"),
        bad_exemplar_timestamp_inf => Invalid("line 2: exemplar: invalid timestamp `+Inf` (a decimal number of seconds)"),
        bad_exemplar_timestamp_minus_inf => Invalid("line 2: exemplar: invalid timestamp `-Inf` (a decimal number of seconds)"),
        bad_exemplar_timestamp_nan => Invalid("line 2: exemplar: invalid timestamp `NaN` (a decimal number of seconds)"),
        bad_exemplar_trailing_comma => Invalid("line 2: exemplar: a comma after the last label"),
        bad_exemplar_trailing_space => Invalid("line 2: exemplar: invalid timestamp `` (a decimal number of seconds)"),
        bad_exemplar_trailing_space_after_timestamp => Invalid("line 2: exemplar: invalid timestamp `2 ` (a decimal number of seconds)"),
        bad_exemplar_wide_labels_too_long => Invalid("line 2: exemplar labels are 129 characters long; OpenMetrics allows 128"),
        bad_exemplar_without_braces => Invalid("line 2: exemplar: expected `{`"),
        bad_exemplar_without_hash => Invalid("line 2: unexpected `{id=\"a\"} 1` after the timestamp"),
        bad_exemplar_without_opening_brace => Invalid("line 2: exemplar: expected `{`"),
        bad_exemplar_without_value => Invalid("line 2: exemplar: expected one space before its value"),
        bad_exemplar_without_value_two_spaces => Invalid("line 2: invalid exemplar value ``"),
        bad_family_declared_twice => Invalid("line 3: TYPE for `hits` comes after its samples"),
        bad_family_lines_apart => Invalid("line 3: the lines of `a` are not together (a family's lines must be)"),
        bad_family_redeclared_with_other_type => Invalid("line 2: second TYPE for `hits`"),
        bad_gaugehistogram_bucket_nan => Invalid("line 2: `q_bucket` must not be negative or NaN (it is NaN)"),
        bad_gaugehistogram_bucket_negative => Invalid("line 2: `q_bucket` must not be negative or NaN (it is -1)"),
        bad_gaugehistogram_bucket_without_le => Invalid("line 2: bucket `q_bucket` has no `le` label"),
        bad_gaugehistogram_gcount_negative => Invalid("line 3: `q_gcount` must not be negative or NaN (it is -1)"),
        bad_gaugehistogram_gcount_without_gsum => Invalid("line 4: `q`: a count and a sum go together; one of them is missing"),
        bad_gaugehistogram_groups_interleaved => Invalid("line 8: the samples of `q{s=\"a\"}` are not together (a series' lines must be)"),
        bad_gaugehistogram_gsum_nan => Invalid("line 4: `q_gsum` must not be NaN"),
        bad_gaugehistogram_gsum_only => Invalid("line 3: `q`: no `le=\"+Inf\"` bucket"),
        bad_gaugehistogram_gsum_without_gcount => Invalid("line 4: `q`: a count and a sum go together; one of them is missing"),
        bad_gaugehistogram_negative_gsum_without_negative_bucket => Invalid("line 5: `q`: `_gsum` is negative but no bucket is"),
        bad_help_after_samples => Invalid("line 3: HELP for `up` comes after its samples"),
        bad_help_empty_name => Invalid("line 1: HELP needs a metric name, a space and its text"),
        bad_help_invalid_name => Invalid("line 1: invalid metric name `up-time` in HELP"),
        bad_help_lone_backslash => Invalid("line 1: HELP text ends in a lone backslash"),
        bad_help_name_then_tab => Invalid("line 1: HELP needs a metric name, a space and its text"),
        bad_help_name_without_space => Invalid("line 1: HELP needs a metric name, a space and its text"),
        bad_help_twice => Invalid("line 2: second HELP for `up`"),
        bad_help_twice_empty => Invalid("line 2: second HELP for `up`"),
        bad_help_without_name => Invalid("line 1: `# HELP` is not `# TYPE`, `# HELP`, `# UNIT` or `# EOF` (OpenMetrics has no comments)"),
        bad_histogram_bucket_le_nan => Invalid("line 2: bucket `lat_bucket`: `le` is NaN"),
        bad_histogram_bucket_le_word => Invalid("line 2: bucket `lat_bucket`: invalid `le` `big`"),
        bad_histogram_bucket_nan => Invalid("line 2: `lat_bucket` must not be negative or NaN (it is NaN)"),
        bad_histogram_bucket_negative => Invalid("line 2: `lat_bucket` must not be negative or NaN (it is -2)"),
        bad_histogram_bucket_repeated => Invalid("line 3: `lat`: buckets out of order"),
        bad_histogram_bucket_without_le => Invalid("line 2: bucket `lat_bucket` has no `le` label"),
        bad_histogram_buckets_not_cumulative => Invalid("line 3: `lat`: bucket counts are not cumulative"),
        bad_histogram_buckets_out_of_order => Invalid("line 3: `lat`: buckets out of order"),
        bad_histogram_clashes_with_later_count => Invalid("line 3: `lat_count` clashes with a sample name of the family `lat`"),
        bad_histogram_count_before_buckets => Invalid("line 5: `lat`: the +Inf bucket 1 differs from the count 2"),
        bad_histogram_count_nan => Invalid("line 3: `lat_count` must not be negative or NaN (it is NaN)"),
        bad_histogram_count_negative => Invalid("line 2: `lat_count` must not be negative or NaN (it is -1)"),
        bad_histogram_count_without_sum => Invalid("line 4: `lat`: a count and a sum go together; one of them is missing"),
        bad_histogram_groups_interleaved => Invalid("line 8: the samples of `lat{op=\"r\"}` are not together (a series' lines must be)"),
        bad_histogram_inf_bucket_differs_from_count => Invalid("line 5: `lat`: the +Inf bucket 2 differs from the count 3"),
        bad_histogram_inf_spelled_as_word => Invalid("line 2: bucket `lat_bucket`: write `le=\"+Inf\"`, not `Infinity`"),
        bad_histogram_inf_spelled_in_capitals => Invalid("line 2: bucket `lat_bucket`: write `le=\"+Inf\"`, not `+INF`"),
        bad_histogram_negative_bucket_with_sum => Invalid("line 6: `lat`: a histogram with negative buckets has no `_sum`"),
        bad_histogram_sum_nan => Invalid("line 4: `lat_sum` must not be negative or NaN (it is NaN)"),
        bad_histogram_sum_negative => Invalid("line 4: `lat_sum` must not be negative or NaN (it is -1)"),
        bad_histogram_sum_only => Invalid("line 3: `lat`: no `le=\"+Inf\"` bucket"),
        bad_histogram_sum_without_count => Invalid("line 4: `lat`: a count and a sum go together; one of them is missing"),
        bad_histogram_without_inf_bucket => Invalid("line 5: `lat`: no `le=\"+Inf\"` bucket"),
        bad_info_sample_without_info => Invalid("line 2: info sample `build` must end in `_info`"),
        bad_info_value_two => Invalid("line 2: info sample `build_info` must have the value 1"),
        bad_info_value_zero => Invalid("line 2: info sample `build_info` must have the value 1"),
        bad_label_name_starts_with_digit => Invalid("line 1: invalid label name `9a`"),
        bad_label_name_with_colon => Invalid("line 1: label `a`: expected `=\"` after the name"),
        bad_label_twice => Invalid("line 1: label `a` appears twice"),
        bad_label_twice_with_hash_value => Invalid("line 1: label `a` appears twice"),
        bad_label_value_single_quotes => Invalid("line 1: label `a`: expected `=\"` after the name"),
        bad_label_value_unquoted => Invalid("line 1: label `a`: expected `=\"` after the name"),
        bad_label_value_unterminated => Invalid("line 1: label `a`: unterminated value"),
        bad_label_value_without_equals => Invalid("line 1: label `a`: expected `=\"` after the name"),
        bad_label_without_equals => Invalid("line 1: label `a`: expected `=\"` after the name"),
        bad_label_without_value => Invalid("line 1: label `a`: expected `=\"` after the name"),
        bad_labels_double_comma => Invalid("line 1: invalid label name ``"),
        bad_labels_missing_comma => Invalid("line 1: expected `,` or `}` after a label"),
        bad_labels_trailing_comma => Invalid("line 1: a comma after the last label"),
        bad_labels_unclosed => Invalid("line 1: expected `,` or `}` after a label"),
        bad_leading_space_before_metadata => Invalid("line 1: a line starts with a blank (OpenMetrics has none there)"),
        bad_leading_space_before_sample => Invalid("line 1: a line starts with a blank (OpenMetrics has none there)"),
        bad_metric_name_starts_with_digit => Invalid("line 1: invalid metric name `1up`"),
        bad_metric_name_with_dash => Invalid("line 1: invalid metric name `up-time`"),
        bad_metric_name_with_dot => Invalid("line 1: invalid metric name `up.time`"),
        bad_no_eof => Invalid("line 2: no `# EOF` at the end (OpenMetrics requires it)"),
        bad_no_space_after_labels => Invalid("line 1: expected one space before the value"),
        bad_none_then_timestamp => Invalid("line 3: `t`: some samples of the series have a timestamp and some do not"),
        bad_series_apart => Invalid("line 4: the samples of `up{a=\"1\"}` are not together (a series' lines must be)"),
        bad_series_duplicated => Invalid("line 3: duplicate series `up{a=\"1\"}`"),
        bad_space_around_equals => Invalid("line 1: label `a`: expected `=\"` after the name"),
        bad_space_inside_labels => Invalid("line 1: invalid label name ` b`"),
        bad_stateset_value_half => Invalid("line 2: stateset sample `mode` must be 0 or 1"),
        bad_stateset_value_two => Invalid("line 2: stateset sample `mode` must be 0 or 1"),
        bad_stateset_without_its_label => Invalid("line 2: stateset sample `mode` needs the label `mode`"),
        bad_summary_count_nan => Invalid("line 3: `rpc_count` must not be negative or NaN (it is NaN)"),
        bad_summary_count_negative => Invalid("line 3: `rpc_count` must not be negative or NaN (it is -1)"),
        bad_summary_interrupted_by_quantile_family => Invalid("line 4: `rpc_sum` clashes with a sample name of the family `rpc`"),
        bad_summary_quantile_above_one => Invalid("line 2: summary sample `rpc`: quantile `1.5` is not a number from 0 to 1"),
        bad_summary_quantile_nan => Invalid("line 2: summary sample `rpc`: quantile `NaN` is not a number from 0 to 1"),
        bad_summary_quantile_negative => Invalid("line 2: summary sample `rpc`: quantile `-0.1` is not a number from 0 to 1"),
        bad_summary_quantile_value_negative => Invalid("line 2: quantile `rpc` must not be negative (it is -0.5)"),
        bad_summary_quantile_word => Invalid("line 2: summary sample `rpc`: quantile `median` is not a number from 0 to 1"),
        bad_summary_sum_nan => Invalid("line 2: `rpc_sum` must not be negative or NaN (it is NaN)"),
        bad_summary_sum_negative => Invalid("line 2: `rpc_sum` must not be negative or NaN (it is -1)"),
        bad_summary_without_quantile => Invalid("line 2: summary sample `rpc` has no `quantile` label"),
        bad_text_after_eof => Invalid("line 3: content after `# EOF`"),
        bad_text_after_label_value => Invalid("line 1: expected `,` or `}` after a label"),
        bad_text_after_timestamp => Invalid("line 1: unexpected `6` after the timestamp"),
        bad_timestamp_hex => Invalid("line 1: invalid timestamp `0x10` (a decimal number of seconds)"),
        bad_timestamp_inf => Invalid("line 1: invalid timestamp `+Inf` (a decimal number of seconds)"),
        bad_timestamp_minus_inf => Invalid("line 1: invalid timestamp `-Inf` (a decimal number of seconds)"),
        bad_timestamp_nan => Invalid("line 1: invalid timestamp `NaN` (a decimal number of seconds)"),
        bad_timestamp_suffix => Invalid("line 1: invalid timestamp `10s` (a decimal number of seconds)"),
        bad_timestamp_then_none => Invalid("line 3: `t`: some samples of the series have a timestamp and some do not"),
        bad_timestamp_two_points => Invalid("line 1: invalid timestamp `1.2.3` (a decimal number of seconds)"),
        bad_timestamp_two_spaces => Invalid("line 1: invalid timestamp `` (a decimal number of seconds)"),
        bad_timestamp_underscore => Invalid("line 1: invalid timestamp `1_700` (a decimal number of seconds)"),
        bad_timestamp_word => Invalid("line 1: invalid timestamp `now` (a decimal number of seconds)"),
        bad_timestamps_backwards => Invalid("line 3: `t`: timestamps go back in time"),
        bad_timestamps_backwards_fraction => Invalid("line 3: `t`: timestamps go back in time"),
        bad_timestamps_backwards_negative => Invalid("line 3: `t`: timestamps go back in time"),
        bad_type_after_samples => Invalid("line 3: TYPE for `up` comes after its samples"),
        bad_type_empty_name => Invalid("line 1: TYPE needs a metric name, a space and its text"),
        bad_type_name_then_tab => Invalid("line 1: TYPE needs a metric name, a space and its text"),
        bad_type_trailing_space => Invalid("line 1: unknown metric type `gauge ` for `up`"),
        bad_type_twice => Invalid("line 2: second TYPE for `up`"),
        bad_type_unknown => Invalid("line 1: unknown metric type `meter` for `up`"),
        bad_type_unknown_trailing_space => Invalid("line 1: unknown metric type `meter ` for `up`"),
        bad_type_untyped => Invalid("line 1: unknown metric type `untyped` for `up`"),
        bad_type_uppercase => Invalid("line 1: unknown metric type `Gauge` for `up`"),
        bad_type_without_name => Invalid("line 1: `# TYPE` is not `# TYPE`, `# HELP`, `# UNIT` or `# EOF` (OpenMetrics has no comments)"),
        bad_type_without_type => Invalid("line 1: TYPE needs a metric name, a space and its text"),
        bad_unit_after_samples => Invalid("line 3: UNIT for `up_seconds` comes after its samples"),
        bad_unit_before_type_info => Invalid("line 2: `build_version` has a UNIT, which the type info cannot have"),
        bad_unit_empty_name => Invalid("line 1: UNIT needs a metric name, a space and its text"),
        bad_unit_name_then_tab => Invalid("line 1: UNIT needs a metric name, a space and its text"),
        bad_unit_name_without_space => Invalid("line 1: UNIT needs a metric name, a space and its text"),
        bad_unit_not_in_name => Invalid("line 1: the name `up` must end in `_seconds`, its unit"),
        bad_unit_on_info => Invalid("line 2: `build_version` is of type info, which has no UNIT"),
        bad_unit_on_stateset => Invalid("line 2: `mode_state` is of type stateset, which has no UNIT"),
        bad_unit_trailing_space => Invalid("line 1: invalid character ' ' in the unit of `up_seconds`"),
        bad_unit_twice => Invalid("line 2: second UNIT for `up_seconds`"),
        bad_unit_without_name => Invalid("line 1: `# UNIT` is not `# TYPE`, `# HELP`, `# UNIT` or `# EOF` (OpenMetrics has no comments)"),
        bad_unknown_metadata => Invalid("line 1: `# NOTE up something` is not `# TYPE`, `# HELP`, `# UNIT` or `# EOF` (OpenMetrics has no comments)"),
        bad_value_bad_exponent => Invalid("line 1: invalid value `1e` for `up`"),
        bad_value_bare_point => Invalid("line 1: invalid value `.` for `up`"),
        bad_value_binary => Invalid("line 1: invalid value `0b10` for `up`"),
        bad_value_hex => Invalid("line 1: invalid value `0x10` for `up`"),
        bad_value_hex_float => Invalid("line 1: invalid value `0x1.8p1` for `up`"),
        bad_value_hex_upper => Invalid("line 1: invalid value `0X10` for `up`"),
        bad_value_missing => Invalid("line 1: `up` has no value"),
        bad_value_missing_after_space => Invalid("line 1: invalid value `` for `up`"),
        bad_value_octal => Invalid("line 1: invalid value `0o17` for `up`"),
        bad_value_signed_nan => Invalid("line 1: invalid value `-NaN` for `up`"),
        bad_value_trailing_space => Invalid("line 1: invalid timestamp `` (a decimal number of seconds)"),
        bad_value_trailing_tab => Invalid("line 1: invalid value `1\t` for `up`"),
        bad_value_two_spaces => Invalid("line 1: invalid value `` for `up`"),
        bad_value_underscore => Invalid("line 1: invalid value `1_000` for `up`"),
        bad_value_word => Invalid("line 1: invalid value `yes` for `up`"),
        good_counter => Valid,
        good_counter_beyond_int64 => Valid,
        good_counter_created_any_value => Valid,
        good_counter_exemplar => Valid,
        good_counter_exemplar_empty_braces => Valid,
        good_counter_unit_and_created => Valid,
        good_empty_braces => Valid,
        good_empty_help => Valid,
        good_empty_help_and_unit_only => Valid,
        good_empty_label_value => Valid,
        good_escapes_any_character => Valid,
        good_exemplar_128_wide_characters => Valid,
        good_float_gauge => Valid,
        good_gauge => Valid,
        good_gaugehistogram => Valid,
        good_gaugehistogram_exemplars => Valid,
        good_gaugehistogram_negative_buckets => Valid,
        good_hash_and_braces_in_label_value => Valid,
        good_hash_in_label_values_and_exemplar => Valid,
        good_help_before_type => Valid,
        good_histogram => Valid,
        good_histogram_exemplars => Valid,
        good_histogram_groups_over_time => Valid,
        good_histogram_negative_buckets_without_sum => Valid,
        good_histogram_noncanonical_le => Valid,
        good_infinite_values => Valid,
        good_info_with_timestamps => Valid,
        good_label_escapes => Valid,
        good_leading_zeros => Valid,
        good_nan_gauge => Valid,
        good_nan_without_metadata => Valid,
        good_no_metadata => Valid,
        good_no_newline_after_eof => Valid,
        good_nul_in_help => Valid,
        good_points_equal_timestamps => Valid,
        good_points_increasing_timestamps => Valid,
        good_several_families => Valid,
        good_stateset => Valid,
        good_summary_nan_quantile => Valid,
        good_summary_quantiles => Valid,
        good_summary_without_quantiles => Valid,
        good_timestamp_forms => Valid,
        good_unit_gauge => Valid,
        good_unknown_type => Valid,
}}

cases! { prometheus_text, Format::Classic, "prometheus-text" {
        bad_family_lines_apart => Invalid("line 3: the samples of `a` are not together (a family's lines must be)"),
        bad_help_after_samples => Invalid("line 3: HELP for `up` comes after its samples"),
        bad_help_invalid_name => Invalid("line 1: invalid metric name `up-time` in HELP"),
        bad_help_twice => Invalid("line 2: second HELP for `up`"),
        bad_help_unknown_escape => Invalid("line 1: HELP for `up`: invalid escape (only `\\\\` and `\\n`)"),
        bad_help_without_name => Invalid("line 1: HELP needs a metric name"),
        bad_histogram_bucket_le_word => Invalid("line 2: bucket `lat_bucket`: invalid `le` `big`"),
        bad_histogram_bucket_without_le => Invalid("line 2: bucket `lat_bucket` has no `le` label"),
        bad_histogram_lines_apart => Invalid("line 4: the samples of `lat` are not together (a family's lines must be)"),
        bad_label_name => Invalid("line 1: invalid label name `9a`"),
        bad_label_twice => Invalid("line 1: label `a` appears twice"),
        bad_label_unknown_escape => Invalid("line 1: label `a`: invalid escape (only `\\\\`, `\\\"` and `\\n`)"),
        bad_label_value_unquoted => Invalid("line 1: label `a`: value must be quoted"),
        bad_label_value_unterminated => Invalid("line 1: label `a`: unterminated value"),
        bad_labels_double_comma => Invalid("line 1: invalid label name `,b`"),
        bad_labels_missing_comma => Invalid("line 1: expected `,` or `}` after a label"),
        bad_metric_name => Invalid("line 1: invalid metric name `up-time`"),
        bad_no_final_line_feed => Invalid("line 1: the last line does not end with a line feed (the format requires it)"),
        bad_series_duplicated => Invalid("line 2: duplicate series `up{b=\"2\",a=\"1\"}`"),
        bad_series_duplicated_with_timestamps => Invalid("line 2: duplicate series `up`"),
        bad_summary_quantile_above_one => Invalid("line 2: summary sample `rpc`: quantile `2` is not a number from 0 to 1"),
        bad_summary_without_quantile => Invalid("line 2: summary sample `rpc` has no `quantile` label"),
        bad_text_after_timestamp => Invalid("line 1: unexpected `6` after the value of `up`"),
        bad_timestamp_beyond_int64 => Invalid("line 1: invalid timestamp `9223372036854775808` for `up` (milliseconds, an integer)"),
        bad_timestamp_fraction => Invalid("line 1: invalid timestamp `1700000000.5` for `up` (milliseconds, an integer)"),
        bad_timestamp_word => Invalid("line 1: invalid timestamp `now` for `up` (milliseconds, an integer)"),
        bad_type_after_samples => Invalid("line 2: TYPE for `up` comes after its samples"),
        bad_type_openmetrics_only => Invalid("line 1: type `info` is OpenMetrics only; the response is the classic text format"),
        bad_type_twice => Invalid("line 2: second TYPE for `up`"),
        bad_type_unknown => Invalid("line 1: unknown metric type `meter` for `up`"),
        bad_type_without_name => Invalid("line 1: TYPE needs a metric name"),
        bad_type_without_type => Invalid("line 1: TYPE for `up` needs a type"),
        bad_value_hex_without_exponent => Invalid("line 1: invalid value `0x10` for `up`"),
        bad_value_missing => Invalid("line 1: `up` has no value"),
        bad_value_signed_nan => Invalid("line 1: invalid value `-NaN` for `up`"),
        bad_value_underscore => Invalid("line 1: invalid value `1_000` for `up`"),
        bad_value_word => Invalid("line 1: invalid value `one` for `up`"),
        good_blanks_and_tabs_between_tokens => Valid,
        good_comments_and_blank_lines => Valid,
        good_counter => Valid,
        good_empty_exposition => Valid,
        good_go_hex_float => Valid,
        good_help_escapes => Valid,
        good_help_without_text => Valid,
        good_histogram => Valid,
        good_integer_timestamps => Valid,
        good_label_escapes => Valid,
        good_negative_gauge => Valid,
        good_no_metadata => Valid,
        good_several_families => Valid,
        good_special_values => Valid,
        good_summary => Valid,
        good_trailing_label_comma => Valid,
        good_type_before_help => Valid,
        good_untyped => Valid,
        violation_counter_negative => Violations(&["`hits_total` (line 2): counter is negative (-1)"]),
        violation_histogram_buckets_out_of_order => Violations(&["`lat`: buckets are not in increasing order of `le`"]),
        violation_histogram_inf_differs_from_count => Violations(&["`lat`: +Inf bucket 1 differs from _count 2"]),
        violation_histogram_not_cumulative => Violations(&["`lat`: bucket counts are not cumulative"]),
        violation_histogram_without_inf_bucket => Violations(&["`lat`: no +Inf bucket"]),
        violation_summary_quantiles_out_of_order => Violations(&["`rpc` (line 3): quantiles are not in increasing order"]),
}}
