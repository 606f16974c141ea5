# kbwarden: `make demo` shows it working, `make test` runs everything.

# Tools are pinned and installed into ./bin.
CONTROLLER_GEN_VERSION ?= v0.23.0
LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_GEN_VERSION)
IMG ?= kbwarden:latest

GO_TEST_FLAGS ?= -race -count=1
# The same build the Dockerfile runs.
GO_BUILD = CGO_ENABLED=0 go build -trimpath -ldflags="-s -w"

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

.PHONY: all
all: build

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*?##/ { printf "  %-18s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRD and RBAC manifests.
	$(CONTROLLER_GEN) rbac:roleName=kbwarden-manager crd paths="./..." output:crd:artifacts:config=config/crd/bases

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate the DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: check-fmt
check-fmt: ## Fail when a file is not gofmt-formatted.
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

.PHONY: check-generated
check-generated: manifests generate ## Fail when generated files (CRDs, RBAC, deepcopy) are stale.
	@if [ -n "$$(git status --porcelain -- config api)" ]; then \
		echo "make manifests generate changed these files; run it and commit the result:"; \
		git status --porcelain -- config api; git --no-pager diff --stat -- config api; exit 1; fi

.PHONY: envtest
envtest: ## Build (once, cached) kube-apiserver and etcd; print their directory for KUBEBUILDER_ASSETS.
	@hack/envtest.sh

.PHONY: test
test: check-fmt vet check-generated ## Everything: checks, unit, envtest and end-to-end tests, with -race.
	@assets="$$(hack/envtest.sh)"; echo "KUBEBUILDER_ASSETS=$$assets"; \
	KUBEBUILDER_ASSETS="$$assets" go test $(GO_TEST_FLAGS) ./...

##@ Build

.PHONY: build
build: ## Build the manager (bin/kbwarden) and the kubectl plugin (bin/kubectl-kbwarden).
	$(GO_BUILD) -o bin/kbwarden .
	$(GO_BUILD) -o bin/kubectl-kbwarden ./cmd/kubectl-kbwarden

.PHONY: build-installer
build-installer: manifests ## Write dist/install.yaml: the CRD, RBAC and manager for a real cluster (set IMG).
	@mkdir -p dist
	kubectl kustomize config/default | sed 's|image: kbwarden:latest|image: $(IMG)|' > dist/install.yaml
	@echo "wrote dist/install.yaml"

.PHONY: run
run: ## Run the manager against the current kubeconfig.
	go run . --log-format=console

.PHONY: demo
demo: build ## The main job, end to end, on a local control plane and local AWS emulation; then tears it down.
	@go build -o bin/kbwarden-demo ./hack/demo
	@bin/kbwarden-demo

.PHONY: dev
dev: build ## Like demo, but stays up and prints the KUBECONFIG and AWS endpoints to explore.
	@go build -o bin/kbwarden-demo ./hack/demo
	@bin/kbwarden-demo -stay

##@ Benchmarks

N ?= 200
BENCH_SCALE_FLAGS ?=
.PHONY: bench-scale
bench-scale: build ## Many KnowledgeBases on one manager, quotas scaled 200x (N=200; make bench-scale N=1000); prints time to Ready, AWS requests, CPU and RSS.
	@go build -o bin/kbwarden-benchscale ./hack/benchscale
	@bin/kbwarden-benchscale -n $(N) $(BENCH_SCALE_FLAGS)

$(CONTROLLER_GEN):
	@mkdir -p $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)
	@mv $(LOCALBIN)/controller-gen $(CONTROLLER_GEN)
