# harden alone: the static musl binary from a release and nothing else (no shell, no libc).
# The release workflow (.github/workflows/release.yml) builds it for linux/amd64 and
# linux/arm64 with each binary unpacked into the context as linux/<arch>/harden, and pushes
# it to ghcr.io as <owner>/harden:<tag>.
#
#   docker run --rm -v "$PWD:/work" -w /work ghcr.io/<owner>/harden:v0.1.0 report shard-*.json
#
# To put harden into an image of your own (a CI image with the service's runtime):
#
#   COPY --from=ghcr.io/<owner>/harden:v0.1.0 /usr/local/bin/harden /usr/local/bin/harden
FROM scratch
ARG TARGETARCH=amd64
COPY linux/${TARGETARCH}/harden /usr/local/bin/harden
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/harden"]
