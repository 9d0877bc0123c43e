# syntax=docker/dockerfile:1
# kvrachu-bot: a build stage with the Rust toolchain, and a small runtime stage holding only the binary.
# The migrations are compiled into the binary (sqlx::migrate! in src/store/mod.rs) and applied at start,
# and so are the texts (locales/, rust-embed): the runtime image needs no other file of the project.
# TLS roots are built in too (rustls with webpki roots): no ca-certificates package is needed.

FROM rust:1.95-slim-bookworm AS build
# make builds jemalloc, the binary's allocator (tikv-jemalloc-sys).
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a change in src/ does not rebuild them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches examples \
 && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
 && for b in benches/clinics_tap.rs benches/reminders.rs benches/watch.rs examples/load.rs; do echo 'fn main() {}' > "$b"; done \
 && cargo build --release --locked --bin kvrachu-bot \
 && rm -rf src
COPY src src
COPY migrations migrations
COPY locales locales
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin kvrachu-bot

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/kvrachu --create-home kvrachu
COPY --from=build /src/target/release/kvrachu-bot /usr/local/bin/kvrachu-bot
USER kvrachu
WORKDIR /var/lib/kvrachu
ENV HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080
# Ready: the database answers, the migrations are applied, the registry answered lately (see README).
HEALTHCHECK --interval=30s --timeout=6s --start-period=20s CMD ["kvrachu-bot", "healthcheck", "/readyz"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["kvrachu-bot"]
