# The protected MCP server as a container image, for people and CI with registry access:
#
#     docker build -t registry.example.com/mcp-fa:0.1.0 .
#     docker push registry.example.com/mcp-fa:0.1.0
#     mcp-fa export compose --image registry.example.com/mcp-fa:0.1.0
#
# Without a registry, `mcp-fa export compose` builds an equivalent image from the mcp-fa it runs
# as (src/export/image.rs): the same entrypoint, user, environment and health check, which
# tests/it/export/image.rs holds to this file.
#
# Configure it with MCP_FA_* variables (every `mcp-fa serve` flag has one; `mcp-fa serve --help`):
# at least MCP_FA_ISSUER (the tenant's issuer, what tokens carry as `iss`) and MCP_FA_PUBLIC_URL
# (the URL clients reach this server at, without /mcp); MCP_FA_FUSIONAUTH_URL when FusionAuth's
# API is reached another way (e.g. http://fusionauth:9011 inside a Compose network).

# Build: the Rust toolchain this repository needs (Cargo.toml's rust-version), glibc (Debian 12).
FROM rust:1.89-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --profile dist --locked --bin mcp-fa \
    && install -D -m 0755 target/dist/mcp-fa /out/mcp-fa

# Run: distroless's glibc + libgcc base, no shell, no package manager; user 65532 ("nonroot").
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/mcp-fa /usr/local/bin/mcp-fa
ENV MCP_FA_BIND=0.0.0.0:8000 MCP_FA_PUBLIC_URL=http://localhost:8000 MCP_FA_LOG_FORMAT=json MCP_FA_WAIT_FOR_ISSUER=120
USER 65532:65532
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/mcp-fa", "serve"]
# The Protected Resource Metadata answers once the server serves, protected, with the issuer's
# keys; mcp-fa asks it itself, since the image has no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 CMD ["/usr/local/bin/mcp-fa", "healthcheck"]
