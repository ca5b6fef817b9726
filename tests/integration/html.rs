//! The HTML report in a real browser: Debian's `chromium`, headless, opens the file that
//! `harden check --html` wrote and shows every check, draws the charts, and screenshots
//! to a PNG that is more than one colour. Without chromium the browser part is skipped
//! with a reason, except in CI (`CI` set), where it fails.

use crate::harness::{Harden, Output, wait_output};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A passing and a failing `http` check, one that cannot be evaluated (nothing listens on
/// port 9), and a `load` check with its latency figures.
const SUITE: &str = r#"suite: html
instance:
  command: ["harden-fixture", "--port", "${PORT}"]
  ready: { http: /health/ready }
vars:
  auth: { X-User-Id: html, X-User-Email: html@example.com }
setup:
  - request: { method: POST, path: /runs, headers: "${auth}", json: { profile: html } }
    expect: { status: 201 }
    capture: { run_id: "$.run_id" }
checks:
  - id: health-is-up
    http: { request: { path: /health }, expect: { status: 200 } }
  - id: wrong-status
    http: { request: { path: /health }, expect: { status: 404 } }
  - id: closed-port
    severity: low
    http: { request: { url: "http://127.0.0.1:9/nothing" }, expect: { status: 200 } }
  - id: get-run-latency
    variant:
      env: { RATE_LIMIT: "1000000/minute" }
    load:
      request: { path: "/runs/${run_id}" }
      requests: 100
      concurrency: 5
      thresholds: { p95: 2s }
"#;

const CHECKS: [(&str, &str); 4] = [
    ("health-is-up", "pass"),
    ("wrong-status", "fail"),
    ("closed-port", "error"),
    ("get-run-latency", "pass"),
];

/// Runs the suite with `--html`; returns the run and the page's path.
fn run() -> (Output, PathBuf) {
    let h = Harden::check_yaml(SUITE);
    let page = h.path("report.html");
    let out = h.args(["--html", &page]).run();
    assert_eq!(out.code, 1, "a check failed: {out}");
    for (id, status) in CHECKS {
        assert_eq!(out.status_of(id), status, "{id}: {out}");
    }
    (out, PathBuf::from(page))
}

/// `chromium` on PATH, or why the browser tests cannot run (a failure in CI).
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("chromium"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed, and CI is set: the HTML report's browser test must run (apt-get install chromium)"
        );
        eprintln!("skipped: chromium is not on PATH (apt-get install chromium to run this test)");
    }
    found
}

/// Runs headless chromium on `page` with `args`, output into files (its helpers may keep
/// a pipe open after it exits); returns its stdout.
fn browse(chromium: &Path, page: &Path, args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &format!("--user-data-dir={}", dir.path().join("profile").display()),
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("spawn chromium");
    let (code, _, _) = wait_output(child, Duration::from_secs(90));
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    assert_eq!(code, 0, "chromium failed:\n{stderr}");
    std::fs::read_to_string(&out).expect("chromium's output")
}

/// A copy of the page with a probe script at its end, which writes what the browser laid
/// out into attributes that `--dump-dom` shows: each chart's and bar's measured size, and
/// whether each check's summary line is on screen, and its size once the filter shows
/// only the failures.
fn probed(page: &Path, html: &str) -> PathBuf {
    const PROBE: &str = r#"<script>
const size = (e) => { const b = e.getBoundingClientRect(); return Math.round(b.width) + "x" + Math.round(b.height); };
for (const svg of document.querySelectorAll("svg.chart")) {
  svg.setAttribute("data-drawn", size(svg));
  svg.setAttribute("data-bars", [...svg.querySelectorAll("rect.bar")].map(size).join(" "));
}
for (const c of document.querySelectorAll("details.check")) {
  c.setAttribute("data-summary", size(c.querySelector("summary")));
}
document.getElementById("show-fail").checked = true;
for (const c of document.querySelectorAll("details.check")) {
  c.setAttribute("data-when-fail-shown", size(c));
}
document.body.setAttribute("data-probed", "yes");
</script></body>"#;
    let path = page.with_file_name("probed.html");
    std::fs::write(&path, html.replace("</body>", PROBE)).expect("write the probed page");
    path
}

/// `name="value"` of the first element that `at` starts, as the DOM dump shows it.
fn attr<'a>(dom: &'a str, at: &str, name: &str) -> &'a str {
    let start = dom
        .find(at)
        .unwrap_or_else(|| panic!("{at} not in the DOM:\n{dom}"));
    let tag = &dom[start..start + dom[start..].find('>').expect("tag ends")];
    let key = format!("{name}=\"");
    let v = tag
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} on {tag}"))
        + key.len();
    &tag[v..v + tag[v..].find('"').expect("value ends")]
}

/// "WxH" -> both positive.
fn drawn(size: &str) -> bool {
    size.split('x')
        .map(|n| n.parse::<u32>().unwrap_or(0))
        .all(|n| n > 0)
}

#[test]
fn the_html_report_shows_every_check_and_its_charts_draw_in_chromium() {
    let (out, page) = run();
    let html = out.file("report.html");
    for (id, status) in CHECKS {
        assert!(
            html.contains(&format!("id=\"check-html-{id}\" data-status=\"{status}\"")),
            "{id} {status}:\n{html}"
        );
    }
    let Some(chromium) = chromium() else { return };
    let dom = browse(&chromium, &probed(&page, &html), &["--dump-dom"]);
    assert!(dom.contains("data-probed=\"yes\""), "the probe ran:\n{dom}");
    for (id, status) in CHECKS {
        let at = format!("<details class=\"check {status}\" id=\"check-html-{id}\"");
        assert!(
            drawn(attr(&dom, &at, "data-summary")),
            "{id}'s line is on screen"
        );
        // The status filter (CSS only) hides every check but the failures.
        let shown = attr(&dom, &at, "data-when-fail-shown");
        assert_eq!(
            drawn(shown),
            status == "fail",
            "{id} with the filter on fail: {shown}"
        );
    }
    for chart in ["categories", "latency"] {
        let at = format!("<svg class=\"chart {chart}\"");
        let size = attr(&dom, &at, "data-drawn");
        assert!(drawn(size), "{chart}: {size}");
        let bars: Vec<&str> = attr(&dom, &at, "data-bars").split(' ').collect();
        assert!(
            !bars.is_empty() && bars.iter().all(|b| drawn(b)),
            "{chart}: {bars:?}"
        );
        if chart == "latency" {
            assert_eq!(bars.len(), 4, "p50, p95, p99 and max: {bars:?}");
        }
    }

    // The probe is not vacuous: a chart the browser cannot draw measures zero.
    let broken = page.with_file_name("broken.html");
    std::fs::write(
        &broken,
        html.replace(
            "<svg class=\"chart latency\"",
            "<svg style=\"display: none\" class=\"chart latency\"",
        ),
    )
    .unwrap();
    let dom = browse(
        &chromium,
        &probed(&broken, &std::fs::read_to_string(&broken).unwrap()),
        &["--dump-dom"],
    );
    let size = attr(
        &dom,
        "<svg style=\"display: none\" class=\"chart latency\"",
        "data-drawn",
    );
    assert!(!drawn(size), "a hidden chart measures {size}");

    // The screenshot: the page as people see it, kept for looking at.
    let png = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-report.png");
    let _ = std::fs::remove_file(&png);
    browse(
        &chromium,
        &page,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2000",
        ],
    );
    let bytes = std::fs::read(&png).expect("the screenshot was written");
    let image = png::decode(&bytes);
    assert_eq!((image.width, image.height), (1280, 2000));
    let colours = image.colours();
    assert!(
        colours.len() >= 8,
        "a screenshot of the report has text, badges and bars: {} colours",
        colours.len()
    );
    let background = colours.values().max().copied().unwrap_or(0);
    assert!(
        (background as f64) < 0.98 * (image.width * image.height) as f64,
        "the page is not one colour with specks: {background} of {} pixels share one",
        image.width * image.height
    );
    eprintln!("screenshot: {}", png.display());
}

/// `harden report` renders the same page from the results file: the HTML is a pure
/// function of what was recorded.
#[test]
fn harden_report_renders_the_same_html_from_the_results_file() {
    let (out, _) = run();
    let again = Harden::new();
    let page = again.path("again.html");
    let results = out.dir.path().join("results.json").display().to_string();
    let re = again.args(["report", &results, "--html", &page]).run();
    assert_eq!(re.code, 1, "{re}");
    assert_eq!(re.file("again.html"), out.file("report.html"));
}

/// Just enough of PNG (8-bit RGB or RGBA, not interlaced) to count a screenshot's colours.
mod png {
    use std::collections::HashMap;
    use std::io::Read;

    pub struct Image {
        pub width: u32,
        pub height: u32,
        bpp: usize,
        pixels: Vec<u8>,
    }

    impl Image {
        /// How many pixels have each colour.
        pub fn colours(&self) -> HashMap<&[u8], usize> {
            let mut m = HashMap::new();
            for p in self.pixels.chunks(self.bpp) {
                *m.entry(p).or_default() += 1;
            }
            m
        }
    }

    fn be32(b: &[u8]) -> u32 {
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    pub fn decode(bytes: &[u8]) -> Image {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
        let (mut at, mut header, mut data) = (8, None, Vec::new());
        while at + 8 <= bytes.len() {
            let len = be32(&bytes[at..]) as usize;
            let kind = &bytes[at + 4..at + 8];
            let body = &bytes[at + 8..at + 8 + len];
            match kind {
                b"IHDR" => {
                    header = Some((be32(body), be32(&body[4..]), body[8], body[9], body[12]))
                }
                b"IDAT" => data.extend_from_slice(body),
                _ => {}
            }
            at += 12 + len;
        }
        let (width, height, depth, colour, interlace) = header.expect("an IHDR chunk");
        assert_eq!((depth, interlace), (8, 0), "8-bit, not interlaced");
        let bpp = match colour {
            2 => 3,
            6 => 4,
            other => panic!("colour type {other}"),
        };
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(&data[..])
            .read_to_end(&mut raw)
            .expect("zlib data");
        let stride = width as usize * bpp;
        assert_eq!(
            raw.len(),
            (stride + 1) * height as usize,
            "the image's size"
        );
        let mut pixels = vec![0u8; stride * height as usize];
        for y in 0..height as usize {
            let filter = raw[y * (stride + 1)];
            let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
            for x in 0..stride {
                let a = if x >= bpp {
                    pixels[y * stride + x - bpp]
                } else {
                    0
                } as i16;
                let b = if y > 0 {
                    pixels[(y - 1) * stride + x]
                } else {
                    0
                } as i16;
                let c = if x >= bpp && y > 0 {
                    pixels[(y - 1) * stride + x - bpp]
                } else {
                    0
                } as i16;
                let predicted = match filter {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => {
                        let p = a + b - c;
                        let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                        if pa <= pb && pa <= pc {
                            a
                        } else if pb <= pc {
                            b
                        } else {
                            c
                        }
                    }
                    other => panic!("filter {other}"),
                };
                pixels[y * stride + x] = line[x].wrapping_add(predicted as u8);
            }
        }
        Image {
            width,
            height,
            bpp,
            pixels,
        }
    }
}
