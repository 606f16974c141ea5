# kbwarden's manager image: a static binary on distroless, running as non-root.
#
#   docker build -t kbwarden:latest .
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/kbwarden:TAG --push .

# The builder runs on the build machine's platform and cross-compiles (the
# binary is pure Go), so a multi-platform build needs no emulation.
FROM --platform=$BUILDPLATFORM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH

WORKDIR /workspace

# Dependencies first, in their own layer: it is rebuilt only when go.mod or
# go.sum change, not on every source edit.
COPY go.mod go.sum ./
RUN go mod download

# The manager's sources: main.go and the packages it imports.
COPY main.go ./
COPY api/ api/
COPY controllers/ controllers/
COPY internal/ internal/

# The same build as `make build` (the Makefile's GO_BUILD), for the target
# platform.
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w" -o kbwarden .

# distroless static: CA certificates (for the AWS APIs) and tzdata, no shell,
# no package manager. The nonroot tag runs as 65532.
FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/kbwarden /kbwarden
# Numeric, so that Kubernetes can verify runAsNonRoot.
USER 65532:65532

ENTRYPOINT ["/kbwarden"]
