# palisade: `docker build -t palisade .` — the CLI and the admission webhook (`palisade serve`).
# The built-in policies are compiled to WebAssembly by the build script and embedded.
FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN rustup target add wasm32-unknown-unknown
COPY . .
RUN cargo build --release --locked -p palisade-cli \
 && install -D -m 0755 target/release/palisade /out/palisade

# distroless: no shell, no package manager; runs as the unprivileged user 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/palisade /usr/local/bin/palisade
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/palisade"]
CMD ["serve", "--config=/etc/palisade/config.yaml", "--tls-cert=/etc/palisade/tls/tls.crt", "--tls-key=/etc/palisade/tls/tls.key"]
