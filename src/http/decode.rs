//! Content codings (RFC 9110 section 8.4.1): a compressed body is decoded before any
//! assertion sees it, never to more than the body limit, so a small bomb cannot fill memory.

use std::io::Read;

/// `bytes` decoded from `encoding` (lowercase), at most `limit` bytes of output.
pub(crate) fn decode(encoding: &str, bytes: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let reader: Box<dyn Read + '_> = match encoding {
        "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(bytes)),
        // HTTP's `deflate` is the zlib format; some servers send raw deflate instead.
        "deflate" if bytes.first().is_some_and(|b| b & 0x0f == 8) => {
            Box::new(flate2::read::ZlibDecoder::new(bytes))
        }
        "deflate" => Box::new(flate2::read::DeflateDecoder::new(bytes)),
        "br" => Box::new(brotli_decompressor::Decompressor::new(bytes, 4096)),
        "zstd" => Box::new(
            ruzstd::decoding::StreamingDecoder::new(bytes)
                .map_err(|e| format!("the zstd body could not be decoded: {e}"))?,
        ),
        other => {
            return Err(format!(
                "the body is encoded with `{other}`, which harden cannot decode (it decodes gzip, deflate, br and zstd)"
            ));
        }
    };
    let mut out = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("the {encoding} body could not be decoded: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!(
            "the {encoding} body decodes to more than the {} limit",
            crate::read::size(limit)
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/encodings")
                .join(name),
        )
        .unwrap()
    }

    fn decodes(enc: &str, file: &str) {
        let out = decode(enc, &data(file), 1024).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(&format!("\"encoding\": \"{enc}\"")),
            "{enc}: {text}"
        );
    }

    /// One test per coding, so that one failing hides none of the others.
    macro_rules! every_coding_decodes {
        ($($name:ident: $enc:literal from $file:literal;)*) => {
            $(#[test] fn $name() { decodes($enc, $file) })*
        };
    }

    every_coding_decodes! {
        gzip_decodes: "gzip" from "body.gz";
        deflate_decodes: "deflate" from "body.deflate";
        br_decodes: "br" from "body.br";
        zstd_decodes: "zstd" from "body.zst";
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let e = decode("gzip", &data("bomb.gz"), 1024 * 1024).unwrap_err();
        assert_eq!(e, "the gzip body decodes to more than the 1 MiB limit");
    }
}
